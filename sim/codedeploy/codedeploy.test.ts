import { createHash } from 'node:crypto';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import type { Scenario } from '../core/scenario.js';
import { rejection, testCloud, waitFor, type TestCloud } from '../testing.js';

let t: TestCloud;
let cd: CodeDeployClient;

const MINUTE_MS = 200;

beforeAll(async () => {
  t = await testCloud({ metricPeriodSeconds: 1 });
  cd = new CodeDeployClient(t.clientConfig);
});
afterAll(async () => {
  cd.destroy();
  await t.close();
});
const SCENARIO: Scenario = {
  metricPeriodSeconds: 1,
  codedeployMinuteMs: MINUTE_MS,
  functions: [
    {
      name: 'orders',
      versions: [{ version: '1' }, { version: '2' }, { version: '3' }],
      aliases: [{ name: 'live', version: '1' }],
    },
    { name: 'CodeDeployHook_check', versions: [{ version: '1' }] },
  ],
  alarms: [
    {
      AlarmName: 'orders-errors',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: 'orders' }],
      Statistic: 'Sum',
      Period: 1,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      StateValue: 'OK',
    },
  ],
  codedeploy: {
    applications: [{ applicationName: 'shop', computePlatform: 'Lambda' }],
    deploymentGroups: [
      {
        applicationName: 'shop',
        deploymentGroupName: 'orders',
        serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
        deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        alarmConfiguration: { enabled: true, alarms: [{ name: 'orders-errors' }] },
        autoRollbackConfiguration: {
          enabled: true,
          events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
        },
      },
    ],
  },
};

beforeEach(async () => {
  await t.control.reset();
  await t.control.loadScenario(SCENARIO);
});

function revision(
  current: string | number,
  target: string | number,
  hooks: Record<string, string>[] = [],
): RevisionLocation {
  const content = JSON.stringify({
    version: 0.0,
    Resources: [
      {
        orders: {
          Type: 'AWS::Lambda::Function',
          Properties: { Name: 'orders', Alias: 'live', CurrentVersion: current, TargetVersion: target },
        },
      },
    ],
    ...(hooks.length > 0 ? { Hooks: hooks } : {}),
  });
  return {
    revisionType: 'AppSpecContent',
    appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') },
  };
}

const deploy = async (
  rev: RevisionLocation,
  extra: { deploymentConfigName?: string; group?: string } = {},
): Promise<string> => {
  const out = await cd.send(
    new CreateDeploymentCommand({
      applicationName: 'shop',
      deploymentGroupName: extra.group ?? 'orders',
      revision: rev,
      ...(extra.deploymentConfigName ? { deploymentConfigName: extra.deploymentConfigName } : {}),
    }),
  );
  expect(out.deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
  return out.deploymentId as string;
};

const info = async (id: string): Promise<DeploymentInfo> =>
  (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo as DeploymentInfo;

const until = (id: string, statuses: string[]): Promise<DeploymentInfo> =>
  waitFor(async () => {
    const d = await info(id);
    return statuses.includes(d.status ?? '') ? d : undefined;
  }, 8000);

const target = async (id: string) =>
  (await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'orders:live' })))
    .deploymentTarget?.lambdaTarget;

const alias = () => t.lambda.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }));

/** The hook execution id CodeDeploy passed to the hook function in its nth invocation. */
const hookExecution = (n: number): Promise<{ DeploymentId: string; LifecycleEventHookExecutionId: string }> =>
  waitFor(async () => {
    const calls = await t.control.invocations('CodeDeployHook_check');
    const call = calls[n];
    return call
      ? (JSON.parse(call.payload) as { DeploymentId: string; LifecycleEventHookExecutionId: string })
      : undefined;
  }, 5000);

