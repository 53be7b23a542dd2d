import {
  CreateDeploymentCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteDeploymentCommand,
  GetDeploymentsCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStageCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateApiCommand, GetApiCommand, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import type { Scenario } from '../control-client.js';
import { rejection, waitFor } from '../testing.js';
import { apiGatewayCloud, stageMetricSum, type ApiGatewayTestCloud } from './support.js';

let t: ApiGatewayTestCloud;

beforeAll(async () => {
  t = await apiGatewayCloud();
});
afterAll(async () => {
  await t.close();
});

/** A REST API with GET / on a MOCK, deployed twice, with stage prod on dep1. */
const shop = (extra: Partial<Scenario> = {}): Scenario => ({
  metricPeriodSeconds: 1,
  createDeploymentIntervalMs: 0,
  restApis: [
    {
      id: 'abc123',
      name: 'shop',
      resources: [{ path: '/', methods: { GET: { integration: { type: 'MOCK' } } } }],
      deployments: [
        { id: 'dep1' },
        {
          id: 'dep2',
          resources: [{ path: '/', methods: { GET: { integration: { type: 'MOCK', statusCode: 500 } } } }],
        },
      ],
      stages: [{ name: 'prod', deploymentId: 'dep1', variables: { mode: 'stable' } }],
    },
  ],
  ...extra,
});

beforeEach(async () => {
  await t.control.reset();
  await t.control.loadScenario(shop());
});

type Op = {
  op: 'replace' | 'copy' | 'remove' | 'add' | 'move' | 'test';
  path: string;
  value?: string;
  from?: string;
};
const update = (ops: Op[], stageName = 'prod') =>
  t.apigw.send(new UpdateStageCommand({ restApiId: 'abc123', stageName, patchOperations: ops }));

it('creates APIs, stages and deployments with the SDK, and leaves out fields never set', async () => {
  const api = await t.apigw.send(new CreateRestApiCommand({ name: 'other' }));
  expect(api.id).toMatch(/^[a-z0-9]{10}$/);
  expect(api.createdDate).toBeInstanceOf(Date);
  expect(api.description).toBeUndefined();
  expect(
    await rejection(t.apigw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'dev' }))),
  ).toMatchObject({
    name: 'BadRequestException',
    status: 400,
    message: "The REST API doesn't contain any methods",
  });
  const dep = await t.apigw.send(new CreateDeploymentCommand({ restApiId: 'abc123', stageName: 'dev' }));
  const stage = await t.apigw.send(new GetStageCommand({ restApiId: 'abc123', stageName: 'dev' }));
  expect(stage.deploymentId).toBe(dep.id);
  expect(stage.description).toBeUndefined();
  expect(stage.variables).toBeUndefined();
  await t.apigw.send(new CreateStageCommand({ restApiId: 'abc123', stageName: 'qa', deploymentId: dep.id }));
  expect((await t.apigw.send(new GetRestApisCommand({}))).items?.map((a) => a.name).sort()).toEqual([
    'other',
    'shop',
  ]);
  expect(
    (await t.apigw.send(new GetDeploymentsCommand({ restApiId: 'abc123' }))).items?.map((d) => d.id),
  ).toEqual(['dep1', 'dep2', dep.id]);
  expect(
    await rejection(t.apigw.send(new DeleteDeploymentCommand({ restApiId: 'abc123', deploymentId: dep.id }))),
  ).toMatchObject({ name: 'BadRequestException', status: 400 });
});

