// The report and the log of releases judged by the real analysis gate over the seeded metrics
// model (sim/metrics-model.ts): whatever the gate's readings hold, the summary explains the
// verdict with its numbers and renders cleanly, and the log says it on each poll's one line.
import { jest } from '@jest/globals';
import type { Plan } from '../../src/engine/plan.js';
import type { RolloutRecord } from '../../src/engine/types.js';
import { createLog } from '../../src/log.js';
import type { ReleaseReport } from '../../src/report/model.js';
import { renderReport } from '../../src/report/render.js';
import { rolloutLogger } from '../../src/rollout-log.js';
import { modelRelease } from '../../sim/model-release.js';
import { FakeClock } from '../support/fake-clock.js';
import { renderedProblems } from '../support/gfm.js';
import { ANALYSIS_SETTINGS, T0 } from '../support/report-fixtures.js';

const PLAN: Plan = {
  name: '10%:5m',
  steps: [
    { weight: 10, holdMs: 5 * 60_000 },
    { weight: 100, holdMs: 0 },
  ],
};

let written: string[];
beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

/** A five-minute step at 10% and 10 requests a second, the canary failing `canaryErrorRate` of its calls. */
async function release(canaryErrorRate: number): Promise<{ report: ReleaseReport; record: RolloutRecord }> {
  const { record, subject } = await modelRelease({
    seed: 11,
    plan: PLAN,
    settings: ANALYSIS_SETTINGS,
    requestsPerSecond: 10,
    baselineErrorRate: 0.01,
    canaryErrorRate,
    clock: new FakeClock(T0),
    pollIntervalMs: 15_000,
    timeoutMs: 30 * 60_000,
    onEvent: rolloutLogger(createLog()),
  });
  const report: ReleaseReport = {
    subject,
    region: 'us-east-1',
    previousVersion: '6',
    targetVersion: '7',
    plan: PLAN,
    result: record.outcome,
    reason: record.reason,
    durationSeconds: Math.round((record.endedAt - record.startedAt) / 1000),
    notes: [],
    alarms: [],
    analysis: ANALYSIS_SETTINGS,
    record,
    source: {},
    links: { alarms: [] },
  };
  return { report, record };
}

const polls = () =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('Step 1 of 1 · '));

describe('the real analysis gate, reported', () => {
  it('a canary failing five times as often: rolled back, and the summary says why with the numbers', async () => {
    const { report, record } = await release(0.05);
    expect(record.outcome).toBe('rolled-back');
    const text = renderReport(report);
    expect(text).toMatch(
      /\*\*Reason:\*\* gate analysis failed: error rate \+\d+\.\d\d pp above the baseline's, \+0 pp allowed\n/,
    );
    expect(text).toContain('#### Why it rolled back\n\n> **The analysis failed** at ');
    expect(text).toMatch(
      /> \*\*orders:live\*\* error rate: canary \d+\.\d\d% \([\d,]+ errors in [\d,]+ invocations\), baseline \d\.\d\d% \([\d,]+ errors in [\d,]+ invocations\)/,
    );
    expect(text).toMatch(
      /\| Error rate \| [^|]+ \| [^|]+ \| \+\d+\.\d\d pp \| \+0 pp \| ❌ fail \| \d+ errors in [\d,]+ invocations; fails at \d+ or more; judged \d+ periods?/,
    );
    await expect(renderedProblems(text)).resolves.toEqual([]);
    const failing = polls().filter((line) => line.includes('analysis: fail (canary '));
    expect(failing).toHaveLength(1);
  });

  it('identical versions: promoted, after the last step waited for its own metrics, said in the log and the readings', async () => {
    const { report, record } = await release(0.01);
    expect(record.outcome).toBe('promoted');
    const text = renderReport(report);
    expect(text).toMatch(/\| Error rate \| [^|]+ \| [^|]+ \| [^|]+ \| \+0 pp \| ✅ pass \|/);
    expect(text).toMatch(
      /\| pending ×\d+ \| waiting \(canary [^|]*\); waiting for the last step&#39;s metrics until \d\d:\d\d:\d\d UTC \|/,
    );
    expect(text).not.toContain('[!WARNING]');
    await expect(renderedProblems(text)).resolves.toEqual([]);
    const waiting = polls().filter((line) =>
      / · 0s left · analysis: waiting \(canary .*\) · waiting for the last step's metrics until \d\d:\d\d:\d\d UTC$/.test(
        line,
      ),
    );
    expect(waiting.length).toBeGreaterThan(0);
    // One line per poll: every reading has its line.
    expect(polls()).toHaveLength(record.steps[0]!.readings.length);
  });
});
