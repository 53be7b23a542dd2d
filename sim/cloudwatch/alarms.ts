/**
 * CloudWatch alarms: metric alarms (single metric or metric math) that evaluate themselves once
 * per period from the metric store, and composite alarms whose rule is evaluated whenever a
 * child changes. State reasons are worded the way CloudWatch words them.
 */
import { ApiError } from '../core/http.js';
import { MetricStore, runQueries, type Dimensions, type MetricDataQuery } from './metrics.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

interface AlarmBase {
  name: string;
  arn: string;
  description?: string;
  actionsEnabled: boolean;
  alarmActions: string[];
  okActions: string[];
  insufficientDataActions: string[];
  state: AlarmState;
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedMs: number;
  stateTransitionedMs: number;
  configUpdatedMs: number;
  /** When true the alarm keeps the state it was set to and does not evaluate (control API only). */
  frozen: boolean;
}

export interface MetricAlarm extends AlarmBase {
  kind: 'metric';
  namespace?: string;
  metricName?: string;
  dimensions: Dimensions;
  statistic?: string;
  extendedStatistic?: string;
  unit?: string;
  /** Seconds; for metric math alarms, the period of the returned query. */
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: ComparisonOperator;
  treatMissingData: TreatMissingData;
  metrics?: MetricDataQuery[];
  nextEvaluationMs: number;
}

export interface CompositeAlarm extends AlarmBase {
  kind: 'composite';
  rule: string;
  parsedRule: RuleNode;
}

export type Alarm = MetricAlarm | CompositeAlarm;

export const validation = (message: string): ApiError =>
  new ApiError(400, 'ValidationException', message, { queryCode: 'ValidationError' });

const COMPARISON_WORDS: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export function isComparison(v: string): v is ComparisonOperator {
  return Object.prototype.hasOwnProperty.call(COMPARISON_WORDS, v);
}

/** Small delay after a period closes before it is evaluated, so the last samples have landed. */
const EVALUATION_LAG_MS = 50;

export class AlarmStore {
  readonly alarms = new Map<string, Alarm>();

  constructor(
    private readonly metrics: MetricStore,
    private readonly arnPrefix: string,
  ) {}

  arn(name: string): string {
    return `${this.arnPrefix}:alarm:${name}`;
  }

  clear(): void {
    this.alarms.clear();
  }

  /** Creates or replaces a metric alarm; an existing alarm keeps its state. */
  putMetricAlarm(
    config: Omit<
      MetricAlarm,
      | 'kind'
      | 'arn'
      | 'state'
      | 'stateReason'
      | 'stateUpdatedMs'
      | 'stateTransitionedMs'
      | 'configUpdatedMs'
      | 'frozen'
      | 'nextEvaluationMs'
    >,
    now: number,
  ): MetricAlarm {
    const existing = this.alarms.get(config.name);
    if (existing && existing.kind !== 'metric') {
      throw validation(`The alarm ${config.name} already exists as a composite alarm.`);
    }
    const alarm: MetricAlarm = {
      ...config,
      kind: 'metric',
      arn: this.arn(config.name),
      state: existing?.state ?? 'INSUFFICIENT_DATA',
      stateReason: existing?.stateReason ?? 'Unchecked: Initial alarm creation',
      stateReasonData: existing?.stateReasonData,
      stateUpdatedMs: existing?.stateUpdatedMs ?? now,
      stateTransitionedMs: existing?.stateTransitionedMs ?? now,
      configUpdatedMs: now,
      frozen: existing?.frozen ?? false,
      nextEvaluationMs: nextBoundary(now, config.period),
    };
    this.alarms.set(alarm.name, alarm);
    this.evaluateComposites(now);
    return alarm;
  }

  putCompositeAlarm(
    config: Pick<
      CompositeAlarm,
      | 'name'
      | 'description'
      | 'actionsEnabled'
      | 'alarmActions'
      | 'okActions'
      | 'insufficientDataActions'
      | 'rule'
    >,
    now: number,
  ): CompositeAlarm {
    const existing = this.alarms.get(config.name);
    if (existing && existing.kind !== 'composite') {
      throw validation(`The alarm ${config.name} already exists as a metric alarm.`);
    }
    const parsedRule = parseRule(config.rule);
    const missing = [...ruleAlarmNames(parsedRule)]
      .map((ref) => this.resolveRef(ref))
      .filter((r): r is { missing: string } => 'missing' in r);
    if (missing.length > 0) {
      throw validation(
        `Could not save the composite alarm as alarms [${missing.map((m) => m.missing).join(', ')}] in the alarm rule do not exist`,
      );
    }
    if (ruleAlarmNames(parsedRule).has(config.name)) {
      throw validation('A composite alarm cannot reference itself in its alarm rule.');
    }
    const alarm: CompositeAlarm = {
      ...config,
      kind: 'composite',
      arn: this.arn(config.name),
      parsedRule,
      state: existing?.state ?? 'INSUFFICIENT_DATA',
      stateReason: existing?.stateReason ?? 'Unchecked: Initial alarm creation',
      stateReasonData: existing?.stateReasonData,
      stateUpdatedMs: existing?.stateUpdatedMs ?? now,
      stateTransitionedMs: existing?.stateTransitionedMs ?? now,
      configUpdatedMs: now,
      frozen: existing?.frozen ?? false,
    };
    this.alarms.set(alarm.name, alarm);
    this.evaluateComposites(now);
    return alarm;
  }

