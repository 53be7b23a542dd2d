// The Mermaid chart of the rollout: the canary's weight (bars) and its error rate (line) over
// time. `xychart-beta` is rendered by GitHub in summaries and comments. Nothing untrusted goes
// into it: labels are clock times and values are numbers.
import type { StepRecord } from '../engine/types.js';
import { utcTime } from './format.js';
import type { ReleaseReport } from './model.js';

export interface ChartData {
  labels: string[];
  /** Percent of traffic on the new version at each point. */
  weights: number[];
  /** The canary's error rate in percent at each point; absent without metrics. */
  errorRates?: number[];
}

interface Timeline {
  startedAt: number;
  endedAt: number;
  steps: StepRecord[];
  promotedAt?: number;
  rolledBackAt?: number;
}

function timelineOf(report: ReleaseReport): Timeline | undefined {
  const record = report.record;
  if (record) {
    const lastStep = record.steps.at(-1);
    return {
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      steps: record.steps,
      promotedAt: record.outcome === 'promoted' ? (lastStep?.endedAt ?? record.startedAt) : undefined,
      rolledBackAt: record.rollback?.completed ? record.rollback.startedAt : undefined,
    };
  }
  if (!report.live) return undefined;
  const lastReading = report.live.steps.flatMap((s) => s.readings).at(-1);
  const lastStart = report.live.steps.at(-1)?.startedAt ?? report.live.startedAt;
  return { ...report.live, endedAt: Math.max(lastReading?.at ?? lastStart, lastStart) };
}

function weightAt(timeline: Timeline, at: number): number {
  if (timeline.rolledBackAt !== undefined && at >= timeline.rolledBackAt) return 0;
  if (timeline.promotedAt !== undefined && at >= timeline.promotedAt) return 100;
  let weight = 0;
  for (const step of timeline.steps) if (step.startedAt <= at) weight = step.weight;
  return weight;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The chart's points; undefined when there is nothing to draw (no steps, or one instant). */
export function chartData(report: ReleaseReport): ChartData | undefined {
  const data = points(report);
  return data && new Set(data.labels).size >= 2 ? data : undefined;
}

function points(report: ReleaseReport): ChartData | undefined {
  const timeline = timelineOf(report);
  if (!timeline || timeline.steps.length === 0) return undefined;
  const metrics = report.metrics;
  if (metrics) {
    // One point per metrics period, starting where CloudWatch starts its periods.
    const period = metrics.periodSeconds * 1000;
    const origin = Math.floor(metrics.startedAt / Math.min(period, 60_000)) * Math.min(period, 60_000);
    const canary = new Map(metrics.canary.series.map((p) => [p.at, p]));
    const data: Required<ChartData> = { labels: [], weights: [], errorRates: [] };
    for (let t = origin; t < metrics.endedAt; t += period) {
      const point = canary.get(t);
      data.labels.push(utcTime(t));
      // The weight in force at the end of the period, so a final rollback or promotion shows.
      data.weights.push(weightAt(timeline, Math.min(t + period, timeline.endedAt) - 1));
      data.errorRates.push(
        point && point.invocations > 0 ? round2((100 * point.errors) / point.invocations) : 0,
      );
    }
    return data;
  }
  // Without metrics: the weight at each step's start and at the end.
  const times = [...timeline.steps.map((s) => s.startedAt), timeline.endedAt];
  return { labels: times.map(utcTime), weights: times.map((t) => weightAt(timeline, t)) };
}

export function renderChart(data: ChartData): string {
  const list = (values: (string | number)[]) =>
    `[${values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ')}]`;
  const title = data.errorRates
    ? 'Canary weight (bars) and canary error rate (line), percent'
    : 'Canary weight, percent';
  const lines = [
    '```mermaid',
    'xychart-beta',
    `  title "${title}"`,
    `  x-axis "UTC" ${list(data.labels)}`,
    '  y-axis "percent" 0 --> 100',
    `  bar ${list(data.weights)}`,
  ];
  if (data.errorRates) lines.push(`  line ${list(data.errorRates)}`);
  lines.push('```');
  return lines.join('\n');
}
