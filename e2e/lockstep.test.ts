// Lockstep releases through dist/: five functions moved together on alias `live`, promoted; all
// back when one function's new version fails its alarm; the other four back when another actor
// changes one function's alias mid-rollout (that one left as the actor set it); start then promote
// across them in separate jobs; a killed run's post step (a killed promote's too, the aliases it had
// not reached yet included); and writes paced under Lambda's rate.
import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { parseMarker } from '../src/marker.js';
import { useTestCloud, waitFor } from './local-cloud-env.js';
import { newRunnerContext, runStep, startStep, type RunnerContext } from './runner.js';
import {
  ALIAS,
  analysisInputs,
  canaryErrorsAlarm,
  hookFunction,
  lambdaClient,
  LOCKSTEP_FUNCTIONS,
  lockstepInputs,
  lockstepScenario,
} from './scenarios.js';

const t = useTestCloud();

const aliasOf = (fn: string) => t.control.alias(fn, ALIAS);
/** Every function's alias as [version, weights], in input order. */
const routing = async (functions: readonly string[] = LOCKSTEP_FUNCTIONS) =>
  Promise.all(
    functions.map(async (fn) => {
      const alias = await aliasOf(fn);
      return [alias.FunctionVersion, alias.RoutingConfig?.AdditionalVersionWeights ?? {}];
    }),
  );
const allOn = (version: string, functions: readonly string[] = LOCKSTEP_FUNCTIONS) =>
  functions.map(() => [version, {}]);
const aliasWrites = async () => (await t.control.writes()).filter((w) => w.operation === 'UpdateAlias');

const job = (inputs: Record<string, string>, ctx: RunnerContext = newRunnerContext()) =>
  runStep({ step: 'main', ctx, inputs, env: t.env });

