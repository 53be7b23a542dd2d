import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { AlarmGate, missingAlarmsProblem } from '../../src/gates/alarms.js';
import { FakeClock } from '../support/fake-clock.js';

const cw = mockClient(CloudWatchClient);
const signal = new AbortController().signal;

function metricAlarm(
  name: string,
  state: string,
  reason = `${name} reason`,
  transitioned = '2026-11-22T11:00:00Z',
  updated = transitioned,
) {
  return {
    AlarmName: name,
    StateValue: state,
    StateReason: reason,
    StateTransitionedTimestamp: new Date(transitioned),
    StateUpdatedTimestamp: new Date(updated),
  };
}

/** Answers DescribeAlarms from a table, as CloudWatch does: only the names asked for. */
function alarmsTable(
  table: Record<
    string,
    { state: string; composite?: boolean; reason?: string; transitioned?: string; updated?: string }
  >,
) {
  cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => {
    const names = input.AlarmNames ?? [];
    const rows = names.filter((n) => table[n]).map((n) => ({ name: n, ...table[n]! }));
    return {
      MetricAlarms: rows
        .filter((r) => !r.composite)
        .map((r) => metricAlarm(r.name, r.state, r.reason, r.transitioned, r.updated)),
      CompositeAlarms: rows
        .filter((r) => r.composite)
        .map((r) => metricAlarm(r.name, r.state, r.reason, r.transitioned, r.updated)),
    };
  });
}

const gateFor = (names: string[]) =>
  new AlarmGate(new CloudWatchClient({ region: 'us-east-1' }), names, 'us-east-1', new FakeClock());

beforeEach(() => cw.reset());

describe('AlarmGate', () => {
  it('reads 250 alarms in three DescribeAlarms calls of at most 100 names, both alarm types', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `alarm-${i}`);
    alarmsTable(Object.fromEntries(names.map((n) => [n, { state: 'OK' }])));
    const reading = await gateFor(names).read(signal);
    expect(reading.status).toBe('pass');
    expect(reading.summary).toBe('250 alarm(s): 250 OK');
    const calls = cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.AlarmNames?.length)).toEqual([100, 100, 50]);
    expect(
      calls.every((c) => c.AlarmTypes?.includes('CompositeAlarm') && c.AlarmTypes.includes('MetricAlarm')),
    ).toBe(true);
  });

  it('fails when any alarm, composite included, is in ALARM, quoting its reason', async () => {
    alarmsTable({
      errors: { state: 'OK' },
      health: { state: 'ALARM', composite: true, reason: 'ALARM("errors-canary") is true' },
    });
    const reading = await gateFor(['errors', 'health']).read(signal);
    expect(reading.status).toBe('fail');
    expect(reading.summary).toBe('health is ALARM: ALARM("errors-canary") is true');
  });

  it('preflight lists every missing alarm', async () => {
    alarmsTable({ errors: { state: 'OK' } });
    await expect(gateFor(['errors', 'typo-1', 'typo-2']).preflight(false)).rejects.toThrow(
      'Input "alarms": 2 alarm(s) not found in us-east-1: "typo-1", "typo-2".',
    );
  });

  it('preflight refuses an alarm already firing unless told to ignore it', async () => {
    alarmsTable({ errors: { state: 'ALARM', reason: 'Threshold Crossed' }, latency: { state: 'OK' } });
    await expect(gateFor(['errors', 'latency']).preflight(false)).rejects.toThrow(
      /already in ALARM before the release: "errors" \(Threshold Crossed\).*ignore-firing-alarms: true/,
    );
  });

  it('ignores an alarm that was firing at the start until it changes state', async () => {
    const table: Parameters<typeof alarmsTable>[0] = {
      errors: { state: 'ALARM', transitioned: '2026-11-22T11:00:00Z' },
      latency: { state: 'OK' },
    };
    alarmsTable(table);
    const gate = gateFor(['errors', 'latency']);
    await gate.preflight(true);
    expect((await gate.read(signal)).status).toBe('pass');
    // Re-evaluated, still in ALARM: StateUpdatedTimestamp moves, the transition does not.
    table.errors = { state: 'ALARM', transitioned: '2026-11-22T11:00:00Z', updated: '2026-11-22T11:03:00Z' };
    expect((await gate.read(signal)).status).toBe('pass');
    table.errors = { state: 'OK', transitioned: '2026-11-22T11:05:00Z' };
    expect((await gate.read(signal)).status).toBe('pass');
    table.errors = { state: 'ALARM', transitioned: '2026-11-22T11:06:00Z' };
    expect((await gate.read(signal)).status).toBe('fail');
  });

  it('reports an alarm deleted during the release as unreadable, not as healthy', async () => {
    alarmsTable({ errors: { state: 'OK' } });
    const reading = await gateFor(['errors', 'gone']).read(signal);
    expect(reading.status).toBe('error');
    expect(reading.summary).toContain('gone');
  });
});

