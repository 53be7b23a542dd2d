// The decision rule over many seeded releases: the real engine and gate on a fake clock, reading
// the in-process metrics model (per-minute, late, Poisson). Rates are asserted against bounds the
// stated level implies, never against figures tuned to one seed.
import type { Plan } from '../../src/engine/plan.js';
import type { RolloutRecord } from '../../src/engine/types.js';
import { DEFAULT_ANALYSIS } from '../../src/analysis-inputs.js';
import type { AnalysisSettings } from '../../src/gates/analysis.js';
import { parseStrategy } from '../../src/strategy.js';
import { modelRelease } from '../../sim/model-release.js';
import { FakeClock } from '../support/fake-clock.js';

const DEFAULTS: AnalysisSettings = DEFAULT_ANALYSIS;

interface Runs {
  plan: Plan;
  runs: number;
  requestsPerSecond: number;
  /** The canary's error rate over the baseline's 1%. */
  errorRatio: number;
  settings?: Partial<AnalysisSettings>;
}

/** Runs `runs` seeded releases and returns every record. */
async function release(options: Runs): Promise<RolloutRecord[]> {
  const records: RolloutRecord[] = [];
  for (let seed = 1; seed <= options.runs; seed++) {
    const { record } = await modelRelease({
      seed,
      plan: options.plan,
      settings: { ...DEFAULTS, ...options.settings },
      requestsPerSecond: options.requestsPerSecond,
      baselineErrorRate: 0.01,
      canaryErrorRate: 0.01 * options.errorRatio,
      clock: new FakeClock(Date.UTC(2026, 10, 22, 12, 0, 17)),
      // Looks come with settled periods, not polls: a 30 s poll sees the same looks as a 5 s one.
      pollIntervalMs: 30_000,
    });
    records.push(record);
  }
  return records;
}

const rolledBack = (records: RolloutRecord[]) => records.filter((r) => r.outcome === 'rolled-back');

/** The most a rate with expectation `level` reaches over `runs` trials, four standard errors up. */
const bound = (level: number, runs: number) => level + 4 * Math.sqrt((level * (1 - level)) / runs);

describe('the analysis over many seeded releases', () => {
  it('rolls back identical versions over a long step no more often than 1 - analysis-confidence', async () => {
    const runs = 500;
    const records = await release({
      plan: parseStrategy('canary 10% 30m'),
      runs,
      requestsPerSecond: 10,
      errorRatio: 1,
    });
    const rate = rolledBack(records).length / runs;
    expect(rate).toBeLessThanOrEqual(bound(0.01, runs));
    expect(records.filter((r) => r.outcome === 'promoted')).toHaveLength(runs - rolledBack(records).length);
  });

  it('keeps a looser level across the looks of a three-step plan too', async () => {
    const runs = 500;
    const records = await release({
      plan: parseStrategy('10%:10m, 30%:10m, 60%:10m'),
      runs,
      requestsPerSecond: 10,
      errorRatio: 1,
      settings: { confidence: 0.95 },
    });
    const rate = rolledBack(records).length / runs;
    expect(rate).toBeLessThanOrEqual(bound(0.05, runs));
    // Not vacuous: a rule that never fails would pass the bound above, but not this.
    const worse = rolledBack(
      await release({
        plan: parseStrategy('10%:10m, 30%:10m, 60%:10m'),
        runs: 100,
        requestsPerSecond: 10,
        errorRatio: 2,
        settings: { confidence: 0.95 },
      }),
    );
    expect(worse.length).toBeGreaterThan(50);
  });

  it('rolls back a clear regression within the first five-minute step', async () => {
    const runs = 100;
    const records = await release({
      plan: parseStrategy('Canary10Percent5Minutes'),
      runs,
      requestsPerSecond: 10,
      errorRatio: 10,
    });
    const caught = rolledBack(records).filter((r) =>
      /^gate analysis failed: canary error rate/.test(r.reason),
    );
    expect(caught.length).toBeGreaterThanOrEqual(98);
    // Within the step and its wait for the last minute's metrics: 5 minutes, then 3 at most.
    for (const r of caught) expect(r.endedAt - r.startedAt).toBeLessThanOrEqual(8 * 60_000 + 30_000);
  });

  it('calls too little traffic inconclusive, and extends before it fails', async () => {
    const runs = 30;
    const records = await release({
      plan: parseStrategy('Canary10Percent5Minutes'),
      runs,
      requestsPerSecond: 0.5,
      errorRatio: 1,
    });
    for (const r of records) {
      expect(r.outcome).toBe('rolled-back');
      expect(r.reason).toContain(
        'inconclusive: fewer than 100 invocations on a side after extending the last step by 10m',
      );
      expect(r.endedAt - r.startedAt).toBeGreaterThanOrEqual(15 * 60_000);
    }
  });
});
