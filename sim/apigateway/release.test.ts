import {
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetStageCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { waitFor } from '../testing.js';
import { apiGatewayCloud, stageMetricSum, type ApiGatewayTestCloud } from './support.js';

let t: ApiGatewayTestCloud;

beforeAll(async () => {
  t = await apiGatewayCloud();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.control.reset();
  await t.control.loadScenario({
    metricPeriodSeconds: 1,
    createDeploymentIntervalMs: 0,
    functions: [
      {
        name: 'orders',
        versions: [{ code: 'good' }, { code: 'bad', errorRate: 1 }],
        aliases: [
          { name: 'stable', version: '1' },
          { name: 'next', version: '2' },
        ],
      },
    ],
  });
});

const ordersUri =
  'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/' +
  'arn:aws:lambda:us-east-1:123456789012:function:orders:${stageVariables.alias}/invocations';

it('builds a REST API from nothing with the SDK, releases it through a stage canary and promotes it', async () => {
  const { apigw } = t;
  const api = await apigw.send(new CreateRestApiCommand({ name: 'shop' }));
  const restApiId = api.id as string;
  expect((await apigw.send(new GetRestApiCommand({ restApiId }))).name).toBe('shop');
  const root = (await apigw.send(new GetResourcesCommand({ restApiId }))).items?.[0];
  expect(root).toMatchObject({ id: api.rootResourceId, path: '/' });
  const orders = await apigw.send(
    new CreateResourceCommand({ restApiId, parentId: root?.id as string, pathPart: 'orders' }),
  );
  expect(orders.path).toBe('/orders');
  const resourceId = orders.id as string;
  await apigw.send(
    new PutMethodCommand({ restApiId, resourceId, httpMethod: 'GET', authorizationType: 'NONE' }),
  );
  await apigw.send(
    new PutIntegrationCommand({
      restApiId,
      resourceId,
      httpMethod: 'GET',
      type: 'AWS_PROXY',
      integrationHttpMethod: 'POST',
      uri: ordersUri,
    }),
  );
  await apigw.send(
    new PutMethodResponseCommand({ restApiId, resourceId, httpMethod: 'GET', statusCode: '200' }),
  );
  await apigw.send(
    new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod: 'GET', statusCode: '200' }),
  );
  const base = await apigw.send(
    new CreateDeploymentCommand({ restApiId, stageName: 'prod', variables: { alias: 'stable' } }),
  );
  const resources = (await apigw.send(new GetResourcesCommand({ restApiId }))).items ?? [];
  expect(
    resources.find((r) => r.path === '/orders')?.resourceMethods?.['GET']?.methodIntegration,
  ).toMatchObject({
    type: 'AWS_PROXY',
    uri: ordersUri,
  });

  // The canary: a new deployment whose stage variables send it to the failing alias.
  const canary = await apigw.send(
    new CreateDeploymentCommand({
      restApiId,
      stageName: 'prod',
      description: 'release abc',
      canarySettings: { percentTraffic: 50, stageVariableOverrides: { alias: 'next' } },
    }),
  );
  let stage = await apigw.send(new GetStageCommand({ restApiId, stageName: 'prod' }));
  expect(stage.deploymentId).toBe(base.id);
  expect(stage.canarySettings).toEqual({
    deploymentId: canary.id,
    percentTraffic: 50,
    stageVariableOverrides: { alias: 'next' },
    useStageCache: false,
  });

  await t.control.setTraffic({ restApiId, stage: 'prod', path: '/orders', rate: 200 });
  await waitFor(async () => {
    const [b, c] = await Promise.all([
      stageMetricSum(t, 'shop', 'prod', 'Count'),
      stageMetricSum(t, 'shop', 'prod/Canary', 'Count'),
    ]);
    return b >= 20 && c >= 20;
  });
  await t.control.stopTraffic();
  const canaryCount = await stageMetricSum(t, 'shop', 'prod/Canary', 'Count');
  expect(await stageMetricSum(t, 'shop', 'prod', '5XXError')).toBe(0);
  expect(await stageMetricSum(t, 'shop', 'prod/Canary', '5XXError')).toBe(canaryCount);
  expect(await stageMetricSum(t, 'shop', 'prod/Canary', '4XXError')).toBe(0);

  const patch = (
    patchOperations: { op: 'replace' | 'copy' | 'remove'; path: string; value?: string; from?: string }[],
  ) => apigw.send(new UpdateStageCommand({ restApiId, stageName: 'prod', patchOperations }));
  stage = await patch([
    { op: 'replace', path: '/canarySettings/percentTraffic', value: '0' },
    { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
    { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
  ]);
  // After the copies the canary is still there, on the promoted deployment at 0%.
  expect(stage.canarySettings).toMatchObject({ deploymentId: canary.id, percentTraffic: 0 });
  await patch([{ op: 'remove', path: '/canarySettings' }]);
  stage = await apigw.send(new GetStageCommand({ restApiId, stageName: 'prod' }));
  expect(stage.deploymentId).toBe(canary.id);
  expect(stage.variables).toEqual({ alias: 'next' });
  expect(stage.canarySettings).toBeUndefined();
});

it('answers through the Lambda alias a deployment names, so a version shows through', async () => {
  await t.control.loadScenario({
    functions: [
      {
        name: 'orders',
        versions: [
          { code: 'good', durationMs: 40, durationJitterMs: 0 },
          { code: 'bad', errorRate: 1 },
        ],
        aliases: [{ name: 'live', version: '1' }],
      },
    ],
    restApis: [
      {
        id: 'abc123',
        name: 'shop',
        resources: [
          {
            path: '/',
            methods: {
              GET: {
                integration: {
                  type: 'AWS_PROXY',
                  httpMethod: 'POST',
                  uri: 'arn:aws:lambda:us-east-1:123456789012:function:orders:live',
                },
              },
            },
          },
        ],
        deployments: [{ id: 'dep1' }],
        stages: [{ name: 'prod', deploymentId: 'dep1' }],
      },
    ],
  });
  const cloud = t.cloud.state;
  const ok = cloud.apigateway.invokeStage('abc123', 'prod');
  expect(ok).toMatchObject({ deploymentId: 'dep1', canary: false, status: 200 });
  expect(ok.latencyMs).toBeGreaterThanOrEqual(40);
  cloud.lambda.alias('orders', 'live').functionVersion = '2';
  expect(cloud.apigateway.invokeStage('abc123', 'prod').status).toBe(502);
  expect(cloud.apigateway.invokeStage('abc123', 'prod', { method: 'GET', path: '/missing' }).status).toBe(
    403,
  );
});
