// Canary versus baseline from CloudWatch: one GetMetricData call for both versions, per
// ExecutedVersion on the alias, against the local cloud's CloudWatch.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { testCloud, type TestCloud } from '../../sim/testing.js';
import { chartPeriodSeconds, readCanaryMetrics } from '../../src/report/metrics.js';
import { aliasSubject } from '../../src/targets/lambda/subject.js';

let t: TestCloud;
let calls: string[];
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const M = 60_000;

/** The window main.ts reads for an alias release: the Lambda subject's queries for both versions. */
function aliasWindow(functionName: string, alias: string, baselineVersion: string, canaryVersion: string) {
  const sides = { previous: baselineVersion, target: canaryVersion };
  const queries = aliasSubject({ functionName, alias }, { region: 'us-east-1', sides }).metrics!;
  return { queries, region: 'us-east-1', baselineVersion, canaryVersion };
}

beforeAll(async () => {
  t = await testCloud();
  calls = [];
  t.cloudwatch.middlewareStack.add(
    (next, context) => (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
});
afterAll(() => t.close());

function lambdaMetrics(
  version: string,
  minute: number,
  invocations: number,
  errors: number,
  durations: number[],
) {
  const dimensions = { FunctionName: 'orders', Resource: 'orders:live', ExecutedVersion: version };
  const timestamp = new Date(T0 + minute * M + 5_000).toISOString();
  return [
    { namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions, value: invocations, timestamp },
    { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions, value: errors, timestamp },
    { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions, values: durations, timestamp },
  ];
}

describe('chartPeriodSeconds', () => {
  it.each([
    [10_000, 1],
    [90_000, 5],
    [170_000, 5],
    [5 * M, 60],
    [60 * M, 60],
    [90 * M, 120],
    [12 * 60 * M, 720],
  ])('a %d ms window gets %d s periods', (windowMs, seconds) => {
    expect(chartPeriodSeconds(windowMs)).toBe(seconds);
  });
});

describe('readCanaryMetrics', () => {
  it('reads both versions in one GetMetricData call, by ExecutedVersion on the alias, from the ARN too', async () => {
    await t.control.putMetrics([
      ...lambdaMetrics('6', 0, 900, 9, [10, 12, 14, 100]),
      ...lambdaMetrics('6', 1, 900, 0, [11, 13]),
      ...lambdaMetrics('7', 0, 100, 20, [20, 22, 300]),
      ...lambdaMetrics('7', 2, 100, 30, [21]),
      // Another alias's traffic on the same version must not count.
      {
        namespace: 'AWS/Lambda',
        metricName: 'Invocations',
        dimensions: { FunctionName: 'orders', Resource: 'orders:beta', ExecutedVersion: '7' },
        value: 5000,
        timestamp: new Date(T0).toISOString(),
      },
    ]);
    calls = [];
    const metrics = await readCanaryMetrics(t.cloudwatch, {
      ...aliasWindow('arn:aws:lambda:us-east-1:123456789012:function:orders', 'live', '6', '7'),
      startedAt: T0 + 20_000,
      endedAt: T0 + 5 * M + 20_000,
    });
    expect(calls).toEqual(['GetMetricDataCommand']);
    expect(metrics.periodSeconds).toBe(60);
    expect(metrics.baseline).toMatchObject({
      version: '6',
      invocations: 1800,
      errors: 9,
      errorRate: 0.005,
      p50Ms: 12,
      p99Ms: 100,
    });
    expect(metrics.canary).toMatchObject({
      version: '7',
      invocations: 200,
      errors: 50,
      errorRate: 0.25,
      p50Ms: 21,
      p99Ms: 300,
    });
    expect(metrics.canary.series).toEqual([
      { at: T0, invocations: 100, errors: 20 },
      { at: T0 + 2 * M, invocations: 100, errors: 30 },
    ]);
  });

  it('a version without traffic has no error rate rather than 0%', async () => {
    const metrics = await readCanaryMetrics(t.cloudwatch, {
      ...aliasWindow('quiet', 'live', '1', '2'),
      startedAt: T0,
      endedAt: T0 + M,
    });
    expect(metrics.canary).toEqual({
      version: '2',
      invocations: 0,
      errors: 0,
      errorRate: undefined,
      p50Ms: undefined,
      p99Ms: undefined,
      series: [],
    });
  });

  it('a failure says what it was reading, with a hint', async () => {
    const denied = new CloudWatchClient({ ...t.clientConfig, maxAttempts: 1 });
    await t.control.setFaults({ cloudwatch: { error5xx: 1 } });
    await expect(
      readCanaryMetrics(denied, {
        ...aliasWindow('orders', 'live', '6', '7'),
        startedAt: T0,
        endedAt: T0 + M,
      }),
    ).rejects.toThrow(/^Could not read the metrics of versions 6 and 7 on orders:live: .*server error/);
    await t.control.clearFaults();
    denied.destroy();
  });
});
