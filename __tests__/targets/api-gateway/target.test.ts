import { UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { runRollout } from '../../../src/engine/rollout.js';
import { ConcurrentChangeError, WriteRefusedError } from '../../../src/engine/types.js';
import { parseMarker } from '../../../src/marker.js';
import { parseStrategy } from '../../../src/strategy.js';
import { Pacer, readStage, retryAfterMs, stageCall } from '../../../src/targets/api-gateway/aws.js';
import { StageCanaryTarget, type CanarySource } from '../../../src/targets/api-gateway/target.js';
import { FakeClock } from '../../support/fake-clock.js';
import {
  apigatewayMock,
  awsError,
  clients,
  givenApi,
  identity,
  NOT_CANCELLED,
  patches,
  ref,
  STEP,
  trafficOps,
  type World,
} from './scenario.js';

const CREATE: CanarySource = {
  kind: 'create',
  description: 'serverless-canary: commit abc, run acme/shop#42.1~abc123',
};

async function newTarget(
  world: World,
  canary: CanarySource = CREATE,
  stageVariables: Record<string, string> = {},
  onCanaryCreated?: (id: string) => void,
): Promise<StageCanaryTarget> {
  const stage = await readStage(clients().apigateway, ref);
  return new StageCanaryTarget(clients().apigateway, ref, {
    previousDeploymentId: world.stage!.deploymentId!,
    canary,
    stageVariables,
    useStageCache: false,
    identity,
    stage,
    onCanaryCreated,
  });
}

const marker = (operations: { path?: string; value?: string }[]) =>
  parseMarker(operations.find((o) => o.path === '/description')?.value);

describe('StageCanaryTarget with a new deployment', () => {
  it('creates the canary at the first step, steps it, promotes it with the documented operations and verifies', async () => {
    const world = givenApi();
    const created: string[] = [];
    const target = await newTarget(world, CREATE, {}, (id) => created.push(id));
    await target.setWeight(10, STEP, NOT_CANCELLED);
    await target.setWeight(50, { index: 1, count: 2 }, NOT_CANCELLED);
    await target.promote();
    await target.verify();

    expect(world.writes.map((w) => w.op)).toEqual([
      'CreateDeployment',
      'UpdateStage',
      'UpdateStage',
      'UpdateStage',
      'UpdateStage',
    ]);
    expect(world.writes[0]!.input).toEqual({
      restApiId: 'a1b2c3d4e5',
      stageName: 'prod',
      description: CREATE.description,
      canarySettings: { percentTraffic: 10, useStageCache: false },
    });
    expect(created).toEqual(['new001']);
    expect(patches(world).map(trafficOps)).toEqual([
      [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '10' }],
      [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '50' }],
      [
        { op: 'replace', path: '/canarySettings/percentTraffic', value: '0' },
        { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
      ],
      [{ op: 'remove', path: '/canarySettings' }],
    ]);
    expect(world.stage).toMatchObject({ deploymentId: 'new001', variables: { env: 'prod' } });
    expect(world.stage!.canarySettings).toBeUndefined();
  });

  it('writes the marker in the stage description, in the same UpdateStage as each traffic change', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.setWeight(10, STEP, NOT_CANCELLED);
    await target.setWeight(50, STEP, NOT_CANCELLED);
    await target.promote();
    const markers = patches(world).map(marker);
    expect(markers.map((m) => [m?.state, m?.weight, m?.run, m?.from, m?.to, m?.plan, m?.by])).toEqual([
      ['shifting', 10, identity.run, 'base01', 'new001', 'canary 10% 5m', 'octocat'],
      ['shifting', 50, identity.run, 'base01', 'new001', 'canary 10% 5m', 'octocat'],
      ['promoted', 100, identity.run, 'base01', 'new001', 'canary 10% 5m', 'octocat'],
      ['promoted', 100, identity.run, 'base01', 'new001', 'canary 10% 5m', 'octocat'],
    ]);
    expect(parseMarker(world.stage!.description)?.state).toBe('promoted');
  });

  it('sends the overrides with the deployment and copies them onto the stage on promotion', async () => {
    const world = givenApi();
    const target = await newTarget(world, CREATE, { lambdaAlias: 'canary' });
    await target.setWeight(10, STEP, NOT_CANCELLED);
    await target.promote();
    await target.verify();
    expect(world.writes[0]!.input).toMatchObject({
      canarySettings: { percentTraffic: 10, stageVariableOverrides: { lambdaAlias: 'canary' } },
    });
    expect(trafficOps(patches(world)[1]!)).toEqual([
      { op: 'replace', path: '/canarySettings/percentTraffic', value: '0' },
      { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
      { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
    ]);
    expect(world.stage!.variables).toEqual({ env: 'prod', lambdaAlias: 'canary' });
  });

  it('rolls back with remove /canarySettings, in two calls: the guard read and the write', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.setWeight(10, STEP, NOT_CANCELLED);
    apigatewayMock.resetHistory();
    await target.rollback('alarm');
    expect(apigatewayMock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'GetStageCommand',
      'UpdateStageCommand',
    ]);
    expect(trafficOps(patches(world).at(-1)!)).toEqual([{ op: 'remove', path: '/canarySettings' }]);
    expect(marker(patches(world).at(-1)!)?.state).toBe('rolled-back');
    expect(world.stage).toMatchObject({ deploymentId: 'base01' });
    expect(world.stage!.canarySettings).toBeUndefined();
  });

  it('rolls back a canary whose CreateDeployment answer was lost, knowing it by its description', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    // The deployment lands, then the answer is lost (the call was abandoned on cancellation).
    world.faults.CreateDeployment = [{ error: awsError('AbortError', 0, 'Request aborted'), land: true }];
    await expect(target.setWeight(10, STEP, NOT_CANCELLED)).rejects.toThrow(/Request aborted/);
    await target.rollback('cancelled');
    expect(world.stage!.canarySettings).toBeUndefined();
    expect(parseMarker(world.stage!.description)).toMatchObject({ state: 'rolled-back', to: 'new001' });
  });

  it('changes nothing on rollback when the deployment was never created', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.rollback('cancelled before the first step');
    expect(world.writes).toEqual([]);
  });

  it('restores the stage deployment when a promotion stopped between the copy and the removal', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.setWeight(10, STEP, NOT_CANCELLED);
    // The promotion's copy lands; its removal of the canary fails.
    world.faults.UpdateStage = [undefined, { error: awsError('ServiceUnavailableException', 503) }];
    await expect(target.promote()).rejects.toThrow(/ServiceUnavailable/);
    await target.rollback('promotion failed');
    expect(trafficOps(patches(world).at(-1)!)).toEqual([
      { op: 'remove', path: '/canarySettings' },
      { op: 'replace', path: '/deploymentId', value: 'base01' },
    ]);
    expect(world.stage).toMatchObject({ deploymentId: 'base01' });
  });
});

