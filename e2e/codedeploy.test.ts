// engine: codedeploy through dist/ against the local cloud: the action creates a CodeDeploy
// deployment of the alias and follows it; the local cloud's CodeDeploy moves the alias by its
// config on a fast clock (CODEDEPLOY_MINUTE_MS), stops on alarms, runs hooks and rolls back as a
// new deployment. The writes log and the local cloud's CodeDeploy state say what really happened.
import { readFileSync } from 'node:fs';
import type { CodeDeployView } from '../sim/control-client.js';
import { useTestCloud, waitFor } from './local-cloud-env.js';
import { newRunnerContext, runStep, startStep, type RunnerContext } from './runner.js';
import {
  ALIAS,
  analysisInputs,
  CODEDEPLOY_APPLICATION,
  CODEDEPLOY_GROUP,
  CODEDEPLOY_ROLE,
  codeDeployInputs,
  codeDeployScenario,
  ERRORS_ALARM,
  FUNCTION,
  hookFunction,
  type CodeDeployScenarioOptions,
} from './scenarios.js';

const PRE_HOOK = 'CodeDeployHook_pre';

const t = useTestCloud();

const main = (ctx: RunnerContext, inputs: Record<string, string>) =>
  runStep({ step: 'main', ctx, inputs, env: t.env });
