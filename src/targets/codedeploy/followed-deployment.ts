// A CodeDeploy deployment as the follow engine sees it: each look is GetDeployment and
// GetDeploymentTarget (the live weight, the lifecycle events, the status, CodeDeploy's error and
// its rollback deployment); a stop is StopDeployment with rollback, then the wait until the
// rollback deployment has put the alias back.
import type { CodeDeployClient, DeploymentInfo, LambdaTarget } from '@aws-sdk/client-codedeploy';
import { ROLLBACK_FOLLOW_MS } from '../../engine/follow.js';
import type { Clock } from '../../engine/types.js';
import type {
  FollowedRollback,
  FollowedState,
  FollowedTarget,
  LifecycleEvent,
  Observation,
} from '../../engine/types.js';
import { getDeployment, getLambdaTarget, stopDeployment } from './aws.js';

/** How often a stop looks again while CodeDeploy takes the traffic back. */
const STOP_POLL_MS = 250;

export interface DeploymentRef {
  id: string;
  region: string;
  /** "orders:live (1 → 2)", for the description. */
  about: string;
}

export function stateOf(status: string | undefined): FollowedState {
  if (status === 'Succeeded') return 'succeeded';
  if (status === 'Failed') return 'failed';
  if (status === 'Stopped') return 'stopped';
  return 'running';
}

export class FollowedDeployment implements FollowedTarget {
  readonly description: string;
  readonly id: string;
  private targetId?: string;
  /** The two versions, as the deployment's target names them (known after the first look). */
  versions?: { current: string; target: string };

  constructor(
    private readonly cd: CodeDeployClient,
    private readonly ref: DeploymentRef,
    private readonly clock: Clock,
  ) {
    this.id = ref.id;
    this.description = `CodeDeploy deployment ${ref.id} of ${ref.about}`;
  }

  async observe(signal: AbortSignal): Promise<Observation> {
    const info = await getDeployment(this.cd, this.id, this.ref.region, signal);
    const found = await getLambdaTarget(this.cd, this.id, this.ref.region, signal, this.targetId);
    if (found) this.targetId = found.targetId;
    const fn = found?.target?.lambdaFunctionInfo;
    if (fn?.currentVersion && fn.targetVersion)
      this.versions = { current: fn.currentVersion, target: fn.targetVersion };
    const rollback = await this.rollbackOf(info, signal);
    return observation(info, found?.target, rollback);
  }

  async stop(_reason: string, signal: AbortSignal): Promise<Observation> {
    const first = await this.observe(signal);
    if (first.state === 'running') await stopDeployment(this.cd, this.id, this.ref.region, signal);
    // Bounded like the engine's wait for a rollback: past it, the last look says what is left.
    const until = this.clock.now() + ROLLBACK_FOLLOW_MS;
    for (;;) {
      const now = await this.observe(signal);
      const rolledBack = now.rollback === undefined || now.rollback.state !== 'running';
      if (now.state !== 'running' && rolledBack) return now;
      if (signal.aborted || this.clock.now() >= until) return now;
      await this.clock.sleep(STOP_POLL_MS, signal);
    }
  }

  /** The rollback deployment CodeDeploy made, as it stands now. */
  private async rollbackOf(info: DeploymentInfo, signal: AbortSignal): Promise<FollowedRollback | undefined> {
    const id = info.rollbackInfo?.rollbackDeploymentId;
    if (!id) return undefined;
    const rollback = await getDeployment(this.cd, id, this.ref.region, signal);
    return { id, state: stateOf(rollback.status) };
  }
}

/** One look, in the engine's words. */
export function observation(
  info: DeploymentInfo,
  target: LambdaTarget | undefined,
  rollback: FollowedRollback | undefined,
): Observation {
  const state = stateOf(info.status);
  const events: LifecycleEvent[] = (target?.lifecycleEvents ?? []).map((e) => ({
    name: e.lifecycleEventName ?? '',
    status: e.status ?? 'Unknown',
    ...(e.startTime ? { startedAt: e.startTime.getTime() } : {}),
    ...(e.endTime ? { endedAt: e.endTime.getTime() } : {}),
    ...(e.diagnostics?.message
      ? { message: `${e.diagnostics.errorCode ?? 'Error'}: ${e.diagnostics.message}` }
      : {}),
  }));
  const live = events.find((e) => e.status === 'InProgress');
  const planned = Math.round((target?.lambdaFunctionInfo?.targetVersionWeight ?? 0) * 10_000) / 100;
  // Once over, the traffic is where the ending left it: all moved, or taken back by the rollback.
  const weight = state === 'succeeded' ? 100 : rollback?.state === 'succeeded' ? 0 : planned;
  const error = info.errorInformation;
  return {
    weight,
    state,
    phase: live ? `${live.name} ${live.status}` : (info.status ?? 'Unknown'),
    events,
    ...(error && state !== 'running' && state !== 'succeeded'
      ? { reason: `${error.code ?? 'Error'}: ${error.message ?? ''}`.trim() }
      : {}),
    ...(rollback ? { rollback } : {}),
  };
}
