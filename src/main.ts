// run(): inputs → target definition → preflight → engine → report, as named phases. The one
// place that fails the step. It knows targets only through the registry.
import * as core from '@actions/core';
import { createHash, randomBytes } from 'node:crypto';
import { createClients, type AwsClients } from './aws/clients.js';
import { formatDuration } from './duration.js';
import { followedEngine } from './engines.js';
import { log } from './log.js';
import { rolloutLogger } from './rollout-log.js';
import { systemClock } from './engine/clock.js';
import { planDurationMs, type Plan } from './engine/plan.js';
import { errorMessage, runRollout } from './engine/rollout.js';
import {
  CancelledError,
  type Clock,
  type Gate,
  type GateReading,
  type Hook,
  type HookPhase,
  type RolloutEvent,
  type RolloutRecord,
  type StepRecord,
  type TrafficTarget,
} from './engine/types.js';
import { AlarmGate } from './gates/alarms.js';
import { AnalysisGate } from './gates/analysis.js';
import {
  checkForPromote,
  checkForRollback,
  currentStep,
  remainingPlan,
  statusOf,
  type Finding,
} from './commands.js';
import { hookPayload, hookRun, lambdaHook } from './hooks/lambda-hook.js';
import { InputError, listProblems, type ActionInputs, type Command } from './inputs.js';
import type { RolloutIdentity, RolloutMarker } from './marker.js';
import { readCanaryMetrics } from './report/metrics.js';
import { latestAlarmStatuses, newReport, type ReleaseReport, type Result } from './report/model.js';
import { planLines, releasePlan } from './report/plan.js';
import { Reporter, reportingSettings } from './report/publish.js';
import { writeRefusalSummary } from './report/refusal.js';
import {
  DEPLOYMENT_KEY,
  FINISHED_KEY,
  POST_HOOK_KEY,
  REPORTED_KEY,
  STATE_KEY,
  type SavedRollout,
} from './state.js';
import { describePlan, shortHolds } from './strategy.js';
import type { HookTargetContext, PreflightOutcome, Sides, TargetDefinition } from './targets/definition.js';
import { DEFAULT_TARGET, findTarget, targetDefinition } from './targets/registry.js';
import { UNWATCHED_TITLE, unwatchedAfter, unwatchedBefore } from './unwatched.js';
import { validateInputs } from './validation.js';

/** The metrics are for the report only: never wait long for them. */
const METRICS_TIMEOUT_MS = 15_000;
const CANCELLED_GITHUB_TIMEOUT_MS = 2_000;

export interface RunDeps {
  clients?: (region: string) => AwsClients;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Where cancellation comes from; by default SIGINT and SIGTERM of this process. */
  cancellation?: AbortController;
  /** How long the end of the run waits for GitHub (comment, deployment status). */
  githubTimeoutMs?: number;
}

/** Whether the run was cancelled: the entry then exits at once (see index.ts). */
export interface RunOutcome {
  cancelled: boolean;
}

export async function run(deps: RunDeps = {}): Promise<RunOutcome> {
  const env = deps.env ?? process.env;
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const cancellation = deps.cancellation ?? cancelOnSignals();
  const signal = cancellation.signal;

  let inputs: ActionInputs;
  let clients: AwsClients;
  try {
    ({ inputs, clients } = await validateInputs(
      (name) => core.getInput(name),
      env,
      deps.clients ?? createClients,
      signal,
      startedAt,
    ));
  } catch (error) {
    await refuse(error, env, signal);
    return { cancelled: signal.aborted };
  }

  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  const definition = targetDefinition(inputs.target);
  const subject = definition.subject(inputs.targetInputs, {
    region: inputs.region,
    environment: inputs.deploymentEnvironment,
  });
  const report = newReport(inputs, subject, env);
  report.analysis = inputs.analysis;
  const reporter = new Reporter(reportingSettings(inputs), subject, {
    env,
    log,
    githubTimeoutMs: deps.githubTimeoutMs,
    // Kept for the post step, which finishes the deployment when this step cannot.
    deployment: { onCreated: (id) => core.saveState(DEPLOYMENT_KEY, String(id)) },
  });
  try {
    await release({ inputs, definition, report, reporter, clients, clock, env, signal });
  } catch (error) {
    report.result = 'failed';
    report.reason = errorMessage(error);
  } finally {
    report.durationSeconds = Math.round((clock.now() - startedAt) / 1000);
    await publish(report, reporter, signal);
  }
  return { cancelled: signal.aborted };
}

