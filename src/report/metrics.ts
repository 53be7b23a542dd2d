// Canary versus baseline over the rollout window: one GetMetricData call reads both sides'
// requests, errors and latency p50/p99, from the namespace, metric names and dimensions that the
// target's report subject gives (AWS/Lambda by ExecutedVersion, AWS/ApiGateway by Stage, ...).
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { awsCall } from '../aws/errors.js';
import type { MetricQueries } from '../targets/definition.js';
import type { CanaryMetrics, VersionMetrics } from './model.js';

export interface MetricsWindow {
  queries: MetricQueries;
  region: string;
  /** The two sides' names in the report (versions, deployment ids). */
  baselineVersion: string;
  canaryVersion: string;
  startedAt: number;
  endedAt: number;
}

/** The chart has at most this many points; the period grows to keep it so. */
const MAX_POINTS = 60;
/** Periods CloudWatch accepts under a minute (for recent data). */
const SUB_MINUTE_PERIODS = [1, 5, 10, 30];
/** Windows at least this long use whole minutes, Lambda's own resolution. */
const MINUTE_PERIODS_FROM_MS = 3 * 60_000;

/**
 * The per-point period in seconds. Lambda publishes per minute, so a real rollout (minutes long)
 * gets 60 s or a multiple of it; only a window under three minutes (the local cloud's rollouts,
 * whose metric period is seconds) gets a sub-minute period, which CloudWatch also accepts.
 */
export function chartPeriodSeconds(windowMs: number): number {
  const seconds = Math.max(1, windowMs / 1000);
  if (windowMs < MINUTE_PERIODS_FROM_MS) {
    const fit = SUB_MINUTE_PERIODS.find((p) => seconds / p <= MAX_POINTS);
    if (fit) return fit;
  }
  return Math.max(1, Math.ceil(seconds / MAX_POINTS / 60)) * 60;
}

/** One period covering the whole window from its start minute (CloudWatch rounds down there). */
function wholeWindowPeriodSeconds(startedAt: number, endedAt: number): number {
  const origin = Math.floor(startedAt / 60_000) * 60_000;
  return Math.max(1, Math.ceil((endedAt - origin) / 60_000)) * 60;
}

export async function readCanaryMetrics(
  cloudwatch: CloudWatchClient,
  window: MetricsWindow,
  signal?: AbortSignal,
): Promise<CanaryMetrics> {
  const { queries: of } = window;
  const periodSeconds = chartPeriodSeconds(window.endedAt - window.startedAt);
  const totalPeriod = wholeWindowPeriodSeconds(window.startedAt, window.endedAt);
  const sides = {
    baseline: { version: window.baselineVersion, dimensions: of.baseline },
    canary: { version: window.canaryVersion, dimensions: of.canary },
  };
  const queries: MetricDataQuery[] = [];
  for (const [role, { version, dimensions }] of Object.entries(sides)) {
    const metric = (metricName: string, stat: string, period: number, id: string): MetricDataQuery => ({
      Id: `${role}_${id}`,
      Label: `${role} ${version} ${metricName} ${stat}`,
      MetricStat: {
        Metric: {
          Namespace: of.namespace,
          MetricName: metricName,
          Dimensions: dimensions,
        },
        Period: period,
        Stat: stat,
      },
    });
    queries.push(
      metric(of.requests, 'Sum', periodSeconds, 'invocations'),
      metric(of.errors, 'Sum', periodSeconds, 'errors'),
      metric(of.latency, 'p50', totalPeriod, 'p50'),
      metric(of.latency, 'p99', totalPeriod, 'p99'),
      ...(of.extraCounts ?? []).map((extra, i) => metric(extra.metric, 'Sum', totalPeriod, `extra${i}`)),
    );
  }

  const results = new Map<string, MetricDataResult>();
  let nextToken: string | undefined;
  // One call in practice (8 queries of at most 60 points); the token only guards the limit.
  do {
    const page = await awsCall(
      {
        doing: `read the metrics of ${of.about}`,
        iamAction: 'cloudwatch:GetMetricData',
        region: window.region,
      },
      () =>
        cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(window.startedAt),
            EndTime: new Date(Math.ceil(window.endedAt / 1000) * 1000 + 1000),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
          { abortSignal: signal },
        ),
    );
    for (const r of page.MetricDataResults ?? []) {
      if (!r.Id) continue;
      const seen = results.get(r.Id);
      results.set(
        r.Id,
        seen
          ? {
              ...seen,
              Timestamps: [...(seen.Timestamps ?? []), ...(r.Timestamps ?? [])],
              Values: [...(seen.Values ?? []), ...(r.Values ?? [])],
            }
          : r,
      );
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const versionMetrics = (role: string, version: string): VersionMetrics => {
    const points = (id: string) => {
      const r = results.get(`${role}_${id}`);
      const byTime = new Map<number, number>();
      (r?.Timestamps ?? []).forEach((t, i) => byTime.set(t.getTime(), r?.Values?.[i] ?? 0));
      return byTime;
    };
    const invocations = points('invocations');
    const errors = points('errors');
    const series = [...invocations.entries()]
      .sort(([a], [b]) => a - b)
      .map(([at, n]) => ({ at, invocations: n, errors: errors.get(at) ?? 0 }));
    const totalInvocations = series.reduce((sum, p) => sum + p.invocations, 0);
    const totalErrors = series.reduce((sum, p) => sum + p.errors, 0);
    return {
      version,
      invocations: totalInvocations,
      errors: totalErrors,
      errorRate: totalInvocations > 0 ? totalErrors / totalInvocations : undefined,
      p50Ms: [...points('p50').values()][0],
      p99Ms: [...points('p99').values()][0],
      extra: extraCounts(of.extraCounts ?? [], (i) => [...points(`extra${i}`).values()]),
      series,
    };
  };
  return {
    startedAt: window.startedAt,
    endedAt: window.endedAt,
    periodSeconds,
    baseline: versionMetrics('baseline', window.baselineVersion),
    canary: versionMetrics('canary', window.canaryVersion),
  };
}

/** Each extra count summed over the window, by its label; undefined when none has data. */
function extraCounts(
  extras: { label: string }[],
  values: (index: number) => number[],
): Record<string, number> | undefined {
  const entries = extras
    .map((extra, i) => [extra.label, values(i)] as const)
    .filter(([, v]) => v.length > 0)
    .map(([label, v]) => [label, v.reduce((a, b) => a + b, 0)] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
