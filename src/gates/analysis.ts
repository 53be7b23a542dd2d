// The analysis gate: compares the new version with the old one on their own metrics (Lambda's
// ExecutedVersion, API Gateway's canary stage), with one GetMetricData call per poll for every
// subject, and sequential tests (sequential.ts) that keep the false-rollback rate across looks.
// It looks only at settled periods in which both versions took traffic, and the last step waits
// for its own last period before the promotion, since that is where the evidence is.
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Plan } from '../engine/plan.js';
import type { Clock, Gate, GateContext, GateReading, GateStatus } from '../engine/types.js';
import { formatDuration } from '../duration.js';
import type { MetricQueries } from '../targets/definition.js';
import type { AnalysisDetail, AnalysisSubjectReading, AnalysisVerdict, SideEvidence } from './detail.js';
import { readEvidence, sortEvidence, type JudgedPeriod, type SubjectSeries } from './evidence.js';
import { ERROR_SHARE, LATENCY_SHARE, errorTest, latencyTest, spent, type ErrorLook } from './sequential.js';

export type OnInconclusive = 'extend' | 'fail' | 'pass';

/** The analysis inputs, validated (src/inputs.ts). */
export interface AnalysisSettings {
  /** `max-error-rate-increase`: percentage points the canary's error rate may exceed the baseline's. */
  maxErrorRateIncreasePoints: number;
  /** `max-latency-increase`: percent the canary's latency may exceed the baseline's. */
  maxLatencyIncreasePercent: number;
  /** `min-invocations`: each side needs this many judged invocations before a pass counts. */
  minInvocations: number;
  /** `analysis-confidence`, 0.5-0.9999: 1 minus the false-rollback rate kept over the rollout. */
  confidence: number;
  onInconclusive: OnInconclusive;
  /** `max-extension`: how long `extend` may hold the last step past its plan. */
  maxExtensionMs: number;
  /** `metric-period`: the metrics' resolution in seconds (60 for AWS/Lambda and AWS/ApiGateway). */
  periodSeconds: number;
}

/** One function (or stage) compared: its name in the report and its metric queries. */
export interface AnalysisSubject {
  name: string;
  queries: MetricQueries;
}

/** A period's figures are judged once this many further periods have passed (they come late). */
export const SETTLE_PERIODS = 2;
/** The baseline's history read before the release, in periods (an hour of Lambda's minutes). */
export const HISTORY_PERIODS = 60;
/** Below this p-value the baseline during the rollout is not the one of its history. */
const DRIFT_LEVEL = 0.01;

/** How long past its hold the last step may wait for its own metrics: its last period, settled. */
export function verdictWaitMs(settings: Pick<AnalysisSettings, 'periodSeconds'>): number {
  return (SETTLE_PERIODS + 1) * settings.periodSeconds * 1000;
}

/** What the gate remembers of one subject between polls: the looks its tests have made. */
interface SubjectState {
  looks: ErrorLook[];
  judged: number;
  /** The budget share at the last latency test (its budget is spent from there). */
  latencyBudget: number;
  /** Whether the last step's verdict look (or a later one) has been made. */
  finalLook: boolean;
  /** The baseline's history before the release, once all of it has settled. */
  history?: Counts;
  /** The last error test and what it was computed from, since most polls bring nothing new. */
  lastTest?: { key: string; result: ReturnType<typeof errorTest> };
}

interface Judgement {
  reading: AnalysisSubjectReading;
  failed?: string;
  enough: boolean;
  summary: string;
}

