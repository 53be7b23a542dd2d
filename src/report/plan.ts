// A dry run's account of the release it would make: each step's weight and timing, the gates
// that would watch, and every write, for the summary (render.ts) and the log (main.ts). Built
// from the same plan and deadlines the engine uses: steps hold until absolute deadlines from the
// start, and a resumed split skips the steps it is already past.
import { formatDuration } from '../duration.js';
import type { ExistingSplitPolicy } from '../inputs.js';
import type { Plan } from '../strategy.js';
import type { PlannedStep, ReleasePlan } from './model.js';

export interface PlanFacts {
  functionName: string;
  alias: string;
  plan: Plan;
  timeoutMs: number;
  pollIntervalMs: number;
  alarms: string[];
  /** `publish`, or the published version to release. */
  version: string;
  previousVersion: string;
  onExistingSplit: ExistingSplitPolicy;
  /** The split found on the alias, if any. */
  split?: { version: string; weight: number };
}

const percent = (n: number) => `${Math.round(n * 1e6) / 1e6}%`;

export function releasePlan(facts: PlanFacts): ReleasePlan {
  const { alias, split } = facts;
  const target = facts.version === 'publish' ? 'the new version' : `version ${facts.version}`;
  const previous = `version ${facts.previousVersion}`;
  const steps: PlannedStep[] = [];
  if (split && facts.onExistingSplit === 'rollback') {
    steps.push({
      kind: 'before',
      writes: [
        `UpdateAlias ${alias}: clear the split left on it (${percent(split.weight)} on version ${split.version}), all traffic back on ${previous}`,
      ],
    });
  }
  if (facts.version === 'publish') {
    steps.push({
      kind: 'before',
      writes: [
        `PublishVersion of ${facts.functionName}: the code and configuration of $LATEST become the new version`,
      ],
    });
  }
  const resumedAt = split && facts.onExistingSplit === 'resume' ? split.weight : undefined;
  let at = 0;
  for (const step of facts.plan.steps) {
    if (step.weight >= 100) break;
    if (resumedAt !== undefined && step.weight <= resumedAt) {
      steps.push({
        kind: 'step',
        weight: step.weight,
        writes: [],
        skipped: `resumed: the alias already sends ${percent(resumedAt)} to version ${split!.version}`,
      });
      continue;
    }
    steps.push({
      kind: 'step',
      weight: step.weight,
      startMs: at,
      endMs: at + step.holdMs,
      writes: [
        `UpdateAlias ${alias}: ${percent(step.weight)} on ${target}, ${percent(100 - step.weight)} on ${previous}`,
      ],
    });
    at += step.holdMs;
  }
  steps.push({
    kind: 'promote',
    weight: 100,
    startMs: at,
    writes: [`UpdateAlias ${alias}: all traffic on ${target}, the split removed`],
  });
  return {
    steps,
    timeoutMs: facts.timeoutMs,
    pollIntervalMs: facts.pollIntervalMs,
    alarms: facts.alarms,
    rollbackWrite: `UpdateAlias ${alias}: all traffic back on ${previous}, the split removed`,
  };
}

/** An offset from the rollout's start. */
export const offset = (ms: number): string => `+${ms === 0 ? '0s' : formatDuration(ms)}`;

/** The traffic steps' count, which "step k of n" uses. */
export const trafficStepCount = (plan: ReleasePlan): number =>
  plan.steps.filter((s) => s.kind === 'step').length;

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
  const count = trafficStepCount(plan);
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