  delete(names: readonly string[], now: number): void {
    for (const n of names) this.alarms.delete(n);
    this.evaluateComposites(now);
  }

  /**
   * Forces a state, as SetAlarmState does: a metric alarm goes back to what its data says at its
   * next evaluation, one period later. `freeze` (control API) keeps the state until changed again.
   */
  setState(
    name: string,
    state: AlarmState,
    reason: string,
    reasonData: string | undefined,
    now: number,
    freeze = false,
  ): Alarm {
    const alarm = this.alarms.get(name);
    if (!alarm) {
      throw new ApiError(404, 'ResourceNotFound', `Alarm ${name} not found`, {
        queryCode: 'ResourceNotFound',
      });
    }
    this.transition(alarm, state, reason, reasonData, now, true);
    alarm.frozen = freeze;
    if (alarm.kind === 'metric')
      alarm.nextEvaluationMs = nextBoundary(now + alarm.period * 1000, alarm.period);
    this.evaluateComposites(now);
    return alarm;
  }

  /** Evaluates every metric alarm whose period has closed, then the composite alarms. */
  tick(now: number): void {
    for (const alarm of this.alarms.values()) {
      if (alarm.kind !== 'metric' || alarm.frozen || now < alarm.nextEvaluationMs) continue;
      this.evaluateMetricAlarm(alarm, now);
      alarm.nextEvaluationMs = nextBoundary(now, alarm.period);
    }
    this.evaluateComposites(now);
  }

  private transition(
    alarm: Alarm,
    state: AlarmState,
    reason: string,
    reasonData: string | undefined,
    now: number,
    force = false,
  ): void {
    if (!force && alarm.state === state) return;
    alarm.state = state;
    alarm.stateReason = reason;
    alarm.stateReasonData = reasonData;
    alarm.stateUpdatedMs = now;
    alarm.stateTransitionedMs = now;
  }

