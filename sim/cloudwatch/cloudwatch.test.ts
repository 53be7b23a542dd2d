import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { rejection, sleep, testCloud, waitFor, type TestCloud } from '../testing.js';

let t: TestCloud;

beforeAll(async () => {
  t = await testCloud({ metricPeriodSeconds: 1 });
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.control.reset({ metricPeriodSeconds: 1 });
});

const dims = (o: Record<string, string>) => Object.entries(o).map(([Name, Value]) => ({ Name, Value }));

describe('GetMetricData', () => {
  it('answers statistics, percentiles and metric math, newest first, missing periods absent', async () => {
    const base = Math.floor(Date.now() / 60000) * 60000 - 10 * 60000;
    const at = (minute: number) => new Date(base + minute * 60000);
    await t.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          {
            MetricName: 'Calls',
            Dimensions: dims({ Fn: 'a' }),
            Timestamp: at(0),
            Values: [1, 2, 3, 4],
            Counts: [1, 1, 1, 1],
          },
          { MetricName: 'Calls', Dimensions: dims({ Fn: 'a' }), Timestamp: at(2), Value: 10 },
          { MetricName: 'Fails', Dimensions: dims({ Fn: 'a' }), Timestamp: at(0), Value: 2 },
          { MetricName: 'Calls', Dimensions: dims({ Fn: 'a', Extra: 'x' }), Timestamp: at(0), Value: 1000 },
        ],
      }),
    );
    const metric = (MetricName: string) => ({ Namespace: 'Shop', MetricName, Dimensions: dims({ Fn: 'a' }) });
    const r = await t.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(3),
        MetricDataQueries: [
          { Id: 'sum', MetricStat: { Metric: metric('Calls'), Period: 60, Stat: 'Sum' } },
          { Id: 'avg', MetricStat: { Metric: metric('Calls'), Period: 60, Stat: 'Average' }, Label: 'mean' },
          { Id: 'n', MetricStat: { Metric: metric('Calls'), Period: 60, Stat: 'SampleCount' } },
          { Id: 'hi', MetricStat: { Metric: metric('Calls'), Period: 60, Stat: 'Maximum' } },
          { Id: 'p50', MetricStat: { Metric: metric('Calls'), Period: 60, Stat: 'p50' } },
          {
            Id: 'fails',
            MetricStat: { Metric: metric('Fails'), Period: 60, Stat: 'Sum' },
            ReturnData: false,
          },
          { Id: 'rate', Expression: 'FILL(fails, 0) / sum * 100' },
        ],
      }),
    );
    const byId = Object.fromEntries((r.MetricDataResults ?? []).map((x) => [x.Id, x]));
    expect(Object.keys(byId).sort()).toEqual(['avg', 'hi', 'n', 'p50', 'rate', 'sum']);
    expect(byId['sum']?.Timestamps).toEqual([at(2), at(0)]);
    expect(byId['sum']?.Values).toEqual([10, 10]);
    expect(byId['sum']?.StatusCode).toBe('Complete');
    expect(byId['sum']?.Label).toBe('Calls');
    expect(byId['avg']?.Label).toBe('mean');
    expect(byId['avg']?.Values).toEqual([10, 2.5]);
    expect(byId['n']?.Values).toEqual([1, 4]);
    expect(byId['hi']?.Values).toEqual([10, 4]);
    expect(byId['p50']?.Values).toEqual([10, 2]);
    expect(byId['rate']?.Timestamps).toEqual([at(2), at(0)]);
    expect(byId['rate']?.Values).toEqual([0, 20]);

    const asc = await t.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(3),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [{ Id: 'sum', MetricStat: { Metric: metric('Calls'), Period: 120, Stat: 'Sum' } }],
      }),
    );
    expect(asc.MetricDataResults?.[0]?.Timestamps).toEqual([at(0), at(2)]);
  });

  it('refuses bad ids and unknown references', async () => {
    const now = new Date();
    const e = await rejection(
      t.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now.getTime() - 60000),
          EndTime: now,
          MetricDataQueries: [{ Id: 'Bad', Expression: '1' }],
        }),
      ),
    );
    expect(e).toMatchObject({ name: 'ValidationException', status: 400 });
    const e2 = await rejection(
      t.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now.getTime() - 60000),
          EndTime: now,
          MetricDataQueries: [{ Id: 'e1', Expression: 'FILL(nope, 0)' }],
        }),
      ),
    );
    expect(e2).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  it('refuses PutMetricData into AWS/ namespaces', async () => {
    const e = await rejection(
      t.cloudwatch.send(
        new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'x', Value: 1 }] }),
      ),
    );
    expect(e).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
  });
});

