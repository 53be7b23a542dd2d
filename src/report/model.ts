// The report's data: everything the job summary, the comment and the JSON report show, gathered
// during the run and rendered once (render.ts).
import type { RolloutRecord, StepRecord } from '../engine/types.js';
import type { AlarmStatus } from '../gates/alarms.js';
import type { ActionInputs } from '../inputs.js';
import type { Plan } from '../strategy.js';

/** `in-progress` only ever appears in the comment updated during the rollout. */
export type Result = 'promoted' | 'rolled-back' | 'no-change' | 'failed' | 'dry-run' | 'in-progress';

/** One version's numbers over the rollout window, from CloudWatch's AWS/Lambda metrics. */
export interface VersionMetrics {
  version: string;
  invocations: number;
  errors: number;
  /** errors / invocations; undefined without invocations. */
  errorRate?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Per period, oldest first; periods without invocations are absent (Lambda publishes none). */
  series: { at: number; invocations: number; errors: number }[];
}

export interface CanaryMetrics {
  startedAt: number;
  endedAt: number;
  periodSeconds: number;
  baseline: VersionMetrics;
  canary: VersionMetrics;
}

/** Where the release came from: git and the event, all of it untrusted text. */
export interface ReleaseSource {
  event?: string;
  ref?: string;
  sha?: string;
  actor?: string;
}

export interface ReleaseLinks {
  run?: string;
  alias: string;
  alarms: { name: string; url: string }[];
}

/** One row of a dry run's plan: a write before the rollout, a traffic step, or the promotion. */
export interface PlannedStep {
  kind: 'before' | 'step' | 'promote';
  /** Percent of traffic on the new version; absent before the rollout. */
  weight?: number;
  /** Offsets from the rollout's start (deadlines are absolute from there). */
  startMs?: number;
  endMs?: number;
  /** The AWS calls that change something, as "Operation: what it does". */
  writes: string[];
  /** Why a step would not run (a resumed split already past it). */
  skipped?: string;
}

/** What a dry run would do: every step, its timing, the gates and the writes. */
export interface ReleasePlan {
  steps: PlannedStep[];
  /** From the rollout's start: not promoted by then, it rolls back. */
  timeoutMs: number;
  pollIntervalMs: number;
  /** The alarms the gate reads at every poll of every step. */
  alarms: string[];
  /** The write that takes it all back when a gate fails, the timeout comes or the job is cancelled. */
  rollbackWrite: string;
}

export interface ReleaseReport {
  functionName: string;
  alias: string;
  region: string;
  /** The GitHub environment, when reporting to Deployments. */
  environment?: string;
  previousVersion?: string;
  targetVersion?: string;
  plan?: Plan;
  /** Filled in by a dry run: what the release would do. */
  releasePlan?: ReleasePlan;
  result: Result;
  reason: string;
  durationSeconds: number;
  notes: string[];
  /** The engine's record, once the rollout has finished. */
  record?: RolloutRecord;
  /** The steps so far, while the rollout runs (the engine's own objects, growing). */
  live?: { startedAt: number; steps: StepRecord[] };
  /** Each alarm's latest state and reason: from the last gate reading, else from preflight. */
  alarms: AlarmStatus[];
  metrics?: CanaryMetrics;
  /** Why the metrics are missing, when they are. */
  metricsUnavailable?: string;
  source: ReleaseSource;
  links: ReleaseLinks;
}

/** The name from a function name or ARN: CloudWatch's FunctionName dimension and the console use it. */
export function functionNameOf(nameOrArn: string): string {
  return /:function:([^:]+)/.exec(nameOrArn)?.[1] ?? nameOrArn;
}

function aliasConsoleUrl(region: string, functionName: string, alias: string): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/lambda/home?region=${r}#/functions/${encodeURIComponent(functionNameOf(functionName))}/aliases/${encodeURIComponent(alias)}`;
}

function alarmConsoleUrl(region: string, alarm: string): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/cloudwatch/home?region=${r}#alarmsV2:alarm/${encodeURIComponent(alarm)}`;
}

export function buildLinks(
  region: string,
  functionName: string,
  alias: string,
  alarms: string[],
  run?: string,
): ReleaseLinks {
  return {
    run,
    alias: aliasConsoleUrl(region, functionName, alias),
    alarms: alarms.map((name) => ({ name, url: alarmConsoleUrl(region, name) })),
  };
}

/** The alarms as the last gate reading saw them; `fallback` (preflight) when there was none. */
export function latestAlarmStatuses(steps: readonly StepRecord[], fallback: AlarmStatus[]): AlarmStatus[] {
  for (let s = steps.length - 1; s >= 0; s--) {
    const readings = steps[s]!.readings;
    for (let r = readings.length - 1; r >= 0; r--) {
      const reading = readings[r]!;
      if (reading.gate === 'alarms' && Array.isArray(reading.detail)) return reading.detail as AlarmStatus[];
    }
  }
  return fallback;
}

/** The report as a release starts: what the inputs and the run say, before anything is known. */
export function newReport(inputs: ActionInputs, env: NodeJS.ProcessEnv): ReleaseReport {
  return {
    functionName: inputs.functionName,
    alias: inputs.alias,
    region: inputs.region,
    environment: inputs.deploymentEnvironment,
    plan: inputs.plan,
    result: 'failed',
    reason: '',
    durationSeconds: 0,
    notes: [],
    alarms: [],
    source: {
      event: env.GITHUB_EVENT_NAME,
      ref: env.GITHUB_HEAD_REF || env.GITHUB_REF,
      sha: env.GITHUB_SHA,
      actor: env.GITHUB_ACTOR,
    },
    links: buildLinks(inputs.region, inputs.functionName, inputs.alias, inputs.alarms, runUrl(env)),
  };
}

/** The workflow run's page. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}