/** Inputs refused (or not checkable): outputs, a short job summary listing every problem, and the failure. */
async function refuse(error: unknown, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  const kind = signal.aborted ? 'cancelled' : error instanceof InputError ? 'refused' : 'failed';
  const untouched =
    findTarget(core.getInput('target').trim() || DEFAULT_TARGET)?.untouched ?? 'before any change';
  // Problems found before a cancellation are still the user's to fix: kept, after the cancellation.
  const found = error instanceof InputError ? error.problems : [];
  const cancelled = `${abortText(signal)} ${untouched}`;
  const reason =
    kind !== 'cancelled'
      ? errorMessage(error)
      : found.length > 0
        ? `${cancelled}; before that, ${listProblems(found)}`
        : cancelled;
  core.setOutput('result', 'failed');
  core.setOutput('reason', reason);
  const problems = kind === 'cancelled' ? [cancelled, ...found] : found.length > 0 ? found : [reason];
  if (summaryWanted()) {
    await writeRefusalSummary(kind, problems, env).catch((e: unknown) =>
      log.warning(`Could not write the job summary: ${errorMessage(e)}`),
    );
  }
  log.fail(kind === 'refused' ? reason : `Release failed: ${reason}`);
}

/** `job-summary` as the runner passes it; anything but false (a typo included) writes one. */
function summaryWanted(): boolean {
  return !['false', 'False', 'FALSE'].includes(core.getInput('job-summary').trim());
}

