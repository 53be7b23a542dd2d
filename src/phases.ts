// The phases every command's release shares, once its inputs are valid: who is releasing, the
// gates, what the post step needs, the engine's run with its log and live comment, the hooks, the
// record and the canary's metrics for the report. main.ts, deploy.ts and split-phase.ts compose them.
import * as core from '@actions/core';
import { createHash, randomBytes } from 'node:crypto';
import type { AwsClients } from './aws/clients.js';
import { log } from './log.js';
import { rolloutLogger } from './rollout-log.js';
import type { Plan } from './engine/plan.js';
import { errorMessage, runRollout } from './engine/rollout.js';
import {
  type Clock,
  type Gate,
  type GateReading,
  type Hook,
  type HookPhase,
  type RolloutEvent,
  type RolloutRecord,
  type TrafficTarget,
} from './engine/types.js';
import { AlarmGate } from './gates/alarms.js';
import { AnalysisGate } from './gates/analysis.js';
import { hookPayload, hookRun, lambdaHook } from './hooks/lambda-hook.js';
import type { ActionInputs } from './inputs.js';
import type { RolloutIdentity } from './marker.js';
import { readCanaryMetrics } from './report/metrics.js';
import { latestAlarmStatuses, liveReport, type ReleaseReport } from './report/model.js';
import { Reporter } from './report/publish.js';
import { FINISHED_KEY, POST_HOOK_KEY, STATE_KEY, type SavedRollout } from './state.js';
import type { HookTargetContext, Sides, TargetDefinition } from './targets/definition.js';
import { UNWATCHED_TITLE, unwatchedBefore } from './unwatched.js';

/** The metrics are for the report only: never wait long for them. */
const METRICS_TIMEOUT_MS = 15_000;

