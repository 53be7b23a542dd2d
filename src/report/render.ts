// The report as Markdown: a pure function of the report, the one rendering that the job summary
// and the pull-request comment both publish.
import { formatDuration } from '../duration.js';
import type { GateReading, StepRecord } from '../engine/types.js';
import type { AlarmStatus } from '../gates/alarms.js';
import { describePlan } from '../strategy.js';
import { chartData, renderChart } from './chart.js';
import { escapeMarkdown as esc, link } from './escape.js';
import { utcDateTime as dateTime, utcTime as time } from './format.js';
import type { ReleasePlan, ReleaseReport, Result, VersionMetrics } from './model.js';
import { trafficStepCount } from '../engine/plan.js';
import { gatesText, offset, timeoutText } from './plan.js';
import { hooksSection } from './hooks.js';

const HEADLINE: Record<Result, string> = {
  promoted: '✅ Promoted',
  'rolled-back': '↩️ Rolled back',
  'no-change': '➖ No change',
  failed: '❌ Failed',
  'dry-run': '📝 Dry run',
  'in-progress': '🔄 In progress',
};

const STATE_ICON: Record<string, string> = { OK: '🟢', ALARM: '🔴', INSUFFICIENT_DATA: '⚪' };

export interface RenderOptions {
  /** Every gate reading, grouped, in a collapsed section. */
  readings: boolean;
  chart: boolean;
  /** Alarm reasons longer than this are cut. */
  reasonChars: number;
  /** Said at the end when detail was left out to fit a size limit. */
  omitted?: string;
}

export const FULL: RenderOptions = { readings: true, chart: true, reasonChars: 1024 };

/** Table cells are one line; a reading's summary or an alarm reason is cut to stay readable. */
const CELL_CHARS = 300;
/** The timeline's last reading: the sections below give it whole. */
const SHORT_CELL_CHARS = 120;

export function renderReport(report: ReleaseReport, options: RenderOptions = FULL): string {
  const cause = rollbackCause(report);
  const sections = [
    headline(report, cause),
    whyRolledBack(cause, options),
    hooksSection(report),
    overview(report),
    releasePlan(report.releasePlan),
    timeline(report, cause),
    metricsTable(report),
    alarmsTable(report, cause, options),
    options.chart ? chart(report) : '',
    options.readings ? readings(report, cause) : '',
    notes(report, options),
  ];
  return sections.filter((s) => s !== '').join('\n\n') + '\n';
}

/**
 * The report within a size limit: detail is dropped in order (every gate reading, then the
 * chart, then the length of alarm reasons), and the report says what was left out.
 */
export function renderWithin(report: ReleaseReport, fits: (text: string) => boolean): string {
  const json = 'the JSON report (output `report`) has everything';
  const levels: RenderOptions[] = [
    FULL,
    {
      ...FULL,
      readings: false,
      omitted: `Every gate reading is left out to fit GitHub's size limit; ${json}.`,
    },
    {
      ...FULL,
      readings: false,
      chart: false,
      omitted: `The gate readings and the chart are left out to fit GitHub's size limit; ${json}.`,
    },
    {
      readings: false,
      chart: false,
      reasonChars: 120,
      omitted: `The gate readings and the chart are left out and alarm reasons shortened to fit GitHub's size limit; ${json}.`,
    },
  ];
  let text = '';
  for (const options of levels) {
    text = renderReport(report, options);
    if (fits(text)) return text;
  }
  // Still too long (hundreds of alarms): keep whole lines while they fit.
  const tail = `\n\n> The report is cut here to fit GitHub's size limit; ${json}.\n`;
  const lines = text.split('\n');
  while (lines.length > 1 && !fits(lines.join('\n') + tail)) lines.pop();
  return lines.join('\n') + tail;
}

/**
 * The gate reading that rolled the release back, when it was alarms firing: the summary then
 * gives the alarms' own words once (in "Why it rolled back") and names them everywhere else.
 */
interface AlarmCause {
  reading: GateReading;
  firing: AlarmStatus[];
  /** The report's reason past the rollback's own (e.g. "; then the rollback failed: ..."). */
  rest: string;
  /** The section that quotes the alarms, which other places refer to. */
  section: string;
}

