// The split-phase commands through dist/, each in its own process as separate jobs run them:
// start leaves the split (and its post step leaves it alone), a later promote or rollback finds
// the release in the marker alone, status writes nothing, and a promote without our marker, or
// with another release's, is refused before any write. For a Lambda alias and an API Gateway stage.
import { APIGatewayClient, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { parseMarker } from '../src/marker.js';
import { useTestCloud, waitFor } from './local-cloud-env.js';
import {
  newRunnerContext,
  printed,
  runStep,
  startStep,
  type RunnerContext,
  type StepResult,
} from './runner.js';
import {
  ALIAS,
  apiGatewayClient,
  buildRestApi,
  FUNCTION,
  hookFunction,
  lambdaScenario,
  releaseInputs,
  STAGE,
  stageInputs,
  stageScenario,
} from './scenarios.js';

const t = useTestCloud();
let apigateway: APIGatewayClient;
beforeAll(() => {
  apigateway = apiGatewayClient(t);
});

const aliasNow = () => t.control.alias(FUNCTION, ALIAS);
const weightsOf = async () => (await aliasNow()).RoutingConfig?.AdditionalVersionWeights ?? {};
const writeCount = async () => (await t.control.writes()).length;

/** One job's step: its own runner context (state, outputs), as a later job on another runner has. */
const job = (inputs: Record<string, string>, ctx: RunnerContext = newRunnerContext()) =>
  runStep({ step: 'main', ctx, inputs, env: t.env });

/** `start` in its own job, then that job's post step: the split stays, marked as left on purpose. */
async function startAndPost(inputs: Record<string, string>): Promise<StepResult> {
  const ctx = newRunnerContext();
  const started = await job({ ...inputs, command: 'start' }, ctx);
  expect({ code: started.code, reason: started.outputs.reason }).toMatchObject({ code: 0 });
  const writes = await writeCount();
  const post = await runStep({ step: 'post', ctx, env: t.env });
  expect(post.code).toBe(0);
  expect(await writeCount()).toBe(writes);
  return started;
}

describe('split-phase commands on a Lambda alias', () => {
  beforeEach(() => t.control.loadScenario(lambdaScenario()));

  it('start in one job leaves 20% split; the post step leaves it; promote in another finishes the plan', async () => {
    const started = await startAndPost(releaseInputs({ strategy: '20%:2s, 50%:2s' }));
    expect(started.outputs).toMatchObject({
      result: 'started',
      command: 'start',
      weight: '20',
      'previous-version': '1',
      'target-version': '2',
    });
    expect(started.summary).toContain('Started');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({ '2': 0.2 });
    expect(parseMarker((await aliasNow()).Description)).toMatchObject({
      state: 'started',
      from: '1',
      to: '2',
      weight: 20,
      step: 0,
      steps: [
        { weight: 20, holdMs: 2000 },
        { weight: 50, holdMs: 2000 },
        { weight: 100, holdMs: 0 },
      ],
    });

    const before = (await t.control.writes()).length;
    // `version: publish` in the later job too: the release is the marker's.
    const promoted = await job(releaseInputs({ command: 'promote', strategy: '20%:2s, 50%:2s' }));
    expect({ code: promoted.code, reason: promoted.outputs.reason }).toMatchObject({ code: 0 });
    expect(promoted.outputs).toMatchObject({ result: 'promoted', command: 'promote', 'target-version': '2' });
    expect(promoted.stdout).toContain('50%');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    expect(await weightsOf()).toEqual({});
    // 50%, then the promotion: no publish, no 20% again.
    const after = (await t.control.writes()).slice(before).map((w) => w.operation);
    expect(after).toEqual(['UpdateAlias', 'UpdateAlias']);
    expect(promoted.summary).toContain('promote');
  });

  it('promote with AllAtOnce goes straight to 100%', async () => {
    await startAndPost(releaseInputs());
    const before = await writeCount();
    const promoted = await job(releaseInputs({ command: 'promote', strategy: 'AllAtOnce' }));
    expect(promoted.outputs.result).toBe('promoted');
    expect(await writeCount()).toBe(before + 1);
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
  });

  it('start then rollback puts all traffic back on the previous version; a second rollback does nothing', async () => {
    await startAndPost(releaseInputs());
    const rolledBack = await job(releaseInputs({ command: 'rollback' }));
    expect(rolledBack.outputs).toMatchObject({ result: 'rolled-back', command: 'rollback', weight: '0' });
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({});
    const writes = await writeCount();
    const again = await job(releaseInputs({ command: 'rollback' }));
    expect(again.outputs.result).toBe('rolled-back');
    expect(again.outputs.reason).toContain('already rolled back to version 1');
    expect(await writeCount()).toBe(writes);
  });

  it('a deploy that finds the split start left is pointed at promote or rollback, and writes nothing', async () => {
    await startAndPost(releaseInputs());
    const before = await writeCount();
    const deploy = await job(releaseInputs({ version: '2' }));
    expect(deploy.code).toBe(1);
    expect(deploy.outputs.reason).toContain(
      'That release was left split on purpose by "command: start": finish it with "command: promote", or take it back with "command: rollback".',
    );
    expect(await writeCount()).toBe(before);
  });

  it('status reports the split and writes nothing', async () => {
    await startAndPost(releaseInputs());
    const log = await t.control.writes();
    const status = await job(releaseInputs({ command: 'status' }));
    expect(status.code).toBe(0);
    expect(status.outputs).toMatchObject({
      result: 'in-progress',
      command: 'status',
      weight: '20',
      'previous-version': '1',
      'target-version': '2',
    });
    expect(status.summary).toContain('In progress');
    expect(await t.control.writes()).toEqual(log);
  });

  it('a promote killed mid-plan is rolled back by its own post step: the alias ends on one version', async () => {
    const strategy = '20%:2s, 50%:60s';
    await startAndPost(releaseInputs({ strategy }));
    const ctx = newRunnerContext();
    const step = startStep({
      step: 'main',
      ctx,
      inputs: releaseInputs({ command: 'promote', strategy }),
      env: t.env,
    });
    await printed(step.child, 'Step 2 of 2: 50%');
    await waitFor('the 50% step on the alias', async () => (await weightsOf())['2'] === 0.5);
    step.child.kill('SIGKILL');
    expect((await step.done).signal).toBe('SIGKILL');
    expect(await weightsOf()).toEqual({ '2': 0.5 });
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.outputs.result).toBe('rolled-back');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await weightsOf()).toEqual({});
  });

  it('status without a release says none', async () => {
    const status = await job(releaseInputs({ command: 'status' }));
    expect(status.outputs).toMatchObject({ result: 'none', weight: '0', 'previous-version': '1' });
    expect(await writeCount()).toBe(0);
  });

  it('promote without a marker is refused before any write', async () => {
    const refused = await job(releaseInputs({ command: 'promote' }));
    expect(refused.code).toBe(1);
    expect(refused.outputs.result).toBe('failed');
    expect(refused.outputs.reason).toMatch(
      /^refused to promote alias live of function orders: it carries no marker of this action.*nothing was changed$/,
    );
    expect(await writeCount()).toBe(0);
  });

  it('promote of another release (another version than the inputs name) is refused before any write', async () => {
    await startAndPost(releaseInputs());
    const before = await writeCount();
    const refused = await job(releaseInputs({ command: 'promote', version: '1' }));
    expect(refused.code).toBe(1);
    expect(refused.outputs.reason).toContain('its marker is of another release (version 1 → 2');
    expect(await writeCount()).toBe(before);
    expect(await weightsOf()).toEqual({ '2': 0.2 });
  });
});