it('validates UpdateStage as AWS does; a refused patch changes nothing', async () => {
  const before = await t.control.stage('abc123', 'prod');
  const refused: Op[][] = [
    [{ op: 'add', path: '/canarySettings/percentTraffic', value: '10' }],
    [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '101' }],
    [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '-1' }],
    [{ op: 'replace', path: '/canarySettings/percentTraffic', value: 'ten' }],
    [{ op: 'replace', path: '/canarySettings/deploymentId', value: 'nope' }],
    [{ op: 'replace', path: '/canarySettings', value: '{}' }],
    [{ op: 'remove', path: '/canarySettings' }],
    [{ op: 'replace', path: '/canarySettings/bogus', value: '1' }],
    [{ op: 'copy', from: '/deploymentId', path: '/canarySettings/deploymentId' }],
    [{ op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' }],
    [{ op: 'replace', path: '/stageName', value: 'other' }],
    [{ op: 'replace', path: '/createdDate', value: '0' }],
    [{ op: 'replace', path: '/nonsense', value: 'x' }],
    [{ op: 'remove', path: '/variables/unset' }],
    [
      { op: 'replace', path: '/canarySettings/percentTraffic', value: '50' },
      { op: 'replace', path: '/canarySettings/percentTraffic', value: '100.5' },
    ],
  ];
  for (const ops of refused) {
    expect({ ops, error: await rejection(update(ops)) }).toMatchObject({
      ops,
      error: { name: 'BadRequestException', status: 400 },
    });
  }
  expect(await t.control.stage('abc123', 'prod')).toEqual(before);
  expect(
    await rejection(update([{ op: 'replace', path: '/description', value: 'x' }], 'nope')),
  ).toMatchObject({
    name: 'NotFoundException',
    status: 404,
  });
});

it('creates a canary with replace /canarySettings/deploymentId and writes the description', async () => {
  const stage = await update([
    { op: 'replace', path: '/canarySettings/deploymentId', value: 'dep2' },
    { op: 'replace', path: '/description', value: 'marker' },
  ]);
  expect(stage.canarySettings).toEqual({ deploymentId: 'dep2', percentTraffic: 0, useStageCache: false });
  expect(stage.description).toBe('marker');
  const own = await update([
    { op: 'remove', path: '/canarySettings' },
    { op: 'replace', path: '/canarySettings/percentTraffic', value: '5' },
  ]);
  expect(own.canarySettings).toMatchObject({ deploymentId: 'dep1', percentTraffic: 5 });
  expect(
    await rejection(
      t.apigw.send(
        new CreateDeploymentCommand({
          restApiId: 'abc123',
          stageName: 'nope',
          canarySettings: { percentTraffic: 5 },
        }),
      ),
    ),
  ).toMatchObject({ name: 'BadRequestException', status: 400 });
  expect(
    await rejection(
      t.apigw.send(
        new CreateDeploymentCommand({ restApiId: 'abc123', canarySettings: { percentTraffic: 5 } }),
      ),
    ),
  ).toMatchObject({ name: 'BadRequestException', status: 400 });
});

it('freezes the API in each deployment: a changed integration shows only in a new deployment', async () => {
  const apigw = t.apigw;
  const root = (await t.control.restApi('abc123')).rootResourceId;
  // The new version: GET / answers 500 from the MOCK's request template and integration response.
  await apigw.send(
    new PutIntegrationCommand({
      restApiId: 'abc123',
      resourceId: root,
      httpMethod: 'GET',
      type: 'MOCK',
      requestTemplates: { 'application/json': '{"statusCode": 500}' },
    }),
  );
  await apigw.send(
    new PutIntegrationResponseCommand({
      restApiId: 'abc123',
      resourceId: root,
      httpMethod: 'GET',
      statusCode: '500',
      selectionPattern: '5\\d{2}',
    }),
  );
  const cloud = t.cloud.state.apigateway;
  expect(cloud.invokeStage('abc123', 'prod').status).toBe(200);
  const dep = await apigw.send(
    new CreateDeploymentCommand({
      restApiId: 'abc123',
      stageName: 'prod',
      canarySettings: { percentTraffic: 100 },
    }),
  );
  const answer = cloud.invokeStage('abc123', 'prod');
  expect(answer).toMatchObject({ deploymentId: dep.id, canary: true, status: 500 });
  await update([{ op: 'replace', path: '/canarySettings/percentTraffic', value: '0' }]);
  expect(cloud.invokeStage('abc123', 'prod')).toMatchObject({
    deploymentId: 'dep1',
    canary: false,
    status: 200,
  });
  // The control API can set a MOCK's answer in one deployment's frozen copy.
  await t.control.setMockAnswer('abc123', {
    deploymentId: 'dep1',
    path: '/',
    method: 'GET',
    statusCode: 429,
  });
  expect(cloud.invokeStage('abc123', 'prod').status).toBe(429);
  const view = await t.control.restApi('abc123');
  expect(view.deployments['dep1']?.resources[0]?.resourceMethods?.['GET']?.mock).toEqual({ statusCode: 429 });
  expect(view.resources[0]?.resourceMethods?.['GET']?.methodIntegration?.['requestTemplates']).toEqual({
    'application/json': '{"statusCode": 500}',
  });
});

