// The analysis in words, for the report (render.ts) and the log (rollout-log.ts): its verdict on
// each test with the numbers behind it, a short line per reading, and what to do when it could
// not decide. The figures are the gate's own (its last reading), never re-derived here.
import { formatDuration } from '../duration.js';
import type { GateReading, StepRecord } from '../engine/types.js';
import type { AnalysisSettings } from '../gates/analysis.js';
import type {
  AnalysisDetail,
  AnalysisSubjectReading,
  AnalysisVerdict,
  SideEvidence,
} from '../gates/detail.js';
import {
  change,
  changeLimit,
  count,
  milliseconds,
  points,
  pointsLimit,
  rate,
  share,
  utcTime,
} from './format.js';

export type AnalysisReading = GateReading & { detail: AnalysisDetail };

export const isAnalysisReading = (reading: GateReading): reading is AnalysisReading =>
  reading.detail?.kind === 'analysis';

/** The gate's last judged evidence: its latest reading with detail (an unreadable poll has none). */
export function lastAnalysisReading(steps: readonly StepRecord[]): AnalysisReading | undefined {
  return steps.flatMap((s) => s.readings).findLast(isAnalysisReading);
}

/** Names from AWS go through `text` (the report escapes them; the log takes them as they are). */
export type Text = (untrusted: string) => string;

export const VERDICT_WORDS: Record<AnalysisVerdict, string> = {
  gathering: 'gathering',
  pass: 'pass',
  fail: 'fail',
  inconclusive: 'inconclusive',
  waiting: 'waiting',
};

/** One side as the log and the timeline give it: "3/298 errors". */
const side = (evidence: SideEvidence) => `${count(evidence.errors)}/${count(evidence.invocations)} errors`;

/** "canary 3/298 errors, baseline 27/2,702; latency +4.1%", and what it still needs while gathering. */
function subjectBrief(detail: AnalysisDetail, subject: AnalysisSubjectReading): string {
  if (subject.judgedPeriods === 0)
    return `no settled period yet; needs ${count(detail.minInvocations)} a side`;
  const parts = [`canary ${side(subject.canary)}, baseline ${side(subject.baseline)}`];
  if (subject.latency.increasePercent !== undefined)
    parts.push(`latency ${change(subject.latency.increasePercent)}`);
  const short = [subject.canary, subject.baseline].some((s) => s.invocations < detail.minInvocations);
  if (short && detail.verdict !== 'fail') parts.push(`needs ${count(detail.minInvocations)} a side`);
  return parts.join('; ');
}

/** At most this many subjects are named in one line; the rest are counted. */
const BRIEF_SUBJECTS = 3;

/** The reading's evidence in a few words; with several subjects, the failing ones first. */
export function analysisBrief(detail: AnalysisDetail, text: Text): string {
  if (detail.subjects.length === 0) return 'no traffic compared yet';
  if (detail.subjects.length === 1) return subjectBrief(detail, detail.subjects[0]!);
  const failing = (s: AnalysisSubjectReading) =>
    s.errorRate.verdict === 'fail' || s.latency.verdict === 'fail';
  const ordered = [...detail.subjects.filter(failing), ...detail.subjects.filter((s) => !failing(s))];
  const named = ordered.slice(0, BRIEF_SUBJECTS).map((s) => `${text(s.name)}: ${subjectBrief(detail, s)}`);
  const more = ordered.length - BRIEF_SUBJECTS;
  return [...named, ...(more > 0 ? [`${more} more`] : [])].join('; ');
}

/** A gate asking to keep the step, in its own words: "waiting for the last step's metrics until 12:08:00 UTC". */
export const holdText = (hold: { until: number; why: string }, text: Text): string => text(hold.why);

/**
 * An analysis reading in one line: "pass (canary 3/298 errors, baseline 27/2,702)"; a verdict
 * that failed the release without being `fail` (inconclusive, on-inconclusive fail) says both.
 */
export function readingLine(reading: AnalysisReading, text: Text): string {
  const verdict = reading.detail.verdict;
  const failed = reading.status === 'fail' && verdict !== 'fail' ? 'fail, ' : '';
  return `${failed}${VERDICT_WORDS[verdict]} (${analysisBrief(reading.detail, text)})`;
}

/** A test's verdict as the report's table gives it. */
export type TestVerdict = 'pass' | 'fail' | 'inconclusive' | 'not judged';

const TEST_ICON: Record<TestVerdict, string> = {
  pass: '✅',
  fail: '❌',
  inconclusive: '⚠️',
  'not judged': '➖',
};

function testVerdict(detail: AnalysisDetail, test: { verdict: 'pass' | 'fail' | 'not-judged' }): TestVerdict {
  if (test.verdict === 'fail') return 'fail';
  if (detail.verdict === 'inconclusive') return 'inconclusive';
  return test.verdict === 'pass' ? 'pass' : 'not judged';
}

