// Traffic hooks through dist/ against the local cloud: hook functions whose answer and latency
// the scenario sets, invoked before any traffic moves and after the promotion; the writes log
// and each function's invocation log say what the action did and what each hook was told.
import { readFileSync } from 'node:fs';
import { parseMarker } from '../src/marker.js';
import { useTestCloud } from './local-cloud-env.js';
import { newRunnerContext, runStep, startStep, type RunnerContext, printed } from './runner.js';
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
  type HookBehavior,
} from './scenarios.js';

const PRE = 'pre-checks';
const POST = 'post-checks';

const t = useTestCloud();

const main = (ctx: RunnerContext, inputs: Record<string, string>) =>
  runStep({ step: 'main', ctx, inputs, env: t.env });
const aliasNow = () => t.control.alias(FUNCTION, ALIAS);
const operations = async () => (await t.control.writes()).map((w) => w.operation);
/** The payloads a hook function got, parsed. */
const payloads = async (fn: string) =>
  (await t.control.invocations(fn)).map((i) => JSON.parse(i.payload) as Record<string, unknown>);

/** The alias scenario with the two hook functions behaving as given. */
const withHooks = (pre: HookBehavior, post: HookBehavior) =>
  t.control.loadScenario(lambdaScenario({ functions: [hookFunction(PRE, pre), hookFunction(POST, post)] }));

/** A short release with both hooks. */
const hookedRelease = (more: Record<string, string> = {}) =>
  releaseInputs({ strategy: '50%:2s', 'pre-traffic-hook': PRE, 'post-traffic-hook': POST, ...more });

const passing = { response: { status: 'Succeeded' } };

describe('traffic hooks on a Lambda alias through dist/', () => {
  it('a passing pair promotes, each hook told the release in its phase, answers and times in the summary and the JSON report', async () => {
    await withHooks(passing, { response: { status: 'Succeeded', checked: 'orders <b>ok</b>' } });
    const result = await main(newRunnerContext(), hookedRelease());
    expect({ code: result.code, reason: result.outputs.reason }).toEqual({
      code: 0,
      reason: expect.stringContaining('all traffic on the new version'),
    });
    expect(result.outputs.result).toBe('promoted');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    const told = {
      target: 'lambda-alias',
      function: FUNCTION,
      alias: ALIAS,
      currentVersion: '1',
      targetVersion: '2',
      plan: {
        name: '50%:2s',
        steps: [
          { weight: 50, holdSeconds: 2 },
          { weight: 100, holdSeconds: 0 },
        ],
      },
      run: { repository: 'acme/shop', runId: '4242', sha: 'a'.repeat(40), actor: 'octocat' },
    };
    expect(await payloads(PRE)).toEqual([{ phase: 'pre-traffic', ...told }]);
    expect(await payloads(POST)).toEqual([{ phase: 'post-traffic', ...told }]);
    // The pre-traffic hook before the first weight, the post-traffic one after the promotion.
    const ops = await operations();
    expect(ops).toEqual(['PublishVersion', 'Invoke', 'UpdateAlias', 'UpdateAlias', 'Invoke']);
    expect(result.summary).toContain('#### Hooks');
    expect(result.summary).toMatch(/\| Pre-traffic \| pre\\-checks \| ✅ passed \| \d+m?s \|/);
    // The answer is escaped: its HTML is text.
    expect(result.summary).toContain('orders &lt;b&gt;ok&lt;/b&gt;');
    expect(result.summary).not.toContain('<b>ok');
    const json = JSON.parse(readFileSync(result.outputs.report!, 'utf8'));
    expect(json.record.hooks).toEqual([
      expect.objectContaining({
        phase: 'pre-traffic',
        function: PRE,
        status: 'passed',
        answer: '{"status":"Succeeded"}',
      }),
      expect.objectContaining({ phase: 'post-traffic', function: POST, status: 'passed' }),
    ]);
  });

  it('a pre-traffic hook answering Failed ends the release with no write to the alias', async () => {
    await withHooks({ response: { status: 'Failed', reason: 'orders table not migrated' } }, passing);
    const result = await main(newRunnerContext(), hookedRelease());
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('failed');
    expect(result.outputs.reason).toBe(
      'pre-traffic hook pre-checks failed: answered status Failed: orders table not migrated; nothing was changed',
    );
    expect(await operations()).toEqual(['PublishVersion', 'Invoke']);
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(await t.control.invocations(POST)).toEqual([]);
    expect(result.summary).toContain('#### Why it stopped');
    expect(result.summary).toContain('orders table not migrated');
  });

  it('a pre-traffic hook that outlasts hook-timeout is abandoned: no write to the alias', async () => {
    await withHooks({ ...passing, latencyMs: 10_000 }, passing);
    const result = await main(newRunnerContext(), hookedRelease({ 'hook-timeout': '1s' }));
    expect(result.outputs.result).toBe('failed');
    expect(result.outputs.reason).toBe(
      'pre-traffic hook pre-checks timed out: no answer within the hook timeout of 1s; nothing was changed',
    );
    // The abandoned Invoke enters the writes log only when the function answers, seconds later.
    expect((await operations()).filter((op) => op !== 'Invoke')).toEqual(['PublishVersion']);
    expect(await t.control.invocations(PRE)).toHaveLength(1);
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '1' });
    expect(result.summary).toContain('⏱️ timed out');
  });

  it('a post-traffic hook with a function error rolls the promoted alias back to the old version', async () => {
    await withHooks(passing, { errorRate: 1 });
    const result = await main(newRunnerContext(), hookedRelease());
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('rolled-back');
    expect(result.outputs.reason).toBe(
      'post-traffic hook post-checks failed: function error (Unhandled): Error: Simulated function error',
    );
    const alias = await aliasNow();
    expect(alias).toMatchObject({ FunctionVersion: '1' });
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
    expect(parseMarker(alias.Description)).toMatchObject({ state: 'rolled-back' });
    // Promoted, checked, then taken back.
    expect(await operations()).toEqual([
      'PublishVersion',
      'Invoke',
      'UpdateAlias',
      'UpdateAlias',
      'Invoke',
      'UpdateAlias',
    ]);
    expect(result.summary).toContain('#### Why it rolled back');
    expect(result.summary).toContain('Simulated function error');
  });

  it('killed during the post-traffic hook, the post step takes the unchecked promotion back', async () => {
    await withHooks(passing, { ...passing, latencyMs: 60_000 });
    const ctx = newRunnerContext();
    const step = startStep({ step: 'main', ctx, inputs: hookedRelease(), env: t.env });
    await printed(step.child, 'Post-traffic hook: invoking');
    step.child.kill('SIGKILL');
    expect((await step.done).signal).toBe('SIGKILL');
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.outputs.result).toBe('rolled-back');
    expect(post.stdout).toContain('before the post-traffic hook passed');
    const alias = await aliasNow();
    expect(alias).toMatchObject({ FunctionVersion: '1' });
    expect(parseMarker(alias.Description)).toMatchObject({ state: 'rolled-back' });
  });
});

