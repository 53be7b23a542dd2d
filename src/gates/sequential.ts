// The analysis's decision rules, pure: no AWS, no clock. The rollout looks at its evidence at
// every settled metric period, so a fresh test at each look would roll back healthy releases far
// more often than its level says. Both rules here spend a false-rollback budget over the plan
// instead (a group-sequential design with an alpha-spending function, Lan and DeMets), strict
// early and generous near the end, where the evidence is.
//
// Errors: the canary's error count is Poisson under the null hypothesis "its rate is at most the
// baseline's plus the allowed increase". The boundary at each look is exact for that count (the
// recursion below), averaged over what the baseline's rate may be given its own counts (a Gamma
// posterior), so a short or noisy baseline history widens the boundary instead of fooling it.
// Latency: a t-test on the per-period log ratios of average latency, its budget split over the
// looks (a union bound: conservative, and latency regressions are seldom subtle).
import gammaQuantile from '@stdlib/stats-base-dists-gamma-quantile';
import poissonPmf from '@stdlib/stats-base-dists-poisson-pmf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** The share of the budget spent by information fraction `t` (0-1): t³, strict early. */
export function spent(t: number): number {
  const clamped = Math.min(1, Math.max(0, t));
  return clamped ** 3;
}

/** The share of the false-rollback budget each test gets: errors are where the power is needed. */
export const ERROR_SHARE = 0.9;
export const LATENCY_SHARE = 1 - ERROR_SHARE;

/** One look of the error test, cumulative from the rollout's first judged period. */
export interface ErrorLook {
  /** Canary invocations judged so far (non-decreasing across looks). */
  invocations: number;
  /** Information fraction (0-1, non-decreasing): how much of the plan's evidence this look has. */
  t: number;
}

export interface ErrorTestInput {
  /** Every look so far, oldest first; the last is the current one. */
  looks: ErrorLook[];
  /** Canary errors judged so far (at the last look). */
  errors: number;
  /** The baseline's counts its rate is estimated from. */
  baseline: { invocations: number; errors: number };
  /** The allowed increase of the canary's error rate over the baseline's, as a fraction (0.005). */
  allowedIncrease: number;
  /** The false-rollback budget of this test over the whole rollout (e.g. 0.009). */
  alpha: number;
}

export interface ErrorTestResult {
  /** Errors at or above this at the current look fail the test. */
  errorsToFail: number;
  /** The null probability of failing at any look so far (at most alpha·spent(t)). */
  falseRollbackSoFar: number;
  failed: boolean;
}

/** Posterior quadrature points of the baseline's rate: a tight posterior needs one. */
function baselineRates(baseline: ErrorTestInput['baseline']): number[] {
  const shape = baseline.errors + 0.5;
  const rate = Math.max(1, baseline.invocations);
  if (shape > 2500) return [shape / rate];
  const points = 7;
  return Array.from({ length: points }, (_, g) => gammaQuantile((g + 0.5) / points, shape, rate));
}

/** The group-sequential boundary for the current look, from every look's exposure. */
export function errorTest(input: ErrorTestInput): ErrorTestResult {
  const rates = baselineRates(input.baseline).map((p) => p + input.allowedIncrease);
  const total = input.looks.at(-1)?.invocations ?? 0;
  if (total <= 0) return { errorsToFail: Infinity, falseRollbackSoFar: 0, failed: false };
  const maxMean = Math.max(...rates) * total;
  // Counts on a grid of `step` errors: exact (1) for the counts a canary usually has.
  const step = Math.max(1, Math.floor(Math.sqrt(maxMean) / 40));
  const cells = Math.ceil((maxMean + 12 * Math.sqrt(maxMean) + 25) / step) + 1;
  const mass: Float64Array[] = rates.map(() => {
    const f = new Float64Array(cells);
    f[0] = 1;
    return f;
  });
  const weight = 1 / rates.length;
  let falseRollback = 0;
  let previous = 0;
  let boundary = Infinity;
  for (const look of input.looks) {
    const exposure = look.invocations - previous;
    previous = look.invocations;
    rates.forEach((rate, g) => (mass[g] = addPoisson(mass[g]!, rate * exposure, step)));
    const allowed = input.alpha * spent(look.t);
    boundary = lowestBoundary(mass, weight, allowed - falseRollback);
    for (const f of mass) {
      for (let cell = boundary; cell < cells; cell++) {
        falseRollback += weight * f[cell]!;
        f[cell] = 0;
      }
    }
  }
  const errorsToFail = Number.isFinite(boundary) ? boundary * step : Infinity;
  return { errorsToFail, falseRollbackSoFar: falseRollback, failed: input.errors >= errorsToFail };
}

