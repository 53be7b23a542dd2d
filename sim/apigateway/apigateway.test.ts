import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  GetDeploymentsCommand,
  GetRestApisCommand,
  GetStageCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { rejection, sleep, testCloud, type TestCloud } from '../testing.js';

let t: TestCloud;
let apigw: APIGatewayClient;

beforeAll(async () => {
  t = await testCloud({ metricPeriodSeconds: 1 });
  apigw = new APIGatewayClient(t.clientConfig);
});
afterAll(async () => {
  apigw.destroy();
  await t.close();
});
beforeEach(async () => {
  await t.control.reset({ metricPeriodSeconds: 1 });
  await t.control.loadScenario({
    metricPeriodSeconds: 1,
    restApis: [
      {
        id: 'abc123',
        name: 'shop',
        deployments: [{ id: 'dep1' }, { id: 'dep2', errorRate: 1 }],
        stages: [{ name: 'prod', deploymentId: 'dep1', variables: { mode: 'stable' } }],
      },
    ],
  });
});

const update = (
  ops: {
    op: 'replace' | 'copy' | 'remove' | 'add' | 'move' | 'test';
    path: string;
    value?: string;
    from?: string;
  }[],
) => apigw.send(new UpdateStageCommand({ restApiId: 'abc123', stageName: 'prod', patchOperations: ops }));

it('creates APIs, stages and deployments with the SDK', async () => {
  const api = await apigw.send(new CreateRestApiCommand({ name: 'other' }));
  expect(api.id).toMatch(/^[a-z0-9]{10}$/);
  expect(api.createdDate).toBeInstanceOf(Date);
  const dep = await apigw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'dev' }));
  const stage = await apigw.send(new GetStageCommand({ restApiId: api.id, stageName: 'dev' }));
  expect(stage.deploymentId).toBe(dep.id);
  await apigw.send(new CreateStageCommand({ restApiId: api.id, stageName: 'qa', deploymentId: dep.id }));
  expect((await apigw.send(new GetRestApisCommand({}))).items?.map((a) => a.name).sort()).toEqual([
    'other',
    'shop',
  ]);
  expect(
    (await apigw.send(new GetDeploymentsCommand({ restApiId: api.id }))).items?.map((d) => d.id),
  ).toEqual([dep.id]);
});

it('runs a canary release: start, shift, promote with copy, remove', async () => {
  const dep = await apigw.send(
    new CreateDeploymentCommand({
      restApiId: 'abc123',
      stageName: 'prod',
      canarySettings: { percentTraffic: 5, stageVariableOverrides: { mode: 'canary' } },
    }),
  );
  let stage = await apigw.send(new GetStageCommand({ restApiId: 'abc123', stageName: 'prod' }));
  expect(stage.deploymentId).toBe('dep1');
  expect(stage.canarySettings).toEqual({
    deploymentId: dep.id,
    percentTraffic: 5,
    stageVariableOverrides: { mode: 'canary' },
    useStageCache: false,
  });
  stage = await update([{ op: 'replace', path: '/canarySettings/percentTraffic', value: '25' }]);
  expect(stage.canarySettings?.percentTraffic).toBe(25);
  stage = await update([
    { op: 'replace', path: '/canarySettings/percentTraffic', value: '0' },
    { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
    { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
  ]);
  expect(stage.deploymentId).toBe(dep.id);
  expect(stage.variables).toEqual({ mode: 'canary' });
  stage = await update([{ op: 'remove', path: '/canarySettings' }]);
  expect(stage.canarySettings).toBeUndefined();
});

it('refuses add on canary paths, bad percentages and unknown stages; a refused patch changes nothing', async () => {
  await update([{ op: 'replace', path: '/canarySettings/deploymentId', value: 'dep2' }]);
  expect(
    await rejection(update([{ op: 'add', path: '/canarySettings/percentTraffic', value: '10' }])),
  ).toMatchObject({
    name: 'BadRequestException',
    status: 400,
  });
  expect(
    await rejection(
      update([
        { op: 'replace', path: '/canarySettings/percentTraffic', value: '50' },
        { op: 'replace', path: '/canarySettings/percentTraffic', value: '101' },
      ]),
    ),
  ).toMatchObject({ name: 'BadRequestException', status: 400 });
  expect((await t.control.state())['apigateway']).toMatchObject({
    abc123: { stages: { prod: { canarySettings: { deploymentId: 'dep2', percentTraffic: 0 } } } },
  });
  expect(
    await rejection(apigw.send(new GetStageCommand({ restApiId: 'abc123', stageName: 'nope' }))),
  ).toMatchObject({ name: 'NotFoundException', status: 404 });
  expect(
    await rejection(
      apigw.send(
        new CreateDeploymentCommand({
          restApiId: 'abc123',
          stageName: 'nope',
          canarySettings: { percentTraffic: 5 },
        }),
      ),
    ),
  ).toMatchObject({ name: 'BadRequestException', status: 400 });
});

it('splits stage traffic by percentTraffic into Stage and Stage/Canary metrics', async () => {
  await update([
    { op: 'replace', path: '/canarySettings/deploymentId', value: 'dep2' },
    { op: 'replace', path: '/canarySettings/percentTraffic', value: '50' },
  ]);
  await t.control.setTraffic({ restApiId: 'abc123', stage: 'prod', rate: 100 });
  await sleep(1300);
  await t.control.stopTraffic();
  const now = Date.now();
  const q = (Id: string, MetricName: string, Stage: string) => ({
    Id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ApiGateway',
        MetricName,
        Dimensions: [
          { Name: 'ApiName', Value: 'shop' },
          { Name: 'Stage', Value: Stage },
        ],
      },
      Period: 60,
      Stat: 'Sum',
    },
  });
  const r = await t.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 120000),
      EndTime: new Date(now + 60000),
      MetricDataQueries: [
        q('stable', 'Count', 'prod'),
        q('canary', 'Count', 'prod/Canary'),
        q('stableerr', '5XXError', 'prod'),
        q('canaryerr', '5XXError', 'prod/Canary'),
      ],
    }),
  );
  const sum = (id: string) =>
    (r.MetricDataResults?.find((x) => x.Id === id)?.Values ?? []).reduce((a, b) => a + b, 0);
  expect(sum('stable')).toBeGreaterThan(20);
  expect(sum('canary')).toBeGreaterThan(20);
  expect(sum('stableerr')).toBe(0);
  expect(sum('canaryerr')).toBe(sum('canary'));
});