it('creates an application and a group, and deploys all at once with both hooks', async () => {
  const app = await cd.send(
    new CreateApplicationCommand({ applicationName: 'api', computePlatform: 'Lambda' }),
  );
  expect(app.applicationId).toBeDefined();
  expect((await cd.send(new GetApplicationCommand({ applicationName: 'api' }))).application).toMatchObject({
    applicationName: 'api',
    computePlatform: 'Lambda',
    createTime: expect.any(Date),
  });
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'api',
      deploymentGroupName: 'g',
      serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
      deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    }),
  );
  const group = await cd.send(
    new GetDeploymentGroupCommand({ applicationName: 'api', deploymentGroupName: 'g' }),
  );
  expect(group.deploymentGroupInfo).toMatchObject({
    deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
    computePlatform: 'Lambda',
    alarmConfiguration: { enabled: false, alarms: [] },
  });

  const before = await alias();
  const id = (
    await cd.send(
      new CreateDeploymentCommand({
        applicationName: 'api',
        deploymentGroupName: 'g',
        revision: revision(1, 2, [
          { BeforeAllowTraffic: 'CodeDeployHook_check' },
          { AfterAllowTraffic: 'CodeDeployHook_check' },
        ]),
      }),
    )
  ).deploymentId as string;

  const first = await hookExecution(0);
  expect(first.DeploymentId).toBe(id);
  expect((await alias()).FunctionVersion).toBe('1');
  const listed = await cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }));
  expect(listed.targetIds).toEqual(['orders:live']);
  await cd.send(
    new PutLifecycleEventHookExecutionStatusCommand({
      deploymentId: id,
      lifecycleEventHookExecutionId: first.LifecycleEventHookExecutionId,
      status: 'Succeeded',
    }),
  );
  const second = await hookExecution(1);
  expect(second.LifecycleEventHookExecutionId).not.toBe(first.LifecycleEventHookExecutionId);
  expect(await alias()).toMatchObject({ FunctionVersion: '2' });
  await cd.send(
    new PutLifecycleEventHookExecutionStatusCommand({
      deploymentId: id,
      lifecycleEventHookExecutionId: second.LifecycleEventHookExecutionId,
      status: 'Succeeded',
    }),
  );

  const done = await until(id, ['Succeeded', 'Failed', 'Stopped']);
  expect(done).toMatchObject({
    status: 'Succeeded',
    creator: 'user',
    computePlatform: 'Lambda',
    deploymentOverview: { Succeeded: 1, Failed: 0 },
  });
  expect(done.completeTime).toBeInstanceOf(Date);
  const after = await alias();
  expect(after.FunctionVersion).toBe('2');
  expect(after.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  expect(after.RevisionId).not.toBe(before.RevisionId);
  const tgt = await target(id);
  expect(tgt?.lifecycleEvents?.map((e) => [e.lifecycleEventName, e.status])).toEqual([
    ['Start', 'Succeeded'],
    ['BeforeAllowTraffic', 'Succeeded'],
    ['AllowTraffic', 'Succeeded'],
    ['AfterAllowTraffic', 'Succeeded'],
    ['End', 'Succeeded'],
  ]);
  expect(tgt?.lambdaFunctionInfo).toEqual({
    functionName: 'orders',
    functionAlias: 'live',
    currentVersion: '1',
    targetVersion: '2',
    targetVersionWeight: 1,
  });
  const list = await cd.send(
    new ListDeploymentsCommand({ applicationName: 'api', deploymentGroupName: 'g' }),
  );
  expect(list.deployments).toEqual([id]);
  const g = await cd.send(
    new GetDeploymentGroupCommand({ applicationName: 'api', deploymentGroupName: 'g' }),
  );
  expect(g.deploymentGroupInfo?.lastSuccessfulDeployment?.deploymentId).toBe(id);

  const writes = await t.control.writes('codedeploy');
  expect(writes.map((w) => w.operation)).toEqual([
    'CreateApplication',
    'CreateDeploymentGroup',
    'CreateDeployment',
    'PutLifecycleEventHookExecutionStatus',
    'PutLifecycleEventHookExecutionStatus',
  ]);
  // The deployment's own alias write (all at once) is in the writes log, as CloudTrail would show it.
  const aliasWrites = (await t.control.writes('lambda')).filter((w) => w.operation === 'UpdateAlias');
  expect(aliasWrites.map((w) => [w.target, w.userAgent])).toEqual([
    ['orders:live', `codedeploy.amazonaws.com (deployment ${id})`],
  ]);
});

it('shifts a canary: the intermediate weight is visible, then all traffic moves', async () => {
  const id = await deploy(revision('1', '2'));
  const mid = await waitFor(async () => {
    const tg = await target(id).catch(() => undefined);
    return tg?.lambdaFunctionInfo?.targetVersionWeight === 0.1 ? tg : undefined;
  });
  expect(mid.status).toBe('InProgress');
  expect(mid.lifecycleEvents?.find((e) => e.lifecycleEventName === 'AllowTraffic')?.status).toBe(
    'InProgress',
  );
  const split = await alias();
  expect(split.FunctionVersion).toBe('1');
  expect(split.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 });
  expect((await info(id)).status).toBe('InProgress');

  const done = await until(id, ['Succeeded', 'Failed', 'Stopped']);
  expect(done.status).toBe('Succeeded');
  expect((await alias()).FunctionVersion).toBe('2');
  // Hooks absent: skipped.
  const events = (await target(id))?.lifecycleEvents?.map((e) => e.status);
  expect(events).toEqual(['Succeeded', 'Skipped', 'Succeeded', 'Skipped', 'Succeeded']);
});