const aliasNow = () => t.control.alias(FUNCTION, ALIAS);
const deployments = async () => Object.values((await t.control.codedeploy()).deployments);
/** The one deployment the action created (creator user), with its rollback when there is one. */
const created = async (): Promise<CodeDeployView['deployments'][string]> => {
  const mine = (await deployments()).filter((d) => d.creator === 'user');
  expect(mine).toHaveLength(1);
  return mine[0]!;
};
const aliasSplit = async () =>
  Object.keys((await aliasNow()).RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0;
/** The writes of the action's own calls, not CodeDeploy's shifts of the alias. */
const actionWrites = async () =>
  (await t.control.writes()).filter((w) => !w.userAgent?.startsWith('codedeploy.amazonaws.com'));
/** Every write to the alias, whoever made it (the action's own calls, CodeDeploy's shifts). */
const aliasWrites = async () =>
  (await t.control.writes()).filter((w) => w.operation === 'UpdateAlias').map((w) => w.userAgent ?? '');

/** The scenario loaded and the writes log emptied, so that it shows this run's writes only. */
const load = async (options: CodeDeployScenarioOptions = {}) => {
  await t.control.loadScenario(codeDeployScenario(options));
  await t.control.clearWrites();
};

/** A deployment id as the report writes it (Markdown-escaped). */
const inMarkdown = (id: string) => id.replace('-', '\\-');

describe('engine: codedeploy through dist/', () => {
  it('a canary deployment that succeeds: the alias on the new version, the report with the weights CodeDeploy applied', async () => {
    await load();
    const result = await main(newRunnerContext(), codeDeployInputs());
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'promoted', code: 0 });
    const deployment = await created();
    expect(result.outputs['codedeploy-deployment-id']).toBe(deployment.deploymentId);
    expect(deployment).toMatchObject({
      status: 'Succeeded',
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    });
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    // CodeDeploy moved the alias (10%, then all), not the action.
    const writes = await aliasWrites();
    expect(writes).toHaveLength(2);
    for (const w of writes)
      expect(w).toContain(`codedeploy.amazonaws.com (deployment ${deployment.deploymentId})`);
    const json = JSON.parse(readFileSync(result.outputs.report!, 'utf8'));
    expect(json.record.steps.map((s: { weight: number }) => s.weight)).toEqual([10]);
    expect(json.record.followed).toMatchObject({ id: deployment.deploymentId, state: 'succeeded' });
    expect(result.summary).toContain(inMarkdown(deployment.deploymentId));
    expect(result.summary).toMatch(/\| 1 of 1 \| 10% \|/);
  }, 60_000);

  it('stopped by its alarm: CodeDeploy rolls back as a new deployment, which the report names', async () => {
    // The group's own alarm, which only CodeDeploy watches (the action reads the alarms input).
    await load({ canaryErrorRate: 0.5, minuteMs: 3_000, groupAlarms: [ERRORS_ALARM] });
    const result = await main(newRunnerContext(), codeDeployInputs({ alarms: '' }));
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'rolled-back', code: 1 });
    const deployment = await created();
    expect(deployment).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' } });
    const rollbackId = deployment.rollbackInfo?.rollbackDeploymentId;
    expect(rollbackId).toMatch(/^d-/);
    expect(result.outputs.reason).toContain('ALARM_ACTIVE');
    expect(result.outputs.reason).toContain(ERRORS_ALARM);
    expect(result.summary).toContain(inMarkdown(rollbackId!));
    const alias = await aliasNow();
    expect(alias).toMatchObject({ FunctionVersion: '1' });
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
    // The deployment watched the alarm the inputs named.
    const state = await t.control.codedeploy();
    expect(state.deployments[deployment.deploymentId]).toMatchObject({ creator: 'user' });
    expect(state.deployments[rollbackId!]).toMatchObject({
      creator: 'codeDeployRollback',
      status: 'Succeeded',
    });
    // The rollback is the group's last attempted deployment; a command without an id reads the one it undid.
    const status = await main(newRunnerContext(), codeDeployInputs({ command: 'status' }));
    expect(status.outputs['codedeploy-deployment-id']).toBe(deployment.deploymentId);
    expect(status.outputs.result).toBe('rolled-back');
  }, 60_000);

  it('stopped by the action reading the alarm first: StopDeployment with rollback, the report with the alarm reading', async () => {
    // CodeDeploy notices the alarm a minute late: the action, polling every second, sees it first.
    await load({ canaryErrorRate: 0.5, minuteMs: 3_000, alarmDelayMs: 60_000 });
    const result = await main(newRunnerContext(), codeDeployInputs());
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'rolled-back', code: 1 });
    expect(result.outputs.reason).toMatch(/^gate alarms failed/);
    expect(result.outputs.reason).toContain(ERRORS_ALARM);
    const deployment = await created();
    expect(deployment).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect(deployment.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    const json = JSON.parse(readFileSync(result.outputs.report!, 'utf8'));
    const readings = json.record.steps.flatMap(
      (s: { readings: { gate: string; status: string }[] }) => s.readings,
    );
    expect(readings.filter((r: { gate: string }) => r.gate === 'alarms').at(-1)).toMatchObject({
      status: 'fail',
    });
    expect(result.summary).toContain(ERRORS_ALARM);
  }, 60_000);

  it("a failing pre-traffic hook fails the deployment before any traffic moves, and the report says CodeDeploy's error", async () => {
    await load({
      functions: [hookFunction(PRE_HOOK, { errorRate: 1 })],
      hookReports: { [PRE_HOOK]: 'outcome' },
    });
    const result = await main(newRunnerContext(), codeDeployInputs({ 'pre-traffic-hook': PRE_HOOK }));
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'rolled-back', code: 1 });
    const deployment = await created();
    expect(deployment).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HOOK_EXECUTION_FAILURE' },
    });
    expect(result.outputs.reason).toContain('HOOK_EXECUTION_FAILURE');
    // CodeDeploy invoked the hook with its own payload; the alias never moved.
    const invocations = await t.control.invocations(PRE_HOOK);
    expect(invocations.map((i) => JSON.parse(i.payload))).toEqual([
      { DeploymentId: deployment.deploymentId, LifecycleEventHookExecutionId: expect.any(String) },
    ]);
    expect(await aliasWrites()).toEqual([]);
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
  }, 60_000);

  it("stopped by the action's analysis: StopDeployment with rollback, the traffic back on the old version", async () => {
    // No alarm in the deployment: only the analysis can see the canary's errors.
    await load({ canaryErrorRate: 0.3, rate: 100, minuteMs: 3_000 });
    const result = await main(newRunnerContext(), codeDeployInputs({ alarms: '', ...analysisInputs() }));
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'rolled-back', code: 1 });
    expect(result.outputs.reason).toMatch(/^gate analysis failed/);
    const deployment = await created();
    expect(deployment).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect(deployment.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    const ops = (await t.control.writes('codedeploy')).map((w) => w.operation);
    expect(ops).toEqual(['CreateDeployment', 'StopDeployment']);
  }, 90_000);

  it('cancelled by SIGTERM during the canary: stopped and rolled back before the process exits', async () => {
    await load({ minuteMs: 3_000 });
    const step = startStep({ step: 'main', ctx: newRunnerContext(), inputs: codeDeployInputs(), env: t.env });
    await waitFor('the canary at 10%', aliasSplit);
    step.child.kill('SIGTERM');
    const result = await step.done;
    // Read at once after the exit: nothing is left for CodeDeploy or a post step to do.
    const alias = await aliasNow();
    const deployment = await created();
    expect(alias).toMatchObject({ FunctionVersion: '1' });
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
    expect(deployment).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    const rollback = (await t.control.codedeploy()).deployments[
      deployment.rollbackInfo!.rollbackDeploymentId!
    ];
    expect(rollback).toMatchObject({ status: 'Succeeded' });
    expect(result.outputs.result).toBe('rolled-back');
    expect(result.outputs.reason).toContain('cancelled by SIGTERM');
  }, 60_000);

  it('wait: false returns at once with the deployment id; command status reads it later, in progress then promoted', async () => {
    await load({ minuteMs: 3_000 });
    const started = await main(newRunnerContext(), codeDeployInputs({ wait: 'false' }));
    expect({ result: started.outputs.result, code: started.code }).toEqual({ result: 'started', code: 0 });
    const id = started.outputs['codedeploy-deployment-id']!;
    expect((await created()).deploymentId).toBe(id);
    const status = (more: Record<string, string> = {}) =>
      main(
        newRunnerContext(),
        codeDeployInputs({ command: 'status', 'codedeploy-deployment-id': id, ...more }),
      );
    const during = await status();
    expect({ result: during.outputs.result, code: during.code }).toEqual({ result: 'in-progress', code: 0 });
    expect(during.outputs['codedeploy-deployment-id']).toBe(id);
    await waitFor('the deployment to succeed', async () => (await created()).status === 'Succeeded', 40_000);
    // Without an id, the group's latest deployment.
    const after = await main(newRunnerContext(), codeDeployInputs({ command: 'status' }));
    expect({ result: after.outputs.result, id: after.outputs['codedeploy-deployment-id'] }).toEqual({
      result: 'promoted',
      id,
    });
    expect(after.outputs.weight).toBe('100');
    // Status writes nothing.
    expect((await t.control.writes('codedeploy')).map((w) => w.operation)).toEqual(['CreateDeployment']);
  }, 90_000);

  it('another active deployment in the group is refused before any change, naming its id and status', async () => {
    await load({ minuteMs: 3_000 });
    const first = await main(newRunnerContext(), codeDeployInputs({ wait: 'false' }));
    const id = first.outputs['codedeploy-deployment-id']!;
    await t.control.clearWrites();
    const second = await main(newRunnerContext(), codeDeployInputs());
    expect({ result: second.outputs.result, code: second.code }).toEqual({ result: 'failed', code: 1 });
    expect(second.outputs.reason).toMatch(
      new RegExp(`already has an active deployment, ${id} \\((InProgress|Created)\\)`),
    );
    // The first deployment goes on moving the alias meanwhile; the refused run wrote nothing.
    expect(await actionWrites()).toEqual([]);
  }, 60_000);

  it('a custom canary becomes a custom deployment config, created once and reused', async () => {
    await load();
    const first = await main(newRunnerContext(), codeDeployInputs({ strategy: 'canary 20% 1m' }));
    expect(first.outputs.result).toBe('promoted');
    const state = await t.control.codedeploy();
    expect(state.deploymentConfigs['ServerlessCanary.Canary20Percent1Minute']).toMatchObject({
      computePlatform: 'Lambda',
      trafficRoutingConfig: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: 20, canaryInterval: 1 },
      },
    });
    expect(first.summary).toContain('created deployment config');
    await t.control.deployCode(FUNCTION, { code: 'v3' });
    await t.control.clearWrites();
    const second = await main(newRunnerContext(), codeDeployInputs({ strategy: 'canary 20% 1m' }));
    expect(second.outputs.result).toBe('promoted');
    expect(second.summary).toContain('reused deployment config');
    expect((await t.control.writes('codedeploy')).map((w) => w.operation)).toEqual(['CreateDeployment']);
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '3' });
  }, 60_000);

  it('codedeploy-create makes the Lambda application and the deployment group, then deploys', async () => {
    await load({ noGroup: true });
    const result = await main(
      newRunnerContext(),
      codeDeployInputs({ 'codedeploy-create': 'true', 'codedeploy-service-role-arn': CODEDEPLOY_ROLE }),
    );
    expect(result.outputs.result).toBe('promoted');
    const ops = (await t.control.writes('codedeploy')).map((w) => w.operation);
    expect(ops).toEqual(['CreateApplication', 'CreateDeploymentGroup', 'CreateDeployment']);
    const state = await t.control.codedeploy();
    expect(Object.keys(state.deploymentGroups)).toEqual([`${CODEDEPLOY_APPLICATION}/${CODEDEPLOY_GROUP}`]);
  }, 60_000);

  it.each([
    [
      'a strategy CodeDeploy cannot run',
      { strategy: '10%:1m, 30%:1m' },
      {},
      /Input "strategy": .*not one canary step nor equal increments/,
    ],
    ['a hold of seconds', { strategy: 'canary 10% 30s' }, {}, /CodeDeploy takes whole minutes only/],
    [
      'a stage target',
      {
        target: 'api-gateway-stage',
        'rest-api-id': 'abc123',
        stage: 'prod',
        'function-name': '',
        alias: '',
        version: '',
      },
      {},
      /deploys Lambda aliases only/,
    ],
    [
      'a missing group without codedeploy-create',
      {},
      { noGroup: true },
      /Input "codedeploy-application": CodeDeploy application "shop" does not exist/,
    ],
    [
      'codedeploy-create without a role',
      { 'codedeploy-create': 'true' },
      { noGroup: true },
      /Input "codedeploy-service-role-arn" is required/,
    ],
  ] as const)(
    '%s is refused before any write',
    async (_what, inputs, scenario, message) => {
      await load(scenario);
      const result = await main(newRunnerContext(), codeDeployInputs(inputs));
      expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'failed', code: 1 });
      expect(result.outputs.reason).toMatch(message);
      expect(await t.control.writes()).toEqual([]);
      expect(await deployments()).toEqual([]);
    },
    30_000,
  );

  it('command rollback stops a deployment left by wait: false, with rollback', async () => {
    await load({ minuteMs: 3_000 });
    const started = await main(newRunnerContext(), codeDeployInputs({ wait: 'false' }));
    const id = started.outputs['codedeploy-deployment-id']!;
    await waitFor('the canary at 10%', aliasSplit);
    const result = await main(
      newRunnerContext(),
      codeDeployInputs({ command: 'rollback', 'codedeploy-deployment-id': id }),
    );
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'rolled-back', code: 1 });
    expect(result.outputs.reason).toMatch(
      new RegExp(`^command rollback: CodeDeploy deployment ${id} stopped \\(MANUAL_STOP`),
    );
    expect(await created()).toMatchObject({ status: 'Stopped' });
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(result.outputs.weight).toBe('0');
  }, 60_000);

  it('killed during the canary, the post step stops the deployment with rollback', async () => {
    await load({ minuteMs: 3_000 });
    const ctx = newRunnerContext();
    const step = startStep({ step: 'main', ctx, inputs: codeDeployInputs(), env: t.env });
    await waitFor('the canary at 10%', aliasSplit);
    step.child.kill('SIGKILL');
    await step.done;
    expect(await created()).toMatchObject({ status: 'InProgress' });
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect({ result: post.outputs.result, code: post.code }).toEqual({ result: 'rolled-back', code: 1 });
    expect(post.outputs.reason).toContain('the post step stopped alias live of orders (1 → 2)');
    expect(await created()).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    const alias = await aliasNow();
    expect(alias).toMatchObject({ FunctionVersion: '1' });
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  }, 60_000);

  it('the post step after a finished run does nothing', async () => {
    await load();
    const ctx = newRunnerContext();
    const result = await main(ctx, codeDeployInputs());
    expect(result.outputs.result).toBe('promoted');
    await t.control.clearWrites();
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('Post step: nothing to do');
    expect(await t.control.writes()).toEqual([]);
  }, 60_000);

  it('command promote follows a deployment left by wait: false to its end', async () => {
    await load({ minuteMs: 1_000 });
    const started = await main(newRunnerContext(), codeDeployInputs({ wait: 'false' }));
    const id = started.outputs['codedeploy-deployment-id']!;
    const result = await main(
      newRunnerContext(),
      codeDeployInputs({ command: 'promote', 'codedeploy-deployment-id': id }),
    );
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'promoted', code: 0 });
    expect(await created()).toMatchObject({ deploymentId: id, status: 'Succeeded' });
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    // Following writes nothing of its own.
    expect((await t.control.writes('codedeploy')).map((w) => w.operation)).toEqual(['CreateDeployment']);
  }, 60_000);

  it('a dry run checks everything and names the config, changing nothing', async () => {
    await load();
    const result = await main(
      newRunnerContext(),
      codeDeployInputs({ strategy: 'canary 20% 3m', 'dry-run': 'true' }),
    );
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'dry-run', code: 0 });
    expect(result.outputs.reason).toContain(
      'by ServerlessCanary.Canary20Percent3Minutes, and changed nothing',
    );
    expect(await t.control.writes()).toEqual([]);
    expect(await deployments()).toEqual([]);
  }, 30_000);
});
