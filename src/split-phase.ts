// promote, rollback, status: a later job's look at the release `start` left, found in the marker
// on the target, so that they work from another job, runner or day. Every refusal comes before any
// write; status writes nothing at all.
import * as core from '@actions/core';
import {
  addMetrics,
  gates,
  recordOutcome,
  rollOut,
  rolloutIdentity,
  saveForPostStep,
  unreadable,
  warnIfUnwatched,
  type Movement,
  type ReleaseContext,
} from './phases.js';
import { log } from './log.js';
import type { Plan } from './engine/plan.js';
import { collectProblems } from './input-problems.js';
import { AlarmGate } from './gates/alarms.js';
import {
  checkForPromote,
  checkForRollback,
  currentStep,
  inspectionParts,
  remainingPlan,
  statusOf,
  type Finding,
} from './commands.js';
import { listProblems, timeoutFor, type Command } from './inputs.js';
import type { RolloutMarker } from './marker.js';
import { FINISHED_KEY } from './state.js';
import { unwatchedAfter } from './unwatched.js';

export type SplitCommand = Exclude<Command, 'deploy' | 'start'>;

/**
 * promote, rollback, status: a later job's look at the release `start` left, found in the marker
 * on the target. Every refusal comes before any write; status writes nothing at all.
 */
export async function splitPhase(context: ReleaseContext, command: SplitCommand): Promise<void> {
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
    report.parts = inspectionParts(inspection, unit);
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
  const each = inspection.members?.flatMap((m) =>
    m.marker ? [{ previous: m.marker.from, target: m.marker.to }] : [],
  );
  const sides = { previous: finding.marker.from, target: finding.marker.to, each };
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
  const remaining = remainingPlan(finding.marker, inputs.plan);
  const timeoutMs = command === 'promote' ? promoteTimeout(context, remaining) : 0;
  if (timeoutMs === undefined) return;
  const restored = await definition.restore(inspection.saved, clients, inputs.region, identity.run, signal);
  saveForPostStep(inputs, identity, inspection.saved);
  // The statuses of this phase go to the deployment the release's start created.
  context.reporter.continueRelease(finding.marker.run);
  if (command === 'rollback') {
    log.info(`Rolling back ${inspection.label} to ${unit} ${sides.previous} (command: rollback).`);
    try {
      await restored.target.rollback('command: rollback');
    } finally {
      report.parts = restored.target.parts?.();
    }
    core.saveState(FINISHED_KEY, 'true');
    core.setOutput('weight', '0');
    report.result = 'rolled-back';
    report.reason = `command rollback: all traffic back on ${unit} ${sides.previous}, the release of ${unit} ${sides.target} left by run ${finding.marker.run} taken back`;
    return;
  }
  const hookContext = () => inspection.hookContext ?? {};
  const movement = { ...restored, ...remaining, sides, hookContext, release: finding.marker.run, timeoutMs };
  await promote(context, finding.marker, movement);
}

/**
 * promote's timeout, for what start left of the plan (its job limit too); undefined, with the
 * report saying why, when the inputs refuse it. Checked before any write.
 */
function promoteTimeout(
  context: ReleaseContext,
  remaining: { plan: Plan; firstStep: number },
): number | undefined {
  const { inputs, report, env } = context;
  const left = { ...remaining.plan, steps: remaining.plan.steps.slice(remaining.firstStep) };
  const { problems, check } = collectProblems();
  const warn = (warning: string) => log.warning(warning, 'Timeout');
  const timeoutMs = timeoutFor(left, inputs.timing, { command: 'promote', env, warn, check });
  if (problems.length === 0) return timeoutMs;
  report.result = 'failed';
  report.reason = `${listProblems(problems)}; nothing was changed`;
  return undefined;
}

/** promote: the gates read once now, at the split `start` left; then the rest of the plan. */
async function promote(
  context: ReleaseContext,
  marker: RolloutMarker,
  movement: Omit<Movement, 'hooks'>,
): Promise<void> {
  const { inputs, report, clients, clock, signal } = context;
  const { plan, target } = movement;
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
    log.info(`Rolling back ${target.description}: ${reason}.`);
    try {
      await target.rollback(reason);
    } finally {
      report.parts = target.parts?.();
    }
    core.saveState(FINISHED_KEY, 'true');
    report.result = 'rolled-back';
    report.reason = reason;
    return;
  }
  // The traffic moved in start, after its pre-traffic hook: only the post-traffic one is left.
  const hooks = { pre: false, post: true };
  const record = await rollOut(context, all, { ...movement, hooks });
  recordOutcome(report, record);
  report.unwatched ??= unwatchedAfter(record, inputs.alarms.length, inputs.hooks);
  if (!signal.aborted) await addMetrics(report, clients, record, signal);
}