  /** The evaluation of one metric alarm over its last EvaluationPeriods closed periods. */
  evaluateMetricAlarm(alarm: MetricAlarm, now: number): void {
    const p = alarm.period * 1000;
    const end = Math.floor((now - EVALUATION_LAG_MS) / p) * p;
    const start = end - alarm.evaluationPeriods * p;
    const points = this.alarmPoints(alarm, start, end);
    const periods: { t: number; v: number | undefined }[] = [];
    for (let t = end - p; t >= start; t -= p) periods.push({ t, v: points.get(t) });

    const present = periods.filter((x) => x.v !== undefined) as { t: number; v: number }[];
    const breaches = (v: number): boolean => compare(alarm.comparison, v, alarm.threshold);
    const missing = periods.length - present.length;
    const words = COMPARISON_WORDS[alarm.comparison];
    const thr = fmt(alarm.threshold);
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: stamp(now),
      startDate: stamp(start),
      ...(alarm.statistic ? { statistic: alarm.statistic } : {}),
      period: alarm.period,
      recentDatapoints: present.map((x) => x.v).reverse(),
      threshold: alarm.threshold,
      evaluatedDatapoints: present.map((x) => ({ timestamp: stamp(x.t), sampleCount: 1, value: x.v })),
    });

    if (present.length === 0) {
      switch (alarm.treatMissingData) {
        case 'ignore':
          return;
        case 'missing': {
          const n = periods.length;
          this.transition(
            alarm,
            'INSUFFICIENT_DATA',
            `Insufficient Data: ${n} datapoint${n === 1 ? ' was' : 's were'} unknown.`,
            reasonData,
            now,
          );
          return;
        }
        case 'breaching':
        case 'notBreaching': {
          const treated = alarm.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
          const state: AlarmState =
            alarm.treatMissingData === 'breaching' && missing >= alarm.datapointsToAlarm ? 'ALARM' : 'OK';
          this.transition(
            alarm,
            state,
            `Threshold Crossed: no datapoints were received for ${missing} period${missing === 1 ? '' : 's'} and ` +
              `${missing} missing datapoint${missing === 1 ? ' was' : 's were'} treated as [${treated}].`,
            reasonData,
            now,
          );
          return;
        }
      }
    }

    const breaching = present.filter((x) => breaches(x.v));
    const missingBreaching = alarm.treatMissingData === 'breaching' ? missing : 0;
    const total = periods.length;
    const list = (xs: { t: number; v: number }[]): string =>
      `[${xs.map((x) => `${fmt(x.v)} (${reasonDate(x.t)})`).join(', ')}]`;
    const lead = (count: number): string =>
      total === 1
        ? `${count} datapoint`
        : `${count} out of the last ${total} datapoint${total === 1 ? '' : 's'}`;

    if (breaching.length + missingBreaching >= alarm.datapointsToAlarm) {
      const n = breaching.length;
      const reason =
        `Threshold Crossed: ${lead(n)} ${list(breaching)} ${n === 1 ? 'was' : 'were'} ${words} the threshold (${thr})` +
        (total === 1
          ? '.'
          : ` (minimum ${alarm.datapointsToAlarm} datapoint${alarm.datapointsToAlarm === 1 ? '' : 's'} for OK -> ALARM transition).`);
      this.transition(alarm, 'ALARM', reason, reasonData, now);
      return;
    }
    const ok = present.filter((x) => !breaches(x.v));
    const n = ok.length;
    const needed = total - alarm.datapointsToAlarm + 1;
    const reason =
      `Threshold Crossed: ${lead(n)} ${list(ok)} ${n === 1 ? 'was' : 'were'} not ${words} the threshold (${thr})` +
      (total === 1
        ? '.'
        : ` (minimum ${needed} datapoint${needed === 1 ? '' : 's'} for ALARM -> OK transition).`);
    this.transition(alarm, 'OK', reason, reasonData, now);
  }

  /** The alarm's metric, one value per period over [start, end). */
  private alarmPoints(alarm: MetricAlarm, start: number, end: number): Map<number, number> {
    if (alarm.metrics) {
      const results = runQueries(this.metrics, alarm.metrics, start, end, true);
      const r = results[0];
      const out = new Map<number, number>();
      r?.timestamps.forEach((t, i) => out.set(t, r.values[i] as number));
      return out;
    }
    return this.metrics.aggregate(
      { namespace: alarm.namespace ?? '', metricName: alarm.metricName ?? '', dimensions: alarm.dimensions },
      start,
      end,
      alarm.period,
      alarm.extendedStatistic ?? alarm.statistic ?? 'Average',
    );
  }

  /** Re-evaluates every composite alarm (in rounds, so composites of composites settle). */
  evaluateComposites(now: number): void {
    for (let round = 0; round < 5; round++) {
      let changed = false;
      for (const alarm of this.alarms.values()) {
        if (alarm.kind !== 'composite' || alarm.frozen) continue;
        const triggering: Alarm[] = [];
        const value = evalRule(alarm.parsedRule, (ref, state) => {
          const r = this.resolveRef(ref);
          if (typeof r !== 'object' || !('alarm' in r)) return false;
          const match = r.alarm.state === state;
          if (match) triggering.push(r.alarm);
          return match;
        });
        const state: AlarmState = value ? 'ALARM' : 'OK';
        if (state === alarm.state) continue;
        const reasonTargets = value ? triggering : [];
        const reason =
          reasonTargets.length > 0
            ? `${reasonTargets.map((a) => a.arn).join(', ')} transitioned to ${reasonTargets[0]?.state} at ${longDate(
                Math.max(...reasonTargets.map((a) => a.stateTransitionedMs)),
              )}`
            : `The alarm rule evaluated to FALSE at ${longDate(now)}`;
        const reasonData = JSON.stringify({
          triggeringAlarms: reasonTargets.map((a) => ({
            arn: a.arn,
            state: { value: a.state, timestamp: stamp(a.stateTransitionedMs) },
          })),
        });
        this.transition(alarm, state, reason, reasonData, now);
        changed = true;
      }
      if (!changed) return;
    }
  }

  private resolveRef(ref: string): { alarm: Alarm } | { missing: string } {
    const name = ref.startsWith(this.arnPrefix + ':alarm:') ? ref.slice(this.arnPrefix.length + 7) : ref;
    const alarm = this.alarms.get(name);
    return alarm ? { alarm } : { missing: ref };
  }

  /** Names of composite alarms whose rule mentions this alarm. */
  parentsOf(name: string): string[] {
    const out: string[] = [];
    for (const a of this.alarms.values()) {
      if (a.kind !== 'composite') continue;
      for (const ref of ruleAlarmNames(a.parsedRule)) {
        const r = this.resolveRef(ref);
        if ('alarm' in r && r.alarm.name === name) out.push(a.name);
      }
    }
    return out;
  }

  childrenOf(name: string): string[] {
    const a = this.alarms.get(name);
    if (!a || a.kind !== 'composite') return [];
    return [...ruleAlarmNames(a.parsedRule)].map((ref) => {
      const r = this.resolveRef(ref);
      return 'alarm' in r ? r.alarm.name : ref;
    });
  }
}