export class AnalysisGate implements Gate {
  readonly name = 'analysis';
  private readonly periodMs: number;
  private readonly states: SubjectState[];
  /** Where the rollout is: when each step's weight was set, from the contexts the engine gives. */
  private readonly schedule: { at: number; weight: number; index: number }[] = [];

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    readonly subjects: AnalysisSubject[],
    private readonly settings: AnalysisSettings,
    private readonly plan: Plan,
    private readonly region: string,
    private readonly clock: Clock,
  ) {
    this.periodMs = settings.periodSeconds * 1000;
    this.states = subjects.map(() => ({ looks: [], judged: 0, latencyBudget: 0, finalLook: false }));
  }

  async read(signal: AbortSignal, context: GateContext): Promise<GateReading> {
    this.follow(context);
    const now = this.clock.now();
    const rolloutFrom = this.floor(this.schedule[0]!.at);
    const series = await readEvidence({
      cloudwatch: this.cloudwatch,
      region: this.region,
      subjects: this.subjects.map((s) => s.queries),
      periodSeconds: this.settings.periodSeconds,
      // The history is read until it has settled, then kept: later polls read the rollout only.
      from: this.states.every((s) => s.history) ? rolloutFrom : rolloutFrom - HISTORY_PERIODS * this.periodMs,
      to: this.floor(now) + this.periodMs,
      signal,
    });
    const settledBefore = this.floor(now - SETTLE_PERIODS * this.periodMs);
    const lastPeriodDue = this.floor(context.endsAt - 1) + this.periodMs * (SETTLE_PERIODS + 1);
    const final = context.last && now >= context.endsAt && now >= lastPeriodDue;
    const planned = final ? 1 : this.informationFraction(settledBefore);
    const judgements = series.map((s, i) => this.judge(i, s, rolloutFrom, settledBefore, planned, final));
    return this.verdict(judgements, { now, context, final, lastPeriodDue, settledBefore });
  }

  /** Records each new step's weight and start, for the information fraction. */
  private follow(context: GateContext): void {
    if (this.schedule.at(-1)?.index !== context.index) {
      this.schedule.push({ at: context.startedAt, weight: context.weight, index: context.index });
    }
  }

  private floor(at: number): number {
    return Math.floor(at / this.periodMs) * this.periodMs;
  }

  /** The plan's weight × time up to `until`, over the plan's own from the first step watched. */
  private informationFraction(until: number): number {
    const first = this.schedule[0]!;
    const planned = this.plan.steps
      .slice(first.index)
      .filter((s) => s.weight < 100)
      .reduce((sum, s) => sum + s.weight * s.holdMs, 0);
    let seen = 0;
    this.schedule.forEach((step, i) => {
      const end = Math.min(until, this.schedule[i + 1]?.at ?? until);
      if (end > step.at) seen += step.weight * (end - step.at);
    });
    return planned > 0 ? Math.min(1, seen / planned) : 1;
  }

  /** One subject's evidence and both tests at this look. */
  private judge(
    index: number,
    series: SubjectSeries,
    rolloutFrom: number,
    settledBefore: number,
    planned: number,
    final: boolean,
  ): Judgement {
    const state = this.states[index]!;
    const evidence = sortEvidence(series, rolloutFrom, settledBefore);
    if (state.history) evidence.history = state.history;
    else if (settledBefore >= rolloutFrom) state.history = evidence.history;
    const canary = sum(evidence.judged, 'canary');
    const baseline = sum(evidence.judged, 'baseline');
    // A split resumed from an earlier run had both versions in the alias's figures before now.
    const history =
      this.schedule[0]!.index > 0
        ? { used: false, note: 'the release resumed a split, so the figures before it mix both versions' }
        : historyUse(evidence.history, baseline);
    const pooled = history.used
      ? {
          invocations: baseline.invocations + evidence.history.invocations,
          errors: baseline.errors + evidence.history.errors,
        }
      : baseline;
    const alpha = 1 - this.settings.confidence;
    const enough =
      canary.invocations >= this.settings.minInvocations &&
      baseline.invocations >= this.settings.minInvocations;
    // The information behind a look: the plan's weighted time, but no more than the canary's
    // share of min-invocations, so that a thin verdict look (then extended) does not spend the
    // budget the extension's periods need. Invocation counts do not depend on the errors, so the
    // looks stay valid; with enough evidence at the verdict, this last look spends what is left.
    const budget = spent(Math.min(planned, canary.invocations / this.settings.minInvocations));
    const isNewLook =
      evidence.judged.length !== state.judged ||
      (final && !state.finalLook) ||
      budget > (state.looks.at(-1)?.budget ?? 1);
    if (isNewLook && canary.invocations > 0) {
      state.looks.push({
        invocations: canary.invocations,
        budget: Math.max(budget, state.looks.at(-1)?.budget ?? 0),
      });
      if (final) state.finalLook = true;
      state.judged = evidence.judged.length;
    }
    const allowed = this.settings.maxErrorRateIncreasePoints / 100;
    const errors = state.looks.length > 0 ? this.errorTestAt(state, canary.errors, pooled) : undefined;
    const baselineRate = pooled.invocations > 0 ? pooled.errors / pooled.invocations : undefined;
    const canaryRate = rate(canary);
    const concurrentRate = rate(baseline);
    // Worse than the baseline of these very periods too: a shared cause (a dependency down) that
    // raises both is not the canary's fault.
    const errorFailed =
      errors?.failed === true && canaryRate !== undefined && canaryRate > (concurrentRate ?? 0) + allowed;
    const ratios = logRatios(evidence.judged);
    const latencyAlpha = isNewLook ? alpha * LATENCY_SHARE * Math.max(0, budget - state.latencyBudget) : 0;
    const latency = latencyTest({
      logRatios: ratios,
      allowedIncrease: this.settings.maxLatencyIncreasePercent / 100,
      alpha: latencyAlpha,
    });
    if (isNewLook && ratios.length >= 3) state.latencyBudget = budget;
    const reading: AnalysisSubjectReading = {
      name: this.subjects[index]!.name,
      canary: side(canary, evidence.judged, 'canary'),
      baseline: side(baseline, evidence.judged, 'baseline'),
      history: { ...evidence.history, used: history.used, note: history.note },
      judgedPeriods: evidence.judged.length,
      skippedPeriods: evidence.skipped,
      errorRate: {
        verdict: errors ? (errorFailed ? 'fail' : 'pass') : 'not-judged',
        differencePoints:
          canaryRate !== undefined && baselineRate !== undefined
            ? (canaryRate - baselineRate) * 100
            : undefined,
        thresholdPoints: this.settings.maxErrorRateIncreasePoints,
        baselineRate,
        errorsToFail: errors && Number.isFinite(errors.errorsToFail) ? errors.errorsToFail : undefined,
        budgetSpent: state.looks.at(-1)?.budget ?? 0,
      },
      latency: {
        verdict: ratios.length >= 3 ? (latency.failed ? 'fail' : 'pass') : 'not-judged',
        increasePercent: latency.increase !== undefined ? latency.increase * 100 : undefined,
        thresholdPercent: this.settings.maxLatencyIncreasePercent,
        periods: ratios.length,
      },
    };
    const failed = errorFailed
      ? errorFailure(reading, canary, baselineRate!, this.settings)
      : latency.failed
        ? latencyFailure(reading, this.settings)
        : undefined;
    return { reading, failed, enough, summary: evidenceLine(reading) };
  }

  /** The error test at the subject's last look; the same evidence gives the same answer. */
  private errorTestAt(state: SubjectState, errors: number, baseline: Counts): ReturnType<typeof errorTest> {
    const key = `${state.looks.length}:${state.looks.at(-1)!.budget}:${errors}:${baseline.invocations}:${baseline.errors}`;
    if (state.lastTest?.key !== key) {
      const result = errorTest(
        {
          looks: state.looks,
          errors,
          baseline,
          allowedIncrease: this.settings.maxErrorRateIncreasePoints / 100,
          alpha: (1 - this.settings.confidence) * ERROR_SHARE,
        },
        state.lastTest?.result.state,
      );
      state.lastTest = { key, result };
    }
    return state.lastTest.result;
  }

  /** Worst of the subjects, and what the engine should do about it. */
  private verdict(
    judgements: Judgement[],
    at: { now: number; context: GateContext; final: boolean; lastPeriodDue: number; settledBefore: number },
  ): GateReading {
    const prefix = (j: Judgement) => (judgements.length > 1 ? `${j.reading.name}: ` : '');
    const detail = (verdict: AnalysisVerdict, waitingUntil?: number): AnalysisDetail => ({
      kind: 'analysis',
      verdict,
      minInvocations: this.settings.minInvocations,
      confidence: this.settings.confidence,
      settledThrough: at.settledBefore,
      waitingUntil,
      subjects: judgements.map((j) => j.reading),
    });
    const reading = (
      status: GateStatus,
      verdict: AnalysisVerdict,
      summary: string,
      hold?: { until: number; why: string },
    ): GateReading => ({
      gate: this.name,
      status,
      summary,
      at: at.now,
      detail: detail(verdict, hold?.until),
      holdStep: hold,
    });
    const failed = judgements.filter((j) => j.failed);
    if (failed.length > 0)
      return reading('fail', 'fail', failed.map((j) => `${prefix(j)}${j.failed}`).join('; '));
    const evidence = judgements.map((j) => `${prefix(j)}${j.summary}`).join('; ');
    const short = judgements.filter((j) => !j.enough);
    if (at.context.last && at.now >= at.context.endsAt && !at.final) {
      const until = at.lastPeriodDue;
      return reading(
        'pending',
        'waiting',
        `waiting for the last step's metrics until ${clockTime(until)} UTC; ${evidence}`,
        {
          until,
          why: `waiting for the last step's metrics until ${clockTime(until)} UTC`,
        },
      );
    }
    if (short.length === 0) return reading('pass', 'pass', `no regression: ${evidence}`);
    if (!at.final)
      return reading(
        'pending',
        'gathering',
        `gathering evidence (${this.settings.minInvocations} invocations a side needed): ${evidence}`,
      );
    return this.inconclusive(reading, evidence, at.lastPeriodDue, at.now);
  }

  /** Too little traffic by the last step's verdict: `on-inconclusive` decides. */
  private inconclusive(
    reading: (
      status: GateStatus,
      verdict: AnalysisVerdict,
      summary: string,
      hold?: { until: number; why: string },
    ) => GateReading,
    evidence: string,
    due: number,
    now: number,
  ): GateReading {
    const needed = `fewer than ${this.settings.minInvocations} invocations on a side`;
    const { onInconclusive, maxExtensionMs } = this.settings;
    if (onInconclusive === 'pass') {
      return reading(
        'pass',
        'inconclusive',
        `inconclusive (${needed}), passed as on-inconclusive says: ${evidence}`,
      );
    }
    const extendedUntil = due + maxExtensionMs;
    if (onInconclusive === 'extend' && now < extendedUntil) {
      const why = `extending the last step until ${clockTime(extendedUntil)} UTC for more traffic (${needed} so far)`;
      return reading('pending', 'inconclusive', `${why}: ${evidence}`, { until: extendedUntil, why });
    }
    const after =
      onInconclusive === 'extend'
        ? ` after extending the last step by ${formatDuration(maxExtensionMs)}`
        : '';
    return reading(
      'fail',
      'inconclusive',
      `inconclusive: ${needed}${after}, so nothing shows the new version is healthy: ${evidence}`,
    );
  }
}

