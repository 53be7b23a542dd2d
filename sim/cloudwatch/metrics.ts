/**
 * CloudWatch's metric store and query engine: data points kept per metric (namespace, name and
 * exact dimension set) in buckets of the store's resolution; statistics (Sum, Average,
 * SampleCount, Minimum, Maximum, pNN) over any period; and the small part of metric math that
 * the action uses (FILL, + - * /, parentheses).
 */
import { ApiError, isRecord, num, str } from '../core/http.js';

export type Dimensions = Record<string, string>;

/** Aggregate of the samples that fell into one resolution bucket. */
interface Bucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** value → number of samples with that value, for percentiles. */
  hist: Map<number, number>;
}

export interface MetricSeries {
  namespace: string;
  metricName: string;
  dimensions: Dimensions;
  unit?: string;
  /** Bucket start (epoch ms) → aggregate. */
  buckets: Map<number, Bucket>;
}

export interface MetricSpec {
  namespace: string;
  metricName: string;
  dimensions: Dimensions;
}

export function metricKey(namespace: string, metricName: string, dimensions: Dimensions): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join(',');
  return `${namespace}|${metricName}|${dims}`;
}

export class MetricStore {
  private readonly series = new Map<string, MetricSeries>();

  /** @param resolutionSeconds the granularity data points are stamped with (Lambda: 60). */
  constructor(public resolutionSeconds: number) {}

  /** Adds samples: `values[i]` seen `counts[i]` times (count 1 when absent). */
  put(
    metric: MetricSpec,
    timestampMs: number,
    values: readonly number[],
    counts?: readonly number[],
    unit?: string,
  ): void {
    const b = this.bucketFor(metric, timestampMs, unit);
    values.forEach((v, i) => {
      const c = counts?.[i] ?? 1;
      if (c <= 0 || !Number.isFinite(v)) return;
      b.count += c;
      b.sum += v * c;
      b.min = Math.min(b.min, v);
      b.max = Math.max(b.max, v);
      b.hist.set(v, (b.hist.get(v) ?? 0) + c);
    });
  }

  /** Adds a pre-aggregated statistic set (no percentiles can be derived from it). */
  putStatisticSet(
    metric: MetricSpec,
    timestampMs: number,
    set: { SampleCount: number; Sum: number; Minimum: number; Maximum: number },
    unit?: string,
  ): void {
    const b = this.bucketFor(metric, timestampMs, unit);
    b.count += set.SampleCount;
    b.sum += set.Sum;
    b.min = Math.min(b.min, set.Minimum);
    b.max = Math.max(b.max, set.Maximum);
  }

  private bucketFor(metric: MetricSpec, timestampMs: number, unit?: string): Bucket {
    const key = metricKey(metric.namespace, metric.metricName, metric.dimensions);
    let s = this.series.get(key);
    if (!s) {
      s = { ...metric, dimensions: { ...metric.dimensions }, unit, buckets: new Map() };
      this.series.set(key, s);
    }
    const res = this.resolutionSeconds * 1000;
    const t = Math.floor(timestampMs / res) * res;
    let b = s.buckets.get(t);
    if (!b) {
      b = { count: 0, sum: 0, min: Infinity, max: -Infinity, hist: new Map() };
      s.buckets.set(t, b);
    }
    return b;
  }

  get(metric: MetricSpec): MetricSeries | undefined {
    return this.series.get(metricKey(metric.namespace, metric.metricName, metric.dimensions));
  }

  list(): MetricSeries[] {
    return [...this.series.values()];
  }

  clear(): void {
    this.series.clear();
  }

  /** Drops buckets older than the cutoff, so a long-running cloud keeps bounded memory. */
  prune(olderThanMs: number): void {
    for (const s of this.series.values()) {
      for (const t of s.buckets.keys()) if (t < olderThanMs) s.buckets.delete(t);
    }
  }

  /**
   * One statistic per period over [startMs, endMs): periods start at the start time (rounded
   * down as CloudWatch does, see periodOrigin); periods without samples are absent.
   */
  aggregate(metric: MetricSpec, startMs: number, endMs: number, periodSeconds: number, stat: string): Points {
    const out: Points = new Map();
    const s = this.get(metric);
    if (!s) return out;
    const p = periodSeconds * 1000;
    const origin = periodOrigin(startMs, periodSeconds);
    const groups = new Map<number, Bucket[]>();
    for (const [t, b] of s.buckets) {
      if (t < origin || t >= endMs) continue;
      const g = origin + Math.floor((t - origin) / p) * p;
      const list = groups.get(g);
      if (list) list.push(b);
      else groups.set(g, [b]);
    }
    for (const [g, list] of groups) {
      const v = statistic(list, stat);
      if (v !== undefined) out.set(g, v);
    }
    return out;
  }
}