describe('StageCanaryTarget rolled back after a completed promotion (a failing post-traffic hook)', () => {
  it('puts back the previous deployment and the variables the overrides overwrote, with no canary to remove', async () => {
    const world = givenApi();
    const target = await newTarget(world, CREATE, { env: 'canary', lambdaAlias: 'canary' });
    await target.setWeight(10, STEP, NOT_CANCELLED);
    await target.promote();
    await target.verify();
    expect(world.stage).toMatchObject({
      deploymentId: 'new001',
      variables: { env: 'canary', lambdaAlias: 'canary' },
    });
    await target.rollback('post-traffic hook failed');
    expect(trafficOps(patches(world).at(-1)!)).toEqual([
      { op: 'replace', path: '/deploymentId', value: 'base01' },
      { op: 'replace', path: '/variables/env', value: 'prod' },
      { op: 'remove', path: '/variables/lambdaAlias' },
    ]);
    expect(world.stage).toMatchObject({ deploymentId: 'base01', variables: { env: 'prod' } });
    expect(world.stage!.canarySettings).toBeUndefined();
    expect(marker(patches(world).at(-1)!)?.state).toBe('rolled-back');
  });
});

describe('StageCanaryTarget with an existing deployment', () => {
  it('attaches it with the first step: deployment, cache, overrides and percent in one UpdateStage', async () => {
    const world = givenApi({}, [{ id: 'dep777' }]);
    const target = await newTarget(
      world,
      { kind: 'attach', deploymentId: 'dep777' },
      { lambdaAlias: 'canary' },
    );
    await target.setWeight(5, STEP, NOT_CANCELLED);
    await target.setWeight(25, STEP, NOT_CANCELLED);
    expect(world.writes.map((w) => w.op)).toEqual(['UpdateStage', 'UpdateStage']);
    expect(patches(world).map(trafficOps)).toEqual([
      [
        { op: 'replace', path: '/canarySettings/deploymentId', value: 'dep777' },
        { op: 'replace', path: '/canarySettings/useStageCache', value: 'false' },
        { op: 'replace', path: '/canarySettings/stageVariableOverrides/lambdaAlias', value: 'canary' },
        { op: 'replace', path: '/canarySettings/percentTraffic', value: '5' },
      ],
      [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '25' }],
    ]);
    expect(world.stage!.canarySettings).toEqual({
      deploymentId: 'dep777',
      percentTraffic: 25,
      useStageCache: false,
      stageVariableOverrides: { lambdaAlias: 'canary' },
    });
  });
});

