// The report as Markdown: a pure function of the report, the one rendering that the job summary
// and the pull-request comment both publish.
import { formatDuration } from '../duration.js';
import type { GateReading, StepRecord } from '../engine/types.js';
import type { AlarmStatus } from '../gates/alarms.js';
import { describePlan } from '../strategy.js';
import { chartData, renderChart } from './chart.js';
import { escapeMarkdown as esc, link } from './escape.js';
import { count as integer, milliseconds, rate, utcDateTime as dateTime, utcTime as time } from './format.js';
import type { ReleasePlan, ReleaseReport, Result, VersionMetrics } from './model.js';
import { trafficStepCount } from '../engine/plan.js';
import { followedCause, followedSection } from './followed.js';
import { hooksSection } from './hooks.js';
import { gatesText, offset, stepGates, timeoutText, unwatchedPlan } from './plan.js';
import {
  DEFAULT_WORDS,
  failureBrief,
  failureLines,
  holdText,
  inconclusiveAdvice,
  isAnalysisReading,
  lastAnalysisReading,
  readingLine,
  shortfallLines,
  verdictRows,
  verdictSource,
  type AnalysisReading,
  type MetricWords,
} from './analysis.js';

const HEADLINE: Record<Result, string> = {
  promoted: '✅ Promoted',
  'rolled-back': '↩️ Rolled back',
  'no-change': '➖ No change',
  failed: '❌ Failed',
  'dry-run': '📝 Dry run',
  'in-progress': '🔄 In progress',
  started: '⏸️ Started: the split waits for promote',
  none: '➖ No release in progress',
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
    unwatched(report),
    headline(report, cause),
    whyRolledBack(cause, options),
    hooksSection(report),
    followedCause(report),
    promotedUndecided(report),
    overview(report),
    partsTable(report),
    followedSection(report),
    releasePlan(report.releasePlan),
    timeline(report, cause),
    canaryVsBaseline(report),
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
 * The gate reading that rolled the release back, when its gate explains itself (alarms firing,
 * the analysis failing): the summary then gives the gate's own words and numbers once (in "Why
 * it rolled back") and names the cause briefly everywhere else.
 */
interface Cause {
  reading: GateReading;
  /** The cause in a few words (escaped): the headline, the timeline and the readings name it so. */
  brief: string;
  /** The Why section's quotes (escaped Markdown), each of one or more paragraphs. */
  quotes: (options: RenderOptions) => string[][];
  /** Alarms whose reason the Why section quotes: the alarms table refers to it. */
  quotedAlarms: Set<string>;
  /** The report's reason past the rollback's own (e.g. "; then the rollback failed: ..."). */
  rest: string;
  /** The section that quotes the gate, which other places refer to. */
  section: string;
}

function rollbackCause(report: ReleaseReport): Cause | undefined {
  const rollback = report.record?.rollback;
  if (!rollback || !report.reason.startsWith(rollback.reason)) return undefined;
  const steps = report.record!.steps;
  const reading = steps
    .flatMap((s) => s.readings)
    .findLast((r) => r.status === 'fail' && rollback.reason === `gate ${r.gate} failed: ${r.summary}`);
  if (!reading) return undefined;
  const common = {
    reading,
    rest: report.reason.slice(rollback.reason.length),
    section: rollback.completed ? 'Why it rolled back' : 'Why it stopped',
  };
  if (isAnalysisReading(reading)) return { ...common, ...analysisCause(report, reading) };
  if (reading.detail?.kind !== 'alarms') return undefined;
  const firing = reading.detail.alarms.filter(
    (a) => a.state === 'ALARM' && reading.summary.includes(`${a.name} is ALARM: ${a.reason}`),
  );
  if (firing.length === 0) return undefined;
  return {
    ...common,
    brief: firing.map((a) => `${esc(a.name)} is ALARM`).join('; '),
    quotes: (options) =>
      firing.map((alarm) => {
        const since = alarm.changedAt ? ` since ${dateTime(Date.parse(alarm.changedAt))} UTC` : '';
        return [`**${esc(alarm.name)}** is ALARM${since}: ${cut(esc(alarm.reason), options.reasonChars)}`];
      }),
    quotedAlarms: new Set(firing.map((a) => a.name)),
  };
}

/** The analysis's own words (its summary), then its numbers; undecided, what to do about it. */
function analysisCause(
  report: ReleaseReport,
  reading: AnalysisReading,
): Pick<Cause, 'brief' | 'quotes' | 'quotedAlarms'> {
  const detail = reading.detail;
  const words = metricWords(report);
  const where = stepOf(report, reading);
  const undecided = detail.verdict === 'inconclusive';
  const lead = `**The analysis ${undecided ? 'was inconclusive' : 'failed'}** at ${time(reading.at)} UTC${where}: ${esc(reading.summary)}`;
  const numbers = undecided ? shortfallLines(detail, words, esc) : failureLines(detail, words, esc);
  const advice = undecided ? inconclusiveAdvice(report.analysis, false) : [];
  return {
    brief: failureBrief(detail, esc),
    quotes: () => [[lead, ...numbers, ...advice]],
    quotedAlarms: new Set(),
  };
}

/** " in step 2 of 2 (75%)": where a reading was taken. */
function stepOf(report: ReleaseReport, reading: GateReading): string {
  const steps = report.record?.steps ?? report.live?.steps ?? [];
  const step = steps.find((s) => s.readings.includes(reading));
  if (!step) return '';
  const total = report.plan ? trafficStepCount(report.plan) : steps.length;
  return ` in step ${step.index + 1} of ${total} (${step.weight}%)`;
}

function metricWords(report: ReleaseReport): MetricWords {
  return report.subject.metrics?.labels ?? DEFAULT_WORDS;
}

/** Nothing could have failed the release: said first, as an alert nobody scrolls past. */
function unwatched(report: ReleaseReport): string {
  const sentence = report.unwatched ?? (report.releasePlan && unwatchedPlan(report.releasePlan));
  if (!sentence) return '';
  return `> [!CAUTION]\n> **${esc(sentence)}**`;
}

/** Promoted although the analysis could not decide (`on-inconclusive: pass`): said under the headline. */
function promotedUndecided(report: ReleaseReport): string {
  if (report.result !== 'promoted' || !report.record) return '';
  const last = lastAnalysisReading(report.record.steps);
  if (last?.detail.verdict !== 'inconclusive') return '';
  const lines = [
    `**The analysis was inconclusive** at ${time(last.at)} UTC: ${esc(last.summary)}`,
    ...shortfallLines(last.detail, metricWords(report), esc),
    ...inconclusiveAdvice(report.analysis, true),
  ];
  return `> [!WARNING]\n${quote(lines)}`;
}

function headline(report: ReleaseReport, cause: Cause | undefined): string {
  const unit = report.subject.unit;
  const versions = report.parts
    ? `, ${report.parts.length} functions in lockstep`
    : report.previousVersion && report.targetVersion
      ? ` from ${unit} ${esc(report.previousVersion)} to ${esc(report.targetVersion)}`
      : '';
  const reason = cause
    ? `gate ${esc(cause.reading.gate)} failed: ${cause.brief}${esc(cause.rest)}`
    : esc(report.reason);
  return `### ${HEADLINE[report.result]}: ${esc(report.subject.name)}${versions}\n\n**Reason:** ${reason}`;
}

function overview(report: ReleaseReport): string {
  const { unit } = report.subject;
  const rows: [string, string][] = report.subject.rows.map((row) => [
    row.label,
    `${row.url ? link(row.text, row.url) : esc(row.text)}${row.note ? ` (${esc(row.note)})` : ''}`,
  ]);
  // A whole release says nothing of it; a phase of a split one says which.
  if (report.command && report.command !== 'deploy') rows.push(['Command', esc(report.command)]);
  // Several parts (a lockstep release) have a row each in the table below instead.
  if (report.previousVersion && !report.parts) rows.push([`Previous ${unit}`, esc(report.previousVersion)]);
  if (report.targetVersion && !report.parts) rows.push([`Target ${unit}`, esc(report.targetVersion)]);
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

/** A lockstep release: a row per function, its two versions and where its alias ended (or is now). */
function partsTable(report: ReleaseReport): string {
  if (!report.parts) return '';
  const { unit } = report.subject;
  const where = report.result === 'in-progress' ? 'Now' : 'Ended on';
  const rows = report.parts.map((p) => [
    esc(p.name),
    `${esc(p.previous)} → ${esc(p.target)}`,
    cut(esc(p.now)),
  ]);
  return table(['Function', `Previous → target ${unit}`, where], rows);
}

/** A dry run's plan: what each step would hold and write, the gates and the timeout. */
function releasePlan(plan: ReleasePlan | undefined): string {
  if (!plan) return '';
  const count = plan.stepCount;
  let index = 0;
  const rows = plan.steps.map((step): string[] => {
    const writes = step.writes.map(esc).join('<br>') || '—';
    if (step.kind === 'before') return ['Before', '—', '—', '—', '—', writes];
    if (step.kind === 'promote') return ['Promote', '100%', offset(step.startMs ?? 0), '—', '—', writes];
    index++;
    const label = `${index} of ${count}`;
    if (step.skipped) return [label, `${step.weight}%`, '—', '—', '—', `skipped: ${esc(step.skipped)}`];
    const gates = esc(stepGates(plan, step)) || '**none**';
    return [label, `${step.weight}%`, offset(step.startMs!), offset(step.endMs!), gates, writes];
  });
  const gates = gatesText(plan)
    .map((g) => esc(g))
    .join('<br>');
  return [
    '#### Plan',
    `**Gates:** ${gates}<br>**Timeout:** ${esc(timeoutText(plan))}.`,
    table(['Step', 'Weight', 'From', 'Until', 'Gates', 'Writes'], rows),
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

function timeline(report: ReleaseReport, cause: Cause | undefined): string {
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
function gateSummary(readings: GateReading[], cause: Cause | undefined): string {
  if (readings.length === 0) return '—';
  const gates = [...new Set(readings.map((r) => r.gate))];
  return gates
    .map((gate) => {
      const own = readings.filter((r) => r.gate === gate);
      const counts = countBy(own.map((r) => r.status));
      const last = own.at(-1)!;
      return `${esc(gate)}: ${Object.entries(counts)
        .map(([status, n]) => `${integer(n)} ${status}`)
        .join(', ')}; last: ${readingText(last, cause, SHORT_CELL_CHARS)}`;
    })
    .join('<br>');
}

/** Canary versus baseline: the analysis's verdict on each test, then the window's metrics. */
function canaryVsBaseline(report: ReleaseReport): string {
  const steps = report.record?.steps ?? report.live?.steps ?? [];
  const analysis = lastAnalysisReading(steps);
  const parts = [analysis ? verdictTable(report, analysis) : '', metricsTable(report)].filter(
    (p) => p !== '',
  );
  return parts.length > 0 ? `#### Canary vs baseline\n\n${parts.join('\n\n')}` : '';
}

/** "Baseline (version 6)", "Canary (version 7)": the two sides' column headers. */
function sideHeaders(report: ReleaseReport, baseline?: string, canary?: string): [string, string] {
  const unit = report.subject.unit;
  const side = (name: string, version: string | undefined) =>
    version ? `${name} (${unit} ${esc(version)})` : name;
  return [
    side('Baseline', baseline ?? report.previousVersion),
    side('Canary', canary ?? report.targetVersion),
  ];
}

/** Every verdict with its numbers: both sides, the difference, the limit, the evidence so far. */
function verdictTable(report: ReleaseReport, reading: AnalysisReading): string {
  const words = metricWords(report);
  const body = table(
    ['Analysis', ...sideHeaders(report), 'Difference', 'Threshold', 'Verdict', 'Evidence so far'],
    verdictRows(reading.detail, words, esc),
  );
  return `${body}\n\n<sub>${verdictSource(reading, words)}</sub>`;
}

function metricsTable(report: ReleaseReport): string {
  if (report.metricsUnavailable) return `_Metrics unavailable: ${esc(report.metricsUnavailable)}_`;
  const m = report.metrics;
  if (!m) return '';
  const labels = metricWords(report);
  const extras = (report.subject.metrics?.extraCounts ?? []).map((e) => e.label);
  const rows: [string, (v: VersionMetrics) => string][] = [
    [esc(labels.requests), (v) => integer(v.invocations)],
    [esc(labels.errors), (v) => integer(v.errors)],
    ['Error rate', (v) => (v.errorRate === undefined ? '—' : rate(v.errorRate))],
    ...extras.map((label): [string, (v: VersionMetrics) => string] => [
      esc(label),
      (v) => (v.extra?.[label] === undefined ? '—' : integer(v.extra[label])),
    ]),
    [`p50 ${esc(labels.latency)}`, (v) => milliseconds(v.p50Ms)],
    [`p99 ${esc(labels.latency)}`, (v) => milliseconds(v.p99Ms)],
  ];
  const body = table(
    ['Metric', ...sideHeaders(report, m.baseline.version, m.canary.version)],
    rows.map(([label, value]) => [label, value(m.baseline), value(m.canary)]),
  );
  const queries = report.subject.metrics;
  const source =
    `<sub>CloudWatch ${esc(queries?.source ?? '')}, ` +
    `${time(m.startedAt)}–${time(m.endedAt)} UTC, ${m.periodSeconds} s periods. ` +
    `${queries?.caveat ?? ''}</sub>`;
  return `${body}\n\n${source}`;
}

/** The gate's own words, the one place they appear; the headline gives the rest of the reason. */
function whyRolledBack(cause: Cause | undefined, options: RenderOptions): string {
  if (!cause) return '';
  return [`#### ${cause.section}`, ...cause.quotes(options).map(quote)].join('\n\n');
}

/** Paragraphs as one quote. */
function quote(paragraphs: string[]): string {
  return paragraphs.map((p) => `> ${p}`).join('\n>\n');
}

/**
 * A reading in a cell: the analysis's verdict and evidence, or the gate's summary; the one that
 * rolled back names its cause, whose words are in the Why section. A gate holding the step says so.
 */
function readingText(reading: GateReading, cause: Cause | undefined, max = CELL_CHARS): string {
  const isCause =
    cause !== undefined &&
    reading.status === 'fail' &&
    reading.gate === cause.reading.gate &&
    reading.summary === cause.reading.summary;
  if (isCause) return `${cause.brief} (see ${cause.section})`;
  const said = isAnalysisReading(reading) ? readingLine(reading, esc) : esc(reading.summary);
  // Cut apart, so that the hold's "until" stays however long the evidence is.
  const hold = reading.holdStep ? `; ${cut(holdText(reading.holdStep, esc), SHORT_CELL_CHARS)}` : '';
  return `${cut(said, max)}${hold}`;
}

function alarmsTable(report: ReleaseReport, cause: Cause | undefined, options: RenderOptions): string {
  if (report.alarms.length === 0) return '';
  const url = new Map(report.links.alarms.map((a) => [a.name, a.url]));
  const quoted = cause?.quotedAlarms ?? new Set<string>();
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

/**
 * Every reading; a gate's consecutive identical ones (same step, status and words) on one row,
 * whatever the other gates said meanwhile. Rows follow their first reading.
 */
function readings(report: ReleaseReport, cause: Cause | undefined): string {
  const steps = report.record?.steps ?? report.live?.steps ?? [];
  const rows: string[][] = [];
  let total = 0;
  for (const step of steps) {
    const runs: { first: GateReading; last: GateReading; text: string; n: number }[] = [];
    const current = new Map<string, (typeof runs)[number]>();
    for (const r of step.readings) {
      total++;
      const text = readingText(r, cause);
      const run = current.get(r.gate);
      if (run && run.first.status === r.status && run.text === text) {
        run.last = r;
        run.n++;
      } else {
        const started = { first: r, last: r, text, n: 1 };
        runs.push(started);
        current.set(r.gate, started);
      }
    }
    for (const run of runs) {
      const when = run.n > 1 ? `${time(run.first.at)}–${time(run.last.at)}` : time(run.first.at);
      rows.push([
        when,
        String(step.index + 1),
        esc(run.first.gate),
        `${run.first.status} ×${run.n}`,
        run.text,
      ]);
    }
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