it('runs a custom linear config and refuses bad ones', async () => {
  await cd.send(
    new CreateDeploymentConfigCommand({
      deploymentConfigName: 'half-every-minute',
      computePlatform: 'Lambda',
      trafficRoutingConfig: {
        type: 'TimeBasedLinear',
        timeBasedLinear: { linearPercentage: 50, linearInterval: 1 },
      },
    }),
  );
  const cfg = await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'half-every-minute' }));
  expect(cfg.deploymentConfigInfo).toMatchObject({
    computePlatform: 'Lambda',
    trafficRoutingConfig: {
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: 50, linearInterval: 1 },
    },
  });
  const predefined = await cd.send(
    new GetDeploymentConfigCommand({
      deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes',
    }),
  );
  expect(predefined.deploymentConfigInfo?.trafficRoutingConfig).toEqual({
    type: 'TimeBasedLinear',
    timeBasedLinear: { linearPercentage: 10, linearInterval: 3 },
  });

  const bad = await rejection(
    cd.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: 'fractional',
        computePlatform: 'Lambda',
        trafficRoutingConfig: {
          type: 'TimeBasedCanary',
          timeBasedCanary: { canaryPercentage: 2.5, canaryInterval: 1 },
        },
      }),
    ),
  );
  expect(bad).toMatchObject({ name: 'InvalidTrafficRoutingConfigurationException', status: 400 });
  expect(
    await rejection(cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'nope' }))),
  ).toMatchObject({ name: 'DeploymentConfigDoesNotExistException' });
  expect(
    await rejection(
      cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.LambdaBogus' })),
    ),
  ).toMatchObject({ name: 'DeploymentConfigDoesNotExistException' });

  const id = await deploy(revision('1', '3'), { deploymentConfigName: 'half-every-minute' });
  await waitFor(async () =>
    (await alias()).RoutingConfig?.AdditionalVersionWeights?.['3'] === 0.5 ? true : undefined,
  );
  const done = await until(id, ['Succeeded', 'Failed', 'Stopped']);
  expect(done).toMatchObject({ status: 'Succeeded', deploymentConfigName: 'half-every-minute' });
  expect((await alias()).FunctionVersion).toBe('3');
});

it('stops on an alarm with ALARM_ACTIVE and rolls back as a new deployment', async () => {
  const id = await deploy(revision('1', '2'), {
    deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent30Minutes',
  });
  await waitFor(async () =>
    (await target(id).catch(() => undefined))?.lambdaFunctionInfo?.targetVersionWeight === 0.1
      ? true
      : undefined,
  );
  const split = await alias();
  await t.control.setAlarmState('orders-errors', 'ALARM', 'canary errors', true);

  const stopped = await until(id, ['Succeeded', 'Failed', 'Stopped']);
  expect(stopped.status).toBe('Stopped');
  expect(stopped.errorInformation?.code).toBe('ALARM_ACTIVE');
  expect(stopped.errorInformation?.message).toContain('orders-errors');
  const rollbackId = stopped.rollbackInfo?.rollbackDeploymentId as string;
  expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/);

  const back = await alias();
  expect(back.FunctionVersion).toBe('1');
  expect(back.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  expect(back.RevisionId).not.toBe(split.RevisionId);

  const rollback = await info(rollbackId);
  expect(rollback).toMatchObject({
    status: 'Succeeded',
    creator: 'codeDeployRollback',
    rollbackInfo: { rollbackTriggeringDeploymentId: id },
  });
  const listed = await cd.send(
    new ListDeploymentsCommand({
      applicationName: 'shop',
      deploymentGroupName: 'orders',
      includeOnlyStatuses: ['Stopped'],
    }),
  );
  expect(listed.deployments).toEqual([id]);
  const state = await t.control.deployment(id);
  expect(state.target.status).toBe('Failed');
  // As on AWS, the rollback is the group's last attempted deployment.
  const group = await cd.send(
    new GetDeploymentGroupCommand({ applicationName: 'shop', deploymentGroupName: 'orders' }),
  );
  expect(group.deploymentGroupInfo?.lastAttemptedDeployment?.deploymentId).toBe(rollbackId);
});

