// The alarm gate: one DescribeAlarms per poll for all named alarms (100 names a call), metric
// and composite alike; any alarm in ALARM fails the gate.
import { DescribeAlarmsCommand, type CloudWatchClient, type StateValue } from '@aws-sdk/client-cloudwatch';
import { awsCall } from '../aws/errors.js';
import type { Clock, Gate, GateReading } from '../engine/types.js';
import { nearest } from '../suggest.js';

export interface AlarmStatus {
  name: string;
  type: 'metric' | 'composite';
  state: StateValue | string;
  reason: string;
  /** When the alarm last changed state (StateTransitionedTimestamp; StateUpdatedTimestamp also moves on mere re-evaluations). */
  changedAt?: string;
}

const BATCH = 100;

export async function describeAlarms(
  cloudwatch: CloudWatchClient,
  names: string[],
  region: string,
  signal?: AbortSignal,
): Promise<Map<string, AlarmStatus>> {
  const found = new Map<string, AlarmStatus>();
  for (let i = 0; i < names.length; i += BATCH) {
    const batch = names.slice(i, i + BATCH);
    let nextToken: string | undefined;
    do {
      const page = await awsCall(
        {
          doing: `read the state of alarms ${batch.join(', ')}`,
          iamAction: 'cloudwatch:DescribeAlarms',
          region,
        },
        () =>
          cloudwatch.send(
            new DescribeAlarmsCommand({
              AlarmNames: batch,
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              MaxRecords: BATCH,
              NextToken: nextToken,
            }),
            { abortSignal: signal },
          ),
      );
      for (const a of page.MetricAlarms ?? []) {
        if (!a.AlarmName) continue;
        found.set(a.AlarmName, status(a.AlarmName, 'metric', a));
      }
      for (const a of page.CompositeAlarms ?? []) {
        if (!a.AlarmName) continue;
        found.set(a.AlarmName, status(a.AlarmName, 'composite', a));
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return found;
}

/** Pages of 100 alarm names read, at most, to suggest a name for a typo. */
const SUGGESTION_PAGES = 10;

/**
 * The input problem of alarms that do not exist, each with a hint: a YAML list item's "- ", or
 * the existing alarm (metric or composite) nearest to a typo. Undefined when all exist.
 */
export async function missingAlarmsProblem(
  cloudwatch: CloudWatchClient,
  names: string[],
  region: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const found = await describeAlarms(cloudwatch, names, region, signal);
  const missing = names.filter((n) => !found.has(n));
  if (missing.length === 0) return undefined;
  // The listing only feeds "did you mean": denied or throttled, the missing alarms still stand.
  const existing = await listAlarmNames(cloudwatch, region, signal).catch((): string[] => []);
  const described = missing.map((name) => `"${name}"${missingAlarmHint(name, existing)}`);
  return (
    `Input "alarms": ${missing.length} alarm(s) not found in ${region}: ${described.join(', ')}. ` +
    'Check the names (they are case-sensitive) and the region; both metric and composite alarms are looked up.'
  );
}

function missingAlarmHint(name: string, existing: string[]): string {
  const dash = /^-\s+(.*)$/.exec(name);
  const meant = dash?.[1] ?? name;
  const close = existing.includes(meant)
    ? meant
    : nearest(meant, existing, Math.max(2, Math.floor(meant.length / 4)));
  const suggestion = close ? `did you mean "${close}"?` : '';
  if (dash) {
    const yaml =
      'a YAML list item? the input is one string: one name a line or comma-separated, without YAML\'s "- "';
    return ` (${yaml}${suggestion ? `; ${suggestion}` : ''})`;
  }
  return suggestion ? ` (${suggestion})` : '';
}

/** The names of the region's alarms, metric and composite, up to SUGGESTION_PAGES pages. */
async function listAlarmNames(
  cloudwatch: CloudWatchClient,
  region: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < SUGGESTION_PAGES && (page === 0 || nextToken); page++) {
    const answer = await awsCall(
      { doing: 'list the alarms, to suggest a name', iamAction: 'cloudwatch:DescribeAlarms', region },
      () =>
        cloudwatch.send(
          new DescribeAlarmsCommand({
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: BATCH,
            NextToken: nextToken,
          }),
          { abortSignal: signal },
        ),
    );
    for (const a of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
      if (a.AlarmName) names.push(a.AlarmName);
    }
    nextToken = answer.NextToken;
  }
  return names;
}

function status(
  name: string,
  type: AlarmStatus['type'],
  a: {
    StateValue?: string;
    StateReason?: string;
    StateUpdatedTimestamp?: Date;
    StateTransitionedTimestamp?: Date;
  },
): AlarmStatus {
  return {
    name,
    type,
    state: a.StateValue ?? 'INSUFFICIENT_DATA',
    reason: a.StateReason ?? '',
    changedAt: (a.StateTransitionedTimestamp ?? a.StateUpdatedTimestamp)?.toISOString(),
  };
}

export class AlarmGate implements Gate {
  readonly name = 'alarms';
  /** Alarms firing before the start that the user let through: ignored until their state changes. */
  private readonly ignored = new Map<string, string | undefined>();

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    readonly alarmNames: string[],
    private readonly region: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Before any change: every alarm must exist, and none may be firing unless `ignoreFiring`.
   * Returns the statuses read, for the report.
   */
  async preflight(ignoreFiring: boolean, signal?: AbortSignal): Promise<AlarmStatus[]> {
    const found = await describeAlarms(this.cloudwatch, this.alarmNames, this.region, signal);
    const missing = this.alarmNames.filter((n) => !found.has(n));
    if (missing.length > 0) {
      throw new Error(
        `Input "alarms": ${missing.length} alarm(s) not found in ${this.region}: ${missing.map((n) => `"${n}"`).join(', ')}. ` +
          'Check the names (they are case-sensitive) and the region; both metric and composite alarms are looked up.',
      );
    }
    const firing = [...found.values()].filter((a) => a.state === 'ALARM');
    if (firing.length > 0 && !ignoreFiring) {
      throw new Error(
        `Alarm(s) already in ALARM before the release: ${firing.map((a) => `"${a.name}" (${a.reason})`).join('; ')}. ` +
          'Fix what they report first, or set "ignore-firing-alarms: true" to release anyway (a hotfix); ' +
          'those alarms are then ignored until they leave ALARM.',
      );
    }
    for (const a of firing) this.ignored.set(a.name, a.changedAt);
    return [...found.values()];
  }

  async read(signal: AbortSignal): Promise<GateReading> {
    const found = await describeAlarms(this.cloudwatch, this.alarmNames, this.region, signal);
    const alarms = this.alarmNames.map(
      (name) =>
        found.get(name) ?? {
          name,
          type: 'metric' as const,
          state: 'MISSING',
          reason: 'the alarm no longer exists',
        },
    );
    for (const [name, changedAt] of this.ignored) {
      const now = found.get(name);
      if (!now || now.state !== 'ALARM' || now.changedAt !== changedAt) this.ignored.delete(name);
    }
    const firing = alarms.filter((a) => a.state === 'ALARM' && !this.ignored.has(a.name));
    const at = this.clock.now();
    if (firing.length > 0) {
      const summary = firing.map((a) => `${a.name} is ALARM: ${a.reason}`).join('; ');
      return { gate: this.name, status: 'fail', summary, at, detail: { kind: 'alarms', alarms } };
    }
    const missing = alarms.filter((a) => a.state === 'MISSING');
    if (missing.length > 0) {
      return {
        gate: this.name,
        status: 'error',
        summary: `alarm(s) deleted during the release: ${missing.map((a) => a.name).join(', ')}`,
        at,
        detail: { kind: 'alarms', alarms },
      };
    }
    const counts = countBy(alarms.map((a) => a.state));
    const summary = Object.entries(counts)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
    return {
      gate: this.name,
      status: 'pass',
      summary: `${alarms.length} alarm(s): ${summary}`,
      at,
      detail: { kind: 'alarms', alarms },
    };
  }
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