describe('split-phase commands: one GitHub deployment per release, and the job limit of what is left', () => {
  beforeEach(() => t.control.loadScenario(lambdaScenario()));
  const reported = { 'deployment-environment': 'production', 'github-token': 'ghs_e2e' };
  const statesOf = async () =>
    (await t.control.github()).deployments.map((d) => d.statuses.map((s) => s.state));

  it('promote sends its statuses to the deployment start created, which ends in success', async () => {
    await startAndPost(releaseInputs({ ...reported, strategy: '20%:2s, 50%:2s' }));
    expect(await statesOf()).toEqual([['in_progress']]);
    const promoted = await job(
      releaseInputs({ ...reported, command: 'promote', strategy: '20%:2s, 50%:2s' }),
    );
    expect(promoted.outputs.result).toBe('promoted');
    expect(await statesOf()).toEqual([['in_progress', 'in_progress', 'success']]);
  });

  it('rollback ends the deployment start created in failure', async () => {
    await startAndPost(releaseInputs(reported));
    const rolledBack = await job(releaseInputs({ ...reported, command: 'rollback' }));
    expect(rolledBack.outputs.result).toBe('rolled-back');
    expect(await statesOf()).toEqual([['in_progress', 'failure']]);
  });

  it('a plan too long for one job is started, and promote is held to the job limit of what is left', async () => {
    const strategy = '20%:2s, 50%:7h';
    const deploy = await job(releaseInputs({ strategy }));
    expect(deploy.outputs.reason).toContain('longer than one job may run');
    // start holds only its 2-second first step.
    await startAndPost(releaseInputs({ strategy }));
    const writes = await writeCount();
    const refused = await job(releaseInputs({ command: 'promote', strategy }));
    expect(refused.outputs.result).toBe('failed');
    expect(refused.outputs.reason).toMatch(
      /Input "strategy": .* longer than one job may run.*nothing was changed$/,
    );
    expect(await writeCount()).toBe(writes);
    expect(await weightsOf()).toEqual({ '2': 0.2 });
    // What is left at once fits in any job.
    const promoted = await job(releaseInputs({ command: 'promote', strategy: 'AllAtOnce' }));
    expect(promoted.outputs.result).toBe('promoted');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
  });
});