it('fails with HOOK_EXECUTION_FAILURE when the BeforeAllowTraffic hook reports Failed', async () => {
  const before = await alias();
  const id = await deploy(revision('1', '2', [{ BeforeAllowTraffic: 'CodeDeployHook_check' }]));
  const hook = await hookExecution(0);
  await cd.send(
    new PutLifecycleEventHookExecutionStatusCommand({
      deploymentId: id,
      lifecycleEventHookExecutionId: hook.LifecycleEventHookExecutionId,
      status: 'Failed',
    }),
  );
  const failed = await until(id, ['Succeeded', 'Failed', 'Stopped']);
  expect(failed.status).toBe('Failed');
  expect(failed.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
  const tg = await target(id);
  expect(tg?.lifecycleEvents?.map((e) => e.status)).toEqual([
    'Succeeded',
    'Failed',
    'Skipped',
    'Skipped',
    'Skipped',
  ]);
  expect(tg?.lifecycleEvents?.[1]?.diagnostics?.errorCode).toBe('ScriptFailed');
  // The alias never moved; the rollback (DEPLOYMENT_FAILURE) had nothing to change.
  expect(await alias()).toMatchObject({ FunctionVersion: '1', RevisionId: before.RevisionId });
  expect(failed.rollbackInfo?.rollbackDeploymentId).toBeDefined();
  // A late answer is refused.
  expect(
    await rejection(
      cd.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId: id,
          lifecycleEventHookExecutionId: hook.LifecycleEventHookExecutionId,
          status: 'Succeeded',
        }),
      ),
    ),
  ).toMatchObject({ name: 'LifecycleEventAlreadyCompletedException', status: 400 });
});

it('answers for hook functions when told to (hookReports)', async () => {
  await t.control.setHookReports({ CodeDeployHook_check: 'Succeeded' });
  const id = await deploy(revision('1', '2', [{ BeforeAllowTraffic: 'CodeDeployHook_check' }]), {
    deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
  });
  expect((await until(id, ['Succeeded', 'Failed', 'Stopped'])).status).toBe('Succeeded');
  const state = await t.control.codedeploy();
  expect(state.deployments[id]?.hookExecutions).toMatchObject([
    { event: 'BeforeAllowTraffic', functionName: 'CodeDeployHook_check', status: 'Succeeded' },
  ]);
});

