// The Mermaid charts of the rollout: the canary's share of traffic over time, and the error rates
// of canary and baseline on their own scale. `xychart-beta` is rendered by GitHub in summaries
// and comments; it has no legend, so titles and axis names say which series is which. Long
// rollouts are bucketed to at most MAX_POINTS points so that every label stays readable. Nothing
// untrusted goes in: labels are clock times, values are numbers, versions are digits.
import { formatDuration } from '../duration.js';
import type { StepRecord } from '../engine/types.js';
import { utcTime } from './format.js';
import type { CanaryMetrics, ReleaseReport, VersionMetrics } from './model.js';

/** Points on the x-axis beyond which labels overlap at GitHub's width. */
export const MAX_POINTS = 20;

export interface ChartData {
  /** Where the x-axis starts (its labels are times since then). */
  origin: number;
  labels: string[];
  /** Percent of traffic on the new version at each point. */
  weights: number[];
  /** Error rates in percent at each point; absent without metrics. */
  errorRates?: { canary: number[]; baseline: number[] };
  /** The point at which the rollback happened, and when. */
  rollback?: { point: number; at: number };
  promotedAt?: number;
  /** Version numbers for the titles, when they are plain numbers. */
  canaryVersion?: string;
  baselineVersion?: string;
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

/** Two decimals, three below 1% so that small rates still differ. */
const roundRate = (n: number) => (n >= 1 ? Math.round(n * 100) / 100 : Math.round(n * 1000) / 1000);
const plainVersion = (v: string | undefined) => (v && /^\d+$/.test(v) ? v : undefined);

/** The charts' points; undefined when there is nothing to draw (no steps, or one instant). */
export function chartData(report: ReleaseReport): ChartData | undefined {
  const timeline = timelineOf(report);
  if (!timeline || timeline.steps.length === 0) return undefined;
  const data = report.metrics ? metricPoints(timeline, report.metrics) : stepPoints(timeline);
  if (new Set(data.labels).size < 2) return undefined;
  return {
    ...data,
    promotedAt: timeline.promotedAt,
    canaryVersion: plainVersion(report.targetVersion),
    baselineVersion: plainVersion(report.previousVersion),
  };
}

/** One point per bucket of metric periods, starting where CloudWatch starts its periods. */
function metricPoints(timeline: Timeline, metrics: CanaryMetrics): ChartData {
  const period = metrics.periodSeconds * 1000;
  const align = Math.min(period, 60_000);
  const origin = Math.floor(metrics.startedAt / align) * align;
  const periods = Math.max(1, Math.ceil((metrics.endedAt - origin) / period));
  const width = Math.ceil(periods / MAX_POINTS) * period;
  const data: ChartData & Required<Pick<ChartData, 'errorRates'>> = {
    origin,
    labels: [],
    weights: [],
    errorRates: { canary: [], baseline: [] },
  };
  for (let t = origin; t < metrics.endedAt; t += width) {
    data.labels.push(since(origin, t));
    // The weight in force at the end of the bucket, so a final rollback or promotion shows.
    data.weights.push(weightAt(timeline, Math.min(t + width, timeline.endedAt) - 1));
    data.errorRates.canary.push(errorRate(metrics.canary, t, t + width));
    data.errorRates.baseline.push(errorRate(metrics.baseline, t, t + width));
  }
  const at = timeline.rolledBackAt;
  if (at !== undefined) {
    const point = Math.min(Math.max(0, Math.floor((at - origin) / width)), data.labels.length - 1);
    data.rollback = { point, at };
  }
  return data;
}

/** Percent of the invocations in [from, to) that failed; 0 without invocations. */
function errorRate(version: VersionMetrics, from: number, to: number): number {
  let invocations = 0;
  let errors = 0;
  for (const p of version.series) {
    if (p.at < from || p.at >= to) continue;
    invocations += p.invocations;
    errors += p.errors;
  }
  return invocations > 0 ? roundRate((100 * errors) / invocations) : 0;
}

/** Without metrics: the weight at each step's start and at the end, or on an even grid when too many. */
function stepPoints(timeline: Timeline): ChartData {
  let times = [...timeline.steps.map((s) => s.startedAt), timeline.endedAt];
  if (times.length > MAX_POINTS) {
    // An even grid of whole minutes (whole seconds for short rollouts), then the end.
    const span = timeline.endedAt - timeline.startedAt;
    const unit = span >= MAX_POINTS * 60_000 ? 60_000 : 1000;
    const width = Math.ceil(span / (MAX_POINTS - 1) / unit) * unit;
    times = [];
    for (let t = timeline.startedAt; t < timeline.endedAt; t += width) times.push(t);
    times.push(timeline.endedAt);
  }
  const origin = timeline.startedAt;
  const data: ChartData = {
    origin,
    labels: times.map((t) => since(origin, t)),
    weights: times.map((t) => weightAt(timeline, t)),
  };
  const at = timeline.rolledBackAt;
  if (at !== undefined) {
    const point = times.findIndex((t) => t >= at);
    data.rollback = { point: point >= 0 ? point : times.length - 1, at };
  }
  return data;
}

/** A label: the time since the axis starts, short enough for twenty of them side by side. */
function since(origin: number, t: number): string {
  const seconds = Math.round((t - origin) / 1000);
  return seconds === 0 ? '0s' : formatDuration(seconds * 1000);
}

/** The smallest round number above the highest rate, so that a 0.5% rate fills its chart. */
export function errorAxisTop(rates: number[]): number {
  const highest = Math.max(0, ...rates);
  const candidates = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 40, 50, 60, 80, 100];
  return candidates.find((c) => c >= highest * 1.1) ?? 100;
}

