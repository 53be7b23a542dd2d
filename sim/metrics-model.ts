/**
 * An in-process, seeded model of the metrics CloudWatch publishes for a Lambda alias during a
 * canary release, and a fake CloudWatch client that answers GetMetricData from it. The detection
 * benchmark and the analysis gate's unit tests run thousands of releases through it on a fake
 * clock, so it is cheap (no HTTP, no per-invocation work) yet keeps what makes the real metrics
 * hard: per-period data points stamped with the period's start, Poisson counts, points that
 * arrive late (each on its own delay), and no point at all for a period without invocations.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type {
  CloudWatchClient,
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  MetricDataQuery,
  MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { TrafficTarget } from '../src/engine/types.js';
import { Rng, spreadSeed } from './core/rng.js';

/** How one version behaves: its error probability and its (lognormal) durations. */
export interface VersionBehaviour {
  version: string;
  /** Probability that an invocation fails, 0-1. */
  errorRate: number;
  /** Median duration in ms (lognormal). Default 50. */
  medianDurationMs?: number;
  /** Lognormal shape (sigma of the log). Default 0.5. */
  durationSigma?: number;
}

/** When each period's data point reaches CloudWatch, after the period ends. */
export type DelayModel = (rng: Rng) => number;

/** Most points within 20-100 s of the period's end, one in ten up to three minutes. */
export const lambdaDelay: DelayModel = (rng) =>
  rng.next() < 0.9 ? 20_000 + rng.next() * 80_000 : 100_000 + rng.next() * 80_000;

export interface MetricsModelOptions {
  seed: number;
  /** Epoch ms the release starts at (the canary gets traffic only after its first setWeight). */
  releaseAt: number;
  /** The model's clock: points become visible when `now()` passes their arrival. */
  now: () => number;
  functionName?: string;
  alias?: string;
  baseline: VersionBehaviour;
  canary: VersionBehaviour;
  /** Requests per second through the alias, constant or a function of time (epoch ms). */
  requestsPerSecond: number | ((atMs: number) => number);
  /** The metrics' resolution. Default 60 s (AWS/Lambda). */
  periodSeconds?: number;
  /** Traffic on the baseline alone before the release, for the alias-wide history. Default 1 h. */
  historyMs?: number;
  delay?: DelayModel;
  /**
   * The canary's weight (percent) as a function of time, instead of the setWeight schedule. The
   * function must give the same answer for a time every time it is asked.
   */
  weightAt?: (atMs: number) => number;
}

/** One side's figures for one period, and when CloudWatch has them. */
export interface PeriodPoint {
  invocations: number;
  errors: number;
  /** Sum of durations (ms), for Average. */
  durationSum: number;
  arrivesAt: number;
}

/** One period's points: each version's, and the alias-wide sum of both. */
export interface Period {
  start: number;
  baseline: PeriodPoint;
  canary: PeriodPoint;
  alias: PeriodPoint;
}

type Side = 'baseline' | 'canary' | 'alias';

/** A statistic: the sum of one field over a bucket's points (per invocation for averages), or a constant. */
type Statistic =
  | { field: 'invocations' | 'errors' | 'durationSum'; perInvocation: boolean }
  | { field: 'constant'; value: number };

/** Counts of the API calls made against the fake client, for the API-economy figures. */
export interface MetricsModelCounters {
  getMetricDataCalls: number;
  queries: number;
}

export class MetricsModel {
  readonly functionName: string;
  readonly alias: string;
  readonly periodMs: number;
  readonly counters: MetricsModelCounters = { getMetricDataCalls: 0, queries: 0 };
  /** A CloudWatchClient whose `send` answers GetMetricDataCommand from this model. */
  readonly cloudwatch: CloudWatchClient;

  private readonly rng: Rng;
  private readonly delayRng: Rng;
  private readonly delay: DelayModel;
  /** [from epoch ms, weight percent], in time order; before the first entry the weight is 0. */
  private readonly schedule: [number, number][] = [];
  /** Every period drawn so far, contiguous from the history's start. */
  private readonly periods: Period[] = [];
  private readonly dates = new Map<number, Date>();
  /** Start of the next period to generate. */
  private nextStart: number;

