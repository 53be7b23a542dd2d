// The metrics model stands in for CloudWatch in the detection benchmark and the analysis gate's
// tests: these pin that it answers as CloudWatch does (period-start stamps, newest first, late
// points, missing periods, the query's window and period) and that its counts are Poisson.
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { FakeClock } from '../__tests__/support/fake-clock.js';
import { Rng } from './core/rng.js';
import {
  combinedCloudWatch,
  MetricsModel,
  modelTarget,
  poisson,
  type MetricsModelOptions,
} from './metrics-model.js';

const MINUTE = 60_000;
const RELEASE = Date.UTC(2026, 10, 22, 12, 0, 0);

function dims(version?: string) {
  const set = [
    { Name: 'FunctionName', Value: 'orders' },
    { Name: 'Resource', Value: 'orders:live' },
  ];
  return version ? [...set, { Name: 'ExecutedVersion', Value: version }] : set;
}

function query(id: string, metric: string, stat: string, version?: string, period = 60): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: dims(version) },
      Period: period,
      Stat: stat,
    },
  };
}

function model(clock: FakeClock, overrides: Partial<MetricsModelOptions> = {}): MetricsModel {
  return new MetricsModel({
    seed: 7,
    releaseAt: RELEASE,
    now: () => clock.now(),
    baseline: { version: '6', errorRate: 0.01 },
    canary: { version: '7', errorRate: 0.05 },
    requestsPerSecond: 10,
    ...overrides,
  });
}

async function read(m: MetricsModel, queries: MetricDataQuery[], from: number, to: number) {
  const out = await m.cloudwatch.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: new Date(from),
      EndTime: new Date(to),
    }),
  );
  return out.MetricDataResults!;
}

describe('MetricsModel', () => {
  it('stamps points with the period start, newest first, inside [StartTime, EndTime)', async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock);
    clock.advance(30 * MINUTE);
    const [result] = await read(m, [query('inv', 'Invocations', 'Sum', '6')], RELEASE - 10 * MINUTE, RELEASE);
    const stamps = result!.Timestamps!.map((t) => t.getTime());
    expect(stamps).toEqual(Array.from({ length: 10 }, (_, i) => RELEASE - (i + 1) * MINUTE));
    expect(result).toMatchObject({ Id: 'inv', Label: 'Invocations', StatusCode: 'Complete' });
    expect(result!.Values).toHaveLength(10);
  });

  it('has no point for a period without invocations: the canary before its first weight', async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock);
    clock.advance(2 * MINUTE);
    m.setWeight(10);
    clock.advance(20 * MINUTE);
    const [canary, baseline] = await read(
      m,
      [query('c', 'Invocations', 'Sum', '7'), query('b', 'Invocations', 'Sum', '6')],
      RELEASE - 30 * MINUTE,
      RELEASE + 10 * MINUTE,
    );
    const first = Math.min(...canary!.Timestamps!.map((t) => t.getTime()));
    expect(first).toBe(RELEASE + 2 * MINUTE);
    expect(canary!.Values!.every((v) => v > 0)).toBe(true);
    expect(baseline!.Timestamps).toHaveLength(40);
  });

  it('delivers each point late: none 19 s after its period, all three minutes after', async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock);
    const q = [query('inv', 'Invocations', 'Sum', '6')];
    clock.advance(MINUTE + 19_000);
    expect((await read(m, q, RELEASE, RELEASE + MINUTE))[0]!.Values).toEqual([]);
    clock.advance(3 * MINUTE);
    expect((await read(m, q, RELEASE, RELEASE + MINUTE))[0]!.Values).toHaveLength(1);
  });

  it('makes some points later than others, each on its own delay', async () => {
    // Most arrive 20-100 s after their period, one in ten up to 3 minutes: visible 50 s after
    // the period in about a third of the seeds, 120 s after in about 92%.
    const visibleAfter = async (seed: number, ms: number) => {
      const clock = new FakeClock(RELEASE);
      const m = model(clock, { seed });
      clock.advance(MINUTE + ms);
      return (await read(m, [query('inv', 'Invocations', 'Sum', '6')], RELEASE, RELEASE + MINUTE))[0]!.Values!
        .length;
    };
    const share = async (ms: number) => {
      let seen = 0;
      for (let seed = 0; seed < 400; seed++) seen += await visibleAfter(seed, ms);
      return seen / 400;
    };
    expect(Math.abs((await share(50_000)) - 0.3375)).toBeLessThan(0.1);
    expect(Math.abs((await share(120_000)) - 0.925)).toBeLessThan(0.05);
  });

  it('splits traffic by the weight over time and counts Poisson errors per version', async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock, { requestsPerSecond: 100 });
    m.setWeight(10);
    clock.advance(40 * MINUTE);
    const window = [RELEASE, RELEASE + 30 * MINUTE] as const;
    const results = await read(
      m,
      [
        query('ci', 'Invocations', 'Sum', '7'),
        query('ce', 'Errors', 'Sum', '7'),
        query('bi', 'Invocations', 'Sum', '6'),
        query('be', 'Errors', 'Sum', '6'),
        query('ai', 'Invocations', 'Sum'),
      ],
      ...window,
    );
    const total = (i: number) => results[i]!.Values!.reduce((a, b) => a + b, 0);
    // 30 minutes at 100/s: 180,000 requests, 10% on the canary. Bounds are 5 sd.
    expect(Math.abs(total(0) - 18_000)).toBeLessThan(670);
    expect(Math.abs(total(2) - 162_000)).toBeLessThan(2010);
    expect(Math.abs(total(1) - 900)).toBeLessThan(150);
    expect(Math.abs(total(3) - 1620)).toBeLessThan(200);
    expect(total(4)).toBe(total(0) + total(2));
  });

  it('aggregates into the query period: a 5-minute Sum is the sum of its minutes', async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock);
    clock.advance(20 * MINUTE);
    const [minutes, fives, avg] = await read(
      m,
      [
        query('m', 'Errors', 'Sum', '6'),
        query('f', 'Errors', 'Sum', '6', 300),
        query('d', 'Duration', 'Average', '6', 300),
      ],
      RELEASE - 15 * MINUTE,
      RELEASE,
    );
    expect(fives!.Values).toHaveLength(3);
    expect(fives!.Values!.reduce((a, b) => a + b, 0)).toBe(minutes!.Values!.reduce((a, b) => a + b, 0));
    // Lognormal, median 50 ms, sigma 0.5: mean 56.7 ms.
    for (const v of avg!.Values!) expect(Math.abs(v - 56.66)).toBeLessThan(3);
  });

  it('is reproducible from its seed', async () => {
    const run = async (seed: number) => {
      const clock = new FakeClock(RELEASE);
      const m = model(clock, { seed });
      clock.advance(10 * MINUTE);
      return (await read(m, [query('e', 'Errors', 'Sum', '6')], RELEASE - 60 * MINUTE, RELEASE))[0]!.Values;
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });

  it('answers nothing for dimensions it does not hold, and refuses other commands', async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock);
    clock.advance(10 * MINUTE);
    const [other] = await read(m, [query('x', 'Invocations', 'Sum', '5')], RELEASE - 5 * MINUTE, RELEASE);
    expect(other!.Values).toEqual([]);
    await expect(m.cloudwatch.send(new DescribeAlarmsCommand({}) as never)).rejects.toThrow(
      /GetMetricData only/,
    );
  });

  it('counts its GetMetricData calls and queries', async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock);
    await read(
      m,
      [query('a', 'Errors', 'Sum', '6'), query('b', 'Errors', 'Sum', '7')],
      RELEASE - MINUTE,
      RELEASE,
    );
    await read(m, [query('a', 'Errors', 'Sum', '6')], RELEASE - MINUTE, RELEASE);
    expect(m.counters).toEqual({ getMetricDataCalls: 2, queries: 3 });
  });
});

