// A dry run's account of the release it would make: each step's weight and timing, the gates
// that would watch, and every write, for the summary (render.ts) and the log (main.ts). Built
// from the same plan and deadlines the engine uses: steps hold until absolute deadlines from the
// start, and a resumed split skips the steps it is already past.
import { formatDuration } from '../duration.js';
import { type Plan, trafficStepCount, trafficSteps } from '../engine/plan.js';
import { verdictWaitMs, type AnalysisSettings } from '../gates/analysis.js';
import type { DryRunWrites } from '../targets/definition.js';
import type { PlannedStep, ReleasePlan } from './model.js';

/** What the rollout would follow: the plan, its limits and its gates. */
export interface PlanSchedule {
  plan: Plan;
  timeoutMs: number;
  pollIntervalMs: number;
  alarms: string[];
  /** The analysis as configured; undefined when off. */
  analysis?: AnalysisSettings;
}

const percent = (n: number) => `${Math.round(n * 1e6) / 1e6}%`;

/** The schedule, step by step, with the writes the target says each step makes. */
export function releasePlan(schedule: PlanSchedule, writes: DryRunWrites): ReleasePlan {
  const steps: PlannedStep[] = writes.before.map((write) => ({ kind: 'before', writes: [write] }));
  const resumed = writes.resumed;
  let at = 0;
  for (const step of trafficSteps(schedule.plan)) {
    if (resumed && step.weight <= resumed.weight) {
      steps.push({ kind: 'step', weight: step.weight, writes: [], skipped: resumed.because });
      continue;
    }
    steps.push({
      kind: 'step',
      weight: step.weight,
      startMs: at,
      endMs: at + step.holdMs,
      writes: [writes.step(step.weight)],
    });
    at += step.holdMs;
  }
  steps.push({ kind: 'promote', weight: 100, startMs: at, writes: [writes.promote] });
  return {
    steps,
    stepCount: trafficStepCount(schedule.plan),
    timeoutMs: schedule.timeoutMs,
    pollIntervalMs: schedule.pollIntervalMs,
    alarms: schedule.alarms,
    analysis: schedule.analysis,
    rollbackWrite: writes.rollback,
  };
}

/** An offset from the rollout's start. */
export const offset = (ms: number): string => `+${ms === 0 ? '0s' : formatDuration(ms)}`;

/** When no gate would watch: the sentence the summary shows as an alert and the log as a warning. */
export function unwatchedPlan(plan: ReleasePlan): string | undefined {
  if (plan.alarms.length > 0 || plan.analysis) return undefined;
  return (
    'Nothing would watch this release: no alarms (input "alarms" is empty) and the analysis is off (input "analysis"), ' +
    'so each step would only be held and the new version promoted whatever it does.'
  );
}

/** What watches every step, one sentence per gate (or the warning that nothing does). */
export function gatesText(plan: ReleasePlan): string[] {
  const nothing = unwatchedPlan(plan);
  if (nothing) return [`none. ${nothing}`];
  const gates: string[] = [];
  const every = formatDuration(plan.pollIntervalMs);
  if (plan.alarms.length > 0)
    gates.push(
      `alarms ${plan.alarms.join(', ')}, read every ${every} at every step; any in ALARM rolls back (${plan.rollbackWrite}).`,
    );
  if (plan.analysis) gates.push(`${analysisText(plan.analysis, every)}.`);
  return gates;
}

/** The analysis's settings in words: what fails the release, how sure it is, what it waits for. */
function analysisText(a: AnalysisSettings, every: string): string {
  const undecided =
    a.onInconclusive === 'extend'
      ? `extends the last step up to ${formatDuration(a.maxExtensionMs)}, then fails`
      : a.onInconclusive === 'fail'
        ? 'fails'
        : 'passes';
  const errors =
    a.maxErrorRateIncreasePoints === 0
      ? "is above the baseline's (by any margin the test is sure of)"
      : `is more than ${number(a.maxErrorRateIncreasePoints)} percentage points above the baseline's`;
  return (
    `analysis, every ${every} at every step: the new version against the old on their own metrics; it rolls back ` +
    `when the canary's error rate ${errors} ` +
    `or its latency more than ${number(a.maxLatencyIncreasePercent)}% above, at ${number(a.confidence * 100)}% confidence ` +
    `over the whole rollout; a pass needs ${a.minInvocations} calls a side (min-invocations); ${a.periodSeconds} s periods; ` +
    `the last step waits up to ${formatDuration(verdictWaitMs(a))} past its end for its last metrics; ` +
    `too little traffic by then (inconclusive): ${undecided}`
  );
}

/** The gates of one step, in a few words: "alarms, analysis (then up to 3m for its last metrics)". */
export function stepGates(plan: ReleasePlan, step: PlannedStep): string {
  const gates: string[] = [];
  if (plan.alarms.length > 0) gates.push('alarms');
  if (plan.analysis) {
    const last = plan.steps.filter((s) => s.kind === 'step').at(-1) === step;
    const extend =
      plan.analysis.onInconclusive === 'extend'
        ? `; if inconclusive, up to ${formatDuration(plan.analysis.maxExtensionMs)} more`
        : '';
    gates.push(
      last
        ? `analysis (then up to ${formatDuration(verdictWaitMs(plan.analysis))} for its last metrics${extend})`
        : 'analysis',
    );
  }
  return gates.join(', ');
}

const number = (n: number) => String(Number(n.toFixed(4)));

export function timeoutText(plan: ReleasePlan): string {
  return `${formatDuration(plan.timeoutMs)} from the start; not promoted by then, the release rolls back`;
}

/** The plan for the log, one line per step. */
export function planLines(plan: ReleasePlan): string[] {
  const count = plan.stepCount;
  let index = 0;
  const lines = plan.steps.map((step) => {
    const writes = step.writes.join('; ');
    if (step.kind === 'before') return `Before the first step: ${writes}`;
    if (step.kind === 'promote') return `Promote at ${offset(step.startMs ?? 0)}: ${writes}`;
    index++;
    if (step.skipped) return `Step ${index} of ${count}: ${percent(step.weight!)}: skipped (${step.skipped})`;
    const gates = stepGates(plan, step) || 'none';
    return `Step ${index} of ${count}: ${percent(step.weight!)} from ${offset(step.startMs!)} to ${offset(step.endMs!)}: ${writes}; gates: ${gates}`;
  });
  return [...lines, ...gatesText(plan).map((g) => `Gates: ${g}`), `Timeout: ${timeoutText(plan)}`];
}
