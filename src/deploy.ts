// deploy and start: the plan said, the checks and writes before any traffic moves (preflight),
// the rollout from its first step, its record and metrics. A dry run and no change end at preflight.
import {
  abortText,
  addMetrics,
  gates,
  recordOutcome,
  rollOut,
  rolloutIdentity,
  saveForPostStep,
  warnIfUnwatched,
  type ReleaseContext,
} from './phases.js';
import { formatDuration } from './duration.js';
import { log } from './log.js';
import { planDurationMs, type Plan } from './engine/plan.js';
import { CancelledError } from './engine/types.js';
import { AlarmGate } from './gates/alarms.js';
import type { ActionInputs } from './inputs.js';
import type { RolloutIdentity } from './marker.js';
import type { ReleaseReport } from './report/model.js';
import { planLines, releasePlan } from './report/plan.js';
import { describePlan, shortHolds } from './strategy.js';
import type { PreflightOutcome } from './targets/definition.js';
import { unwatchedAfter } from './unwatched.js';

type Ready = Extract<PreflightOutcome<unknown>, { kind: 'release' }>;

/** deploy or start, phase by phase: the plan said, preflight, the rollout, its record and metrics. */
export async function deployOrStart(context: ReleaseContext): Promise<void> {
  const command = context.inputs.command;
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
  // A resumed split's traffic moved already, after that release's own pre-traffic hook.
  const resumed = ready.firstStep > 0;
  if (resumed && context.inputs.hooks.preTraffic)
    context.report.notes.push(
      'The pre-traffic hook did not run: the release resumed a split whose traffic had already moved.',
    );
  const record = await rollOut(context, gates(context, gate, plan), {
    ...ready,
    plan,
    release: identity.run,
    timeoutMs: context.inputs.timeoutMs,
    // `start` holds the first step it moves with its gates, then leaves the split for promote.
    lastStep: command === 'start' ? ready.firstStep : undefined,
    hooks: { pre: !resumed, post: command === 'deploy' },
  });
  recordOutcome(context.report, record);
  context.report.unwatched ??= unwatchedAfter(record, context.inputs.alarms.length, context.inputs.hooks);
  if (context.signal.aborted) context.report.metricsUnavailable = 'not read: the job is being cancelled';
  else await addMetrics(context.report, context.clients, record, context.signal);
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
      clock: context.clock,
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