it('splits traffic by percentTraffic, publishes nothing when idle, and alarms on the canary metrics', async () => {
  await t.control.loadScenario(
    shop({
      alarms: [
        {
          AlarmName: 'shop-canary-5xx',
          Namespace: 'AWS/ApiGateway',
          MetricName: '5XXError',
          Dimensions: [
            { Name: 'ApiName', Value: 'shop' },
            { Name: 'Stage', Value: 'prod/Canary' },
          ],
          Statistic: 'Sum',
          Period: 1,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        },
      ],
    }),
  );
  expect(await stageMetricSum(t, 'shop', 'prod', 'Count')).toBe(0);
  await update([
    { op: 'replace', path: '/canarySettings/deploymentId', value: 'dep2' },
    { op: 'replace', path: '/canarySettings/percentTraffic', value: '50' },
  ]);
  await t.control.setTraffic({ restApiId: 'abc123', stage: 'prod', rate: 200 });
  await waitFor(async () => (await t.control.alarm('shop-canary-5xx')).StateValue === 'ALARM');
  await waitFor(async () => (await stageMetricSum(t, 'shop', 'prod', 'Count')) >= 20);
  await t.control.stopTraffic();
  const canary = await stageMetricSum(t, 'shop', 'prod/Canary', 'Count');
  expect(canary).toBeGreaterThan(0);
  expect(await stageMetricSum(t, 'shop', 'prod/Canary', '5XXError')).toBe(canary);
  expect(await stageMetricSum(t, 'shop', 'prod', '5XXError')).toBe(0);
});

it('answers a MOCK status for a share of the requests with statusRate, 200 for the rest', async () => {
  await t.control.setMockAnswer('abc123', {
    deploymentId: 'dep1',
    path: '/',
    method: 'GET',
    statusCode: 503,
    statusRate: 0.25,
  });
  const cloud = t.cloud.state.apigateway;
  const statuses = Array.from({ length: 400 }, () => cloud.invokeStage('abc123', 'prod').status);
  expect(new Set(statuses)).toEqual(new Set([200, 503]));
  // 100 expected; five standard deviations (8.7) either side.
  const failed = statuses.filter((s) => s === 503).length;
  expect(failed).toBeGreaterThan(56);
  expect(failed).toBeLessThan(144);
});

it('publishes 5XXError as 0, not as no data, in every period with requests and no errors', async () => {
  await update([
    { op: 'replace', path: '/canarySettings/deploymentId', value: 'dep2' },
    { op: 'replace', path: '/canarySettings/percentTraffic', value: '20' },
  ]);
  await t.control.setTraffic({ restApiId: 'abc123', stage: 'prod', rate: 200 });
  await waitFor(async () => (await stageMetricSum(t, 'shop', 'prod/Canary', 'Count')) >= 10);
  await t.control.stopTraffic();
  const now = Date.now();
  const query = (id: string, stage: string, metric: string) => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ApiGateway',
        MetricName: metric,
        Dimensions: [
          { Name: 'ApiName', Value: 'shop' },
          { Name: 'Stage', Value: stage },
        ],
      },
      Period: 1,
      Stat: 'Sum',
    },
  });
  const r = await t.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 60_000),
      EndTime: new Date(now + 1000),
      MetricDataQueries: [
        query('count', 'prod', 'Count'),
        query('errors', 'prod', '5XXError'),
        query('canaryCount', 'prod/Canary', 'Count'),
        query('canaryErrors', 'prod/Canary', '5XXError'),
      ],
    }),
  );
  const result = (id: string) => r.MetricDataResults!.find((x) => x.Id === id)!;
  expect(result('count').Values!.length).toBeGreaterThan(0);
  expect(result('errors').Timestamps).toEqual(result('count').Timestamps);
  expect(result('errors').Values).toEqual(result('count').Values!.map(() => 0));
  // The canary (dep2 answers 500) under <stage>/Canary: every request an error.
  expect(result('canaryErrors').Values).toEqual(result('canaryCount').Values);
});

