import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DEFAULT_ANALYSIS } from '../../src/analysis-inputs.js';
import { AnalysisGate, type AnalysisSettings } from '../../src/gates/analysis.js';
import type { AnalysisDetail } from '../../src/gates/detail.js';
import type { GateContext, GateReading } from '../../src/engine/types.js';
import type { Plan } from '../../src/engine/plan.js';
import { aliasSubject } from '../../src/targets/lambda/subject.js';
import { FakeClock } from '../support/fake-clock.js';

const MINUTE = 60_000;
/** The rollout starts on a minute boundary: minute k is [START + k·MINUTE, ...). */
const START = Date.UTC(2026, 10, 22, 12, 0, 0);
const PLAN: Plan = {
  name: 'canary 10% 5m',
  steps: [
    { weight: 10, holdMs: 5 * MINUTE },
    { weight: 100, holdMs: 0 },
  ],
};
const SETTINGS: AnalysisSettings = DEFAULT_ANALYSIS;

type Figures = { invocations: number; errors?: number; latencyMs?: number };
type Side = 'canary' | 'baseline' | 'history';
/** What CloudWatch holds for minute `k` (negative: before the release) of one side; undefined: no point. */
type Traffic = (side: Side, k: number) => Figures | undefined;

/** Steady traffic: 60 canary and 540 baseline calls a minute at 1% errors, 100 ms. */
const steady =
  (canary: Partial<Figures> = {}, baseline: Partial<Figures> = {}): Traffic =>
  (side, k) => {
    if (side === 'history') return k < 0 ? { invocations: 600, errors: 6 } : undefined;
    if (k < 0) return undefined;
    const base =
      side === 'canary'
        ? { invocations: 60, errors: 0, latencyMs: 100 }
        : { invocations: 540, errors: 5, latencyMs: 100 };
    return { ...base, ...(side === 'canary' ? canary : baseline) };
  };

/**
 * A gate over a scripted CloudWatch: each minute's points become visible `delay` after the
 * minute ends (per figure, so one may come before another), and the calls are counted.
 */
