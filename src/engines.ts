// Which engine moves the traffic, by the `engine` input. `direct` is the action's own engine
// (main.ts drives the target step by step); any other is an engine that moves the traffic itself
// and is followed, found here, so that the entry points name none of them.
import type { AwsClients } from './aws/clients.js';
import type { Clock, RolloutRecord } from './engine/types.js';
import type { ActionInputs } from './inputs.js';
import type { RolloutIdentity } from './marker.js';
import type { ReleaseReport } from './report/model.js';
import type { Reporter } from './report/publish.js';
import { codeDeployEngine } from './targets/codedeploy/engine.js';
import type { EngineKind } from './targets/codedeploy/inputs.js';

/** What a followed engine's release works with, once the inputs are valid. */
export interface EngineRun {
  inputs: ActionInputs;
  report: ReleaseReport;
  reporter: Reporter;
  clients: AwsClients;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  identity: RolloutIdentity;
  /** Canary against baseline for the report, once the rollout is over. */
  addMetrics: (record: RolloutRecord) => Promise<void>;
}

export interface FollowedEngine {
  /** The whole run of any command: the report says how it ended; errors are the step's failure. */
  release(run: EngineRun): Promise<void>;
}

const ENGINES: Record<Exclude<EngineKind, 'direct'>, FollowedEngine> = {
  codedeploy: codeDeployEngine,
};

/** The followed engine the inputs chose, or undefined for the direct one. */
export function followedEngine(kind: EngineKind): FollowedEngine | undefined {
  return kind === 'direct' ? undefined : ENGINES[kind];
}