/** What a release works with once its inputs are valid. */
export interface ReleaseContext {
  inputs: ActionInputs;
  definition: TargetDefinition;
  report: ReleaseReport;
  reporter: Reporter;
  clients: AwsClients;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

/** A gate that throws reads as unreadable, as in the engine. */
export function unreadable(gate: Gate, clock: Clock) {
  return (error: unknown): GateReading => ({
    gate: gate.name,
    status: 'error',
    summary: errorMessage(error),
    at: clock.now(),
  });
}

/**
 * The "nothing watched" sentence, set and logged once when no gate can fail the release: at the
 * start (a dry run too), and again after preflight, when the target's metric queries are known.
 */
export function warnIfUnwatched(report: ReleaseReport, inputs: ActionInputs, hasMetrics: boolean): void {
  if (report.unwatched) return;
  report.unwatched = unwatchedBefore({
    alarms: inputs.alarms.length,
    analysisOn: inputs.analysis !== undefined,
    hasMetrics,
    hooks: inputs.hooks,
  });
  if (report.unwatched) log.warning(report.unwatched, UNWATCHED_TITLE);
}

/** The gates of this rollout: the alarms when any are given, the analysis when it is on. */
export function gates(context: ReleaseContext, alarmGate: AlarmGate, plan: Plan): Gate[] {
  const { inputs, report, clients, clock } = context;
  const all: Gate[] = inputs.alarms.length > 0 ? [alarmGate] : [];
  const queries = report.subject.metrics;
  // A target made of several (a lockstep release) is judged part by part, in one read.
  const subjects =
    report.subject.members?.flatMap((m) => (m.metrics ? [{ name: m.name, queries: m.metrics }] : [])) ??
    (queries ? [{ name: report.subject.name, queries }] : []);
  if (inputs.analysis && subjects.length > 0) {
    all.push(new AnalysisGate(clients.cloudwatch, subjects, inputs.analysis, plan, inputs.region, clock));
  }
  return all;
}

/** Who is releasing what, as every marker this run writes records it. */
export function rolloutIdentity(plan: Plan, env: NodeJS.ProcessEnv, clock: Clock): RolloutIdentity {
  return {
    run: runId(env),
    plan: plan.name,
    started: new Date(clock.now()).toISOString(),
    by: env.GITHUB_ACTOR ?? 'unknown',
    steps: plan.steps,
  };
}

/** Before the first write of the rollout: what the post step needs to finish it after a crash. */
export function saveForPostStep(inputs: ActionInputs, identity: RolloutIdentity, targetSaved: unknown): void {
  const saved: SavedRollout = {
    target: inputs.target,
    run: identity.run,
    region: inputs.region,
    saved: targetSaved,
  };
  core.saveState(STATE_KEY, JSON.stringify(saved));
}

/** What the engine moves: the target, from `firstStep` of `plan` (to `lastStep`, for start). */
export interface Movement {
  /** The release's run id, as its marker records it: the GitHub deployment's payload names it. */
  release: string;
  /** The rollout's hard limit, from its first weight change. */
  timeoutMs: number;
  target: TrafficTarget;
  sides: Sides;
  plan: Plan;
  firstStep: number;
  lastStep?: number;
  /** The target's part of a traffic hook's payload. */
  hookContext: () => HookTargetContext;
  /** Which traffic hooks this phase runs: start only the pre-traffic one, promote only the post-traffic one. */
  hooks: { pre: boolean; post: boolean };
}

/** The engine moves the traffic step by step; the log and the comment follow its events. */
export async function rollOut(
  context: ReleaseContext,
  gates: Gate[],
  ready: Movement,
): Promise<RolloutRecord> {
  const { inputs, report, reporter, clock, signal } = context;
  log.info(`Releasing ${ready.target.description}.`);
  const { live, progress } = liveReport(report, clock.now());
  reporter.rolloutStarted(progress('starting'), ready.release);
  const unit = report.subject.unit;
  const reportEvent = (event: RolloutEvent) => {
    // A side the first step creates (a new deployment) is known from then on.
    report.targetVersion = ready.sides.target;
    report.targetUnknown = ready.sides.targetUnknown;
    report.parts = ready.target.parts?.();
    if (event.type === 'step-started') {
      live.steps.push(event.step);
      reporter.progress(
        progress(
          `step ${event.step.index + 1} of ${event.count}: ${event.step.weight}% of traffic on ${unit} ${ready.sides.target}`,
        ),
      );
    } else if (event.type === 'promoting') {
      reporter.progress(progress(`promoting: all traffic to the new ${unit}`));
    } else if (event.type === 'rolling-back') {
      reporter.progress(progress(`rolling back: ${event.reason}`));
    }
  };
  const logEvent = rolloutLogger(log);
  const record = await runRollout(
    ready.plan,
    {
      pollIntervalMs: inputs.pollIntervalMs,
      timeoutMs: ready.timeoutMs,
      firstStep: ready.firstStep,
      lastStep: ready.lastStep,
      hookTimeoutMs: inputs.hooks.timeoutMs,
    },
    {
      target: ready.target,
      gates,
      clock,
      signal,
      hooks: trafficHooks(context, ready),
      onEvent: (event) => {
        // Promoted but not yet checked: a post step after a crash here takes the promotion back.
        if (event.type === 'hook-started' && event.phase === 'post-traffic')
          core.saveState(POST_HOOK_KEY, 'started');
        if (
          event.type === 'hook-finished' &&
          event.hook.phase === 'post-traffic' &&
          event.hook.status === 'passed'
        )
          core.saveState(POST_HOOK_KEY, 'passed');
        logEvent(event);
        reportEvent(event);
      },
    },
  );
  // Only a target surely on one side is left alone by the post step; after a failed rollback
  // (or any other failure) the post step looks at the target again and finishes the job.
  const settled = record.outcome === 'promoted' || record.outcome === 'started';
  if (settled || record.rollback?.completed) core.saveState(FINISHED_KEY, 'true');
  if (record.outcome === 'started') core.setOutput('weight', String(record.steps.at(-1)?.weight ?? 0));
  report.targetVersion = ready.sides.target;
  report.targetUnknown = ready.sides.targetUnknown;
  report.parts = ready.target.parts?.();
  return record;
}

/** The pre- and post-traffic hooks the inputs name, each told the target's side of the release. */
export function trafficHooks(context: ReleaseContext, ready: Movement): { before?: Hook; after?: Hook } {
  const { inputs, clients, env } = context;
  const hook = (phase: HookPhase, functionName: string | undefined): Hook | undefined =>
    functionName
      ? lambdaHook(clients.lambda, {
          functionName,
          phase,
          region: inputs.region,
          timeoutMs: inputs.hooks.timeoutMs,
          payload: () => hookPayload(phase, ready.hookContext(), ready.plan, hookRun(env)),
        })
      : undefined;
  return {
    before: ready.hooks.pre ? hook('pre-traffic', inputs.hooks.preTraffic) : undefined,
    after: ready.hooks.post ? hook('post-traffic', inputs.hooks.postTraffic) : undefined,
  };
}

export function recordOutcome(report: ReleaseReport, record: RolloutRecord): void {
  report.record = record;
  report.result = record.outcome;
  report.reason = record.reason;
  report.alarms = latestAlarmStatuses(record.steps, report.alarms);
}

/** Canary versus baseline for the report; a failure to read them is a warning, not a failed release. */
export async function addMetrics(
  report: ReleaseReport,
  clients: AwsClients,
  record: RolloutRecord,
  signal: AbortSignal,
): Promise<void> {
  const queries = report.subject.metrics;
  if (!queries) return;
  try {
    report.metrics = await readCanaryMetrics(
      clients.cloudwatch,
      {
        queries,
        region: report.region,
        baselineVersion: report.previousVersion!,
        canaryVersion: report.targetVersion!,
        startedAt: record.startedAt,
        endedAt: record.endedAt,
      },
      AbortSignal.any([AbortSignal.timeout(METRICS_TIMEOUT_MS), signal]),
    );
  } catch (error) {
    report.metricsUnavailable = errorMessage(error);
    log.warning(
      `Could not read the canary's metrics for the report: ${report.metricsUnavailable}`,
      'Metrics',
    );
  }
}

export function abortText(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'cancelled';
}

/**
 * Who is releasing: the run, its attempt and job, and a random part, since the legs of a matrix
 * job (or a reusable workflow called twice) share all the rest. Bounded, so that the marker that
 * carries it always fits in the alias description unshortened and compares equal when read back.
 */
function runId(env: NodeJS.ProcessEnv): string {
  const repo = bounded(env.GITHUB_REPOSITORY ?? 'local', 40);
  const job = env.GITHUB_JOB ? `/${bounded(env.GITHUB_JOB, 30)}` : '';
  const nonce = randomBytes(3).toString('hex');
  return `${repo}#${env.GITHUB_RUN_ID ?? String(process.pid)}.${env.GITHUB_RUN_ATTEMPT ?? '1'}${job}~${nonce}`;
}

/** `text`, or its start and a short hash of the whole when longer than `max`. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${text.slice(0, max - 9)}~${hash}`;
}