it('limits CreateDeployment to one per interval with TooManyRequestsException and Retry-After', async () => {
  await t.control.loadScenario(shop({ createDeploymentIntervalMs: 60_000 }));
  await t.apigw.send(new CreateDeploymentCommand({ restApiId: 'abc123' }));
  const second = t.apigw.send(new CreateDeploymentCommand({ restApiId: 'abc123' }));
  const err = (await second.catch((e: unknown) => e)) as {
    name: string;
    retryAfterSeconds?: string;
    $metadata: { httpStatusCode: number };
  };
  expect(err.name).toBe('TooManyRequestsException');
  expect(err.$metadata.httpStatusCode).toBe(429);
  expect(Number(err.retryAfterSeconds)).toBeGreaterThan(50);
  expect(Object.keys((await t.control.restApi('abc123')).deployments)).toHaveLength(3);
});

it('throttles with a Retry-After the fault sets, answers injected 5xx and drops connections', async () => {
  await t.control.setFaults({ apigateway: { throttle: 1, limit: 1, retryAfterSeconds: 3 } });
  const err = (await t.apigw
    .send(new GetRestApiCommand({ restApiId: 'abc123' }))
    .catch((e: unknown) => e)) as {
    name: string;
    retryAfterSeconds?: string;
  };
  expect(err).toMatchObject({ name: 'TooManyRequestsException', retryAfterSeconds: '3' });
  await t.control.setFaults({ apigateway: { error5xx: 1, limit: 1 } });
  expect(await rejection(t.apigw.send(new GetRestApiCommand({ restApiId: 'abc123' })))).toMatchObject({
    name: 'ServiceUnavailableException',
    status: 503,
  });
  await t.control.setFaults({ apigateway: { drop: 1, limit: 1, operations: ['UpdateStage'] } });
  await expect(update([{ op: 'replace', path: '/description', value: 'dropped' }])).rejects.toThrow();
  expect((await t.control.stage('abc123', 'prod')).description).toBeUndefined();
  expect((await t.control.writes('apigateway')).map((w) => [w.operation, w.target, w.status])).toContainEqual(
    ['UpdateStage', 'abc123/prod', 0],
  );
  expect((await t.apigw.send(new GetRestApiCommand({ restApiId: 'abc123' }))).name).toBe('shop');
});

it('logs every apigateway write with its target', async () => {
  await t.control.clearWrites();
  await update([{ op: 'replace', path: '/description', value: 'x' }]);
  await t.apigw.send(
    new CreateDeploymentCommand({
      restApiId: 'abc123',
      stageName: 'prod',
      canarySettings: { percentTraffic: 1 },
    }),
  );
  await t.apigw.send(new GetStageCommand({ restApiId: 'abc123', stageName: 'prod' }));
  expect((await t.control.writes('apigateway')).map((w) => [w.operation, w.target, w.status])).toEqual([
    ['UpdateStage', 'abc123/prod', 200],
    ['CreateDeployment', 'abc123/prod', 201],
  ]);
});

it('tells HTTP and WebSocket APIs apart: GetRestApi does not find them, GetApi does', async () => {
  const http = await t.apigwv2.send(new CreateApiCommand({ Name: 'edge', ProtocolType: 'HTTP' }));
  expect(http.ApiId).toMatch(/^[a-z0-9]{10}$/);
  expect(await rejection(t.apigw.send(new GetRestApiCommand({ restApiId: http.ApiId })))).toMatchObject({
    name: 'NotFoundException',
    status: 404,
  });
  expect(await t.apigwv2.send(new GetApiCommand({ ApiId: http.ApiId }))).toMatchObject({
    Name: 'edge',
    ProtocolType: 'HTTP',
  });
  expect(await rejection(t.apigwv2.send(new GetApiCommand({ ApiId: 'abc123' })))).toMatchObject({
    name: 'NotFoundException',
    status: 404,
  });
  await t.control.loadScenario(
    shop({
      httpApis: [
        {
          id: 'ws0000001',
          name: 'chat',
          protocolType: 'WEBSOCKET',
          routeSelectionExpression: '$request.body.action',
        },
      ],
    }),
  );
  expect((await t.apigwv2.send(new GetApisCommand({}))).Items?.map((a) => [a.ApiId, a.ProtocolType])).toEqual(
    [['ws0000001', 'WEBSOCKET']],
  );
});