/** How the report calls requests, errors and latency (the subject's own words). */
export interface MetricWords {
  requests: string;
  errors: string;
  latency: string;
}

/** "Invocations" → "invocations"; "5XX errors" stays. */
const lower = (label: string) => label.charAt(0).toLowerCase() + label.slice(1);

export const DEFAULT_WORDS: MetricWords = { requests: 'Invocations', errors: 'Errors', latency: 'latency' };

/** Both sides' figures for one test, the difference, the limit, the verdict and the evidence. */
export function verdictRows(detail: AnalysisDetail, words: MetricWords, text: Text): string[][] {
  const several = detail.subjects.length > 1;
  const requests = lower(words.requests);
  const errors = lower(words.errors);
  return detail.subjects.flatMap((subject) => {
    const prefix = several ? `${text(subject.name)} ` : '';
    const { errorRate, latency, canary, baseline } = subject;
    const ratio = (s: SideEvidence) =>
      s.errorRate === undefined
        ? '—'
        : `${rate(s.errorRate)} (${count(s.errors)} of ${count(s.invocations)})`;
    const errorVerdict = testVerdict(detail, errorRate);
    const latencyVerdict = testVerdict(detail, latency);
    return [
      [
        `${prefix}${several ? 'error rate' : 'Error rate'}`,
        ratio(baseline),
        ratio(canary),
        errorRate.differencePoints === undefined ? '—' : points(errorRate.differencePoints),
        pointsLimit(errorRate.thresholdPoints),
        `${TEST_ICON[errorVerdict]} ${errorVerdict}`,
        errorEvidence(detail, subject, requests, errors, text).join('; '),
      ],
      [
        `${prefix}${several ? 'mean' : 'Mean'} ${text(words.latency)}`,
        milliseconds(baseline.latencyMs),
        milliseconds(canary.latencyMs),
        latency.increasePercent === undefined ? '—' : change(latency.increasePercent),
        changeLimit(latency.thresholdPercent),
        `${TEST_ICON[latencyVerdict]} ${latencyVerdict}`,
        latency.periods > 0
          ? `${count(latency.periods)} period${latency.periods === 1 ? '' : 's'} compared`
          : 'no period compared yet',
      ],
    ];
  });
}

/** "14 errors in 298 invocations; fails at 9 or more; judged 6 periods; history 360 errors in 36,000 invocations". */
function errorEvidence(
  detail: AnalysisDetail,
  subject: AnalysisSubjectReading,
  requests: string,
  errors: string,
  text: Text,
): string[] {
  const { canary, baseline, errorRate, history } = subject;
  const evidence = [`${count(canary.errors)} ${errors} in ${count(canary.invocations)} ${requests}`];
  if (errorRate.errorsToFail !== undefined)
    evidence.push(`fails at ${count(errorRate.errorsToFail)} or more`);
  const short = [canary, baseline].some((s) => s.invocations < detail.minInvocations);
  if (short) evidence.push(`needs ${count(detail.minInvocations)} ${requests} a side`);
  const skipped = subject.skippedPeriods > 0 ? ` (${count(subject.skippedPeriods)} skipped)` : '';
  evidence.push(
    `judged ${count(subject.judgedPeriods)} period${subject.judgedPeriods === 1 ? '' : 's'}${skipped}`,
  );
  if (
    errorRate.baselineRate !== undefined &&
    (baseline.errorRate === undefined || rate(errorRate.baselineRate) !== rate(baseline.errorRate))
  )
    evidence.push(`baseline held to ${rate(errorRate.baselineRate)}`);
  if (history) {
    const unused = history.used ? '' : ` (not used${history.note ? `: ${text(history.note)}` : ''})`;
    evidence.push(
      `history ${count(history.errors)} ${errors} in ${count(history.invocations)} ${requests}${unused}`,
    );
  }
  return evidence;
}

/** Under the verdict table: whose figures these are, and how they differ from the window's. */
export function verdictSource(reading: AnalysisReading, words: MetricWords): string {
  const detail = reading.detail;
  const through = detail.settledThrough === undefined ? '' : ` through ${utcTime(detail.settledThrough)} UTC`;
  const budget = Math.max(0, ...detail.subjects.map((s) => s.errorRate.budgetSpent));
  return (
    `The analysis's own figures at its last reading (${utcTime(reading.at)} UTC, ${VERDICT_WORDS[detail.verdict]}): ` +
    `only settled periods in which both versions took traffic${through}, so they can differ from the window below. ` +
    `${share(detail.confidence)} confidence, at least ${count(detail.minInvocations)} ${lower(words.requests)} a side; ` +
    `${share(budget)} of the false-rollback budget spent.`
  );
}