/**
 * Where a query's periods start: its StartTime rounded down to the whole minute for periods of a
 * minute or more, to a multiple of the period for shorter (high-resolution) periods.
 */
export function periodOrigin(startMs: number, periodSeconds: number): number {
  const r = periodSeconds >= 60 ? 60000 : periodSeconds * 1000;
  return Math.floor(startMs / r) * r;
}

/** Timestamp (epoch ms) → value. */
export type Points = Map<number, number>;

const PERCENTILE = /^p(\d{1,2}(\.\d{1,2})?|100)$/i;

export function isValidStatistic(stat: string): boolean {
  return ['Sum', 'Average', 'SampleCount', 'Maximum', 'Minimum'].includes(stat) || PERCENTILE.test(stat);
}

/** A statistic over the samples of several buckets; undefined when there are none. */
export function statistic(buckets: readonly Bucket[], stat: string): number | undefined {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const b of buckets) {
    count += b.count;
    sum += b.sum;
    min = Math.min(min, b.min);
    max = Math.max(max, b.max);
  }
  if (count === 0) return undefined;
  switch (stat) {
    case 'Sum':
      return sum;
    case 'Average':
      return sum / count;
    case 'SampleCount':
      return count;
    case 'Maximum':
      return max;
    case 'Minimum':
      return min;
  }
  const m = PERCENTILE.exec(stat);
  if (!m) return undefined;
  return percentile(buckets, Number(m[1]));
}