describe('split-phase commands with traffic hooks', () => {
  const PRE = 'orders-pre-check';
  const POST = 'orders-smoke';
  const hookInputs = (more: Record<string, string> = {}) =>
    releaseInputs({ 'pre-traffic-hook': PRE, 'post-traffic-hook': POST, ...more });
  const invoked = async (fn: string) =>
    (await t.control.invocations(fn)).map((i) => JSON.parse(i.payload) as Record<string, unknown>);

  it('start runs only the pre-traffic hook; promote in another job only the post-traffic one, told the marker’s versions', async () => {
    await t.control.loadScenario(lambdaScenario({ functions: [hookFunction(PRE), hookFunction(POST)] }));
    await startAndPost(hookInputs());
    expect((await invoked(PRE)).map((p) => p.phase)).toEqual(['pre-traffic']);
    expect(await invoked(POST)).toEqual([]);
    const promoted = await job(hookInputs({ command: 'promote' }));
    expect(promoted.outputs.result).toBe('promoted');
    expect(await invoked(PRE)).toHaveLength(1);
    expect(await invoked(POST)).toEqual([
      expect.objectContaining({
        phase: 'post-traffic',
        currentVersion: '1',
        targetVersion: '2',
        alias: ALIAS,
      }),
    ]);
  });

  it('a failing pre-traffic hook in start leaves the alias untouched, with no marker', async () => {
    const failing = hookFunction(PRE, { response: { status: 'Failed', reason: 'dependency down' } });
    await t.control.loadScenario(lambdaScenario({ functions: [failing, hookFunction(POST)] }));
    const started = await job(hookInputs({ command: 'start' }));
    expect(started.code).toBe(1);
    expect(started.outputs.result).toBe('failed');
    // The version published and the hook invoked: the alias never written.
    expect((await t.control.writes()).map((w) => w.operation)).toEqual(['PublishVersion', 'Invoke']);
    expect(await weightsOf()).toEqual({});
    expect(parseMarker((await aliasNow()).Description)).toBeUndefined();
  });
});

describe('split-phase commands on an API Gateway stage', () => {
  const stageNow = (restApiId: string) => t.control.stage(restApiId, STAGE);

  it('start leaves the canary at 20% past the post step; promote in another job finishes it', async () => {
    await t.control.loadScenario(stageScenario());
    const { restApiId, baseDeploymentId } = await buildRestApi(t, apigateway, 200);
    const started = await startAndPost(stageInputs(restApiId));
    expect(started.outputs).toMatchObject({ result: 'started', weight: '20' });
    const canaryId = started.outputs['target-version'];
    expect((await stageNow(restApiId)).canarySettings).toMatchObject({
      deploymentId: canaryId,
      percentTraffic: 20,
    });
    const promoted = await job(stageInputs(restApiId, { command: 'promote' }));
    expect({ code: promoted.code, reason: promoted.outputs.reason }).toMatchObject({ code: 0 });
    expect(promoted.outputs).toMatchObject({
      result: 'promoted',
      'previous-version': baseDeploymentId,
      'target-version': canaryId,
    });
    const stage = await stageNow(restApiId);
    expect(stage.deploymentId).toBe(canaryId);
    expect(stage.canarySettings).toBeUndefined();
  });

  it('status reports the canary start left and writes nothing', async () => {
    await t.control.loadScenario(stageScenario());
    const { restApiId, baseDeploymentId } = await buildRestApi(t, apigateway, 200);
    const started = await startAndPost(stageInputs(restApiId));
    const log = await t.control.writes();
    const status = await job(stageInputs(restApiId, { command: 'status' }));
    expect(status.outputs).toMatchObject({
      result: 'in-progress',
      command: 'status',
      weight: '20',
      'previous-version': baseDeploymentId,
      'target-version': started.outputs['target-version'],
    });
    expect(await t.control.writes()).toEqual(log);
  });

  it('promote is refused before any write when the stage was changed since start', async () => {
    await t.control.loadScenario(stageScenario());
    const { restApiId } = await buildRestApi(t, apigateway, 200);
    await startAndPost(stageInputs(restApiId));
    // Someone moves the canary by hand: the marker no longer says what the stage does.
    await apigateway.send(
      new UpdateStageCommand({
        restApiId,
        stageName: STAGE,
        patchOperations: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '35' }],
      }),
    );
    const before = await t.control.writes('apigateway');
    const refused = await job(stageInputs(restApiId, { command: 'promote' }));
    expect(refused.code).toBe(1);
    expect(refused.outputs.reason).toMatch(
      /^refused to promote stage prod of REST API \w+: it was changed by someone else since its marker was written/,
    );
    expect(await t.control.writes('apigateway')).toEqual(before);
    expect((await stageNow(restApiId)).canarySettings).toMatchObject({ percentTraffic: 35 });
  });
});
