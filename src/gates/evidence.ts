// The analysis's evidence: one GetMetricData call for every subject's canary, baseline and history
// figures, turned into per-period counts. CloudWatch answers late and sparsely: a period with no
// traffic has no data point (not a zero), and a period's figures keep growing for a while after it
// ends. So a period counts only once settled, and is judged only when both sides took traffic in
// it and every count is present.
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { awsCall } from '../aws/errors.js';
import type { MetricDimension, MetricQueries } from '../targets/definition.js';

/** GetMetricData's limit of queries per call. */
const QUERIES_PER_CALL = 500;

/** One side's figures in one period; undefined where CloudWatch had no data point. */
export interface PeriodFigures {
  invocations?: number;
  errors?: number;
  latencyMs?: number;
}

/** Every period of one subject: start (epoch ms) → the three sides' figures. */
export interface SubjectSeries {
  canary: Map<number, PeriodFigures>;
  baseline: Map<number, PeriodFigures>;
  /** The baseline's history before the release (its own dimensions when the subject has none). */
  history: Map<number, PeriodFigures>;
}

type Side = keyof SubjectSeries;
type Figure = keyof PeriodFigures;

interface QueryKey {
  subject: number;
  side: Side;
  figure: Figure;
}

/** The queries for every subject: Sums of requests and errors, the latency's Average. */
export function evidenceQueries(subjects: MetricQueries[], periodSeconds: number): MetricDataQuery[] {
  const queries: MetricDataQuery[] = [];
  subjects.forEach((of, subject) => {
    const sides: [Side, MetricDimension[], Figure[]][] = [
      ['canary', of.canary, ['invocations', 'errors', 'latencyMs']],
      ['baseline', of.baseline, ['invocations', 'errors', 'latencyMs']],
    ];
    if (of.history) sides.push(['history', of.history, ['invocations', 'errors']]);
    for (const [side, dimensions, figures] of sides) {
      for (const figure of figures) {
        const metricName =
          figure === 'invocations' ? of.requests : figure === 'errors' ? of.errors : of.latency;
        queries.push({
          Id: queryId({ subject, side, figure }),
          MetricStat: {
            Metric: { Namespace: of.namespace, MetricName: metricName, Dimensions: dimensions },
            Period: periodSeconds,
            Stat: figure === 'latencyMs' ? 'Average' : 'Sum',
          },
        });
      }
    }
  });
  return queries;
}

const SIDE_CODE: Record<Side, string> = { canary: 'c', baseline: 'b', history: 'h' };
const FIGURE_CODE: Record<Figure, string> = { invocations: 'n', errors: 'e', latencyMs: 'l' };

/** "s3_c_n": subject 3, canary, invocations (an Id must start with a lowercase letter). */
function queryId(key: QueryKey): string {
  return `s${key.subject}_${SIDE_CODE[key.side]}_${FIGURE_CODE[key.figure]}`;
}

function parseId(id: string): QueryKey | undefined {
  const match = /^s(\d+)_([cbh])_([nel])$/.exec(id);
  if (!match) return undefined;
  const side = (Object.keys(SIDE_CODE) as Side[]).find((s) => SIDE_CODE[s] === match[2]);
  const figure = (Object.keys(FIGURE_CODE) as Figure[]).find((f) => FIGURE_CODE[f] === match[3]);
  return side && figure ? { subject: Number(match[1]), side, figure } : undefined;
}

export interface EvidenceRead {
  cloudwatch: CloudWatchClient;
  region: string;
  subjects: MetricQueries[];
  periodSeconds: number;
  /** [from, to) in epoch ms, on period boundaries. */
  from: number;
  to: number;
  signal?: AbortSignal;
}

/** Reads every subject's series: one call per 500 queries (every page of it). */
export async function readEvidence(read: EvidenceRead): Promise<SubjectSeries[]> {
  const series: SubjectSeries[] = read.subjects.map(() => ({
    canary: new Map(),
    baseline: new Map(),
    history: new Map(),
  }));
  const queries = evidenceQueries(read.subjects, read.periodSeconds);
  for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
    const batch = queries.slice(i, i + QUERIES_PER_CALL);
    for (const result of await readBatch(read, batch)) addResult(series, result);
  }
  // Without history dimensions, the baseline's own periods before the release are its history.
  read.subjects.forEach((of, s) => {
    if (!of.history) series[s]!.history = series[s]!.baseline;
  });
  return series;
}

