import poissonPmf from '@stdlib/stats-base-dists-poisson-pmf';
import { errorTest, latencyTest, spent, type ErrorLook } from '../../src/gates/sequential.js';
import { Rng } from '../../sim/core/rng.js';

/** A baseline so long that its rate is known: one quadrature point at exactly `rate`. */
const known = (rate: number) => ({ invocations: 10_000_000, errors: rate * 10_000_000 });

function poissonTail(from: number, mean: number): number {
  let below = 0;
  for (let k = 0; k < from; k++) below += poissonPmf(k, mean);
  return 1 - below;
}

function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

describe('errorTest', () => {
  it('with one look and a known baseline, fails at the exact Poisson quantile', () => {
    const result = errorTest({
      looks: [{ invocations: 300, budget: 1 }],
      errors: 0,
      baseline: known(0.01),
      allowedIncrease: 0,
      alpha: 0.01,
    });
    // Mean 3: P(X >= 8) = 1.19% is over the budget, P(X >= 9) = 0.38% is the first under it.
    expect(poissonTail(result.errorsToFail, 3)).toBeLessThanOrEqual(0.01);
    expect(poissonTail(result.errorsToFail - 1, 3)).toBeGreaterThan(0.01);
    expect(result.errorsToFail).toBe(9);
    expect(result.falseRollbackSoFar).toBeCloseTo(poissonTail(9, 3), 6);
  });

  it('the allowed increase raises the rate the canary is held to', () => {
    const strict = errorTest({
      looks: [{ invocations: 300, budget: 1 }],
      errors: 9,
      baseline: known(0.01),
      allowedIncrease: 0,
      alpha: 0.01,
    });
    const lenient = errorTest({
      looks: [{ invocations: 300, budget: 1 }],
      errors: 9,
      baseline: known(0.01),
      allowedIncrease: 0.01,
      alpha: 0.01,
    });
    expect(strict.failed).toBe(true);
    expect(lenient.failed).toBe(false);
    expect(lenient.errorsToFail).toBeGreaterThan(strict.errorsToFail);
  });

  it('an uncertain baseline (few errors of its own) widens the boundary', () => {
    const looks = [{ invocations: 300, budget: 1 }];
    const at = (baseline: { invocations: number; errors: number }) =>
      errorTest({ looks, errors: 0, baseline, allowedIncrease: 0, alpha: 0.01 });
    const tight = at(known(0.01));
    // The same 1% from 27 errors: the same boundary, with more of the budget behind it.
    const fewer = at({ invocations: 2700, errors: 27 });
    expect(fewer.errorsToFail).toBeGreaterThanOrEqual(tight.errorsToFail);
    expect(fewer.falseRollbackSoFar).toBeGreaterThan(tight.falseRollbackSoFar);
    // From 10 errors, the rate could well be 2%: the boundary moves up.
    expect(at({ invocations: 1000, errors: 10 }).errorsToFail).toBeGreaterThan(tight.errorsToFail);
  });

  it('spends at most alpha·t³ by each look, and the boundaries hold that rate on simulated null paths', () => {
    const perLook = [30, 60, 60, 60, 60, 60];
    const ts = [0.1, 0.3, 0.5, 0.7, 0.9, 1];
    const alpha = 0.02;
    const looks: ErrorLook[] = [];
    const boundaries: number[] = [];
    let invocations = 0;
    perLook.forEach((n, k) => {
      invocations += n;
      looks.push({ invocations, budget: spent(ts[k]!) });
      const result = errorTest({
        looks: [...looks],
        errors: 0,
        baseline: known(0.01),
        allowedIncrease: 0,
        alpha,
      });
      expect(result.falseRollbackSoFar).toBeLessThanOrEqual(alpha * spent(ts[k]!) + 1e-12);
      boundaries.push(result.errorsToFail);
    });
    const predicted = errorTest({
      looks,
      errors: 0,
      baseline: known(0.01),
      allowedIncrease: 0,
      alpha,
    }).falseRollbackSoFar;
    // The recursion is exact: paths drawn under the null cross the boundaries as often as it says.
    const rng = new Rng(7);
    const paths = 40_000;
    let crossed = 0;
    for (let path = 0; path < paths; path++) {
      let errors = 0;
      for (let k = 0; k < perLook.length; k++) {
        errors += poisson(rng, perLook[k]! * 0.01);
        if (errors >= boundaries[k]!) {
          crossed++;
          break;
        }
      }
    }
    const observed = crossed / paths;
    const se = Math.sqrt((predicted * (1 - predicted)) / paths);
    expect(Math.abs(observed - predicted)).toBeLessThan(4 * se + 1e-4);
    expect(predicted).toBeGreaterThan(alpha / 4);
  });

  it('counts far beyond a handful (a busy function) still get a boundary near the normal quantile', () => {
    const result = errorTest({
      looks: [{ invocations: 10_000_000, budget: 1 }],
      errors: 0,
      baseline: known(0.01),
      allowedIncrease: 0,
      alpha: 0.01,
    });
    const mean = 100_000;
    const z = (result.errorsToFail - mean) / Math.sqrt(mean);
    expect(z).toBeGreaterThan(2.2);
    expect(z).toBeLessThan(2.5);
  });

  it('says nothing before the canary has any invocation', () => {
    const result = errorTest({
      looks: [],
      errors: 3,
      baseline: known(0.01),
      allowedIncrease: 0,
      alpha: 0.01,
    });
    expect(result.failed).toBe(false);
  });
});

describe('latencyTest', () => {
  const noisy = (rng: Rng, n: number, shift: number) =>
    Array.from({ length: n }, () => shift + 0.05 * rng.normal());

  it('passes identical versions and fails a clear regression', () => {
    const rng = new Rng(3);
    expect(latencyTest({ logRatios: noisy(rng, 6, 0), allowedIncrease: 0.25, alpha: 0.001 }).failed).toBe(
      false,
    );
    const slow = latencyTest({ logRatios: noisy(rng, 6, Math.log(2)), allowedIncrease: 0.25, alpha: 0.001 });
    expect(slow.failed).toBe(true);
    expect(slow.increase).toBeGreaterThan(0.8);
  });

  it('needs three periods and a budget', () => {
    expect(latencyTest({ logRatios: [1, 1], allowedIncrease: 0.25, alpha: 0.01 }).failed).toBe(false);
    expect(latencyTest({ logRatios: [1, 1.1, 0.9, 1], allowedIncrease: 0.25, alpha: 0 }).failed).toBe(false);
  });

  it('fails a constant ratio over the limit with no spread at all', () => {
    expect(latencyTest({ logRatios: [0.5, 0.5, 0.5], allowedIncrease: 0.25, alpha: 0.01 }).failed).toBe(true);
    expect(latencyTest({ logRatios: [0.1, 0.1, 0.1], allowedIncrease: 0.25, alpha: 0.01 }).failed).toBe(
      false,
    );
  });
});