/** The lowest cell whose tail (averaged over the rates) fits in `budget`; cells.length if none. */
function lowestBoundary(mass: Float64Array[], weight: number, budget: number): number {
  const cells = mass[0]!.length;
  let tail = 0;
  for (let cell = cells - 1; cell >= 0; cell--) {
    let here = 0;
    for (const f of mass) here += f[cell]!;
    if (tail + weight * here > budget) return cell + 1;
    tail += weight * here;
  }
  return 0;
}

/** The distribution of the count after `mean` more Poisson errors, on the same grid. */
function addPoisson(f: Float64Array, mean: number, step: number): Float64Array {
  if (mean <= 0) return f;
  const increment = incrementPmf(mean, step);
  const out = new Float64Array(f.length);
  for (let x = 0; x < f.length; x++) {
    const px = f[x]!;
    if (px < 1e-300) continue;
    const limit = Math.min(increment.length, f.length - x);
    for (let k = 0; k < limit; k++) out[x + k]! += px * increment[k]!;
  }
  return out;
}

/** Poisson(mean) on a grid of `step` (exact for step 1; the normal shape for large means). */
function incrementPmf(mean: number, step: number): Float64Array {
  const top = Math.ceil((mean + 12 * Math.sqrt(mean) + 25) / step) + 1;
  const pmf = new Float64Array(top);
  if (step === 1) {
    for (let k = 0; k < top; k++) pmf[k] = poissonPmf(k, mean);
    return pmf;
  }
  let sum = 0;
  for (let k = 0; k < top; k++) {
    const z = (k * step - mean) / Math.sqrt(mean);
    pmf[k] = Math.exp(-0.5 * z * z);
    sum += pmf[k]!;
  }
  for (let k = 0; k < top; k++) pmf[k]! /= sum;
  return pmf;
}

export interface LatencyTestInput {
  /** ln(canary average / baseline average), one per judged period. */
  logRatios: number[];
  /** The allowed increase as a fraction (0.25 for 25%). */
  allowedIncrease: number;
  /** This look's share of the latency budget (alpha × the spending since the last latency look). */
  alpha: number;
}

/** Periods the latency test needs before it judges: fewer say nothing about a spread. */
export const MIN_LATENCY_PERIODS = 3;

/** One-sided t-test of the mean log ratio against ln(1 + allowed increase), at level `alpha`. */
export function latencyTest(input: LatencyTestInput): { failed: boolean; increase?: number } {
  const n = input.logRatios.length;
  if (n === 0) return { failed: false };
  const mean = input.logRatios.reduce((a, b) => a + b, 0) / n;
  const increase = Math.exp(mean) - 1;
  if (n < MIN_LATENCY_PERIODS || input.alpha <= 0) return { failed: false, increase };
  const limit = Math.log1p(input.allowedIncrease);
  const variance = input.logRatios.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1);
  const sd = Math.sqrt(variance);
  if (sd === 0) return { failed: mean > limit, increase };
  const t = (mean - limit) / (sd / Math.sqrt(n));
  return { failed: t >= tQuantile(1 - input.alpha, n - 1), increase };
}