function rollbackCause(report: ReleaseReport): AlarmCause | undefined {
  const rollback = report.record?.rollback;
  if (!rollback || !report.reason.startsWith(rollback.reason)) return undefined;
  const reading = report
    .record!.steps.flatMap((s) => s.readings)
    .findLast((r) => r.status === 'fail' && rollback.reason === `gate ${r.gate} failed: ${r.summary}`);
  if (reading?.detail?.kind !== 'alarms') return undefined;
  const firing = reading.detail.alarms.filter(
    (a) => a.state === 'ALARM' && reading.summary.includes(`${a.name} is ALARM: ${a.reason}`),
  );
  if (firing.length === 0) return undefined;
  return {
    reading,
    firing,
    rest: report.reason.slice(rollback.reason.length),
    section: rollback.completed ? 'Why it rolled back' : 'Why it stopped',
  };
}

/** "orders-errors is ALARM": the cause without the alarms' words, which come once, below the headline. */
function causeText(cause: AlarmCause): string {
  return cause.firing.map((a) => `${esc(a.name)} is ALARM`).join('; ');
}

function headline(report: ReleaseReport, cause: AlarmCause | undefined): string {
  const unit = report.subject.unit;
  const versions =
    report.previousVersion && report.targetVersion
      ? ` from ${unit} ${esc(report.previousVersion)} to ${esc(report.targetVersion)}`
      : '';
  const reason = cause
    ? `gate ${esc(cause.reading.gate)} failed: ${causeText(cause)}${esc(cause.rest)}`
    : esc(report.reason);
  return `### ${HEADLINE[report.result]}: ${esc(report.subject.name)}${versions}\n\n**Reason:** ${reason}`;
}

function overview(report: ReleaseReport): string {
  const { unit } = report.subject;
  const rows: [string, string][] = report.subject.rows.map((row) => [
    row.label,
    `${row.url ? link(row.text, row.url) : esc(row.text)}${row.note ? ` (${esc(row.note)})` : ''}`,
  ]);
  if (report.previousVersion) rows.push([`Previous ${unit}`, esc(report.previousVersion)]);
  if (report.targetVersion) rows.push([`Target ${unit}`, esc(report.targetVersion)]);
  if (report.plan) rows.push(['Strategy', `${esc(report.plan.name)}: ${esc(describePlan(report.plan))}`]);
  if (report.environment) rows.push(['Environment', esc(report.environment)]);
  const source = sourceText(report);
  if (source) rows.push(['Source', source]);
  const started = report.record?.startedAt ?? report.live?.startedAt;
  if (started !== undefined) rows.push(['Started', `${dateTime(started)} UTC`]);
  if (report.result !== 'in-progress')
    rows.push([
      'Duration',
      report.durationSeconds > 0 ? formatDuration(report.durationSeconds * 1000) : 'under 1s',
    ]);
  if (report.links.run) rows.push(['Run', link('workflow run', report.links.run)]);
  return keyValueTable(rows);
}

/** A dry run's plan: what each step would hold and write, the gates and the timeout. */
function releasePlan(plan: ReleasePlan | undefined): string {
  if (!plan) return '';
  const count = plan.stepCount;
  let index = 0;
  const rows = plan.steps.map((step): string[] => {
    const writes = step.writes.map(esc).join('<br>') || '—';
    if (step.kind === 'before') return ['Before', '—', '—', '—', writes];
    if (step.kind === 'promote') return ['Promote', '100%', offset(step.startMs ?? 0), '—', writes];
    index++;
    const label = `${index} of ${count}`;
    if (step.skipped) return [label, `${step.weight}%`, '—', '—', `skipped: ${esc(step.skipped)}`];
    return [label, `${step.weight}%`, offset(step.startMs!), offset(step.endMs!), writes];
  });
  return [
    '#### Plan',
    `**Gates:** ${esc(gatesText(plan))}.<br>**Timeout:** ${esc(timeoutText(plan))}.`,
    table(['Step', 'Weight', 'From', 'Until', 'Writes'], rows),
  ].join('\n\n');
}

function sourceText(report: ReleaseReport): string {
  const { event, ref, sha, actor } = report.source;
  const parts: string[] = [];
  if (event) parts.push(esc(event));
  if (ref) parts.push(`of ${esc(ref.replace(/^refs\/(heads|tags)\//, ''))}`);
  if (sha) parts.push(`at ${esc(sha.slice(0, 7))}`);
  if (actor) parts.push(`by ${esc(actor)}`);
  return parts.join(' ');
}