  constructor(private readonly options: MetricsModelOptions) {
    this.functionName = options.functionName ?? 'orders';
    this.alias = options.alias ?? 'live';
    this.periodMs = (options.periodSeconds ?? 60) * 1000;
    // Runs are seeded 1, 2, 3...: spread, or neighbouring runs share stretches of one sequence.
    const root = new Rng(spreadSeed(options.seed));
    this.rng = root.fork('counts');
    this.delayRng = root.fork('delays');
    this.delay = options.delay ?? lambdaDelay;
    const historyStart = options.releaseAt - (options.historyMs ?? 3_600_000);
    this.nextStart = Math.floor(historyStart / this.periodMs) * this.periodMs;
    this.cloudwatch = { send: (command: unknown) => this.send(command) } as unknown as CloudWatchClient;
  }

  /** The target moved `percent` of the traffic to the canary at `atMs` (default now). */
  setWeight(percent: number, atMs = this.options.now()): void {
    const last = this.schedule.at(-1);
    if (last && atMs < last[0]) throw new Error('setWeight: time went backwards');
    this.schedule.push([atMs, percent]);
  }

  weightAt(atMs: number): number {
    if (this.options.weightAt) return this.options.weightAt(atMs);
    let weight = 0;
    for (const [from, percent] of this.schedule) {
      if (from > atMs) break;
      weight = percent;
    }
    return weight;
  }

  /**
   * Every period that has ended by `until`, drawn if need be, whether or not CloudWatch has its
   * points yet: for figures computed beside the gate (an alias-wide alarm on the same minutes).
   */
  periodsUntil(until: number): readonly Period[] {
    this.generateUntil(until);
    return this.periods.filter((p) => p.start + this.periodMs <= until);
  }

  /** The answer CloudWatch would give now, synchronously (the client's `send` wraps it). */
  getMetricData(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
    this.counters.getMetricDataCalls++;
    const queries = input.MetricDataQueries ?? [];
    this.counters.queries += queries.length;
    if (!input.StartTime || !input.EndTime) throw validation('StartTime and EndTime are required');
    const start = new Date(input.StartTime).getTime();
    const end = new Date(input.EndTime).getTime();
    this.generateUntil(this.options.now());
    const descending = input.ScanBy !== 'TimestampAscending';
    const results = queries.map((q) => this.answer(q, start, end, descending));
    return { MetricDataResults: results, Messages: [], $metadata: { httpStatusCode: 200 } };
  }