describe('the read-compare-write guard', () => {
  const otherWriters: [string, (world: World) => void][] = [
    ['someone changes the percent', (w) => (w.stage!.canarySettings!.percentTraffic = 80)],
    ['someone removes the canary', (w) => delete w.stage!.canarySettings],
    ['someone points the canary elsewhere', (w) => (w.stage!.canarySettings!.deploymentId = 'base01')],
    [
      'another run writes its marker',
      (w) =>
        (w.stage!.description = 'serverless-canary:{"s":"shifting","r":"other#1","f":"a","t":"b","w":5}'),
    ],
    ['someone moves the stage itself', (w) => (w.stage!.deploymentId = 'new001')],
  ];
  it.each(otherWriters)('stops without writing when %s', async (_name, change) => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.setWeight(10, STEP, NOT_CANCELLED);
    change(world);
    const before = world.writes.length;
    const error = await target.setWeight(50, STEP, NOT_CANCELLED).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentChangeError);
    expect((error as Error).message).toBe(
      "stage prod of REST API a1b2c3d4e5 was changed by someone else since this run's last write",
    );
    expect(world.writes).toHaveLength(before);
    // Nor does it fight on rollback.
    await expect(target.rollback('alarm')).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect(world.writes).toHaveLength(before);
  });

  it('accepts its own write whose answer was lost, and goes on', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.setWeight(10, STEP, NOT_CANCELLED);
    world.faults.UpdateStage = [{ error: awsError('InternalFailure', 500), land: true }];
    await expect(target.setWeight(50, STEP, NOT_CANCELLED)).rejects.toThrow(/InternalFailure/);
    expect(world.stage!.canarySettings!.percentTraffic).toBe(50);
    await target.setWeight(75, STEP, NOT_CANCELLED);
    expect(world.stage!.canarySettings!.percentTraffic).toBe(75);
  });

  it('says what it found when the promotion is undone right after', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.setWeight(10, STEP, NOT_CANCELLED);
    await target.promote();
    world.stage!.deploymentId = 'base01';
    const error = await target.verify().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentChangeError);
    expect((error as ConcurrentChangeError).found).toMatch(
      /^all traffic on deployment base01, no canary; marker: run acme\/shop#42\.1~abc123/,
    );
  });
});