/** Nearest-rank percentile over the buckets' histograms. */
function percentile(buckets: readonly Bucket[], p: number): number | undefined {
  const merged = new Map<number, number>();
  let n = 0;
  for (const b of buckets) {
    for (const [v, c] of b.hist) {
      merged.set(v, (merged.get(v) ?? 0) + c);
      n += c;
    }
  }
  if (n === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  let seen = 0;
  for (const v of [...merged.keys()].sort((a, b) => a - b)) {
    seen += merged.get(v) ?? 0;
    if (seen >= rank) return v;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// GetMetricData: queries, metric math
// ---------------------------------------------------------------------------------------------

export interface MetricDataQuery {
  Id: string;
  MetricStat?: {
    Metric: { Namespace?: string; MetricName?: string; Dimensions?: { Name: string; Value: string }[] };
    Period: number;
    Stat: string;
    Unit?: string;
  };
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
}

export interface MetricDataResult {
  Id: string;
  Label: string;
  /** Epoch ms, in the requested order. */
  timestamps: number[];
  values: number[];
  StatusCode: 'Complete';
}

const validation = (message: string): ApiError =>
  new ApiError(400, 'ValidationException', message, { queryCode: 'ValidationError' });
const invalidParameter = (message: string): ApiError =>
  new ApiError(400, 'InvalidParameterValueException', message, { queryCode: 'InvalidParameterValue' });

/** Reads and checks the MetricDataQueries member of a request. */
export function parseQueries(raw: unknown): MetricDataQuery[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new ApiError(
      400,
      'MissingRequiredParameterException',
      'The parameter MetricDataQueries is required.',
      {
        queryCode: 'MissingParameter',
      },
    );
  }
  if (raw.length > 500) {
    throw validation('The collection MetricDataQueries must not have more than 500 members.');
  }
  const ids = new Set<string>();
  return raw.map((q, i) => {
    if (!isRecord(q)) throw validation(`MetricDataQueries[${i}] must be an object.`);
    const id = str(q, 'Id');
    if (!id || !/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
      throw validation(
        `The value ${id ?? ''} for parameter MetricDataQueries.member.${i + 1}.Id is not valid. ` +
          'The Id must start with a lowercase letter and contain only letters, numbers and underscores.',
      );
    }
    if (ids.has(id)) throw validation(`The values for parameter id in MetricDataQueries must be unique.`);
    ids.add(id);
    const expr = str(q, 'Expression');
    const ms = q['MetricStat'];
    if ((expr === undefined) === (ms === undefined)) {
      throw validation(
        `Exactly one element of the metrics list (MetricDataQueries.member.${i + 1}) must specify either Expression or MetricStat.`,
      );
    }
    const query: MetricDataQuery = { Id: id, Label: str(q, 'Label'), Period: num(q, 'Period') };
    if (typeof q['ReturnData'] === 'boolean') query.ReturnData = q['ReturnData'];
    if (expr !== undefined) query.Expression = expr;
    if (isRecord(ms)) {
      const metric = isRecord(ms['Metric']) ? ms['Metric'] : {};
      const period = num(ms, 'Period');
      const stat = str(ms, 'Stat');
      if (!period || period < 1)
        throw validation(`The parameter MetricStat.Period must be a positive integer.`);
      if (!stat || !isValidStatistic(stat)) {
        throw invalidParameter(`The value ${stat ?? ''} for parameter MetricStat.Stat is not supported.`);
      }
      const dims = Array.isArray(metric['Dimensions']) ? metric['Dimensions'] : [];
      query.MetricStat = {
        Metric: {
          Namespace: str(metric, 'Namespace'),
          MetricName: str(metric, 'MetricName'),
          Dimensions: dims
            .filter(isRecord)
            .map((d) => ({ Name: String(d['Name']), Value: String(d['Value']) })),
        },
        Period: period,
        Stat: stat,
        Unit: str(ms, 'Unit'),
      };
    }
    return query;
  });
}

export function dimensionsOf(list: readonly { Name: string; Value: string }[] | undefined): Dimensions {
  const out: Dimensions = {};
  for (const d of list ?? []) out[d.Name] = d.Value;
  return out;
}

/**
 * Runs queries over [startMs, endMs). Results of queries with ReturnData false are computed (they
 * may feed expressions) but not returned.
 */
export function runQueries(
  store: MetricStore,
  queries: readonly MetricDataQuery[],
  startMs: number,
  endMs: number,
  ascending: boolean,
): MetricDataResult[] {
  const byId = new Map(queries.map((q) => [q.Id, q]));
  const computed = new Map<string, Points>();
  const inProgress = new Set<string>();

  const evaluate = (q: MetricDataQuery): Points => {
    const done = computed.get(q.Id);
    if (done) return done;
    if (inProgress.has(q.Id))
      throw validation(`Circular dependency in metric math expression involving '${q.Id}'.`);
    inProgress.add(q.Id);
    let points: Points;
    if (q.MetricStat) {
      const m = q.MetricStat.Metric;
      points = store.aggregate(
        {
          namespace: m.Namespace ?? '',
          metricName: m.MetricName ?? '',
          dimensions: dimensionsOf(m.Dimensions),
        },
        startMs,
        endMs,
        q.MetricStat.Period,
        q.MetricStat.Stat,
      );
    } else {
      const period = q.Period ?? inferPeriod(q, byId) ?? 60;
      const value = evaluateExpression(q.Expression ?? '', q.Id, {
        series: (id) => {
          const ref = byId.get(id);
          if (!ref) throw validation(`Error in expression '${q.Id}': Unrecognized metric id '${id}'.`);
          return evaluate(ref);
        },
        grid: () => grid(startMs, endMs, period),
      });
      points = value.kind === 'series' ? value.points : new Map();
    }
    inProgress.delete(q.Id);
    computed.set(q.Id, points);
    return points;
  };

  return queries
    .filter((q) => q.ReturnData !== false)
    .map((q) => {
      const points = evaluate(q);
      const ts = [...points.keys()].sort((a, b) => (ascending ? a - b : b - a));
      return {
        Id: q.Id,
        Label: q.Label ?? q.MetricStat?.Metric.MetricName ?? q.Id,
        timestamps: ts,
        values: ts.map((t) => points.get(t) as number),
        StatusCode: 'Complete' as const,
      };
    });
}

/** An expression's period: that of the first metric it references (directly or not). */
function inferPeriod(
  q: MetricDataQuery,
  byId: Map<string, MetricDataQuery>,
  seen = new Set<string>(),
): number | undefined {
  if (q.MetricStat) return q.MetricStat.Period;
  if (q.Period) return q.Period;
  if (seen.has(q.Id)) return undefined;
  seen.add(q.Id);
  for (const m of (q.Expression ?? '').matchAll(/\b[a-z][a-zA-Z0-9_]*\b/g)) {
    const ref = byId.get(m[0]);
    if (ref) {
      const p = inferPeriod(ref, byId, seen);
      if (p) return p;
    }
  }
  return undefined;
}

function grid(startMs: number, endMs: number, periodSeconds: number): number[] {
  const p = periodSeconds * 1000;
  const out: number[] = [];
  for (let t = periodOrigin(startMs, periodSeconds); t < endMs; t += p) out.push(t);
  return out;
}

type Value = { kind: 'scalar'; value: number } | { kind: 'series'; points: Points };

interface ExprContext {
  series(id: string): Points;
  grid(): number[];
}

type Token = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

function tokenize(expr: string, id: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/(),]))/y;
  let pos = 0;
  while (pos < expr.length) {
    if (/^\s*$/.test(expr.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (!m) throw validation(`Error in expression '${id}': Syntax error at position ${pos + 1}.`);
    pos = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ t: 'num', v: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ t: 'id', v: m[2] });
    else tokens.push({ t: 'op', v: m[3] as string });
  }
  return tokens;
}