async function readBatch(read: EvidenceRead, queries: MetricDataQuery[]): Promise<MetricDataResult[]> {
  const results: MetricDataResult[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall(
      {
        doing: `read the canary's and the baseline's metrics (${read.subjects.map((s) => s.about).join('; ')})`,
        iamAction: 'cloudwatch:GetMetricData',
        region: read.region,
      },
      () =>
        read.cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(read.from),
            EndTime: new Date(read.to),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
          { abortSignal: read.signal },
        ),
    );
    for (const result of page.MetricDataResults ?? []) {
      // A query CloudWatch could not answer (Forbidden, InternalError) is not a quiet minute.
      if (result.StatusCode && !['Complete', 'PartialData'].includes(result.StatusCode)) {
        const said = (result.Messages ?? [])
          .map((m) => m.Value)
          .filter(Boolean)
          .join('; ');
        throw new Error(
          `CloudWatch could not read metric ${result.Label ?? result.Id} (${result.StatusCode}${said ? `: ${said}` : ''}); check cloudwatch:GetMetricData and the metric's namespace`,
        );
      }
      results.push(result);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return results;
}

function addResult(series: SubjectSeries[], result: MetricDataResult): void {
  const key = result.Id ? parseId(result.Id) : undefined;
  const target = key ? series[key.subject]?.[key.side] : undefined;
  if (!key || !target) return;
  const timestamps = result.Timestamps ?? [];
  const values = result.Values ?? [];
  timestamps.forEach((time, i) => {
    const value = values[i];
    if (value === undefined || !Number.isFinite(value)) return;
    const at = new Date(time).getTime();
    const figures = target.get(at) ?? {};
    // Pages may repeat a period: the figure is the same data point, not more of it.
    figures[key.figure] = value;
    target.set(at, figures);
  });
}

/** A judged period: both sides took traffic, every count present, settled. */
export interface JudgedPeriod {
  at: number;
  canary: Required<Pick<PeriodFigures, 'invocations' | 'errors'>> & Pick<PeriodFigures, 'latencyMs'>;
  baseline: Required<Pick<PeriodFigures, 'invocations' | 'errors'>> & Pick<PeriodFigures, 'latencyMs'>;
}

export interface SortedEvidence {
  judged: JudgedPeriod[];
  /** Periods of the rollout not judged (yet): unsettled, one side idle, or a count missing. */
  skipped: number;
  /** The baseline's settled history before the rollout's first period. */
  history: { invocations: number; errors: number };
}

/**
 * Splits one subject's periods: history before `rolloutFrom` (period-aligned), judged periods
 * from there to `settledBefore` (exclusive), and the rest skipped.
 */
export function sortEvidence(
  series: SubjectSeries,
  rolloutFrom: number,
  settledBefore: number,
): SortedEvidence {
  const history = { invocations: 0, errors: 0 };
  for (const [at, figures] of series.history) {
    if (at >= rolloutFrom || figures.invocations === undefined || figures.errors === undefined) continue;
    history.invocations += figures.invocations;
    history.errors += figures.errors;
  }
  const judged: JudgedPeriod[] = [];
  let skipped = 0;
  const periods = new Set([...series.canary.keys(), ...series.baseline.keys()]);
  for (const at of [...periods].sort((a, b) => a - b)) {
    if (at < rolloutFrom) continue;
    const canary = series.canary.get(at);
    const baseline = series.baseline.get(at);
    const complete = (f?: PeriodFigures) =>
      f?.invocations !== undefined && f.invocations > 0 && f.errors !== undefined;
    if (at >= settledBefore || !complete(canary) || !complete(baseline)) {
      skipped++;
      continue;
    }
    judged.push({
      at,
      canary: canary as JudgedPeriod['canary'],
      baseline: baseline as JudgedPeriod['baseline'],
    });
  }
  return { judged, skipped, history };
}
