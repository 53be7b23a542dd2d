// The plan a rollout follows: steps of { weight, hold } ending at 100%. The engine owns it; the
// strategy parser produces it, and markers carry its steps so that later steps need no parser.

export interface PlanStep {
  /** Percent of traffic on the new version, 0 < weight <= 100. */
  weight: number;
  /** How long to hold this weight before the next step; 0 for the final 100%. */
  holdMs: number;
}

export interface Plan {
  /** A normalized display name, e.g. "Canary10Percent5Minutes" or "canary 10% 5m". */
  name: string;
  steps: PlanStep[];
}

/** The default timeout is the plan's holds plus this, for slow calls and the final checks. */
export const DEFAULT_TIMEOUT_MARGIN_MS = 10 * 60_000;

/** The steps that hold a share of the traffic: the final 100% is the promotion, not a step. */
export function trafficSteps(plan: Pick<Plan, 'steps'>): PlanStep[] {
  return plan.steps.filter((s) => s.weight < 100);
}

/** The "n" of "step k of n", the same in the log, the summary and the dry run's plan. */
export function trafficStepCount(plan: Pick<Plan, 'steps'>): number {
  return trafficSteps(plan).length;
}

/** The sum of the holds: how long the plan takes when nothing goes wrong. */
export function planDurationMs(plan: Pick<Plan, 'steps'>): number {
  return plan.steps.reduce((sum, s) => sum + s.holdMs, 0);
}