/** Evaluates a metric math expression: numbers, ids, + - * /, unary minus, (), FILL, ABS. */
export function evaluateExpression(expr: string, id: string, ctx: ExprContext): Value {
  const tokens = tokenize(expr, id);
  let i = 0;
  const fail = (msg: string): never => {
    throw validation(`Error in expression '${id}': ${msg}`);
  };
  const peek = (): Token | undefined => tokens[i];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) fail(`Expected '${v}'.`);
    i++;
  };

  const sum = (): Value => {
    let left = product();
    while (isOp('+') || isOp('-')) {
      const op = (tokens[i++] as Token).v as string;
      left = binary(op, left, product());
    }
    return left;
  };
  const product = (): Value => {
    let left = unary();
    while (isOp('*') || isOp('/')) {
      const op = (tokens[i++] as Token).v as string;
      left = binary(op, left, unary());
    }
    return left;
  };
  const unary = (): Value => {
    if (isOp('-')) {
      i++;
      return binary('*', { kind: 'scalar', value: -1 }, unary());
    }
    return primary();
  };
  const primary = (): Value => {
    const t = tokens[i++];
    if (!t) return fail('Unexpected end of expression.');
    if (t.t === 'num') return { kind: 'scalar', value: t.v };
    if (t.t === 'op') {
      if (t.v !== '(') return fail(`Unexpected '${t.v}'.`);
      const v = sum();
      expect(')');
      return v;
    }
    if (isOp('(')) {
      i++;
      return call(t.v.toUpperCase());
    }
    return { kind: 'series', points: ctx.series(t.v) };
  };
  const call = (fn: string): Value => {
    switch (fn) {
      case 'FILL': {
        const s = sum();
        expect(',');
        const fillTok = peek();
        let fill: number | 'REPEAT' | 'LINEAR';
        if (fillTok?.t === 'id' && ['REPEAT', 'LINEAR'].includes(fillTok.v.toUpperCase())) {
          i++;
          fill = fillTok.v.toUpperCase() as 'REPEAT' | 'LINEAR';
        } else {
          const v = sum();
          if (v.kind !== 'scalar')
            return fail('FILL accepts a number, REPEAT or LINEAR as its second argument.');
          fill = v.value;
        }
        expect(')');
        if (s.kind !== 'series') return fail('FILL expects a time series as its first argument.');
        return { kind: 'series', points: fillSeries(s.points, ctx.grid(), fill) };
      }
      case 'ABS': {
        const v = sum();
        expect(')');
        return map(v, Math.abs);
      }
      default:
        return fail(`Unsupported function ${fn}.`);
    }
  };

  const result = sum();
  if (i < tokens.length) fail(`Unexpected token at the end of the expression.`);
  return result;
}

function map(v: Value, f: (x: number) => number): Value {
  if (v.kind === 'scalar') return { kind: 'scalar', value: f(v.value) };
  const points: Points = new Map();
  for (const [t, x] of v.points) {
    const y = f(x);
    if (Number.isFinite(y)) points.set(t, y);
  }
  return { kind: 'series', points };
}

function apply(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      return a / b;
  }
}

/** Series with series: only timestamps present in both; results that are not finite are dropped. */
function binary(op: string, l: Value, r: Value): Value {
  if (l.kind === 'scalar' && r.kind === 'scalar')
    return { kind: 'scalar', value: apply(op, l.value, r.value) };
  if (l.kind === 'scalar') return map(r, (x) => apply(op, l.value, x));
  if (r.kind === 'scalar') return map(l, (x) => apply(op, x, r.value));
  const points: Points = new Map();
  for (const [t, x] of l.points) {
    const y = r.points.get(t);
    if (y === undefined) continue;
    const z = apply(op, x, y);
    if (Number.isFinite(z)) points.set(t, z);
  }
  return { kind: 'series', points };
}

function fillSeries(points: Points, timestamps: number[], fill: number | 'REPEAT' | 'LINEAR'): Points {
  const out: Points = new Map();
  const known = [...points.keys()].sort((a, b) => a - b);
  for (const t of timestamps) {
    const v = points.get(t);
    if (v !== undefined) {
      out.set(t, v);
      continue;
    }
    if (typeof fill === 'number') {
      out.set(t, fill);
      continue;
    }
    const before = known.filter((k) => k < t).pop();
    const after = known.find((k) => k > t);
    if (fill === 'REPEAT') {
      const src = before ?? after;
      if (src !== undefined) out.set(t, points.get(src) as number);
    } else if (before !== undefined && after !== undefined) {
      const a = points.get(before) as number;
      const b = points.get(after) as number;
      out.set(t, a + ((b - a) * (t - before)) / (after - before));
    }
  }
  for (const [t, v] of points) if (!out.has(t)) out.set(t, v);
  return out;
}