  private send(command: unknown): Promise<GetMetricDataCommandOutput> {
    if (
      !(command instanceof GetMetricDataCommand) &&
      (command as object)?.constructor?.name !== 'GetMetricDataCommand'
    ) {
      const name = (command as object)?.constructor?.name ?? typeof command;
      return Promise.reject(new Error(`the metrics model answers GetMetricData only, not ${name}`));
    }
    try {
      return Promise.resolve(this.getMetricData((command as GetMetricDataCommand).input));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private answer(query: MetricDataQuery, start: number, end: number, descending: boolean): MetricDataResult {
    const id = query.Id ?? '';
    const stat = query.MetricStat;
    if (!stat?.Metric) throw validation(`query ${id}: the metrics model answers MetricStat queries only`);
    const periodMs = (stat.Period ?? 60) * 1000;
    if (periodMs % this.periodMs !== 0)
      throw validation(`query ${id}: Period ${stat.Period} is not a multiple of ${this.periodMs / 1000}`);
    const label = query.Label ?? stat.Metric.MetricName ?? id;
    const side = this.sideOf(stat.Metric.Namespace, stat.Metric.Dimensions ?? []);
    const statistic = side && this.statistic(stat.Metric.MetricName ?? '', stat.Stat ?? '', side, id);
    const timestamps: Date[] = [];
    const values: number[] = [];
    const first = this.periods[0];
    if (side && statistic && first) {
      const now = this.options.now();
      const indexOf = (at: number) => Math.max(0, Math.ceil((at - first.start) / this.periodMs));
      // Buckets of the query's period, aligned to the epoch as CloudWatch aligns them. A hot
      // loop (the benchmark asks thousands of times a second): no closures or arrays per bucket.
      for (let bucket = Math.ceil(start / periodMs) * periodMs; bucket < end; bucket += periodMs) {
        let total = 0;
        let invocations = 0;
        const last = Math.min(this.periods.length, indexOf(bucket + periodMs));
        for (let i = indexOf(bucket); i < last; i++) {
          const point = this.periods[i]![side];
          if (point.arrivesAt > now || point.invocations === 0) continue;
          total += statistic.field === 'constant' ? 0 : point[statistic.field];
          invocations += point.invocations;
        }
        if (invocations === 0) continue;
        timestamps.push(this.dateAt(bucket));
        if (statistic.field === 'constant') values.push(statistic.value);
        else values.push(statistic.perInvocation ? total / invocations : total);
      }
    }
    if (descending) {
      timestamps.reverse();
      values.reverse();
    }
    return { Id: id, Label: label, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
  }

  /** One Date per bucket start, shared between answers (the caller only reads them). */
  private dateAt(at: number): Date {
    let date = this.dates.get(at);
    if (!date) this.dates.set(at, (date = new Date(at)));
    return date;
  }

  /** Which side a metric's dimensions name, or undefined when the model has no such metric. */
  private sideOf(
    namespace: string | undefined,
    dimensions: { Name?: string; Value?: string }[],
  ): Side | undefined {
    if (namespace !== 'AWS/Lambda') return undefined;
    const dims = new Map(dimensions.map((d) => [d.Name, d.Value]));
    if (dims.get('FunctionName') !== this.functionName) return undefined;
    if (dims.get('Resource') !== `${this.functionName}:${this.alias}`) return undefined;
    const version = dims.get('ExecutedVersion');
    if (dims.size === 2 && version === undefined) return 'alias';
    if (dims.size !== 3) return undefined;
    if (version === this.options.baseline.version) return 'baseline';
    if (version === this.options.canary.version) return 'canary';
    return undefined;
  }

  /** What a statistic adds up over a bucket's points, and whether it divides by invocations. */
  private statistic(metric: string, stat: string, side: Side, id: string): Statistic | undefined {
    const counts = { Invocations: 'invocations', Errors: 'errors', Duration: 'durationSum' } as const;
    if (!(metric in counts)) return undefined;
    const field = counts[metric as keyof typeof counts];
    if (stat === 'SampleCount') return { field: 'invocations', perInvocation: false };
    if (stat === 'Sum' && metric !== 'Duration') return { field, perInvocation: false };
    if (stat === 'Average')
      return metric === 'Invocations'
        ? { field: 'invocations', perInvocation: true }
        : { field, perInvocation: true };
    const percentile = /^p(\d+(?:\.\d+)?)$/.exec(stat);
    if (metric === 'Duration' && percentile && side !== 'alias') {
      // The version's own distribution's quantile: cheap, and without the period's noise.
      const behaviour = this.options[side];
      const z = normalQuantile(Number(percentile[1]) / 100);
      return {
        field: 'constant',
        value: (behaviour.medianDurationMs ?? 50) * Math.exp((behaviour.durationSigma ?? 0.5) * z),
      };
    }
    throw validation(`query ${id}: the metrics model has no ${stat} of ${metric}`);
  }

  /** Draws every period that has ended by `now`, in order (weights over it are known by then). */
  private generateUntil(now: number): void {
    while (this.nextStart + this.periodMs <= now) {
      this.periods.push(this.draw(this.nextStart));
      this.nextStart += this.periodMs;
    }
  }

  private draw(start: number): Period {
    const end = start + this.periodMs;
    const { requests, canaryShare } = this.traffic(start, end);
    const baseline = this.side(this.options.baseline, requests * (1 - canaryShare), end);
    const canary = this.side(this.options.canary, requests * canaryShare, end);
    const alias: PeriodPoint = {
      invocations: baseline.invocations + canary.invocations,
      errors: baseline.errors + canary.errors,
      durationSum: baseline.durationSum + canary.durationSum,
      arrivesAt: end + this.delay(this.delayRng),
    };
    return { start, baseline, canary, alias };
  }

  /** Expected requests in [start, end) and the canary's share of them, integrating the weight. */
  private traffic(start: number, end: number): { requests: number; canaryShare: number } {
    const rps = this.options.requestsPerSecond;
    const slices = 12;
    const sliceMs = (end - start) / slices;
    let requests = 0;
    let canary = 0;
    for (let i = 0; i < slices; i++) {
      const at = start + (i + 0.5) * sliceMs;
      const r = (typeof rps === 'number' ? rps : rps(at)) * (sliceMs / 1000);
      requests += r;
      canary += (r * this.weightAt(at)) / 100;
    }
    return { requests, canaryShare: requests > 0 ? canary / requests : 0 };
  }

  /** One version's point: errors and successes are independent Poisson counts (a split process). */
  private side(behaviour: VersionBehaviour, expected: number, end: number): PeriodPoint {
    const errors = poisson(this.rng, expected * behaviour.errorRate);
    const invocations = errors + poisson(this.rng, expected * (1 - behaviour.errorRate));
    return {
      invocations,
      errors,
      durationSum: this.durationSum(behaviour, invocations),
      arrivesAt: end + this.delay(this.delayRng),
    };
  }

  /** Sum of n lognormal durations: drawn one by one when few, by the central limit when many. */
  private durationSum(behaviour: VersionBehaviour, n: number): number {
    const mu = Math.log(behaviour.medianDurationMs ?? 50);
    const sigma = behaviour.durationSigma ?? 0.5;
    if (n <= 30) {
      let total = 0;
      for (let i = 0; i < n; i++) total += Math.exp(mu + sigma * this.rng.normal());
      return total;
    }
    const mean = Math.exp(mu + (sigma * sigma) / 2);
    const sd = mean * Math.sqrt(Math.exp(sigma * sigma) - 1);
    return Math.max(0, n * mean + Math.sqrt(n) * sd * this.rng.normal());
  }
}

/** A Poisson deviate: multiplication for small means, PTRS (Hörmann 1993) for large ones. */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    const limit = Math.exp(-mean);
    let k = 0;
    let product = rng.next();
    while (product > limit) {
      k++;
      product *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(mean);
  const logLam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const logV = Math.log((v * invAlpha) / (a / (us * us) + b));
    if (logV <= -mean + k * logLam - logFactorial(k)) return k;
  }
}

function logFactorial(k: number): number {
  if (k < 2) return 0;
  if (k < 20) {
    let total = 0;
    for (let i = 2; i <= k; i++) total += Math.log(i);
    return total;
  }
  // Stirling's series: exact to double precision from 20 on.
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k ** 3);
}

/** The standard normal quantile (Acklam's rational approximation, ~1e-9), for percentiles. */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

function validation(message: string): Error {
  const error = new Error(message);
  error.name = 'ValidationError';
  return error;
}

/** A traffic target that moves the model's weight, as the alias's routing would. */
export function modelTarget(
  model: MetricsModel,
  description = `alias ${model.alias} of ${model.functionName}`,
): TrafficTarget {
  return {
    description,
    setWeight: (weight) => Promise.resolve(model.setWeight(weight)),
    promote: () => Promise.resolve(model.setWeight(100)),
    leaveSplit: () => Promise.resolve(),
    verify: () => Promise.resolve(),
    rollback: () => Promise.resolve(model.setWeight(0)),
  };
}

/**
 * One CloudWatch client over several functions' models: each GetMetricData call is answered
 * query by query from the model of the function its dimensions name, and counted once.
 */
export function combinedCloudWatch(models: MetricsModel[]): {
  cloudwatch: CloudWatchClient;
  counters: MetricsModelCounters;
} {
  const counters: MetricsModelCounters = { getMetricDataCalls: 0, queries: 0 };
  const byFunction = new Map(models.map((m) => [m.functionName, m]));
  const send = (command: unknown): Promise<GetMetricDataCommandOutput> => {
    if (!(command instanceof GetMetricDataCommand))
      return Promise.reject(new Error('the metrics model answers GetMetricData only'));
    const input = command.input;
    const queries = input.MetricDataQueries ?? [];
    counters.getMetricDataCalls++;
    counters.queries += queries.length;
    try {
      const results = queries.map((q) => {
        const name = q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'FunctionName')?.Value;
        const model = byFunction.get(name ?? '') ?? models[0]!;
        return model.getMetricData({ ...input, MetricDataQueries: [q] }).MetricDataResults![0]!;
      });
      return Promise.resolve({
        MetricDataResults: results,
        Messages: [],
        $metadata: { httpStatusCode: 200 },
      });
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
  return { cloudwatch: { send } as unknown as CloudWatchClient, counters };
}