function timeline(report: ReleaseReport, cause: AlarmCause | undefined): string {
  const record = report.record;
  const steps = record?.steps ?? report.live?.steps ?? [];
  if (steps.length === 0) return '';
  // Traffic steps: the final 100% is the Promote row.
  const count = report.plan ? trafficStepCount(report.plan) : steps.length;
  const rows = steps.map((step): string[] => [
    `${step.index + 1} of ${count}`,
    `${step.weight}%`,
    time(step.startedAt),
    held(step, record === undefined),
    gateSummary(step.readings, cause),
  ]);
  if (record?.outcome === 'promoted') {
    const at = steps.at(-1)?.endedAt ?? record.startedAt;
    rows.push(['Promote', '100%', time(at), '—', 'all traffic on the new version, verified']);
  }
  if (record?.rollback) {
    const rb = record.rollback;
    rows.push([
      'Roll back',
      '0%',
      time(rb.startedAt),
      formatDuration(rb.endedAt - rb.startedAt),
      rb.completed
        ? 'all traffic on the previous version'
        : `**failed:** ${cut(esc(rb.error ?? 'unknown error'))}`,
    ]);
  }
  return `#### Timeline\n\n${table(['Step', 'Weight', 'Started (UTC)', 'Held', 'Gate readings'], rows)}`;
}

function held(step: StepRecord, live: boolean): string {
  const planned = formatDuration(step.plannedHoldMs);
  if (step.endedAt === undefined) return live ? `holding (of ${planned})` : `stopped (of ${planned})`;
  return `${formatDuration(roundSeconds(step.endedAt - step.startedAt))} of ${planned}`;
}

/** Per gate: how many reads had each status, and what the last one said. */
function gateSummary(readings: GateReading[], cause: AlarmCause | undefined): string {
  if (readings.length === 0) return '—';
  const gates = [...new Set(readings.map((r) => r.gate))];
  return gates
    .map((gate) => {
      const own = readings.filter((r) => r.gate === gate);
      const counts = countBy(own.map((r) => r.status));
      const last = own.at(-1)!;
      return `${esc(gate)}: ${Object.entries(counts)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ')}; last: ${readingText(last, cause, SHORT_CELL_CHARS)}`;
    })
    .join('<br>');
}

function metricsTable(report: ReleaseReport): string {
  if (report.metricsUnavailable)
    return `#### Canary vs baseline\n\n_Metrics unavailable: ${esc(report.metricsUnavailable)}_`;
  const m = report.metrics;
  if (!m) return '';
  const labels = report.subject.metrics?.labels ?? {
    requests: 'Requests',
    errors: 'Errors',
    latency: 'latency',
  };
  const extras = (report.subject.metrics?.extraCounts ?? []).map((e) => e.label);
  const rows: [string, (v: VersionMetrics) => string][] = [
    [esc(labels.requests), (v) => integer(v.invocations)],
    [esc(labels.errors), (v) => integer(v.errors)],
    ['Error rate', (v) => (v.errorRate === undefined ? '—' : `${(v.errorRate * 100).toFixed(2)}%`)],
    ...extras.map((label): [string, (v: VersionMetrics) => string] => [
      esc(label),
      (v) => (v.extra?.[label] === undefined ? '—' : integer(v.extra[label])),
    ]),
    [`p50 ${esc(labels.latency)}`, (v) => milliseconds(v.p50Ms)],
    [`p99 ${esc(labels.latency)}`, (v) => milliseconds(v.p99Ms)],
  ];
  const body = table(
    [
      'Metric',
      `Baseline (${report.subject.unit} ${esc(m.baseline.version)})`,
      `Canary (${report.subject.unit} ${esc(m.canary.version)})`,
    ],
    rows.map(([label, value]) => [label, value(m.baseline), value(m.canary)]),
  );
  const queries = report.subject.metrics;
  const source =
    `<sub>CloudWatch ${esc(queries?.source ?? '')}, ` +
    `${time(m.startedAt)}–${time(m.endedAt)} UTC, ${m.periodSeconds} s periods. ` +
    `${queries?.caveat ?? ''}</sub>`;
  return `#### Canary vs baseline\n\n${body}\n\n${source}`;
}

/** The alarms' own words, the one place they appear; the headline gives the rest of the reason. */
function whyRolledBack(cause: AlarmCause | undefined, options: RenderOptions): string {
  if (!cause) return '';
  const quotes = cause.firing.map((alarm) => {
    const since = alarm.changedAt ? ` since ${dateTime(Date.parse(alarm.changedAt))} UTC` : '';
    return `> **${esc(alarm.name)}** is ALARM${since}: ${cut(esc(alarm.reason), options.reasonChars)}`;
  });
  return [`#### ${cause.section}`, ...quotes].join('\n\n');
}