describe('missingAlarmsProblem', () => {
  const cloudwatch = () => new CloudWatchClient({ region: 'us-east-1' });
  /** The account's alarms: looked up by name, or listed page by page (two a page) when no names are given. */
  function account(metric: string[], composite: string[] = []) {
    const all = [
      ...metric.map((n) => ({ n, composite: false })),
      ...composite.map((n) => ({ n, composite: true })),
    ];
    cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[]; NextToken?: string }) => {
      const start = Number(input.NextToken ?? 0);
      const rows = input.AlarmNames
        ? all.filter((a) => input.AlarmNames!.includes(a.n))
        : all.slice(start, start + 2);
      const next = !input.AlarmNames && start + 2 < all.length ? String(start + 2) : undefined;
      return {
        MetricAlarms: rows.filter((r) => !r.composite).map((r) => metricAlarm(r.n, 'OK')),
        CompositeAlarms: rows.filter((r) => r.composite).map((r) => metricAlarm(r.n, 'OK')),
        NextToken: next,
      };
    });
  }

  it('finds nothing to say when every alarm exists, and lists nothing then', async () => {
    account(['orders-errors']);
    expect(await missingAlarmsProblem(cloudwatch(), ['orders-errors'], 'us-east-1')).toBeUndefined();
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
  });

  it('suggests the nearest existing alarm for a typo, composite alarms and later pages included', async () => {
    account(['a', 'b', 'orders-errors'], ['orders-health']);
    expect(
      await missingAlarmsProblem(cloudwatch(), ['orders-erors', 'Orders-Health', 'zzz'], 'us-east-1'),
    ).toBe(
      'Input "alarms": 3 alarm(s) not found in us-east-1: "orders-erors" (did you mean "orders-errors"?), "Orders-Health" (did you mean "orders-health"?), "zzz". ' +
        'Check the names (they are case-sensitive) and the region; both metric and composite alarms are looked up.',
    );
  });

  it('explains the dash of a YAML list written into the input', async () => {
    account(['orders-errors']);
    const problem = await missingAlarmsProblem(
      cloudwatch(),
      ['- orders-errors', '- orders-latency'],
      'us-east-1',
    );
    expect(problem).toContain(
      '"- orders-errors" (a YAML list item? the input is one string: one name a line or comma-separated, without YAML\'s "- "; did you mean "orders-errors"?)',
    );
    expect(problem).toContain('"- orders-latency" (a YAML list item? the input is one string');
  });

  it('still lists the missing alarms when the listing for suggestions fails', async () => {
    cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => {
      if (input.AlarmNames) return { MetricAlarms: [], CompositeAlarms: [] };
      throw Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      });
    });
    expect(await missingAlarmsProblem(cloudwatch(), ['orders-erors'], 'us-east-1')).toBe(
      'Input "alarms": 1 alarm(s) not found in us-east-1: "orders-erors". ' +
        'Check the names (they are case-sensitive) and the region; both metric and composite alarms are looked up.',
    );
  });

  it('lists at most ten pages of alarms for its suggestions', async () => {
    account(Array.from({ length: 50 }, (_, i) => `alarm-${i}`));
    await missingAlarmsProblem(cloudwatch(), ['nope'], 'us-east-1');
    const listings = cw.commandCalls(DescribeAlarmsCommand).filter((c) => !c.args[0].input.AlarmNames);
    expect(listings).toHaveLength(10);
    expect(listings[0]!.args[0].input.AlarmTypes).toEqual(['MetricAlarm', 'CompositeAlarm']);
  });
});
