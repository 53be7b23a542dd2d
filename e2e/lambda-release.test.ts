// The bundled action, run as the GitHub runner runs it (Node 24, INPUT_*, file commands, the
// post step), against the local cloud with live traffic and self-evaluating alarms.
import { parseMarker } from '../src/marker.js';
import { useTestCloud, waitFor } from './local-cloud-env.js';
import { newRunnerContext, runStep, startStep, type RunnerContext, printed } from './runner.js';
import { ALIAS, analysisInputs, ERRORS_ALARM, FUNCTION, lambdaScenario, releaseInputs } from './scenarios.js';

const t = useTestCloud();

const aliasNow = () => t.control.alias(FUNCTION, ALIAS);
const weightsOf = async () => (await aliasNow()).RoutingConfig?.AdditionalVersionWeights ?? {};
const main = (ctx: RunnerContext, inputs: Record<string, string>, env: Record<string, string> = {}) =>
  runStep({ step: 'main', ctx, inputs, env: { ...t.env, ...env } });

describe('a release against the local cloud', () => {
  it('promotes a healthy version, and the post step then does nothing', async () => {
    await t.control.loadScenario(lambdaScenario());
    const ctx = newRunnerContext();
    // Gated by the alarm and by the analysis, which the traffic gives enough to pass.
    const result = await main(ctx, releaseInputs(analysisInputs()));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({
      result: 'promoted',
      'previous-version': '1',
      'target-version': '2',
    });
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    expect(await weightsOf()).toEqual({});
    expect(parseMarker((await aliasNow()).Description)).toMatchObject({
      state: 'promoted',
      run: expect.stringMatching(/^acme\/shop#4242\.1\/release~[0-9a-f]{6}$/),
    });
    const writes = (await t.control.writes()).map((w) => w.operation);
    expect(writes).toEqual(['PublishVersion', 'UpdateAlias', 'UpdateAlias', 'UpdateAlias']);
    // CloudTrail's userAgent names the run that made each change.
    for (const write of await t.control.writes()) {
      expect(write.userAgent).toMatch(
        /\bserverless-canary\/0\.1\.0\b.*\bmd\/github-repository#acme%2Fshop md\/github-run#4242 md\/github-run-attempt#1\b/,
      );
    }
    expect(result.summary).toContain('Promoted');

    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('the main step finished its rollout');
    expect((await t.control.writes()).length).toBe(4);
  });

  it('rolls back a version failing 20% of invocations, caught by the alarm the local cloud evaluated', async () => {
    await t.control.loadScenario(lambdaScenario({ canaryErrorRate: 0.2 }));
    const ctx = newRunnerContext();
    const result = await main(ctx, releaseInputs({ strategy: '20%:30s, 50%:30s' }));
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('rolled-back');
    expect(result.outputs.reason).toContain(`${ERRORS_ALARM} is ALARM: Threshold Crossed`);
    expect(result.stdout).toContain('::error::Rolled back: gate alarms failed');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({});
    // Caught in the first step, long before its 30 s hold ended.
    expect(Number(result.outputs['duration-seconds'])).toBeLessThan(20);
    const alarm = await t.control.alarm(ERRORS_ALARM);
    expect(alarm.Frozen).toBe(false);
  });

  it('waits for a code update still in progress before publishing', async () => {
    await t.control.loadScenario({ ...lambdaScenario(), updateSettleMs: 2_500 });
    // New code lands just before the release: LastUpdateStatus is InProgress for 2.5 s.
    await t.control.deployCode(FUNCTION, { code: 'v3' });
    await t.control.clearWrites();
    const result = await main(newRunnerContext(), releaseInputs({ strategy: 'AllAtOnce' }));
    expect(result.outputs).toMatchObject({ result: 'promoted', 'target-version': '2' });
    // Published once, after the update settled: never refused with a 409.
    expect((await t.control.writes()).map((w) => [w.operation, w.status])).toEqual([
      ['PublishVersion', 201],
      ['UpdateAlias', 200],
    ]);
    expect(Number(result.outputs['duration-seconds'])).toBeGreaterThanOrEqual(2);
  });

  describe('SIGTERM while preflight waits for a code update to settle', () => {
    const cases = [
      { name: 'between polls of the waiter', faults: undefined },
      // Each GetFunction of the waiter hangs for 8 s: the signal lands while one is in flight.
      {
        name: 'during a GetFunction that hangs',
        faults: { lambda: { delayMs: 8_000, operations: ['GetFunction'] } },
      },
    ];
    it.each(cases)(
      '$name: nothing published, the alias untouched, the process gone within the grace',
      async ({ faults }) => {
        // The new code stays InProgress for a minute: far longer than the test.
        await t.control.loadScenario({ ...lambdaScenario(), updateSettleMs: 60_000 });
        await t.control.deployCode(FUNCTION, { code: 'v3' });
        if (faults) await t.control.setFaults(faults);
        await t.control.clearWrites();
        const step = startStep({
          step: 'main',
          ctx: newRunnerContext(),
          inputs: releaseInputs({ strategy: 'AllAtOnce' }),
          env: t.env,
        });
        // The plan is printed once the inputs are checked, just before preflight starts waiting; the
        // pause lets the waiter poll (its polls are at least 1 s apart).
        await printed(step.child, 'Plan: AllAtOnce');
        await new Promise((r) => setTimeout(r, 2_500));
        const sentAt = Date.now();
        step.child.kill('SIGTERM');
        const result = await step.done;
        const exitMs = Date.now() - sentAt;
        expect(result.code).toBe(1);
        expect(result.outputs).toMatchObject({
          result: 'failed',
          reason: 'cancelled by SIGTERM before any change to the alias',
        });
        expect(exitMs).toBeLessThan(7_500);
        // The process is gone: no publish or alias write can come later.
        expect(await t.control.writes()).toEqual([]);
        expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
      },
    );
  });

  it('publishing unchanged code is no-change, with no alias write', async () => {
    await t.control.loadScenario(lambdaScenario());
    await main(newRunnerContext(), releaseInputs({ strategy: 'AllAtOnce' }));
    await t.control.clearWrites();
    const again = await main(newRunnerContext(), releaseInputs());
    expect(again.code).toBe(0);
    expect(again.outputs).toMatchObject({ result: 'no-change', 'target-version': '2' });
    expect((await t.control.writes()).map((w) => w.operation)).toEqual(['PublishVersion']);
  });

  it("SIGTERM mid-rollout rolls back before the process exits, well inside the runner's 7.5 s", async () => {
    await t.control.loadScenario(lambdaScenario());
    const ctx = newRunnerContext();
    const step = startStep({ step: 'main', ctx, inputs: releaseInputs({ strategy: '20%:60s' }), env: t.env });
    await waitFor('the split', async () => Object.keys(await weightsOf()).length > 0);
    const sentAt = Date.now();
    step.child.kill('SIGTERM');
    const result = await step.done;
    const exitMs = Date.now() - sentAt;
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ result: 'rolled-back', reason: 'cancelled by SIGTERM' });
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({});
    expect(exitMs).toBeLessThan(7_500);
    // The main step finished its rollout (a rollback): the post step leaves the alias alone.
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.stdout).toContain('nothing to do');
  });

  it('writes the finest weight a Lambda alias routes exactly as asked', async () => {
    await t.control.loadScenario(lambdaScenario());
    const step = startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs({ strategy: '0.0001%:60s, 12.3456%:60s' }),
      env: t.env,
    });
    await waitFor('the split', async () => Object.keys(await weightsOf()).length > 0);
    expect(await weightsOf()).toEqual({ '2': 0.000001 });
    step.child.kill('SIGTERM');
    expect((await step.done).outputs.result).toBe('rolled-back');
  });

  it('SIGKILL mid-rollout, then the post step: the alias ends on one version', async () => {
    await t.control.loadScenario(lambdaScenario());
    const ctx = newRunnerContext();
    const step = startStep({ step: 'main', ctx, inputs: releaseInputs({ strategy: '20%:60s' }), env: t.env });
    await waitFor('the split', async () => (await weightsOf())['2'] === 0.2);
    step.child.kill('SIGKILL');
    const killed = await step.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(await weightsOf()).toEqual({ '2': 0.2 });

    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.code).toBe(1);
    expect(post.stdout).toContain(
      '::error::The main step did not finish (the main step stopped with the alias split at 20%25 on version 2); the post step rolled alias live back to version 1',
    );
    expect(post.outputs.result).toBe('rolled-back');
    expect(post.summary).toContain('Rolled back');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({});
    expect(parseMarker((await aliasNow()).Description)?.state).toBe('rolled-back');
  });

  it('a kill at any point, then the post step, leaves the alias on exactly one version', async () => {
    // Kill points from before the first write to after the promotion: fixed delays, then one
    // taken only once the alias shows the promotion (a fixed delay would race the machine's load).
    const killPoints: (number | 'promoted')[] = [30, 120, 250, 400, 700, 1_100, 1_600, 'promoted'];
    const endings: string[] = [];
    for (const point of killPoints) {
      await t.control.loadScenario(lambdaScenario());
      const ctx = newRunnerContext();
      const step = startStep({
        step: 'main',
        ctx,
        inputs: releaseInputs({ strategy: '20%:1s, 50%:1s' }),
        env: t.env,
      });
      if (point === 'promoted') {
        await waitFor(
          'the promotion',
          async () => parseMarker((await aliasNow()).Description)?.state === 'promoted',
        );
      } else {
        await new Promise((r) => setTimeout(r, point));
      }
      step.child.kill('SIGKILL');
      await step.done;
      await runStep({ step: 'post', ctx, env: t.env });
      const alias = await aliasNow();
      expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
      expect(['1', '2']).toContain(alias.FunctionVersion);
      endings.push(alias.FunctionVersion);
    }
    // A kill before any write leaves version 1, one after the promotion version 2.
    expect(endings[0]).toBe('1');
    expect(endings.at(-1)).toBe('2');
  });

  it('when the rollback itself keeps failing, the post step finishes it', async () => {
    await t.control.loadScenario(lambdaScenario());
    const ctx = newRunnerContext();
    const step = startStep({ step: 'main', ctx, inputs: releaseInputs({ strategy: '20%:60s' }), env: t.env });
    await waitFor('the split', async () => (await weightsOf())['2'] === 0.2);
    await t.control.setFaults({ lambda: { error5xx: 1, operations: ['UpdateAlias'] } });
    await t.control.setAlarmState(ERRORS_ALARM, 'ALARM', 'Threshold Crossed: forced', true);
    const main = await step.done;
    expect(main.outputs.result).toBe('failed');
    expect(main.outputs.reason).toMatch(/then the rollback failed: Could not roll back to version 1/);
    expect(await weightsOf()).toEqual({ '2': 0.2 });

    await t.control.clearFaults();
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.outputs.result).toBe('rolled-back');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({});
  });

  it('two runs on one alias never both proceed, not even two legs of one matrix job', async () => {
    await t.control.loadScenario(lambdaScenario());
    await t.control.clearWrites();
    const first = startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs({ strategy: '20%:60s' }),
      env: t.env,
    });
    await waitFor("the first run's split", async () => Object.keys(await weightsOf()).length > 0);
    const held = { '2': 0.2 };

    // Another run, with the default policy: refused, naming the run that holds the alias.
    const other = await main(newRunnerContext(), releaseInputs({ version: '2' }), { GITHUB_RUN_ID: '4343' });
    expect(other.outputs.result).toBe('failed');
    expect(other.outputs.reason).toMatch(/already split: .*run acme\/shop#4242\.1\/release~[0-9a-f]{6} /);
    // Another leg of the same matrix job (same run, attempt and job), asking to clear any split:
    // the first is still running, so it is not taken over either.
    const leg = await main(
      newRunnerContext(),
      releaseInputs({ version: '2', 'on-existing-split': 'rollback' }),
    );
    expect(leg.outputs.result).toBe('failed');
    expect(leg.outputs.reason).toMatch(/may still be running/);
    expect(await weightsOf()).toEqual(held);

    first.child.kill('SIGTERM');
    expect((await first.done).outputs.result).toBe('rolled-back');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({});
  });

  it('alias writes whose answers are lost (carried out, then the connection dropped) change no outcome', async () => {
    const lost = { lambda: { dropAfter: 0.3, operations: ['UpdateAlias'] } };
    await t.control.loadScenario(lambdaScenario({ extra: { faults: lost } }));
    const healthy = await main(newRunnerContext(), releaseInputs());
    expect(healthy.outputs.result).toBe('promoted');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    expect(await weightsOf()).toEqual({});
    // Answers really were lost along the way, and recovered from.
    expect((await t.control.faults()).lambda?.injected).toBeGreaterThan(0);

    await t.control.loadScenario(lambdaScenario({ canaryErrorRate: 0.2, extra: { faults: lost } }));
    const failing = await main(newRunnerContext(), releaseInputs({ strategy: '20%:30s, 50%:30s' }));
    expect(failing.outputs).toMatchObject({ result: 'rolled-back' });
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({});
  });

  it('20% injected throttling and server errors change no outcome', async () => {
    const faults = { throttle: 0.1, error5xx: 0.1 };
    await t.control.loadScenario(
      lambdaScenario({ extra: { faults: { lambda: faults, cloudwatch: faults } } }),
    );
    const result = await main(newRunnerContext(), releaseInputs());
    expect(result.outputs.result).toBe('promoted');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    expect(await weightsOf()).toEqual({});
  });
});