describe('lockstep releases of five functions', () => {
  it('promotes all five: every alias on its new version, one marker run, a row per function', async () => {
    await t.control.loadScenario(lockstepScenario());
    const result = await job(lockstepInputs());
    expect({ code: result.code, reason: result.outputs.reason }).toMatchObject({ code: 0 });
    expect(result.outputs).toMatchObject({
      result: 'promoted',
      'previous-version': '1,1,1,1,1',
      'target-version': '2,2,2,2,2',
    });
    expect(await routing()).toEqual(allOn('2'));
    const markers = await Promise.all(
      LOCKSTEP_FUNCTIONS.map(async (fn) => parseMarker((await aliasOf(fn)).Description)),
    );
    expect(markers.map((m) => m?.state)).toEqual(Array(5).fill('promoted'));
    expect(new Set(markers.map((m) => m?.run)).size).toBe(1);
    // Two steps and the promotion, each one write per function, in input order.
    const writes = await aliasWrites();
    expect(writes.map((w) => w.target)).toEqual(
      [1, 2, 3].flatMap(() => LOCKSTEP_FUNCTIONS.map((fn) => `${fn}:${ALIAS}`)),
    );
    for (const fn of LOCKSTEP_FUNCTIONS) expect(result.summary).toContain(`| ${fn} | 1 → 2 | version 2 |`);
    expect(result.summary).toContain('5 functions in lockstep');
  });

  it('rolls all five back when one function’s new version fails its alarm', async () => {
    await t.control.loadScenario(lockstepScenario({ failing: ['stock'] }));
    const result = await job(lockstepInputs());
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('rolled-back');
    expect(result.outputs.reason).toContain(canaryErrorsAlarm('stock'));
    expect(await routing()).toEqual(allOn('1'));
    for (const fn of LOCKSTEP_FUNCTIONS) expect(result.summary).toContain(`| ${fn} | 1 → 2 | version 1 |`);
    const markers = await Promise.all(
      LOCKSTEP_FUNCTIONS.map(async (fn) => parseMarker((await aliasOf(fn)).Description)),
    );
    expect(markers.map((m) => m?.state)).toEqual(Array(5).fill('rolled-back'));
  });

  it('rolls the other four back when another actor changes one function’s alias mid-rollout, and leaves that one as set', async () => {
    await t.control.loadScenario(lockstepScenario());
    const step = startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: lockstepInputs({ strategy: '20%:3s, 50%:3s' }),
      env: t.env,
    });
    await waitFor('all five split at 20%', async () =>
      (await routing()).every(([, weights]) => (weights as Record<string, number>)['2'] === 0.2),
    );
    // Someone promotes billing by hand, with a description of their own.
    await lambdaClient(t).send(
      new UpdateAliasCommand({
        FunctionName: 'billing',
        Name: ALIAS,
        FunctionVersion: '2',
        RoutingConfig: { AdditionalVersionWeights: {} },
        Description: 'hotfix by hand',
      }),
    );
    const result = await step.done;
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('failed');
    expect(result.outputs.reason).toMatch(
      /^function billing: alias live of function billing was changed by someone else/,
    );
    expect(result.outputs.reason).toContain('the other functions were rolled back');
    expect(result.outputs.reason).toContain(
      'orders: version 1; billing: changed by someone else: all traffic on version 2; stock: version 1; shipping: version 1; email: version 1',
    );
    expect(await routing()).toEqual([
      ['1', {}],
      ['2', {}],
      ['1', {}],
      ['1', {}],
      ['1', {}],
    ]);
    expect((await aliasOf('billing')).Description).toBe('hotfix by hand');
    expect(result.summary).toContain(
      '| billing | 1 → 2 | changed by someone else: all traffic on version 2 |',
    );
  });

  it('start in one job leaves every alias split; the post step leaves them; promote in another finishes all', async () => {
    await t.control.loadScenario(lockstepScenario());
    const inputs = lockstepInputs({ strategy: '20%:2s, 50%:2s' });
    const ctx = newRunnerContext();
    const started = await job({ ...inputs, command: 'start' }, ctx);
    expect({ code: started.code, reason: started.outputs.reason }).toMatchObject({ code: 0 });
    expect(started.outputs).toMatchObject({ result: 'started', weight: '20' });
    expect(await routing()).toEqual(LOCKSTEP_FUNCTIONS.map(() => ['1', { '2': 0.2 }]));
    const writes = (await t.control.writes()).length;
    expect((await runStep({ step: 'post', ctx, env: t.env })).code).toBe(0);
    expect((await t.control.writes()).length).toBe(writes);

    const status = await job({ ...inputs, command: 'status' });
    expect(status.outputs.result).toBe('in-progress');
    for (const fn of LOCKSTEP_FUNCTIONS)
      expect(status.outputs.reason).toContain(`alias live of function ${fn}`);
    expect((await t.control.writes()).length).toBe(writes);

    const promoted = await job({ ...inputs, command: 'promote' });
    expect({ code: promoted.code, reason: promoted.outputs.reason }).toMatchObject({ code: 0 });
    expect(promoted.outputs).toMatchObject({ result: 'promoted', 'target-version': '2,2,2,2,2' });
    expect(await routing()).toEqual(allOn('2'));
  });

  it('a promote killed part way through a step, then its post step: the aliases it had not reached yet go back too', async () => {
    await t.control.loadScenario(lockstepScenario());
    const inputs = lockstepInputs({ strategy: '20%:2s, 50%:60s' });
    expect((await job({ ...inputs, command: 'start' })).outputs.result).toBe('started');
    // Slow writes: the promote's writes of the 50% step land one at a time.
    await t.control.setFaults({ lambda: { delayMs: 1500, operations: ['UpdateAlias'] } });
    const before = (await aliasWrites()).length;
    const ctx = newRunnerContext();
    const step = startStep({ step: 'main', ctx, inputs: { ...inputs, command: 'promote' }, env: t.env });
    await waitFor('the first alias at 50%', async () =>
      (await routing()).some(([, weights]) => (weights as Record<string, number>)['2'] === 0.5),
    );
    step.child.kill('SIGKILL');
    expect((await step.done).signal).toBe('SIGKILL');
    // The write under way when the job was killed still lands; then the faults go.
    await waitFor('the write under way', async () => (await aliasWrites()).length === before + 2);
    await t.control.clearFaults();
    const split = (await routing()).map(([, weights]) => (weights as Record<string, number>)['2']);
    expect(split.filter((w) => w === 0.2).length).toBeGreaterThan(0);
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.outputs.result).toBe('rolled-back');
    expect(await routing()).toEqual(allOn('1'));
  });

  it('refuses promote when one alias lost its marker, naming it, before any write', async () => {
    await t.control.loadScenario(lockstepScenario());
    const inputs = lockstepInputs({ strategy: '20%:2s, 50%:2s' });
    expect((await job({ ...inputs, command: 'start' })).outputs.result).toBe('started');
    await lambdaClient(t).send(
      new UpdateAliasCommand({ FunctionName: 'shipping', Name: ALIAS, Description: 'edited by hand' }),
    );
    const writes = (await t.control.writes()).length;
    const promoted = await job({ ...inputs, command: 'promote' });
    expect(promoted.code).toBe(1);
    expect(promoted.outputs.reason).toMatch(
      /^refused to promote alias live of function shipping: it is split \(20% on version 2\) but carries no marker of this action/,
    );
    expect((await t.control.writes()).length).toBe(writes);
  });

  it('a killed run, then the post step: every alias back on one version', async () => {
    await t.control.loadScenario(lockstepScenario());
    const ctx = newRunnerContext();
    const step = startStep({
      step: 'main',
      ctx,
      inputs: lockstepInputs({ strategy: '20%:60s' }),
      env: t.env,
    });
    await waitFor('all five split at 20%', async () =>
      (await routing()).every(([, weights]) => (weights as Record<string, number>)['2'] === 0.2),
    );
    step.child.kill('SIGKILL');
    expect((await step.done).signal).toBe('SIGKILL');
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.outputs.result).toBe('rolled-back');
    expect(post.stdout).toContain(
      'the post step rolled alias live of 5 functions back to their previous versions',
    );
    expect(await routing()).toEqual(allOn('1'));
    for (const fn of LOCKSTEP_FUNCTIONS) expect(post.summary).toContain(`| ${fn} | 1 → 2 | version 1 |`);
  });

  it('refuses, every function checked and every problem named in one error, before any write', async () => {
    await t.control.loadScenario(
      lockstepScenario({
        change: (spec) => {
          // billing's new version runs under another role; shipping is split by someone else.
          if (spec.name === 'billing') spec.versions![1]!.role = 'arn:aws:iam::123456789012:role/other';
          if (spec.name === 'shipping') spec.aliases = [{ name: ALIAS, version: '1', weights: { '2': 0.1 } }];
        },
      }),
    );
    await t.control.clearWrites();
    const result = await job(lockstepInputs());
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('failed');
    expect(result.outputs.reason).toMatch(
      /^Lockstep release of 5 functions refused before any change \(2 problems\)/,
    );
    expect(result.outputs.reason).toContain(
      'function billing: Lambda cannot split alias live of function billing',
    );
    expect(result.outputs.reason).toContain('function shipping: Alias live of shipping is already split');
    expect(await t.control.writes()).toEqual([]);
  });

  it('tells a traffic hook every function of the release', async () => {
    await t.control.loadScenario(lockstepScenario({ extra: [hookFunction('pre-check')] }));
    const result = await job(lockstepInputs({ strategy: 'AllAtOnce', 'pre-traffic-hook': 'pre-check' }));
    expect({ code: result.code, reason: result.outputs.reason }).toMatchObject({ code: 0 });
    const [payload] = (await t.control.invocations('pre-check')).map(
      (i) => JSON.parse(i.payload) as Record<string, unknown>,
    );
    expect(payload).toMatchObject({
      target: 'lambda-alias',
      function: 'orders',
      alias: ALIAS,
      currentVersion: '1',
      targetVersion: '2',
      functions: LOCKSTEP_FUNCTIONS.map((fn) => ({ function: fn, currentVersion: '1', targetVersion: '2' })),
    });
  });

  it('judges each function in the analysis, one subject each', async () => {
    await t.control.loadScenario(lockstepScenario({ rate: 60 }));
    const result = await job(lockstepInputs({ ...analysisInputs(), alarms: '', strategy: '20%:4s, 50%:4s' }));
    expect({ code: result.code, reason: result.outputs.reason }).toMatchObject({ code: 0 });
    expect(result.outputs.result).toBe('promoted');
    // A verdict row per function, each judged on its own versions' metrics.
    for (const fn of LOCKSTEP_FUNCTIONS)
      expect(result.summary).toMatch(
        new RegExp(`\\| ${fn}:live error rate \\| 0\\.00% \\(0 of \\d+\\) \\| .* ✅ pass \\|`),
      );
  });

  it('a cancelled run (SIGTERM) rolls every alias back before it exits', async () => {
    await t.control.loadScenario(lockstepScenario());
    const step = startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: lockstepInputs({ strategy: '20%:60s' }),
      env: t.env,
    });
    await waitFor('all five split at 20%', async () =>
      (await routing()).every(([, weights]) => (weights as Record<string, number>)['2'] === 0.2),
    );
    step.child.kill('SIGTERM');
    const result = await step.done;
    expect(result.outputs).toMatchObject({ result: 'rolled-back', reason: 'cancelled by SIGTERM' });
    expect(await routing()).toEqual(allOn('1'));
  });

  it('publishes each function with one "publish" line, then releases the new versions together', async () => {
    await t.control.loadScenario(
      lockstepScenario({ change: (spec) => (spec.latest = { code: `${spec.name}-v3`, errorRate: 0 }) }),
    );
    const result = await job(lockstepInputs({ version: 'publish', strategy: '50%:2s' }));
    expect({ code: result.code, reason: result.outputs.reason }).toMatchObject({ code: 0 });
    expect(result.outputs).toMatchObject({ 'previous-version': '1,1,1,1,1', 'target-version': '3,3,3,3,3' });
    expect(await routing()).toEqual(allOn('3'));
    const published = (await t.control.writes()).filter((w) => w.operation === 'PublishVersion');
    expect(published).toHaveLength(5);
  });

  it('a dry run checks every function and names each one’s move, changing nothing', async () => {
    await t.control.loadScenario(lockstepScenario());
    await t.control.clearWrites();
    const result = await job(lockstepInputs({ 'dry-run': 'true' }));
    expect({ code: result.code, result: result.outputs.result }).toEqual({ code: 0, result: 'dry-run' });
    expect(result.outputs.reason).toBe(
      'dry run: every check passed; would move alias live of 5 functions in lockstep (orders: 1 → 2, billing: 1 → 2, stock: 1 → 2, shipping: 1 → 2, email: 1 → 2) by 20%:3s, 50%:3s, and changed nothing',
    );
    expect(result.summary).toContain('email: UpdateAlias live: 20% on version 2, 80% on version 1');
    expect(await t.control.writes()).toEqual([]);
  });

  it('paces the writes of twelve functions at 10 a second', async () => {
    const twelve = Array.from({ length: 12 }, (_, i) => `fn${i + 1}`);
    await t.control.loadScenario(lockstepScenario({ functions: twelve }));
    const result = await job(lockstepInputs({ strategy: 'AllAtOnce' }, twelve));
    expect({ code: result.code, reason: result.outputs.reason }).toMatchObject({ code: 0 });
    expect(await routing(twelve)).toEqual(allOn('2', twelve));
    const times = (await aliasWrites()).map((w) => Date.parse(w.time));
    expect(times).toHaveLength(12);
    // The eleventh write waits until a second after the first.
    expect(times[10]! - times[0]!).toBeGreaterThanOrEqual(1000);
    for (let i = 10; i < times.length; i++) expect(times[i]! - times[i - 10]!).toBeGreaterThanOrEqual(1000);
  });
});