describe('quotas and cancellation', () => {
  it('waits the retryAfterSeconds a TooManyRequestsException names, then writes', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.setWeight(10, STEP, NOT_CANCELLED);
    world.faults.UpdateStage = [
      {
        error: awsError('TooManyRequestsException', 429, 'Too Many Requests', { retryAfterSeconds: '0.01' }),
      },
    ];
    await target.setWeight(50, STEP, NOT_CANCELLED);
    expect(apigatewayMock.commandCalls(UpdateStageCommand).length).toBe(3);
    expect(world.stage!.canarySettings!.percentTraffic).toBe(50);
  });

  it('gives up on throttling without a retryAfterSeconds (after the SDK retried) as a refused write', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    await target.setWeight(10, STEP, NOT_CANCELLED);
    const throttled = { error: awsError('TooManyRequestsException', 429, 'Too Many Requests') };
    world.faults.UpdateStage = [throttled, throttled, throttled];
    const error = await target.setWeight(50, STEP, NOT_CANCELLED).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteRefusedError);
    expect((error as Error).message).toBe(
      'Could not set 50% on canary deployment new001 of stage prod of REST API a1b2c3d4e5: TooManyRequestsException: Too Many Requests ' +
        '(hint: AWS kept throttling after the SDK retried; another deployment may share the account quota, run again later)',
    );
    expect(world.stage!.canarySettings!.percentTraffic).toBe(10);
  });

  it('bounds the wait AWS asks for, and ignores other errors', () => {
    const throttled = (s: string) => awsError('TooManyRequestsException', 429, 'x', { retryAfterSeconds: s });
    expect(retryAfterMs(throttled('2'))).toBe(2_000);
    expect(retryAfterMs(throttled('120'))).toBe(30_000);
    expect(retryAfterMs(throttled('soon'))).toBeUndefined();
    expect(
      retryAfterMs(awsError('BadRequestException', 400, 'x', { retryAfterSeconds: '1' })),
    ).toBeUndefined();
  });

  it('stops waiting out a retryAfterSeconds when the run is cancelled', async () => {
    givenApi();
    const controller = new AbortController();
    let calls = 0;
    const call = () => {
      calls++;
      // Cancelled while waiting out the 30 seconds AWS asked for.
      setTimeout(() => controller.abort('cancelled by SIGTERM'), 5);
      return Promise.reject(
        awsError('TooManyRequestsException', 429, 'slow down', { retryAfterSeconds: '30' }),
      );
    };
    await expect(
      stageCall(
        { doing: 'test', iamAction: 'apigateway:GET', resource: 'arn', region: 'us-east-1' },
        call,
        controller.signal,
      ),
    ).rejects.toThrow(/TooManyRequestsException/);
    expect(calls).toBe(1);
  });

  it('paces calls: CreateDeployment at most once per 5 seconds', async () => {
    let now = 1_000;
    const waits: number[] = [];
    const pacer = new Pacer(
      5_000,
      () => now,
      async (ms) => {
        waits.push(ms);
        now += Math.max(0, ms);
      },
    );
    await pacer.turn();
    now += 1_000;
    await pacer.turn();
    now += 10_000;
    await pacer.turn();
    expect(waits).toEqual([0, 4_000, 0]);
  });

  it("passes the run's signal to every call of a step", async () => {
    const world = givenApi();
    const target = await newTarget(world);
    apigatewayMock.resetHistory();
    const controller = new AbortController();
    await target.setWeight(10, STEP, controller.signal);
    const calls = apigatewayMock.calls();
    expect(calls.map((c) => c.args[0].constructor.name)).toEqual([
      'GetStageCommand',
      'CreateDeploymentCommand',
      'GetStageCommand',
      'UpdateStageCommand',
    ]);
    expect(
      calls.every(
        (c) =>
          (c.args as unknown[])[1] !== undefined &&
          ((c.args as unknown[])[1] as { abortSignal?: AbortSignal }).abortSignal === controller.signal,
      ),
    ).toBe(true);
  });

  it('names the IAM action and resource when denied', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    world.faults.CreateDeployment = [{ error: awsError('AccessDeniedException', 403, 'not authorized') }];
    await expect(target.setWeight(10, STEP, NOT_CANCELLED)).rejects.toThrow(
      'the credentials lack the IAM permission apigateway:POST on arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/deployments',
    );
    expect(world.stage!.canarySettings).toBeUndefined();
  });
});

describe('through the engine', () => {
  it('steps and promotes a stage canary by the plan', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    const record = await runRollout(
      parseStrategy('10%:1m, 50%:1m'),
      { pollIntervalMs: 5_000, timeoutMs: 10 * 60_000 },
      { target, gates: [], clock: new FakeClock(), signal: NOT_CANCELLED },
    );
    expect(record.outcome).toBe('promoted');
    expect(patches(world).map((p) => marker(p)?.weight)).toEqual([10, 50, 100, 100]);
    expect(world.stage).toMatchObject({ deploymentId: 'new001' });
  });

  it('rolls back the canary CreateDeployment made when the marker write after it is refused', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    const throttled = { error: awsError('TooManyRequestsException', 429, 'Too Many Requests') };
    world.faults.UpdateStage = [throttled, throttled, throttled];
    const record = await runRollout(
      parseStrategy('10%:1m'),
      { pollIntervalMs: 5_000, timeoutMs: 10 * 60_000 },
      { target, gates: [], clock: new FakeClock(), signal: NOT_CANCELLED },
    );
    // The canary took traffic from CreateDeployment on: not "nothing was changed".
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toMatch(/failed while setting the weight to 10%/);
    expect(world.stage).toMatchObject({ deploymentId: 'base01' });
    expect(world.stage!.canarySettings).toBeUndefined();
  });

  it('rolls back when a gate fails', async () => {
    const world = givenApi();
    const target = await newTarget(world);
    const failing = {
      name: 'alarms',
      read: async () => ({ gate: 'alarms', status: 'fail' as const, summary: '5xx-high is ALARM', at: 0 }),
    };
    const record = await runRollout(
      parseStrategy('10%:1m'),
      { pollIntervalMs: 5_000, timeoutMs: 10 * 60_000 },
      { target, gates: [failing], clock: new FakeClock(), signal: NOT_CANCELLED },
    );
    expect(record.outcome).toBe('rolled-back');
    expect(world.stage).toMatchObject({ deploymentId: 'base01' });
    expect(world.stage!.canarySettings).toBeUndefined();
  });
});