const list = (values: (string | number)[]) =>
  `[${values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ')}]`;

/** One or two ```mermaid blocks: traffic, then error rates when the metrics have them. */
export function renderChart(data: ChartData): string {
  const blocks = [trafficChart(data)];
  if (data.errorRates) blocks.push(errorChart(data, data.errorRates));
  return blocks.join('\n\n');
}

function trafficChart(data: ChartData): string {
  const version = data.canaryVersion ? `version ${data.canaryVersion}` : 'the new version';
  const end = data.rollback
    ? `; ${ROLLBACK_MARK} rolled back at ${utcTime(data.rollback.at)}`
    : data.promotedAt !== undefined
      ? `; promoted at ${utcTime(data.promotedAt)}`
      : '';
  return mermaid(TRAFFIC_COLORS, [
    `  title "Traffic on ${version} (bars), percent${end}"`,
    xAxis(data),
    '  y-axis "percent of traffic" 0 --> 100',
    `  bar ${list(data.weights)}`,
  ]);
}

const ROLLBACK_MARK = '↩';

/** Times since the start, the rollback's point marked. */
function xAxis(data: ChartData): string {
  const labels = data.labels.map((l, i) => (i === data.rollback?.point ? `${ROLLBACK_MARK} ${l}` : l));
  return `  x-axis "time since ${utcTime(data.origin)} UTC" ${list(labels)}`;
}

function errorChart(data: ChartData, rates: NonNullable<ChartData['errorRates']>): string {
  const canary = data.canaryVersion ? `canary v${data.canaryVersion}` : 'canary';
  const baseline = data.baselineVersion ? `baseline v${data.baselineVersion}` : 'baseline';
  return mermaid(ERROR_COLORS, [
    `  title "Error rate, percent: ${canary} (line), ${baseline} (bars)"`,
    xAxis(data),
    `  y-axis "error rate, percent" 0 --> ${errorAxisTop([...rates.canary, ...rates.baseline])}`,
    `  bar ${list(rates.baseline)}`,
    `  line ${list(rates.canary)}`,
  ]);
}

/** Series colours in order (bars, then the line): traffic blue; baseline grey, canary red. */
const TRAFFIC_COLORS = '#0969da';
const ERROR_COLORS = '#afb8c1, #cf222e';

/** A chart block: short, so that both fit on a screen, in colours that tell the series apart. */
function mermaid(colors: string, body: string[]): string {
  const config = {
    xyChart: { width: 800, height: 320, xAxis: { labelFontSize: 12 } },
    themeVariables: { xyChart: { plotColorPalette: colors } },
  };
  return ['```mermaid', `%%{init: ${JSON.stringify(config)}}%%`, 'xychart-beta', ...body, '```'].join('\n');
}