describe('traffic and alarms that evaluate themselves', () => {
  const scenario = {
    metricPeriodSeconds: 1,
    functions: [
      {
        name: 'orders',
        versions: [
          { version: '1', code: 'v1', errorRate: 0 },
          { version: '2', code: 'v2', errorRate: 0.5 },
        ],
        aliases: [{ name: 'live', version: '1', weights: { '2': 0.5 } }],
      },
    ],
    alarms: [
      {
        AlarmName: 'orders-errors',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: dims({ FunctionName: 'orders', Resource: 'orders:live' }),
        Statistic: 'Sum',
        Period: 1,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      },
    ],
    traffic: [{ function: 'orders', alias: 'live', rate: 40 }],
  };

  it('produces AWS/Lambda metrics per ExecutedVersion and goes to ALARM from bad traffic', async () => {
    await t.control.loadScenario(scenario);
    const fresh = await t.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-errors'] }));
    expect(fresh.MetricAlarms?.[0]?.StateValue).toBe('INSUFFICIENT_DATA');

    const alarm = await waitFor(async () => {
      const r = await t.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-errors'] }));
      const a = r.MetricAlarms?.[0];
      return a?.StateValue === 'ALARM' ? a : undefined;
    }, 5000);
    expect(alarm.StateReason).toMatch(
      /^Threshold Crossed: 1 datapoint \[\d+\.\d+ \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(0\.0\)\.$/,
    );
    expect(alarm.AlarmArn).toBe('arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-errors');
    expect(alarm.StateUpdatedTimestamp).toBeInstanceOf(Date);

    const now = Date.now();
    const q = (id: string, metric: string, extra: Record<string, string>) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: dims({ FunctionName: 'orders', ...extra }),
        },
        Period: 1,
        Stat: 'Sum',
      },
    });
    const r = await t.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 10000),
        EndTime: new Date(now),
        MetricDataQueries: [
          q('v1', 'Invocations', { Resource: 'orders:live', ExecutedVersion: '1' }),
          q('v2', 'Invocations', { Resource: 'orders:live', ExecutedVersion: '2' }),
          q('e1', 'Errors', { Resource: 'orders:live', ExecutedVersion: '1' }),
          q('all', 'Invocations', { Resource: 'orders:live' }),
          q('fn', 'Invocations', {}),
          q('notversion', 'Invocations', { Resource: 'orders:2' }),
        ],
      }),
    );
    const sum = (id: string) =>
      (r.MetricDataResults?.find((x) => x.Id === id)?.Values ?? []).reduce((a, b) => a + b, 0);
    expect(sum('v1')).toBeGreaterThan(0);
    expect(sum('v2')).toBeGreaterThan(0);
    expect(sum('e1')).toBe(0);
    expect(sum('all')).toBe(sum('v1') + sum('v2'));
    expect(sum('fn')).toBe(sum('all'));
    expect(sum('notversion')).toBe(0);

    // Roll back: the traffic follows the alias, errors stop, the alarm returns to OK.
    await t.lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'orders',
        Name: 'live',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    );
    await waitFor(async () => (await t.control.alarm('orders-errors')).StateValue === 'OK', 5000);
  });

  it('has no data points when there is no traffic', async () => {
    await t.control.loadScenario({ ...scenario, traffic: [] });
    await sleep(1200);
    const now = Date.now();
    const r = await t.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 10000),
        EndTime: new Date(now),
        MetricDataQueries: [
          {
            Id: 'inv',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Invocations',
                Dimensions: dims({ FunctionName: 'orders' }),
              },
              Period: 1,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(r.MetricDataResults?.[0]?.Values).toEqual([]);
    // notBreaching: no data is OK.
    expect((await t.control.alarm('orders-errors')).StateValue).toBe('OK');
  });

  it('publishes Errors as 0, not as no data, in every period with calls and no errors, on all three dimension sets', async () => {
    // Version 1 never fails: its Errors must still be there, as zeros, beside its Invocations
    // (the analysis tells "no errors" from "no figure").
    await t.control.loadScenario(scenario);
    await waitFor(async () => (await t.control.traffic())[0]!.invocations >= 100, 5000);
    await t.control.stopTraffic();
    const now = Date.now();
    const series = (
      [{ Resource: 'orders:live', ExecutedVersion: '1' }, { Resource: 'orders:live' }, {}] as Record<
        string,
        string
      >[]
    ).flatMap((extra, i) =>
      ['Invocations', 'Errors'].map((metric) => ({
        Id: `${metric.toLowerCase()}${i}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: dims({ FunctionName: 'orders', ...extra }),
          },
          Period: 1,
          Stat: 'Sum',
        },
      })),
    );
    const r = await t.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 20_000),
        EndTime: new Date(now + 1000),
        MetricDataQueries: series,
      }),
    );
    const result = (id: string) => r.MetricDataResults!.find((x) => x.Id === id)!;
    // Version 1 alone: every period with calls has an Errors figure, and it is 0.
    const calls = result('invocations0');
    expect(calls.Values!.length).toBeGreaterThan(0);
    expect(result('errors0').Timestamps).toEqual(calls.Timestamps);
    expect(result('errors0').Values).toEqual(calls.Values!.map(() => 0));
    // Alias-wide and function-wide: a figure in every period with calls (version 2 fails half).
    for (const i of [1, 2]) {
      expect(result(`errors${i}`).Timestamps).toEqual(result(`invocations${i}`).Timestamps);
    }
  });

  it('supports traffic changes through the control API', async () => {
    await t.control.loadScenario({ ...scenario, traffic: [] });
    const view = await t.control.setTraffic({
      function: 'orders',
      alias: 'live',
      rate: 50,
      versions: { '2': { errorRate: 0 } },
    });
    expect(view).toEqual([expect.objectContaining({ key: 'lambda:orders:live', rate: 50 })]);
    await sleep(500);
    const [stream] = await t.control.traffic();
    expect(stream?.invocations).toBeGreaterThan(10);
    await t.control.setTraffic({ function: 'orders', alias: 'live', rate: 0 });
    expect(await t.control.traffic()).toEqual([]);
  });
});

describe('alarm API', () => {
  const put = (name: string, extra: Record<string, unknown> = {}) =>
    t.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'Shop',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        ...extra,
      }),
    );

  it('returns composite alarms only when AlarmTypes asks for them', async () => {
    await put('a');
    await put('b');
    await t.cloudwatch.send(
      new PutCompositeAlarmCommand({ AlarmName: 'both', AlarmRule: 'ALARM("a") OR ALARM(b)' }),
    );
    const names = [...Array.from({ length: 100 }, (_, i) => `missing-${i}`).slice(0, 97), 'a', 'b', 'both'];
    const plain = await t.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    expect(plain.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['a', 'b']);
    expect(plain.CompositeAlarms ?? []).toEqual([]);
    const all = await t.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    expect(all.CompositeAlarms?.map((a) => [a.AlarmName, a.AlarmRule])).toEqual([
      ['both', 'ALARM("a") OR ALARM(b)'],
    ]);
    expect(all.CompositeAlarms?.[0]?.StateValue).toBe('OK');

    await t.cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'b', StateValue: 'ALARM', StateReason: 'test' }),
    );
    const after = await t.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['b', 'both'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    expect(after.MetricAlarms?.[0]).toMatchObject({ StateValue: 'ALARM', StateReason: 'test' });
    expect(after.CompositeAlarms?.[0]?.StateValue).toBe('ALARM');
    expect(after.CompositeAlarms?.[0]?.StateReason).toContain('alarm:b transitioned to ALARM');
  });

  it('refuses composite rules that name missing alarms, and more than 100 names', async () => {
    expect(
      await rejection(
        t.cloudwatch.send(new PutCompositeAlarmCommand({ AlarmName: 'c', AlarmRule: 'ALARM(nope)' })),
      ),
    ).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(
      await rejection(
        t.cloudwatch.send(
          new DescribeAlarmsCommand({ AlarmNames: Array.from({ length: 101 }, (_, i) => `a${i}`) }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  it('evaluates metric math alarms, missing data treatments and deletes', async () => {
    await t.control.putMetrics([
      { namespace: 'Shop', metricName: 'Errors', value: 3 },
      { namespace: 'Shop', metricName: 'Calls', value: 10 },
    ]);
    await t.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'rate',
        Metrics: [
          {
            Id: 'e',
            MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Errors' }, Period: 1, Stat: 'Sum' },
            ReturnData: false,
          },
          {
            Id: 'c',
            MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Calls' }, Period: 1, Stat: 'Sum' },
            ReturnData: false,
          },
          { Id: 'r', Expression: 'e / c', ReturnData: true },
        ],
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        Threshold: 0.2,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const quiet = { Period: 1, MetricName: 'Quiet' };
    await put('missing', { ...quiet, TreatMissingData: 'missing' });
    await put('breaching', { ...quiet, TreatMissingData: 'breaching' });
    await put('ignore', { ...quiet, TreatMissingData: 'ignore' });
    await sleep(1200);
    await t.control.evaluateAlarms();
    const states = Object.fromEntries((await t.control.alarms()).map((a) => [a.AlarmName, a.StateValue]));
    expect(states).toEqual({
      rate: 'ALARM',
      missing: 'INSUFFICIENT_DATA',
      breaching: 'ALARM',
      ignore: 'INSUFFICIENT_DATA',
    });
    expect((await t.control.alarm('rate')).StateReason).toContain('1 out of the last 2 datapoints [0.3 (');

    await t.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: ['missing'] }));
    expect((await t.control.alarms()).map((a) => a.AlarmName)).not.toContain('missing');
  });

  it('lets the control API freeze a forced state', async () => {
    await put('x', { Period: 1, TreatMissingData: 'notBreaching' });
    await t.control.setAlarmState('x', 'ALARM', 'forced', true);
    await sleep(1300);
    expect(await t.control.alarm('x')).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'forced',
      Frozen: true,
    });
    await t.control.unfreezeAlarm('x');
    await waitFor(async () => (await t.control.alarm('x')).StateValue === 'OK', 3000);
  });
});
