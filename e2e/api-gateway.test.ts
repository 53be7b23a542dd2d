// The bundled action releasing a REST API stage canary, run as the GitHub runner runs it, against
// the local cloud: an API built with the unmodified SDK, a new deployment stepped as the stage's
// canary and promoted, or rolled back by a 5XXError alarm on the canary's own metrics.
import { APIGatewayClient, CreateDeploymentCommand, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { useTestCloud, waitFor } from './local-cloud-env.js';
import { newRunnerContext, runStep, startStep, type RunnerContext } from './runner.js';
import {
  analysisInputs,
  API_NAME,
  apiGatewayClient,
  buildRestApi,
  CANARY_ERRORS_ALARM,
  STAGE,
  stageInputs,
  stageScenario,
} from './scenarios.js';

const t = useTestCloud();
let apigateway: APIGatewayClient;

beforeAll(() => {
  apigateway = apiGatewayClient(t);
});

const buildApi = async (newStatus: number) => {
  await t.control.loadScenario(stageScenario());
  return buildRestApi(t, apigateway, newStatus);
};

const main = (ctx: RunnerContext, inputs: Record<string, string>) =>
  runStep({ step: 'main', ctx, inputs, env: t.env });
const stageNow = (restApiId: string) => t.control.stage(restApiId, STAGE);
const operations = async () => (await t.control.writes('apigateway')).map((w) => w.operation);

describe('an API Gateway stage canary through dist/', () => {
  it('steps a new deployment as the canary and promotes it: the stage serves it, with the overrides, no canary left', async () => {
    const { restApiId, baseDeploymentId } = await buildApi(200);
    const result = await main(
      newRunnerContext(),
      // The alarm and the analysis gate it; 40 requests a second give the analysis enough.
      stageInputs(restApiId, { 'canary-stage-variables': 'color=blue', ...analysisInputs() }),
    );
    expect({ code: result.code, reason: result.outputs.reason }).toMatchObject({ code: 0 });
    expect(result.outputs.result).toBe('promoted');
    const stage = await stageNow(restApiId);
    expect(stage.deploymentId).not.toBe(baseDeploymentId);
    expect(result.outputs['target-version']).toBe(stage.deploymentId);
    expect(result.outputs['previous-version']).toBe(baseDeploymentId);
    expect(stage.variables).toEqual({ color: 'blue' });
    expect(stage.canarySettings).toBeUndefined();
    expect(await operations()).toEqual([
      'CreateDeployment',
      'UpdateStage', // the marker beside the first step
      'UpdateStage', // 50%
      'UpdateStage', // promote
      'UpdateStage', // remove the canary
    ]);
    expect(result.summary).toContain(`${API_NAME}/${STAGE}`);
    expect(result.summary).toContain('AWS/ApiGateway');
    // Canary versus base in API Gateway's own terms, from AWS/ApiGateway under {ApiName, Stage}.
    expect(result.summary).toMatch(/\| Requests \| [1-9][\d,]* \| [1-9][\d,]* \|/);
    expect(result.summary).toMatch(/\| 5XX errors \| 0 \| 0 \|/);
    expect(result.summary).toMatch(/\| 4XX errors \| 0 \| 0 \|/);
    expect(result.summary).toMatch(/\| p99 latency \| [\d.]+ ms \| [\d.]+ ms \|/);
  });

  it('rolls back on the canary 5XXError alarm: the stage keeps its deployment and no canary remains', async () => {
    const { restApiId, baseDeploymentId } = await buildApi(500);
    const result = await main(newRunnerContext(), stageInputs(restApiId, { strategy: '20%:20s, 50%:20s' }));
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('rolled-back');
    expect(result.outputs.reason).toContain(`${CANARY_ERRORS_ALARM} is ALARM`);
    const stage = await stageNow(restApiId);
    expect(stage.deploymentId).toBe(baseDeploymentId);
    expect(stage.canarySettings).toBeUndefined();
  });

  it('refuses an HTTP API id before any write, saying stage canaries are REST-only', async () => {
    await t.control.loadScenario(
      stageScenario({ httpApis: [{ id: 'h77abc1234', name: 'edge', protocolType: 'HTTP' }] }),
    );
    const result = await main(newRunnerContext(), stageInputs('h77abc1234'));
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('failed');
    expect(result.stdout).toMatch(/HTTP API.*REST/i);
    expect(result.stdout).toMatch(/Lambda alias/);
    expect(await t.control.writes()).toEqual([]);
  });

  it('refuses inputs of the other target, naming the target they belong to', async () => {
    const { restApiId } = await buildApi(200);
    const result = await main(newRunnerContext(), stageInputs(restApiId, { alias: 'live' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Input "alias" belongs to target "lambda-alias"');
    expect(await t.control.writes()).toEqual([]);
  });

  describe('a canary already attached', () => {
    /** The API with a second deployment attached as the stage's canary at 10%. */
    async function withCanary(): Promise<{ restApiId: string; baseDeploymentId: string; canaryId: string }> {
      const built = await buildApi(200);
      const canary = await apigateway.send(new CreateDeploymentCommand({ restApiId: built.restApiId }));
      await apigateway.send(
        new UpdateStageCommand({
          restApiId: built.restApiId,
          stageName: STAGE,
          patchOperations: [
            { op: 'replace', path: '/canarySettings/deploymentId', value: canary.id! },
            { op: 'replace', path: '/canarySettings/percentTraffic', value: '10' },
          ],
        }),
      );
      await t.control.clearWrites();
      return { ...built, canaryId: canary.id! };
    }

    it('fail (the default): refused, nothing written', async () => {
      const { restApiId, canaryId } = await withCanary();
      const result = await main(newRunnerContext(), stageInputs(restApiId));
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('already has a canary');
      expect(await t.control.writes()).toEqual([]);
      expect((await stageNow(restApiId)).canarySettings?.deploymentId).toBe(canaryId);
    });

    it('rollback: the old canary is removed first, then the release runs and promotes', async () => {
      const { restApiId, baseDeploymentId, canaryId } = await withCanary();
      const result = await main(
        newRunnerContext(),
        stageInputs(restApiId, { 'on-existing-split': 'rollback' }),
      );
      expect(result.outputs.result).toBe('promoted');
      const stage = await stageNow(restApiId);
      expect([baseDeploymentId, canaryId]).not.toContain(stage.deploymentId);
      expect(stage.canarySettings).toBeUndefined();
      expect((await operations())[0]).toBe('UpdateStage'); // the removal, before CreateDeployment
    });

    it('resume with that deployment: continues above its 10% and promotes it', async () => {
      const { restApiId, canaryId } = await withCanary();
      const result = await main(
        newRunnerContext(),
        stageInputs(restApiId, { 'on-existing-split': 'resume', 'deployment-id': canaryId }),
      );
      expect(result.outputs.result).toBe('promoted');
      expect((await stageNow(restApiId)).deploymentId).toBe(canaryId);
      expect(await operations()).not.toContain('CreateDeployment');
    });
  });

  it('SIGTERM mid-rollout removes the canary before the process exits', async () => {
    const { restApiId, baseDeploymentId } = await buildApi(200);
    const step = startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: stageInputs(restApiId, { strategy: '20%:60s' }),
      env: t.env,
    });
    await waitFor(
      'the canary',
      async () => (await stageNow(restApiId)).canarySettings?.percentTraffic === 20,
    );
    step.child.kill('SIGTERM');
    const result = await step.done;
    expect(result.outputs).toMatchObject({ result: 'rolled-back' });
    const stage = await stageNow(restApiId);
    expect(stage.deploymentId).toBe(baseDeploymentId);
    expect(stage.canarySettings).toBeUndefined();
  });

  it('SIGKILL mid-rollout, then the post step removes the canary', async () => {
    const { restApiId, baseDeploymentId } = await buildApi(200);
    const ctx = newRunnerContext();
    const step = startStep({
      step: 'main',
      ctx,
      inputs: stageInputs(restApiId, { strategy: '20%:60s' }),
      env: t.env,
    });
    await waitFor(
      'the canary',
      async () => (await stageNow(restApiId)).canarySettings?.percentTraffic === 20,
    );
    step.child.kill('SIGKILL');
    expect((await step.done).signal).toBe('SIGKILL');
    expect((await stageNow(restApiId)).canarySettings).toBeDefined();

    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.outputs.result).toBe('rolled-back');
    const stage = await stageNow(restApiId);
    expect(stage.deploymentId).toBe(baseDeploymentId);
    expect(stage.canarySettings).toBeUndefined();
  });

  it('20% injected throttling (TooManyRequestsException) changes no outcome', async () => {
    const { restApiId, baseDeploymentId } = await buildApi(200);
    await t.control.setFaults({ apigateway: { throttle: 0.2, retryAfterSeconds: 0 } });
    const result = await main(newRunnerContext(), stageInputs(restApiId));
    expect(result.outputs.result).toBe('promoted');
    expect((await t.control.faults()).apigateway?.injected).toBeGreaterThan(0);
    const stage = await stageNow(restApiId);
    expect(stage.deploymentId).not.toBe(baseDeploymentId);
    expect(stage.canarySettings).toBeUndefined();
  });
});