describe('traffic hooks on an API Gateway stage through dist/', () => {
  it('a post-traffic hook answering Failed puts the stage back on its previous deployment; the hooks were told both deployments', async () => {
    await t.control.loadScenario(
      stageScenario({
        functions: [hookFunction(PRE, passing), hookFunction(POST, { response: { status: 'Failed' } })],
      }),
    );
    const { restApiId, baseDeploymentId } = await buildRestApi(t, apiGatewayClient(t), 200);
    const result = await main(
      newRunnerContext(),
      stageInputs(restApiId, {
        strategy: '50%:2s',
        'pre-traffic-hook': PRE,
        'post-traffic-hook': POST,
        'canary-stage-variables': 'color=blue',
      }),
    );
    expect(result.outputs.result).toBe('rolled-back');
    expect(result.outputs.reason).toBe('post-traffic hook post-checks failed: answered status Failed');
    const stage = await t.control.stage(restApiId, STAGE);
    expect(stage.deploymentId).toBe(baseDeploymentId);
    expect(stage.canarySettings).toBeUndefined();
    // The promotion copied the override onto the stage; the rollback took it off again.
    expect(stage.variables ?? {}).toEqual({});
    const canary = result.outputs['target-version']!;
    expect(canary).not.toBe(baseDeploymentId);
    const told = {
      target: 'api-gateway-stage',
      restApiId,
      stage: STAGE,
      currentDeployment: baseDeploymentId,
    };
    // The pre-traffic hook runs before the first step creates the canary's deployment.
    expect(await payloads(PRE)).toEqual([
      expect.objectContaining({ phase: 'pre-traffic', ...told, canaryDeployment: null }),
    ]);
    expect(await payloads(POST)).toEqual([
      expect.objectContaining({ phase: 'post-traffic', ...told, canaryDeployment: canary }),
    ]);
  });

  it('killed during the post-traffic hook, the post step puts the stage back on its previous deployment and variables', async () => {
    await t.control.loadScenario(
      stageScenario({ functions: [hookFunction(POST, { ...passing, latencyMs: 60_000 })] }),
    );
    const { restApiId, baseDeploymentId } = await buildRestApi(t, apiGatewayClient(t), 200);
    const ctx = newRunnerContext();
    const inputs = stageInputs(restApiId, {
      strategy: '50%:2s',
      'post-traffic-hook': POST,
      'canary-stage-variables': 'color=blue',
    });
    const step = startStep({ step: 'main', ctx, inputs, env: t.env });
    await printed(step.child, 'Post-traffic hook: invoking');
    step.child.kill('SIGKILL');
    await step.done;
    expect((await t.control.stage(restApiId, STAGE)).variables).toEqual({ color: 'blue' });
    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.outputs.result).toBe('rolled-back');
    const stage = await t.control.stage(restApiId, STAGE);
    expect(stage.deploymentId).toBe(baseDeploymentId);
    expect(stage.variables ?? {}).toEqual({});
    expect(stage.canarySettings).toBeUndefined();
  });

  it('a failing pre-traffic hook leaves the stage untouched: no API Gateway write at all', async () => {
    await t.control.loadScenario(stageScenario({ functions: [hookFunction(PRE, { errorRate: 1 })] }));
    const { restApiId, baseDeploymentId } = await buildRestApi(t, apiGatewayClient(t), 200);
    const result = await main(newRunnerContext(), stageInputs(restApiId, { 'pre-traffic-hook': PRE }));
    expect(result.outputs.result).toBe('failed');
    expect(await t.control.writes('apigateway')).toEqual([]);
    expect((await t.control.stage(restApiId, STAGE)).deploymentId).toBe(baseDeploymentId);
  });
});