type Counts = { invocations: number; errors: number };

function sum(periods: JudgedPeriod[], sideName: 'canary' | 'baseline'): Counts {
  return periods.reduce(
    (total, p) => ({
      invocations: total.invocations + p[sideName].invocations,
      errors: total.errors + p[sideName].errors,
    }),
    { invocations: 0, errors: 0 },
  );
}

function rate(counts: Counts): number | undefined {
  return counts.invocations > 0 ? counts.errors / counts.invocations : undefined;
}

function side(counts: Counts, periods: JudgedPeriod[], sideName: 'canary' | 'baseline'): SideEvidence {
  let weighted = 0;
  let calls = 0;
  for (const p of periods) {
    const latency = p[sideName].latencyMs;
    if (latency === undefined) continue;
    weighted += latency * p[sideName].invocations;
    calls += p[sideName].invocations;
  }
  return { ...counts, errorRate: rate(counts), latencyMs: calls > 0 ? weighted / calls : undefined };
}

function logRatios(periods: JudgedPeriod[]): number[] {
  return periods.flatMap((p) =>
    p.canary.latencyMs !== undefined &&
    p.baseline.latencyMs !== undefined &&
    p.canary.latencyMs > 0 &&
    p.baseline.latencyMs > 0
      ? [Math.log(p.canary.latencyMs / p.baseline.latencyMs)]
      : [],
  );
}