it('fails a hook that never reports after 60 CodeDeploy minutes, and answers by outcome', async () => {
  await t.control.loadScenario({ ...SCENARIO, codedeployMinuteMs: 10 });
  const id = await deploy(revision('1', '2', [{ AfterAllowTraffic: 'CodeDeployHook_check' }]), {
    deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
  });
  await hookExecution(0);
  expect(await alias()).toMatchObject({ FunctionVersion: '2' });
  const failed = await until(id, ['Succeeded', 'Failed', 'Stopped']);
  expect(failed.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
  expect((await target(id))?.lifecycleEvents?.[3]?.diagnostics?.errorCode).toBe('ScriptTimedOut');
  // DEPLOYMENT_FAILURE rollback: traffic had moved, so the alias goes back.
  expect(await alias()).toMatchObject({ FunctionVersion: '1' });

  await t.control.setBehavior('CodeDeployHook_check', '1', { errorRate: 1 });
  await t.control.setHookReports({ CodeDeployHook_check: 'outcome' });
  const id2 = await deploy(revision('1', '2', [{ BeforeAllowTraffic: 'CodeDeployHook_check:1' }]));
  const failed2 = await until(id2, ['Succeeded', 'Failed', 'Stopped']);
  expect(failed2.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
  expect((await t.control.invocations('CodeDeployHook_check')).map((c) => [c.qualifier, c.error])).toEqual([
    [undefined, false],
    ['1', true],
  ]);
});

it('StopDeployment with rollback puts the alias back; without, leaves it split', async () => {
  const id = await deploy(revision('1', '2'));
  await waitFor(async () =>
    (await alias()).RoutingConfig?.AdditionalVersionWeights?.['2'] === 0.1 ? true : undefined,
  );
  const stop = await cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
  expect(stop.status).toBe('Pending');
  const stopped = await until(id, ['Stopped', 'Failed', 'Succeeded']);
  expect(stopped).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
  expect(stopped.rollbackInfo?.rollbackDeploymentId).toBeDefined();
  expect(await alias()).toMatchObject({ FunctionVersion: '1' });
  expect((await alias()).RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  expect(await rejection(cd.send(new StopDeploymentCommand({ deploymentId: id })))).toMatchObject({
    name: 'DeploymentAlreadyCompletedException',
  });

  const id2 = await deploy(revision('1', '2'));
  await waitFor(async () =>
    (await alias()).RoutingConfig?.AdditionalVersionWeights?.['2'] === 0.1 ? true : undefined,
  );
  await cd.send(new StopDeploymentCommand({ deploymentId: id2, autoRollbackEnabled: false }));
  const stopped2 = await until(id2, ['Stopped', 'Failed', 'Succeeded']);
  expect(stopped2.status).toBe('Stopped');
  expect(stopped2.rollbackInfo).toBeUndefined();
  const left = await alias();
  expect(left.FunctionVersion).toBe('1');
  expect(left.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 });

  // The next deployment finds the alias split and fails.
  const id3 = await deploy(revision('1', '3'));
  const failed = await until(id3, ['Stopped', 'Failed', 'Succeeded']);
  expect(failed.status).toBe('Failed');
  expect(failed.errorInformation?.code).toBe('INVALID_LAMBDA_CONFIGURATION');
});

it('allows one active deployment per group', async () => {
  const id = await deploy(revision('1', '2'));
  const second = await rejection(deploy(revision('1', '3')));
  expect(second).toMatchObject({ name: 'DeploymentLimitExceededException', status: 400 });
  expect(second.message).toContain(id);
});

it('refuses invalid AppSpecs and unknown resources with CodeDeploy error names', async () => {
  const same = await rejection(deploy(revision('2', '2')));
  expect(same).toMatchObject({ name: 'InvalidRevisionException', status: 400 });
  expect(same.message).toContain('must differ');
  const notJson = await rejection(
    deploy({ revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0\nResources: []' } }),
  );
  expect(notJson.name).toBe('InvalidRevisionException');
  const badSha = revision('1', '2');
  badSha.appSpecContent = { ...badSha.appSpecContent, sha256: '00' };
  expect((await rejection(deploy(badSha))).name).toBe('InvalidRevisionException');

  expect(await rejection(deploy(revision('1', '2'), { group: 'missing' }))).toMatchObject({
    name: 'DeploymentGroupDoesNotExistException',
    status: 400,
  });
  expect(await rejection(cd.send(new GetApplicationCommand({ applicationName: 'missing' })))).toMatchObject({
    name: 'ApplicationDoesNotExistException',
  });
  expect(await rejection(cd.send(new GetDeploymentCommand({ deploymentId: 'd-AAAAAAAAA' })))).toMatchObject({
    name: 'DeploymentDoesNotExistException',
  });
  expect(
    await rejection(
      cd.send(
        new CreateDeploymentGroupCommand({
          applicationName: 'shop',
          deploymentGroupName: 'x',
          serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
          deploymentConfigName: 'no-such-config',
        }),
      ),
    ),
  ).toMatchObject({ name: 'DeploymentConfigDoesNotExistException' });
  expect(
    await rejection(
      cd.send(
        new CreateDeploymentGroupCommand({
          applicationName: 'shop',
          deploymentGroupName: 'x',
          serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
          deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
        }),
      ),
    ),
  ).toMatchObject({ name: 'InvalidDeploymentStyleException' });
  // A group created without a config gets the API's default, a Server config.
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'shop',
      deploymentGroupName: 'defaulted',
      serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
    }),
  );
  expect(await rejection(deploy(revision('1', '2'), { group: 'defaulted' }))).toMatchObject({
    name: 'InvalidDeploymentConfigNameException',
  });
  expect((await t.control.codedeploy()).deployments).toEqual({});
});

it('injects CodeDeploy faults: throttles by name, 5xx retried by the SDK', async () => {
  const once = new CodeDeployClient({ ...t.clientConfig, maxAttempts: 1 });
  try {
    await t.control.setFaults({ codedeploy: { throttle: 1, limit: 1 } });
    expect(await rejection(once.send(new GetApplicationCommand({ applicationName: 'shop' })))).toMatchObject({
      name: 'ThrottlingException',
      status: 400,
    });
  } finally {
    once.destroy();
  }
  await t.control.setFaults({ codedeploy: { error5xx: 1, limit: 1, operations: ['CreateApplication'] } });
  await cd.send(new CreateApplicationCommand({ applicationName: 'retried', computePlatform: 'Lambda' }));
  const writes = await t.control.writes('codedeploy');
  expect(writes.map((w) => [w.operation, w.status, w.target])).toEqual([
    ['CreateApplication', 500, 'retried'],
    ['CreateApplication', 200, 'retried'],
  ]);
});