describe('poisson', () => {
  it.each([3, 40, 5000])('has mean and variance %d', (mean) => {
    const rng = new Rng(11);
    const n = 20_000;
    const draws = Array.from({ length: n }, () => poisson(rng, mean));
    const avg = draws.reduce((a, b) => a + b, 0) / n;
    const variance = draws.reduce((a, b) => a + (b - avg) ** 2, 0) / (n - 1);
    // Standard error of the mean is sqrt(mean/n); of the variance about mean*sqrt(2/n).
    expect(Math.abs(avg - mean)).toBeLessThan(5 * Math.sqrt(mean / n));
    expect(Math.abs(variance - mean)).toBeLessThan(6 * mean * Math.sqrt(2 / n) + 0.05 * mean);
  });
});

describe('modelTarget', () => {
  it('moves the model weight on setWeight, promote and rollback', async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock);
    const target = modelTarget(m);
    await target.setWeight(10, { index: 0, count: 1 }, new AbortController().signal);
    clock.advance(MINUTE);
    await target.rollback('bad');
    clock.advance(MINUTE);
    await target.promote();
    expect([
      m.weightAt(RELEASE - 1),
      m.weightAt(RELEASE),
      m.weightAt(RELEASE + MINUTE),
      m.weightAt(RELEASE + 2 * MINUTE),
    ]).toEqual([0, 10, 0, 100]);
  });
});

describe('combinedCloudWatch', () => {
  it('answers one call from the model of each function it names, counted once', async () => {
    const clock = new FakeClock(RELEASE);
    const quiet = model(clock, { functionName: 'quiet', requestsPerSecond: 0 });
    const busy = model(clock, { functionName: 'busy' });
    clock.advance(10 * MINUTE);
    const { cloudwatch, counters } = combinedCloudWatch([quiet, busy]);
    const on = (fn: string): MetricDataQuery => ({
      Id: fn,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: 'Invocations',
          Dimensions: [
            { Name: 'FunctionName', Value: fn },
            { Name: 'Resource', Value: `${fn}:live` },
          ],
        },
        Period: 60,
        Stat: 'Sum',
      },
    });
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [on('quiet'), on('busy')],
        StartTime: new Date(RELEASE - 5 * MINUTE),
        EndTime: new Date(RELEASE),
      }),
    );
    expect(out.MetricDataResults!.map((r) => [r.Id, r.Values!.length])).toEqual([
      ['quiet', 0],
      ['busy', 5],
    ]);
    expect(counters).toEqual({ getMetricDataCalls: 1, queries: 2 });
  });
});

describe('Duration percentiles', () => {
  it("give the version's lognormal quantile", async () => {
    const clock = new FakeClock(RELEASE);
    const m = model(clock);
    clock.advance(10 * MINUTE);
    const [p50, p99] = await read(
      m,
      [query('a', 'Duration', 'p50', '6'), query('b', 'Duration', 'p99', '6')],
      RELEASE - 2 * MINUTE,
      RELEASE,
    );
    // Median 50 ms; p99 is 50·e^(0.5·2.326) = 160 ms.
    expect(p50!.Values!.map((v) => Math.round(v))).toEqual([50, 50]);
    expect(p99!.Values!.map((v) => Math.round(v))).toEqual([160, 160]);
  });
});
