// The report's data: everything the job summary, the comment and the JSON report show, gathered
// during the run and rendered once (render.ts).
import type { RolloutRecord, StepRecord, TargetPart } from '../engine/types.js';
import type { AlarmStatus } from '../gates/alarms.js';
import type { AnalysisSettings } from '../gates/analysis.js';
import type { Plan } from '../engine/plan.js';
import type { ReportSubject } from '../targets/definition.js';

/** `in-progress` only ever appears in the comment updated during the rollout. */
/**
 * `started`: `command: start` left the split on purpose; `none`: `command: status` found no
 * release in progress (`in-progress` when it found one).
 */
export type Result =
  'promoted' | 'started' | 'rolled-back' | 'no-change' | 'failed' | 'dry-run' | 'in-progress' | 'none';

/** One side's numbers over the rollout window, from CloudWatch (the subject's metric queries). */
export interface VersionMetrics {
  /** The side: a version, a deployment id. */
  version: string;
  /** Requests (Lambda's invocations). */
  invocations: number;
  errors: number;
  /** errors / invocations; undefined without invocations. */
  errorRate?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** The subject's extra counts over the window, by label (e.g. "4XX errors"); absent without data. */
  extra?: Record<string, number>;
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
  /** The "n" of "step k of n": the plan's traffic steps (trafficStepCount), skipped ones too. */
  stepCount: number;
  /** From the rollout's start: not promoted by then, it rolls back. */
  timeoutMs: number;
  pollIntervalMs: number;
  /** The alarms the gate reads at every poll of every step. */
  alarms: string[];
  /** The analysis as configured, when on (off: undefined). */
  analysis?: AnalysisSettings;
  /** The write that takes it all back when a gate fails, the timeout comes or the job is cancelled. */
  rollbackWrite: string;
}

export interface ReleaseReport {
  /** The `command` input that ran: deploy, start, promote, rollback, status. */
  command?: string;
  /** What is released, as its target describes it (names, links, metric queries, comment key). */
  subject: ReportSubject;
  region: string;
  /** The GitHub environment, when reporting to Deployments. */
  environment?: string;
  /** The two sides: versions for Lambda, deployment ids for API Gateway. */
  previousVersion?: string;
  targetVersion?: string;
  /**
   * A target made of several (a lockstep release's functions): a row each, with where it ended.
   * `previousVersion`/`targetVersion` are then the first one's.
   */
  parts?: TargetPart[];
  /** The new side does not exist yet (a dry run that would publish it): `targetVersion` is a placeholder. */
  targetUnknown?: boolean;
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
  /** The analysis as configured, when on (off: undefined). */
  analysis?: AnalysisSettings;
  /**
   * Set when no gate could fail the release (no alarms, and analysis off or without data): one
   * sentence the report shows where nobody can miss it, e.g. "Nothing watched this release: ...".
   */
  unwatched?: string;
  /** Each alarm's latest state and reason: from the last gate reading, else from preflight. */
  alarms: AlarmStatus[];
  metrics?: CanaryMetrics;
  /** Why the metrics are missing, when they are. */
  metricsUnavailable?: string;
  source: ReleaseSource;
  links: ReleaseLinks;
}

function alarmConsoleUrl(region: string, alarm: string): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/cloudwatch/home?region=${r}#alarmsV2:alarm/${encodeURIComponent(alarm)}`;
}

export function buildLinks(region: string, alarms: string[], run?: string): ReleaseLinks {
  return {
    run,
    alarms: alarms.map((name) => ({ name, url: alarmConsoleUrl(region, name) })),
  };
}

/** The alarms as the last gate reading saw them; `fallback` (preflight) when there was none. */
/**
 * The report while a rollout runs: the steps so far (the engine's own records, pushed as they
 * start) and the report as of now, in progress for `reason`.
 */
export function liveReport(
  report: ReleaseReport,
  startedAt: number,
): { live: { startedAt: number; steps: StepRecord[] }; progress: (reason: string) => ReleaseReport } {
  const live = { startedAt, steps: [] as StepRecord[] };
  const progress = (reason: string): ReleaseReport => ({
    ...report,
    result: 'in-progress',
    reason,
    live,
    alarms: latestAlarmStatuses(live.steps, report.alarms),
  });
  return { live, progress };
}

export function latestAlarmStatuses(steps: readonly StepRecord[], fallback: AlarmStatus[]): AlarmStatus[] {
  for (let s = steps.length - 1; s >= 0; s--) {
    const readings = steps[s]!.readings;
    for (let r = readings.length - 1; r >= 0; r--) {
      const reading = readings[r]!;
      if (reading.detail?.kind === 'alarms') return reading.detail.alarms;
    }
  }
  return fallback;
}

/** What a report starts from: the release's common inputs. */
export interface ReportStart {
  region: string;
  plan: Plan;
  alarms: string[];
  deploymentEnvironment?: string;
  command?: string;
}

/** The report as a release starts: what the inputs and the run say, before anything is known. */
export function newReport(start: ReportStart, subject: ReportSubject, env: NodeJS.ProcessEnv): ReleaseReport {
  return {
    subject,
    command: start.command,
    region: start.region,
    environment: start.deploymentEnvironment,
    plan: start.plan,
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
    links: buildLinks(start.region, start.alarms, runUrl(env)),
  };
}

/** The workflow run's page. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}