/**
 * Whether the baseline's history may stand for its rate: not when the baseline of these periods
 * differs from it beyond chance (two-sided, exact given the total), a change of traffic or a
 * dependency; the canary is then held to the baseline of the same periods only.
 */
function historyUse(history: Counts, concurrent: Counts): { used: boolean; note?: string } {
  if (history.invocations <= 0) return { used: false, note: 'no traffic before the release' };
  if (concurrent.invocations <= 0) return { used: true };
  const total = history.errors + concurrent.errors;
  const share = concurrent.invocations / (concurrent.invocations + history.invocations);
  const low = binomialCdf(concurrent.errors, total, share);
  const high = 1 - binomialCdf(concurrent.errors - 1, total, share);
  if (2 * Math.min(low, high) >= DRIFT_LEVEL) return { used: true };
  return {
    used: false,
    note: `the baseline's error rate now (${percent(concurrent.errors / concurrent.invocations)}) differs from before the release (${percent(history.errors / history.invocations)}), so only the baseline of the same periods counts`,
  };
}

function errorFailure(
  reading: AnalysisSubjectReading,
  canary: Counts,
  baselineRate: number,
  settings: AnalysisSettings,
): string {
  const diff = reading.errorRate.differencePoints ?? 0;
  return (
    `canary error rate ${percent(canary.errors / canary.invocations)} (${count(canary.errors)} of ${count(canary.invocations)}) ` +
    `against the baseline's ${percent(baselineRate)}: ${diff.toFixed(2)} points worse, beyond the allowed ` +
    `${settings.maxErrorRateIncreasePoints} at ${percent(settings.confidence)} confidence ` +
    `(${count(reading.errorRate.errorsToFail ?? canary.errors)} errors or more fail it here)`
  );
}