/** Why a failed analysis reading failed: one line per failing test, with its numbers. */
export function failureLines(detail: AnalysisDetail, words: MetricWords, text: Text): string[] {
  const errors = lower(words.errors);
  const requests = lower(words.requests);
  return detail.subjects.flatMap((subject) => {
    const lines: string[] = [];
    const { canary, baseline, errorRate, latency } = subject;
    if (errorRate.verdict === 'fail') {
      const diff = errorRate.differencePoints === undefined ? '' : `: ${points(errorRate.differencePoints)}`;
      const look =
        errorRate.errorsToFail === undefined
          ? ''
          : `; at this look ${count(errorRate.errorsToFail)} or more canary ${errors} fail the test`;
      const held =
        errorRate.baselineRate !== undefined &&
        (baseline.errorRate === undefined || rate(errorRate.baselineRate) !== rate(baseline.errorRate))
          ? `, held to ${rate(errorRate.baselineRate)} with its history`
          : '';
      lines.push(
        `**${text(subject.name)}** error rate: canary ${sideRate(canary, errors, requests)}, ` +
          `baseline ${sideRate(baseline, errors, requests)}${held}${diff} against the ${pointsLimit(errorRate.thresholdPoints)} allowed` +
          `${look} (${share(detail.confidence)} confidence).`,
      );
    }
    if (latency.verdict === 'fail') {
      const diff = latency.increasePercent === undefined ? '' : `: ${change(latency.increasePercent)}`;
      lines.push(
        `**${text(subject.name)}** mean ${text(words.latency)}: canary ${milliseconds(canary.latencyMs)}, ` +
          `baseline ${milliseconds(baseline.latencyMs)}${diff} against the ${changeLimit(latency.thresholdPercent)} allowed, ` +
          `over ${count(latency.periods)} period${latency.periods === 1 ? '' : 's'}.`,
      );
    }
    return lines;
  });
}

const sideRate = (s: SideEvidence, errors: string, requests: string) =>
  `${s.errorRate === undefined ? '—' : rate(s.errorRate)} (${count(s.errors)} ${errors} in ${count(s.invocations)} ${requests})`;

/**
 * The failing tests in a few words, for the headline and the timeline: "error rate +3.70 pp
 * above the baseline's, +0 pp allowed"; with several subjects each is named.
 */
export function failureBrief(detail: AnalysisDetail, text: Text): string {
  if (detail.verdict === 'inconclusive') return 'inconclusive, too little traffic to decide';
  const several = detail.subjects.length > 1;
  const parts = detail.subjects.flatMap((subject) => {
    const prefix = several ? `${text(subject.name)} ` : '';
    const out: string[] = [];
    const { errorRate, latency } = subject;
    if (errorRate.verdict === 'fail') {
      const by = errorRate.differencePoints === undefined ? '' : ` ${points(errorRate.differencePoints)}`;
      out.push(
        `${prefix}error rate${by} above the baseline's, ${pointsLimit(errorRate.thresholdPoints)} allowed`,
      );
    }
    if (latency.verdict === 'fail') {
      const by = latency.increasePercent === undefined ? '' : ` ${change(latency.increasePercent)}`;
      out.push(
        `${prefix}latency${by} above the baseline's, ${changeLimit(latency.thresholdPercent)} allowed`,
      );
    }
    return out;
  });
  return parts.length > 0 ? parts.join('; ') : 'the canary worse than the baseline';
}

/** Each side's traffic against what it needs: why the analysis could not decide. */
export function shortfallLines(detail: AnalysisDetail, words: MetricWords, text: Text): string[] {
  const requests = lower(words.requests);
  return detail.subjects.map(
    (s) =>
      `**${text(s.name)}**: canary ${count(s.canary.invocations)} ${requests}, baseline ${count(s.baseline.invocations)}, ` +
      `over ${count(s.judgedPeriods)} judged period${s.judgedPeriods === 1 ? '' : 's'}; each side needs ${count(detail.minInvocations)} before a pass counts.`,
  );
}

/** What `on-inconclusive` did with an undecided release, and how to get a verdict next time. */
export function inconclusiveAdvice(settings: AnalysisSettings | undefined, promoted: boolean): string[] {
  const policy = settings?.onInconclusive;
  const did = promoted
    ? '`on-inconclusive` is `pass`: the release was promoted without a verdict.'
    : policy === 'extend'
      ? `\`on-inconclusive\` is \`extend\`: the last step was held up to \`max-extension\` (${formatDuration(settings!.maxExtensionMs)}) past its end, and it was still inconclusive, so the release rolled back.`
      : '`on-inconclusive` is `fail`: an undecided release rolls back.';
  return [
    did,
    'To reach a verdict: send the canary more traffic (a higher weight, a longer step), lower `min-invocations`, ' +
      'or choose what an undecided release does with `on-inconclusive` (`extend`, `fail` or `pass`).',
  ];
}