function scenario(options: {
  traffic: Traffic;
  delay?: (figure: string, k: number) => number;
  settings?: Partial<AnalysisSettings>;
  subjects?: number;
  /** The step the rollout starts at (1: a split resumed from an earlier run). */
  firstStep?: number;
}) {
  const clock = new FakeClock(START);
  const calls: GetMetricDataCommand[] = [];
  const delay = options.delay ?? (() => 30_000);
  const cloudwatch = {
    send: (command: GetMetricDataCommand) => {
      calls.push(command);
      const input = command.input;
      const results = input.MetricDataQueries!.map((q) => {
        const dims = q.MetricStat!.Metric!.Dimensions!;
        const version = dims.find((d) => d.Name === 'ExecutedVersion')?.Value;
        const side: Side = version === '2' ? 'canary' : version === '1' ? 'baseline' : 'history';
        const metric = q.MetricStat!.Metric!.MetricName!;
        const figure =
          metric === 'Invocations' ? 'invocations' : metric === 'Errors' ? 'errors' : 'latencyMs';
        const timestamps: Date[] = [];
        const values: number[] = [];
        for (let at = input.StartTime!.getTime(); at < input.EndTime!.getTime(); at += MINUTE) {
          const k = Math.round((at - START) / MINUTE);
          const value = options.traffic(side, k)?.[figure];
          if (value === undefined || clock.now() < at + MINUTE + delay(figure, k)) continue;
          timestamps.push(new Date(at));
          values.push(value);
        }
        return { Id: q.Id, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
      });
      return Promise.resolve({ MetricDataResults: results });
    },
  } as unknown as CloudWatchClient;
  const subject = (n: number) =>
    aliasSubject(
      { functionName: `orders${n || ''}`, alias: 'live' },
      { region: 'us-east-1', sides: { previous: '1', target: '2' } },
    );
  const subjects = Array.from({ length: options.subjects ?? 1 }, (_, n) => ({
    name: `orders${n || ''}:live`,
    queries: subject(n).metrics!,
  }));
  const gate = new AnalysisGate(
    cloudwatch,
    subjects,
    { ...SETTINGS, ...options.settings },
    PLAN,
    'us-east-1',
    clock,
  );
  const context: GateContext = {
    index: options.firstStep ?? 0,
    weight: 10,
    startedAt: START,
    endsAt: START + 5 * MINUTE,
    last: true,
  };
  /** Reads the gate at `offset` ms after the start. */
  const readAt = async (offset: number): Promise<GateReading & { detail: AnalysisDetail }> => {
    clock.time = START + offset;
    const reading = await gate.read(new AbortController().signal, context);
    if (reading.detail?.kind !== 'analysis') throw new Error('no analysis detail');
    return reading as GateReading & { detail: AnalysisDetail };
  };
  return { readAt, calls };
}

describe('AnalysisGate', () => {
  it('judges a period only once it has settled, two periods after it ends', async () => {
    const { readAt } = scenario({ traffic: steady() });
    // At 2:59 minute 0 has been visible for a while but has not settled yet.
    expect((await readAt(2 * MINUTE + 59_000)).detail.subjects[0]!.judgedPeriods).toBe(0);
    const settled = await readAt(3 * MINUTE);
    expect(settled.detail.subjects[0]!.judgedPeriods).toBe(1);
    expect(settled.detail.subjects[0]!.canary.invocations).toBe(60);
  });

  it('skips a period with a missing figure (no data is not zero) and counts it once it arrives', async () => {
    const { readAt } = scenario({
      traffic: steady(),
      // Minute 1's canary errors arrive five minutes late; its invocations are in on time.
      delay: (figure, k) => (figure === 'errors' && k === 1 ? 5 * MINUTE : 30_000),
    });
    const early = await readAt(5 * MINUTE);
    expect(early.detail.subjects[0]!.judgedPeriods).toBe(2);
    expect(early.detail.subjects[0]!.skippedPeriods).toBeGreaterThanOrEqual(1);
    expect(early.detail.subjects[0]!.canary.invocations).toBe(120);
    const later = await readAt(7 * MINUTE);
    expect(later.detail.subjects[0]!.canary.invocations).toBe(60 * 5);
  });

  it('judges only the periods in which both versions took traffic', async () => {
    const { readAt } = scenario({ traffic: steady({}, {}), delay: () => 0 });
    const none = scenario({
      traffic: (side, k) => (side === 'baseline' && k === 2 ? undefined : steady()(side, k)),
    });
    const all = await readAt(6 * MINUTE);
    const without = await none.readAt(6 * MINUTE);
    expect(without.detail.subjects[0]!.judgedPeriods).toBe(all.detail.subjects[0]!.judgedPeriods - 1);
    expect(without.detail.subjects[0]!.canary.invocations).toBe(
      all.detail.subjects[0]!.canary.invocations - 60,
    );
  });

  it('keeps the last step until its last period has settled, then passes healthy versions', async () => {
    const { readAt } = scenario({ traffic: steady() });
    const atEnd = await readAt(5 * MINUTE);
    expect(atEnd.status).toBe('pending');
    expect(atEnd.detail.verdict).toBe('waiting');
    // The period 4:00-5:00 is the last; it settles at 7:00.
    expect(atEnd.holdStep?.until).toBeGreaterThanOrEqual(START + 7 * MINUTE);
    expect(atEnd.holdStep?.why).toContain("waiting for the last step's metrics until 12:07:00");
    const verdict = await readAt(7 * MINUTE);
    expect(verdict.status).toBe('pass');
    expect(verdict.holdStep).toBeUndefined();
    expect(verdict.detail.subjects[0]!.errorRate.budgetSpent).toBe(1);
  });

  it('rolls back a clear regression before the hold ends, with the numbers', async () => {
    const { readAt } = scenario({ traffic: steady({ errors: 6 }) });
    let reading = await readAt(3 * MINUTE);
    for (let offset = 3 * MINUTE; reading.status !== 'fail' && offset < 5 * MINUTE; offset += 5_000)
      reading = await readAt(offset);
    expect(reading.status).toBe('fail');
    expect(reading.at).toBeLessThan(START + 5 * MINUTE);
    expect(reading.summary).toMatch(/canary error rate 10\.0% \(\d+ of \d+\) against the baseline's 1\.0\d%/);
    expect(reading.summary).toContain('at 99.0% confidence');
    expect(reading.detail.subjects[0]!.errorRate.verdict).toBe('fail');
  });

  it('fails a latency regression', async () => {
    const { readAt } = scenario({
      traffic: (side, k) => {
        const figures = steady()(side, k);
        return side === 'canary' && figures ? { ...figures, latencyMs: 200 + 10 * (k % 3) } : figures;
      },
    });
    const reading = await readAt(7 * MINUTE);
    expect(reading.status).toBe('fail');
    expect(reading.summary).toMatch(/canary latency \+\d+% against the baseline's over 5 periods/);
    expect(reading.detail.subjects[0]!.latency.verdict).toBe('fail');
  });

  it('does not blame the canary when the baseline rises with it (history set aside)', async () => {
    const { readAt } = scenario({ traffic: steady({ errors: 3 }, { errors: 27 }) });
    const reading = await readAt(7 * MINUTE);
    expect(reading.status).toBe('pass');
    expect(reading.detail.subjects[0]!.history?.used).toBe(false);
    expect(reading.detail.subjects[0]!.history?.note).toContain('differs from before the release');
  });

  it('sets the history aside when the release resumed a split (both versions were in it)', async () => {
    const fresh = await scenario({ traffic: steady() }).readAt(4 * MINUTE);
    const resumed = await scenario({ traffic: steady(), firstStep: 1 }).readAt(4 * MINUTE);
    expect(fresh.detail.subjects[0]!.history?.used).toBe(true);
    expect(resumed.detail.subjects[0]!.history).toMatchObject({
      used: false,
      note: expect.stringContaining('resumed a split'),
    });
  });

  describe('too little traffic', () => {
    const thin = steady({ invocations: 5, errors: 0 });
    it('gathers, then extends the last step, then fails', async () => {
      const { readAt } = scenario({ traffic: thin });
      expect((await readAt(4 * MINUTE)).detail.verdict).toBe('gathering');
      const extending = await readAt(7 * MINUTE);
      expect(extending.status).toBe('pending');
      expect(extending.detail.verdict).toBe('inconclusive');
      expect(extending.holdStep?.until).toBe(START + 17 * MINUTE);
      const failed = await readAt(17 * MINUTE);
      expect(failed.status).toBe('fail');
      expect(failed.summary).toContain('after extending the last step by 10m');
    });

    it('passes or fails at once as on-inconclusive says', async () => {
      expect(
        (await scenario({ traffic: thin, settings: { onInconclusive: 'pass' } }).readAt(7 * MINUTE)).status,
      ).toBe('pass');
      const failed = await scenario({ traffic: thin, settings: { onInconclusive: 'fail' } }).readAt(
        7 * MINUTE,
      );
      expect(failed.status).toBe('fail');
      expect(failed.detail.verdict).toBe('inconclusive');
    });
  });

  it('reads every subject with one GetMetricData call a poll', async () => {
    const { readAt, calls } = scenario({ traffic: steady(), subjects: 3 });
    const reading = await readAt(4 * MINUTE);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input.MetricDataQueries).toHaveLength(3 * 8);
    expect(reading.detail.subjects.map((s) => s.name)).toEqual([
      'orders:live',
      'orders1:live',
      'orders2:live',
    ]);
  });
});