function latencyFailure(reading: AnalysisSubjectReading, settings: AnalysisSettings): string {
  const increase = reading.latency.increasePercent ?? 0;
  return (
    `canary latency ${increase >= 0 ? '+' : ''}${increase.toFixed(0)}% against the baseline's over ${reading.latency.periods} periods ` +
    `(${ms(reading.canary.latencyMs)} against ${ms(reading.baseline.latencyMs)}), beyond the allowed ` +
    `+${settings.maxLatencyIncreasePercent}% at ${percent(settings.confidence)} confidence`
  );
}

/** "canary 3/298 errors (1.01%), baseline 27/2,702 (1.00%); latency +2%". */
function evidenceLine(reading: AnalysisSubjectReading): string {
  const of = (s: SideEvidence) =>
    `${count(s.errors)}/${count(s.invocations)} errors${s.errorRate !== undefined ? ` (${percent(s.errorRate)})` : ''}`;
  const latency =
    reading.latency.increasePercent !== undefined
      ? `; latency ${reading.latency.increasePercent >= 0 ? '+' : ''}${reading.latency.increasePercent.toFixed(0)}%`
      : '';
  return `canary ${of(reading.canary)}, baseline ${of(reading.baseline)}${latency}`;
}

function percent(fraction: number): string {
  const value = fraction * 100;
  return `${value >= 10 || value === 0 ? value.toFixed(1) : value.toFixed(2)}%`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function ms(value: number | undefined): string {
  return value === undefined ? 'no data' : `${value.toFixed(0)} ms`;
}

function clockTime(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}