function nextBoundary(now: number, periodSeconds: number): number {
  const p = periodSeconds * 1000;
  return Math.floor(now / p) * p + p + EVALUATION_LAG_MS;
}

function compare(op: ComparisonOperator, v: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return v >= threshold;
    case 'GreaterThanThreshold':
      return v > threshold;
    case 'LessThanThreshold':
      return v < threshold;
    case 'LessThanOrEqualToThreshold':
      return v <= threshold;
  }
}

/** Numbers as CloudWatch (Java) prints doubles: 0.0, 22.0, 0.2. */
function fmt(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** dd/MM/yy HH:mm:ss in UTC, as in "0.2 (22/11/26 18:50:00)". */
function reasonDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function longDate(ms: number): string {
  const d = new Date(ms);
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const months = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  return `${days[d.getUTCDay()]} ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]}, ${d.getUTCFullYear()} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

// ---------------------------------------------------------------------------------------------
// Composite alarm rules: ALARM("a") AND (OK(b) OR NOT INSUFFICIENT_DATA("c")), TRUE, FALSE
// ---------------------------------------------------------------------------------------------

export type RuleNode =
  | { t: 'state'; state: AlarmState; ref: string }
  | { t: 'const'; value: boolean }
  | { t: 'not'; x: RuleNode }
  | { t: 'and' | 'or'; l: RuleNode; r: RuleNode };

export function parseRule(rule: string): RuleNode {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\(|\)|[^\s()]+)/y;
  let pos = 0;
  while (pos < rule.length) {
    if (/^\s*$/.test(rule.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(rule);
    if (!m) break;
    tokens.push(m[1] as string);
    pos = re.lastIndex;
  }
  let i = 0;
  const fail = (): never => {
    throw validation(`AlarmRule is invalid: ${rule}`);
  };
  const or = (): RuleNode => {
    let l = and();
    while (tokens[i]?.toUpperCase() === 'OR') {
      i++;
      l = { t: 'or', l, r: and() };
    }
    return l;
  };
  const and = (): RuleNode => {
    let l = not();
    while (tokens[i]?.toUpperCase() === 'AND') {
      i++;
      l = { t: 'and', l, r: not() };
    }
    return l;
  };
  const not = (): RuleNode => {
    if (tokens[i]?.toUpperCase() === 'NOT') {
      i++;
      return { t: 'not', x: not() };
    }
    return atom();
  };
  const atom = (): RuleNode => {
    const tok = tokens[i++];
    if (tok === undefined) return fail();
    if (tok === '(') {
      const x = or();
      if (tokens[i++] !== ')') fail();
      return x;
    }
    const word = tok.toUpperCase();
    if (word === 'TRUE' || word === 'FALSE') return { t: 'const', value: word === 'TRUE' };
    if (word === 'ALARM' || word === 'OK' || word === 'INSUFFICIENT_DATA') {
      if (tokens[i++] !== '(') fail();
      const arg = tokens[i++];
      if (arg === undefined || arg === ')') return fail();
      if (tokens[i++] !== ')') fail();
      const ref = /^["']/.test(arg) ? arg.slice(1, -1).replace(/\\(.)/g, '$1') : arg;
      return { t: 'state', state: word, ref };
    }
    return fail();
  };
  const node = or();
  if (i !== tokens.length) fail();
  return node;
}

export function ruleAlarmNames(node: RuleNode, out = new Set<string>()): Set<string> {
  switch (node.t) {
    case 'state':
      out.add(node.ref);
      break;
    case 'not':
      ruleAlarmNames(node.x, out);
      break;
    case 'and':
    case 'or':
      ruleAlarmNames(node.l, out);
      ruleAlarmNames(node.r, out);
      break;
  }
  return out;
}

function evalRule(node: RuleNode, isIn: (ref: string, state: AlarmState) => boolean): boolean {
  switch (node.t) {
    case 'const':
      return node.value;
    case 'state':
      return isIn(node.ref, node.state);
    case 'not':
      return !evalRule(node.x, isIn);
    case 'and': {
      const l = evalRule(node.l, isIn);
      const r = evalRule(node.r, isIn);
      return l && r;
    }
    case 'or': {
      const l = evalRule(node.l, isIn);
      const r = evalRule(node.r, isIn);
      return l || r;
    }
  }
}