/** A reading's summary; the one that rolled back names its alarms, whose words are above. */
function readingText(reading: GateReading, cause: AlarmCause | undefined, max = CELL_CHARS): string {
  const isCause =
    cause !== undefined &&
    reading.status === 'fail' &&
    reading.gate === cause.reading.gate &&
    reading.summary === cause.reading.summary;
  if (isCause) return `${causeText(cause)} (see ${cause.section})`;
  return cut(esc(reading.summary), max);
}

function alarmsTable(report: ReleaseReport, cause: AlarmCause | undefined, options: RenderOptions): string {
  if (report.alarms.length === 0) return '';
  const url = new Map(report.links.alarms.map((a) => [a.name, a.url]));
  const quoted = new Set(cause?.firing.map((a) => a.name));
  const rows = report.alarms.map((a: AlarmStatus) => [
    url.has(a.name) ? link(a.name, url.get(a.name)!) : esc(a.name),
    `${STATE_ICON[a.state] ?? '❔'} ${esc(a.state)}`,
    quoted.has(a.name) && a.state === 'ALARM'
      ? `see ${cause!.section}`
      : cut(esc(a.reason), options.reasonChars) || '—',
  ]);
  return `#### Alarms\n\n${table(['Alarm', 'State', 'Last reason'], rows)}`;
}

function chart(report: ReleaseReport): string {
  const data = chartData(report);
  return data ? `#### Chart\n\n${renderChart(data)}` : '';
}

/** Every reading, consecutive identical ones (same step, gate, status, summary) on one row. */
function readings(report: ReleaseReport, cause: AlarmCause | undefined): string {
  const steps = report.record?.steps ?? report.live?.steps ?? [];
  const rows: string[][] = [];
  let total = 0;
  for (const step of steps) {
    let run: { first: GateReading; last: GateReading; n: number } | undefined;
    const flush = () => {
      if (!run) return;
      const when = run.n > 1 ? `${time(run.first.at)}–${time(run.last.at)}` : time(run.first.at);
      rows.push([
        when,
        String(step.index + 1),
        esc(run.first.gate),
        `${run.first.status} ×${run.n}`,
        readingText(run.first, cause),
      ]);
    };
    for (const r of step.readings) {
      total++;
      if (
        run &&
        run.first.gate === r.gate &&
        run.first.status === r.status &&
        run.first.summary === r.summary
      ) {
        run.last = r;
        run.n++;
      } else {
        flush();
        run = { first: r, last: r, n: 1 };
      }
    }
    flush();
  }
  if (total === 0) return '';
  return `<details><summary>Every gate reading (${total})</summary>\n\n${table(['Time (UTC)', 'Step', 'Gate', 'Status', 'Reading'], rows)}\n\n</details>`;
}

function notes(report: ReleaseReport, options: RenderOptions): string {
  const all = report.notes.map(esc);
  if (options.omitted) all.push(options.omitted);
  return all.map((n) => `> ${n}`).join('\n>\n');
}

/** Label and value rows; the first pair is the header row, so that no empty header bar shows. */
function keyValueTable(rows: [string, string][]): string {
  const [first, ...rest] = rows;
  return table(first!, rest, ':---');
}

function table(header: string[], rows: string[][], rule = '---'): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => rule)), ...rows.map(line)].join('\n');
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** Cuts escaped text without splitting an escape (`\|`, `&amp;`). */
/** Escaped text cut to `max` characters and "…", never inside an entity or an escape. */
export function cut(text: string, max = CELL_CHARS): string {
  if (text.length <= max) return text;
  let end = max;
  const entity = text.lastIndexOf('&', end);
  if (entity > end - 8 && !text.slice(entity, end).includes(';')) end = entity;
  // A backslash escapes what follows it: an odd run before the cut would escape the "…" and
  // show one stray backslash; an even run is escaped backslashes, whole.
  let run = 0;
  while (run < end && text[end - 1 - run] === '\\') run++;
  if (run % 2 === 1) end--;
  return `${text.slice(0, end)}…`;
}

const roundSeconds = (ms: number) => (ms >= 1000 ? Math.round(ms / 1000) * 1000 : ms);
const integer = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const milliseconds = (ms: number | undefined) => (ms === undefined ? '—' : `${Math.round(ms * 10) / 10} ms`);
