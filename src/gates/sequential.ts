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

/**
 * What the error test keeps between looks, so that a look costs one step of the recursion rather
 * than all of them again. Reused while the baseline's rates stay within REUSE_TOLERANCE.
 */
export interface ErrorTestState {
  rates: number[];
  step: number;
  /** Per rate: the null probability of each count among paths that have not crossed yet. */
  mass: Float64Array[];
  falseRollback: number;
  /** Looks folded in, and the canary invocations at the last of them. */
  looks: number;
  invocations: number;
  boundary: number;
}

/** Rates closer than this (relative) to the state's are the same for the recursion. */
const REUSE_TOLERANCE = 0.02;

/**
 * The group-sequential boundary for the current look, from every look's exposure. Pass the
 * previous result's `state` to continue from it.
 */
export function errorTest(
  input: ErrorTestInput,
  previous?: ErrorTestState,
): ErrorTestResult & { state?: ErrorTestState } {
  const rates = baselineRates(input.baseline).map((p) => p + input.allowedIncrease);
  const total = input.looks.at(-1)?.invocations ?? 0;
  if (total <= 0) return { errorsToFail: Infinity, falseRollbackSoFar: 0, failed: false };
  const maxMean = Math.max(...rates) * total;
  // Counts on a grid of `step` errors: exact (1) for the counts a canary usually has.
  const step = Math.max(1, Math.floor(Math.sqrt(maxMean) / 40));
  const cells = Math.ceil((maxMean + 12 * Math.sqrt(maxMean) + 25) / step) + 1;
  const state = reusable(previous, input.looks, rates, step) ?? freshState(rates, step);
  state.mass = state.mass.map((f) => grown(f, cells));
  const weight = 1 / rates.length;
  for (const look of input.looks.slice(state.looks)) {
    const exposure = look.invocations - state.invocations;
    state.invocations = look.invocations;
    rates.forEach((rate, g) => (state.mass[g] = addPoisson(state.mass[g]!, rate * exposure, step)));
    const allowed = input.alpha * spent(look.t);
    state.boundary = lowestBoundary(state.mass, weight, allowed - state.falseRollback);
    for (const f of state.mass) {
      for (let cell = state.boundary; cell < f.length; cell++) {
        state.falseRollback += weight * f[cell]!;
        f[cell] = 0;
      }
    }
    state.looks++;
  }
  const errorsToFail = Number.isFinite(state.boundary) ? state.boundary * step : Infinity;
  return {
    errorsToFail,
    falseRollbackSoFar: state.falseRollback,
    failed: input.errors >= errorsToFail,
    state,
  };
}

function freshState(rates: number[], step: number): ErrorTestState {
  const mass = rates.map(() => Float64Array.of(1));
  return { rates, step, mass, falseRollback: 0, looks: 0, invocations: 0, boundary: Infinity };
}

/** The previous state when it is of the same looks and rates (a copy: results stay as they were). */
function reusable(
  state: ErrorTestState | undefined,
  looks: ErrorLook[],
  rates: number[],
  step: number,
): ErrorTestState | undefined {
  if (!state || state.step !== step || state.looks === 0 || state.looks > looks.length) return undefined;
  if (looks[state.looks - 1]!.invocations !== state.invocations) return undefined;
  if (state.rates.length !== rates.length) return undefined;
  if (state.rates.some((r, g) => Math.abs(r - rates[g]!) > REUSE_TOLERANCE * Math.max(r, 1e-9)))
    return undefined;
  return { ...state, mass: state.mass.map((f) => f.slice()) };
}

function grown(f: Float64Array, cells: number): Float64Array {
  if (f.length >= cells) return f;
  const larger = new Float64Array(cells);
  larger.set(f);
  return larger;
}

/** The lowest cell whose tail (averaged over the rates) fits in `budget`; the grid's end if none. */
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
    if (px < NEGLIGIBLE * 1e-3) continue;
    const limit = Math.min(increment.length, f.length - x);
    for (let k = 0; k < limit; k++) out[x + k]! += px * increment[k]!;
  }
  return out;
}

const NEGLIGIBLE = 1e-18;

/** Poisson(mean) on a grid of `step` (exact for step 1; the normal shape for large means). */
function incrementPmf(mean: number, step: number): Float64Array {
  const top = Math.ceil((mean + 12 * Math.sqrt(mean) + 25) / step) + 1;
  const pmf = new Float64Array(top);
  if (step === 1) {
    // From the mode outwards by the ratio of neighbours: no underflow, no log-gamma per term.
    const mode = Math.min(top - 1, Math.floor(mean));
    pmf[mode] = poissonPmf(mode, mean);
    let end = mode + 1;
    for (; end < top && pmf[end - 1]! > NEGLIGIBLE; end++) pmf[end] = (pmf[end - 1]! * mean) / end;
    for (let k = mode - 1; k >= 0 && pmf[k + 1]! > NEGLIGIBLE; k--) pmf[k] = (pmf[k + 1]! * (k + 1)) / mean;
    // Beyond a probability of 1e-18 nothing changes a boundary at the levels allowed (>= 1e-4).
    return pmf.subarray(0, end);
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
