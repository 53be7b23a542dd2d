// A dry run's account of the release it would make: each step's weight and timing, the gates
// that would watch, and every write, for the summary (render.ts) and the log (main.ts). Built
// from the same plan and deadlines the engine uses: steps hold until absolute deadlines from the
// start, and a resumed split skips the steps it is already past.
import { formatDuration } from '../duration.js';
import { type Plan, trafficStepCount, trafficSteps } from '../engine/plan.js';
import type { DryRunWrites } from '../targets/definition.js';
import type { PlannedStep, ReleasePlan } from './model.js';

/** What the rollout would follow: the plan, its limits and its gates. */
export interface PlanSchedule {
  plan: Plan;
  timeoutMs: number;
  pollIntervalMs: number;
  alarms: string[];
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
    rollbackWrite: writes.rollback,
  };
}

/** An offset from the rollout's start. */
export const offset = (ms: number): string => `+${ms === 0 ? '0s' : formatDuration(ms)}`;

/** What watches every step, in words. */
export function gatesText(plan: ReleasePlan): string {
  if (plan.alarms.length === 0) return 'no gates (input "alarms" is empty): each step is only held';
  return `alarms ${plan.alarms.join(', ')}, read every ${formatDuration(plan.pollIntervalMs)} at every step; any in ALARM rolls back (${plan.rollbackWrite})`;
}

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
    return `Step ${index} of ${count}: ${percent(step.weight!)} from ${offset(step.startMs!)} to ${offset(step.endMs!)}: ${writes}`;
  });
  return [...lines, `Gates: ${gatesText(plan)}`, `Timeout: ${timeoutText(plan)}`];
}
