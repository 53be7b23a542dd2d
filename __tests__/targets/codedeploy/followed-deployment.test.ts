// The followed deployment against a mocked CodeDeploy: each look in the engine's words (the live
// weight, the phase, CodeDeploy's error, its rollback deployment), and a stop that asks for
// rollback and waits until the rollback deployment has ended.
import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
  type LambdaTarget,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { ROLLBACK_FOLLOW_MS } from '../../../src/engine/follow.js';
import type { Clock } from '../../../src/engine/types.js';
import { FollowedDeployment } from '../../../src/targets/codedeploy/followed-deployment.js';

const cd = mockClient(CodeDeployClient);
const clock: Clock = { now: () => 0, sleep: async () => {} };
const ref = { id: 'd-AAAAAAAAA', region: 'us-east-1', about: 'alias live of orders (1 → 2)' };
const followed = () => new FollowedDeployment(new CodeDeployClient({ region: 'us-east-1' }), ref, clock);
const signal = new AbortController().signal;

const target = (weight: number, events: [string, string][]): LambdaTarget => ({
  targetId: 'orders:live',
  lifecycleEvents: events.map(([lifecycleEventName, status]) => ({
    lifecycleEventName,
    status: status as never,
  })),
  lambdaFunctionInfo: { currentVersion: '1', targetVersion: '2', targetVersionWeight: weight },
});

/** CodeDeploy as it stands: the deployments by id, and the one target of ours. */
function world(deployments: Record<string, DeploymentInfo>, lambdaTarget: LambdaTarget) {
  cd.reset();
  cd.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => ({
    deploymentInfo: deployments[input.deploymentId],
  }));
  cd.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['orders:live'] });
  cd.on(GetDeploymentTargetCommand).callsFake(() => ({ deploymentTarget: { lambdaTarget } }));
}

describe('FollowedDeployment', () => {
  it('a running canary: the weight CodeDeploy applied, in percent, and the event in progress', async () => {
    world(
      { [ref.id]: { deploymentId: ref.id, status: 'InProgress' } },
      target(0.1, [
        ['BeforeAllowTraffic', 'Succeeded'],
        ['AllowTraffic', 'InProgress'],
      ]),
    );
    const deployment = followed();
    const seen = await deployment.observe(signal);
    expect(seen).toMatchObject({ weight: 10, state: 'running', phase: 'AllowTraffic InProgress' });
    expect(seen.events?.map((e) => e.name)).toEqual(['BeforeAllowTraffic', 'AllowTraffic']);
    expect(deployment.versions).toEqual({ current: '1', target: '2' });
    // The target's id is listed once, then reused.
    await deployment.observe(signal);
    expect(cd.commandCalls(ListDeploymentTargetsCommand)).toHaveLength(1);
  });

  it("stopped on alarm and rolled back: CodeDeploy's error, the rollback deployment, the traffic back", async () => {
    world(
      {
        [ref.id]: {
          deploymentId: ref.id,
          status: 'Stopped',
          errorInformation: { code: 'ALARM_ACTIVE', message: 'Activated alarms: <errors>' },
          rollbackInfo: { rollbackDeploymentId: 'd-BBBBBBBBB' },
        },
        'd-BBBBBBBBB': { deploymentId: 'd-BBBBBBBBB', status: 'Succeeded' },
      },
      target(0.1, [['AllowTraffic', 'Failed']]),
    );
    expect(await followed().observe(signal)).toMatchObject({
      weight: 0,
      state: 'stopped',
      reason: 'ALARM_ACTIVE: Activated alarms: <errors>',
      rollback: { id: 'd-BBBBBBBBB', state: 'succeeded' },
    });
  });

  it('stop asks for rollback, then waits for the rollback deployment to end', async () => {
    const deployments: Record<string, DeploymentInfo> = {
      [ref.id]: { deploymentId: ref.id, status: 'InProgress' },
    };
    world(deployments, target(0.1, [['AllowTraffic', 'InProgress']]));
    let looks = 0;
    cd.on(StopDeploymentCommand).callsFake(() => {
      deployments[ref.id] = {
        deploymentId: ref.id,
        status: 'Stopped',
        rollbackInfo: { rollbackDeploymentId: 'd-CCCCCCCCC' },
      };
      deployments['d-CCCCCCCCC'] = { deploymentId: 'd-CCCCCCCCC', status: 'InProgress' };
      return { status: 'Pending' };
    });
    cd.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => {
      // The rollback deployment ends on the third look at it.
      if (input.deploymentId === 'd-CCCCCCCCC' && ++looks >= 3)
        deployments['d-CCCCCCCCC']!.status = 'Succeeded';
      return { deploymentInfo: deployments[input.deploymentId] };
    });
    const seen = await followed().stop('analysis failed', signal);
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: ref.id, autoRollbackEnabled: true },
    ]);
    expect(seen).toMatchObject({
      state: 'stopped',
      weight: 0,
      rollback: { id: 'd-CCCCCCCCC', state: 'succeeded' },
    });
  });

  it('a stop whose rollback never ends gives up after the rollback limit, with the last look', async () => {
    world(
      {
        [ref.id]: {
          deploymentId: ref.id,
          status: 'Stopped',
          rollbackInfo: { rollbackDeploymentId: 'd-BBBBBBBBB' },
        },
        'd-BBBBBBBBB': { deploymentId: 'd-BBBBBBBBB', status: 'InProgress' },
      },
      target(0.1, [['AllowTraffic', 'InProgress']]),
    );
    let now = 0;
    const slowClock: Clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
    const deployment = new FollowedDeployment(new CodeDeployClient({ region: 'us-east-1' }), ref, slowClock);
    const seen = await deployment.stop('test', signal);
    expect(seen.rollback).toEqual({ id: 'd-BBBBBBBBB', state: 'running' });
    expect(now).toBeGreaterThanOrEqual(ROLLBACK_FOLLOW_MS);
    expect(now).toBeLessThan(ROLLBACK_FOLLOW_MS + 60_000);
  });

  it('a stop of a deployment that has already succeeded asks nothing and says so', async () => {
    world({ [ref.id]: { deploymentId: ref.id, status: 'Succeeded' } }, target(1, [['End', 'Succeeded']]));
    const seen = await followed().stop('cancelled', signal);
    expect(cd.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(seen).toMatchObject({ state: 'succeeded', weight: 100 });
  });
});