/** What a release works with once its inputs are valid. */
interface ReleaseContext {
  inputs: ActionInputs;
  definition: TargetDefinition;
  report: ReleaseReport;
  reporter: Reporter;
  clients: AwsClients;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

type Ready = Extract<PreflightOutcome<unknown>, { kind: 'release' }>;

/** The release, phase by phase: the plan said, preflight, the rollout, its record and metrics. */
async function release(context: ReleaseContext): Promise<void> {
  const command = context.inputs.command;
  const engine = followedEngine(context.inputs.engine.kind);
  if (engine) {
    const { report, clients, signal } = context;
    return engine.release({
      ...context,
      identity: rolloutIdentity(context.inputs.plan, context.env, context.clock),
      addMetrics: (record) => addMetrics(report, clients, record, signal),
    });
  }
  if (command === 'promote' || command === 'rollback' || command === 'status') {
    return splitPhase(context, command);
  }
  announcePlan(context.inputs.plan);
  for (const warning of context.inputs.warnings) log.warning(warning, 'Timeout');
  // Before preflight the target's metric queries are not known: the analysis is taken to have them.
  warnIfUnwatched(context.report, context.inputs, true);
  const identity = rolloutIdentity(context.inputs.plan, context.env, context.clock);
  const gate = new AlarmGate(
    context.clients.cloudwatch,
    context.inputs.alarms,
    context.inputs.region,
    context.clock,
  );
  const ready = await preflight(context, gate, identity);
  if (!ready) return;
  saveForPostStep(context.inputs, identity, ready.saved);
  // The subject has its metric queries once preflight knows both sides.
  warnIfUnwatched(context.report, context.inputs, context.report.subject.metrics !== undefined);
  const plan = context.inputs.plan;
  const record = await rollOut(context, gates(context, gate, plan), {
    ...ready,
    plan,
    // `start` holds the first step it moves with its gates, then leaves the split for promote.
    lastStep: command === 'start' ? ready.firstStep : undefined,
    hooks: { pre: true, post: command === 'deploy' },
  });
  recordOutcome(context.report, record);
  context.report.unwatched ??= unwatchedAfter(record, context.inputs.alarms.length);
  if (context.signal.aborted) context.report.metricsUnavailable = 'not read: the job is being cancelled';
  else await addMetrics(context.report, context.clients, record, context.signal);
}

type SplitCommand = Exclude<Command, 'deploy' | 'start'>;

/**
 * promote, rollback, status: a later job's look at the release `start` left, found in the marker
 * on the target. Every refusal comes before any write; status writes nothing at all.
 */
async function splitPhase(context: ReleaseContext, command: SplitCommand): Promise<void> {
  const { inputs, definition, report, clients, clock, env, signal } = context;
  const identity = rolloutIdentity(inputs.plan, env, clock);
  const inspection = await definition.inspect(
    inputs.targetInputs,
    clients,
    inputs.region,
    identity.run,
    signal,
  );
  const unit = report.subject.unit;
  const marker = inspection.marker;
  report.previousVersion = marker?.from ?? inspection.live.on;
  report.targetVersion = marker?.to ?? inspection.live.split?.to;
  if (command === 'status') {
    const status = statusOf(inspection, unit);
    report.result = status.result;
    report.reason = status.reason;
    core.setOutput('weight', String(status.weight));
    report.notes.push(`Command status: ${status.reason}.`);
    return;
  }
  const now = clock.now();
  const finding: Finding =
    command === 'promote' ? checkForPromote(inspection, unit, now) : checkForRollback(inspection, unit, now);
  if (finding.kind === 'refused') {
    report.result = 'failed';
    report.reason = finding.reason;
    return;
  }
  report.notes.push(`Command ${command}: found ${finding.found}.`);
  const sides = { previous: finding.marker.from, target: finding.marker.to };
  report.subject = definition.subject(inputs.targetInputs, {
    region: inputs.region,
    environment: inputs.deploymentEnvironment,
    sides,
  });
  if (finding.kind === 'done') {
    report.result = 'rolled-back';
    report.reason = `already rolled back to ${unit} ${finding.marker.from} (run ${finding.marker.run}); nothing to do`;
    core.setOutput('weight', '0');
    return;
  }
  const restored = await definition.restore(inspection.saved, clients, inputs.region, identity.run, signal);
  saveForPostStep(inputs, identity, inspection.saved);
  if (command === 'rollback') {
    log.info(`Rolling back ${inspection.label} to ${unit} ${sides.previous} (command: rollback).`);
    await restored.target.rollback('command: rollback');
    core.saveState(FINISHED_KEY, 'true');
    core.setOutput('weight', '0');
    report.result = 'rolled-back';
    report.reason = `command rollback: all traffic back on ${unit} ${sides.previous}, the release of ${unit} ${sides.target} left by run ${finding.marker.run} taken back`;
    return;
  }
  const hookContext = () => inspection.hookContext ?? {};
  await promote(context, finding.marker, { ...restored, sides, hookContext });
}

/** promote: the gates read once now, at the split `start` left; then the rest of the plan. */
async function promote(
  context: ReleaseContext,
  marker: RolloutMarker,
  restored: Pick<Movement, 'target' | 'sides' | 'hookContext'>,
): Promise<void> {
  const { inputs, report, clients, clock, signal } = context;
  const { plan, firstStep } = remainingPlan(marker, inputs.plan);
  report.plan = plan;
  const alarmGate = new AlarmGate(clients.cloudwatch, inputs.alarms, inputs.region, clock);
  warnIfUnwatched(report, inputs, report.subject.metrics !== undefined);
  const all = gates(context, alarmGate, plan);
  const now = currentStep(marker, plan, clock.now());
  const readings = await Promise.all(
    all.map((gate) => gate.read(signal, now).catch(unreadable(gate, clock))),
  );
  for (const reading of readings)
    report.notes.push(`Gate ${reading.gate} before promoting: ${reading.summary}.`);
  const failed = readings.find((r) => r.status === 'fail');
  const unread = readings.find((r) => r.status === 'error');
  if (unread && !failed) {
    report.result = 'failed';
    report.reason = `gate ${unread.gate} could not be read before promoting: ${unread.summary}; nothing was changed`;
    return;
  }
  if (failed) {
    const reason = `gate ${failed.gate} failed before promoting: ${failed.summary}`;
    log.info(`Rolling back ${restored.target.description}: ${reason}.`);
    await restored.target.rollback(reason);
    core.saveState(FINISHED_KEY, 'true');
    report.result = 'rolled-back';
    report.reason = reason;
    return;
  }
  // The traffic moved in start, after its pre-traffic hook: only the post-traffic one is left.
  const hooks = { pre: false, post: true };
  const record = await rollOut(context, all, { ...restored, plan, firstStep, hooks });
  recordOutcome(report, record);
  report.unwatched ??= unwatchedAfter(record, inputs.alarms.length);
  if (!signal.aborted) await addMetrics(report, clients, record, signal);
}

/** A gate that throws reads as unreadable, as in the engine. */
function unreadable(gate: Gate, clock: Clock) {
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
function warnIfUnwatched(report: ReleaseReport, inputs: ActionInputs, hasMetrics: boolean): void {
  if (report.unwatched) return;
  report.unwatched = unwatchedBefore({
    alarms: inputs.alarms.length,
    analysisOn: inputs.analysis !== undefined,
    hasMetrics,
  });
  if (report.unwatched) log.warning(report.unwatched, UNWATCHED_TITLE);
}

/** The gates of this rollout: the alarms when any are given, the analysis when it is on. */
function gates(context: ReleaseContext, alarmGate: AlarmGate, plan: Plan): Gate[] {
  const { inputs, report, clients, clock } = context;
  const all: Gate[] = inputs.alarms.length > 0 ? [alarmGate] : [];
  const queries = report.subject.metrics;
  if (inputs.analysis && queries) {
    all.push(
      new AnalysisGate(
        clients.cloudwatch,
        [{ name: report.subject.name, queries }],
        inputs.analysis,
        plan,
        inputs.region,
        clock,
      ),
    );
  }
  return all;
}

function announcePlan(plan: Plan): void {
  for (const step of shortHolds(plan)) {
    log.warning(
      `A hold of ${formatDuration(step.holdMs)} at ${step.weight}% is shorter than a minute; Lambda metrics come per minute, so alarms may not see this step.`,
      'Short hold',
    );
  }
  log.info(`Plan: ${plan.name}: ${describePlan(plan)} (${formatDuration(planDurationMs(plan))} of holds).`);
}

/** Who is releasing what, as every marker this run writes records it. */
function rolloutIdentity(plan: Plan, env: NodeJS.ProcessEnv, clock: Clock): RolloutIdentity {
  return {
    run: runId(env),
    plan: plan.name,
    started: new Date(clock.now()).toISOString(),
    by: env.GITHUB_ACTOR ?? 'unknown',
    steps: plan.steps,
  };
}

/**
 * Everything read and checked before the first write (the alarms, then the target's preflight).
 * Returns the target ready to move, or undefined when the run ends here (no change, a dry run, a
 * cancellation), with the report saying why.
 */
async function preflight(
  context: ReleaseContext,
  gate: AlarmGate,
  identity: RolloutIdentity,
): Promise<Ready | undefined> {
  const { inputs, definition, report, signal } = context;
  let outcome: PreflightOutcome<unknown>;
  try {
    report.alarms = inputs.alarms.length > 0 ? await gate.preflight(inputs.ignoreFiringAlarms, signal) : [];
    for (const a of report.alarms.filter((s) => s.state === 'ALARM')) {
      log.warning(
        `Alarm ${a.name} is already in ALARM; it is ignored until it leaves ALARM (ignore-firing-alarms).`,
      );
    }
    outcome = await definition.preflight(inputs.targetInputs, {
      aws: context.clients,
      settings: inputs,
      environment: inputs.deploymentEnvironment,
      resave: (saved) => saveForPostStep(inputs, identity, saved),
      identity,
      signal,
    });
  } catch (error) {
    // Cancelled while preflight read, waited or wrote: the message says how far it got.
    if (!signal.aborted) throw error;
    report.reason =
      error instanceof CancelledError ? error.message : `${abortText(signal)} ${definition.untouched}`;
    return undefined;
  }
  report.notes.push(...outcome.notes);
  report.previousVersion = outcome.sides.previous;
  report.targetVersion = outcome.sides.target;
  report.targetUnknown = outcome.sides.targetUnknown;
  if (outcome.kind === 'no-change') {
    report.result = 'no-change';
    report.reason = outcome.reason;
    return undefined;
  }
  if (outcome.kind === 'dry-run') {
    reportDryRun(report, inputs, outcome);
    return undefined;
  }
  if (signal.aborted) {
    report.reason = `${abortText(signal)} ${outcome.progress}`;
    return undefined;
  }
  report.subject =
    outcome.subject ??
    definition.subject(inputs.targetInputs, {
      region: inputs.region,
      environment: inputs.deploymentEnvironment,
      sides: outcome.sides,
    });
  return outcome;
}

/** Before the first write of the rollout: what the post step needs to finish it after a crash. */
function saveForPostStep(inputs: ActionInputs, identity: RolloutIdentity, targetSaved: unknown): void {
  const saved: SavedRollout = {
    target: inputs.target,
    run: identity.run,
    region: inputs.region,
    saved: targetSaved,
  };
  core.saveState(STATE_KEY, JSON.stringify(saved));
}

/** The engine moves the traffic step by step; the log and the comment follow its events. */
/** What the engine moves: the target, from `firstStep` of `plan` (to `lastStep`, for start). */
export interface Movement {
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

async function rollOut(context: ReleaseContext, gates: Gate[], ready: Movement): Promise<RolloutRecord> {
  const { inputs, report, reporter, clock, signal } = context;
  log.info(`Releasing ${ready.target.description}.`);
  const live = { startedAt: clock.now(), steps: [] as StepRecord[] };
  const progress = (reason: string): ReleaseReport => ({
    ...report,
    result: 'in-progress',
    reason,
    live,
    alarms: latestAlarmStatuses(live.steps, report.alarms),
  });
  reporter.rolloutStarted(progress('starting'));
  const unit = report.subject.unit;
  const reportEvent = (event: RolloutEvent) => {
    // A side the first step creates (a new deployment) is known from then on.
    report.targetVersion = ready.sides.target;
    report.targetUnknown = ready.sides.targetUnknown;
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
      timeoutMs: inputs.timeoutMs,
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
  return record;
}

/** The pre- and post-traffic hooks the inputs name, each told the target's side of the release. */
function trafficHooks(context: ReleaseContext, ready: Movement): { before?: Hook; after?: Hook } {
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

function recordOutcome(report: ReleaseReport, record: RolloutRecord): void {
  report.record = record;
  report.result = record.outcome;
  report.reason = record.reason;
  report.alarms = latestAlarmStatuses(record.steps, report.alarms);
}

/** A dry run's result: what it would do, step by step, in the report and in the log. */
function reportDryRun(
  report: ReleaseReport,
  inputs: ActionInputs,
  dryRun: Extract<PreflightOutcome<unknown>, { kind: 'dry-run' }>,
): void {
  report.result = 'dry-run';
  report.reason = dryRun.reason;
  if (dryRun.subject) report.subject = dryRun.subject;
  report.targetUnknown = dryRun.targetUnknown || dryRun.sides.targetUnknown;
  report.releasePlan = { ...releasePlan(inputs, dryRun.writes), analysis: inputs.analysis };
  log.info('Dry run: the release would make these steps, timed from the start of the rollout:');
  for (const line of planLines(report.releasePlan)) log.info(`  ${line}`);
}

/** Canary versus baseline for the report; a failure to read them is a warning, not a failed release. */
async function addMetrics(
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

/** Outputs, the report (summary, comment, deployment, JSON), and the step's failure: whatever happened. */
async function publish(report: ReleaseReport, reporter: Reporter, signal: AbortSignal): Promise<void> {
  core.setOutput('result', report.result);
  core.setOutput('command', report.command ?? 'deploy');
  core.setOutput('previous-version', report.previousVersion ?? '');
  // A dry run of `version: publish` has no version yet: nothing for a later step to use.
  core.setOutput('target-version', report.targetUnknown ? '' : (report.targetVersion ?? ''));
  core.setOutput('reason', report.reason);
  core.setOutput('duration-seconds', String(report.durationSeconds));
  // A cancelled job is killed seconds after the signal, even one that comes during the wait:
  // GitHub gets less time then.
  try {
    const published = await reporter.finish(report, {
      cancel: signal,
      hurriedMs: CANCELLED_GITHUB_TIMEOUT_MS,
    });
    // Only a report that reached everywhere is done: otherwise the post step finishes it.
    if (published.settled) core.saveState(REPORTED_KEY, 'true');
    core.setOutput('comment-url', published.commentUrl ?? '');
    core.setOutput('report', published.reportPath ?? '');
  } catch (error) {
    // A reporting bug must not change the release's result, which is decided below.
    log.warning(`Could not publish the report: ${errorMessage(error)}`);
  }
  const failures: Partial<Record<Result, string>> = {
    'rolled-back': `Rolled back: ${report.reason}`,
    failed: `Release failed: ${report.reason}`,
  };
  // Said again at the end, where the result is read.
  if (report.unwatched) log.warning(report.unwatched, UNWATCHED_TITLE);
  const failure = failures[report.result];
  if (failure) log.fail(failure);
  else log.info(`Result: ${report.result}: ${report.reason}`);
}

/**
 * The entry's run: an unexpected error fails the step on one safe line, and whether the run was
 * cancelled is the signal's word, not the path taken.
 */
export async function runEntry(
  cancellation: AbortController = cancelOnSignals(),
  runner: (deps: RunDeps) => Promise<RunOutcome> = run,
): Promise<RunOutcome> {
  try {
    return await runner({ cancellation });
  } catch (error) {
    log.fail(`Unexpected error: ${errorMessage(error)}`);
    return { cancelled: cancellation.signal.aborted };
  }
}

function cancelOnSignals(): AbortController {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    log.warning(
      `Received ${signal}: the job is being cancelled; a rollout in progress rolls back now.`,
      'Cancelled',
    );
    controller.abort(`cancelled by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}

function abortText(signal: AbortSignal): string {
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
