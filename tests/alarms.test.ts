import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { AlarmGate } from '../src/gates/alarms.js';
import { FakeClock } from './support/fake-clock.js';

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
