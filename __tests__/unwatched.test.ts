import type { GateReading, RolloutRecord } from '../src/engine/types.js';
import type { AnalysisDetail, AnalysisVerdict } from '../src/gates/detail.js';
import { unwatchedAfter, unwatchedBefore } from '../src/unwatched.js';

function analysisReading(verdict: AnalysisVerdict, summary: string): GateReading {
  const detail: AnalysisDetail = {
    kind: 'analysis',
    verdict,
    minInvocations: 100,
    confidence: 0.99,
    subjects: [],
  };
  return { gate: 'analysis', status: verdict === 'fail' ? 'fail' : 'pass', summary, at: 0, detail };
}

function promoted(...readings: GateReading[][]): RolloutRecord {
  return {
    plan: { name: 'p', steps: [] },
    startedAt: 0,
    endedAt: 1,
    outcome: 'promoted',
    reason: 'all steps passed',
    steps: readings.map((r, index) => ({ index, weight: 10, plannedHoldMs: 1, startedAt: 0, readings: r })),
  };
}

describe('unwatchedBefore', () => {
  it('is silent when an alarm watches, whatever the analysis', () => {
    expect(unwatchedBefore({ alarms: 1, analysisOn: false, hasMetrics: false, hooks: {} })).toBeUndefined();
  });

  it('is silent with the analysis on and metrics to read', () => {
    expect(unwatchedBefore({ alarms: 0, analysisOn: true, hasMetrics: true, hooks: {} })).toBeUndefined();
  });

  it('says so with no alarms and analysis off', () => {
    expect(unwatchedBefore({ alarms: 0, analysisOn: false, hasMetrics: true, hooks: {} })).toBe(
      'Nothing watched this release: no alarms were given and analysis is off, so it would have been promoted whatever the new version did.',
    );
  });

  it('with traffic hooks, says that they alone checked the new version and nothing watched its traffic', () => {
    expect(
      unwatchedBefore({
        alarms: 0,
        analysisOn: false,
        hasMetrics: true,
        hooks: { postTraffic: 'orders-smoke' },
      }),
    ).toBe(
      'Nothing watched this release: no alarms were given and analysis is off, so only the post-traffic hook checked the new version, and nothing watched the traffic it took.',
    );
    const both = { preTraffic: 'check', postTraffic: 'smoke' };
    expect(unwatchedAfter(promoted(), 0, both)).toMatch(
      /the analysis read nothing, so only the pre- and post-traffic hooks checked the new version/,
    );
  });

  it('says so with no alarms and a target without metrics', () => {
    expect(unwatchedBefore({ alarms: 0, analysisOn: true, hasMetrics: false, hooks: {} })).toMatch(
      /^Nothing watched this release: no alarms were given and this target has no metrics for the analysis/,
    );
  });
});

describe('unwatchedAfter', () => {
  it('is silent when the last analysis reading passed the canary', () => {
    const record = promoted(
      [analysisReading('gathering', 'gathering')],
      [analysisReading('pass', 'no regression')],
    );
    expect(unwatchedAfter(record, 0, {})).toBeUndefined();
  });

  it.each(['gathering', 'inconclusive', 'waiting'] as const)(
    'says so when the last verdict was %s and there were no alarms',
    (verdict) => {
      const record = promoted(
        [analysisReading('pass', 'no regression')],
        [analysisReading(verdict, '12 of 100 invocations')],
      );
      expect(unwatchedAfter(record, 0, {})).toBe(
        `Nothing watched this release: no alarms were given and the analysis never had the evidence to judge (its last verdict: ${verdict}; 12 of 100 invocations), so it was promoted whatever the new version did.`,
      );
    },
  );

  it('says so when the analysis read nothing', () => {
    expect(unwatchedAfter(promoted(), 0, {})).toMatch(/the analysis read nothing, so it was promoted/);
  });

  it('is silent with alarms, or when the release was not promoted', () => {
    const inconclusive = promoted([analysisReading('inconclusive', 'too little traffic')]);
    expect(unwatchedAfter(inconclusive, 1, {})).toBeUndefined();
    expect(unwatchedAfter({ ...inconclusive, outcome: 'rolled-back' }, 0, {})).toBeUndefined();
  });
});
