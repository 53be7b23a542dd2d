// Deterministic reports (fixed times) for the rendering tests: a promotion and a rollback as
// main.ts assembles them, and the analysis's readings as its gate gives them.
import type { GateReading, StepRecord } from '../../src/engine/types.js';
import type { AlarmStatus } from '../../src/gates/alarms.js';
import type { AnalysisSettings } from '../../src/gates/analysis.js';
import type {
  AnalysisDetail,
  AnalysisSubjectReading,
  AnalysisVerdict,
  ErrorRateTest,
  LatencyTest,
  SideEvidence,
} from '../../src/gates/detail.js';
import { buildLinks, type CanaryMetrics, type ReleaseReport } from '../../src/report/model.js';
import { parseStrategy } from '../../src/strategy.js';
import { aliasSubject } from '../../src/targets/lambda/subject.js';

export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const S = 1000;
const M = 60 * S;

const ok = (name: string): AlarmStatus => ({
  name,
  type: 'metric',
  state: 'OK',
  reason:
    'Threshold Crossed: 1 datapoint [0.0 (22/11/26 11:58:00)] was not greater than the threshold (5.0).',
  changedAt: '2026-11-22T11:58:30.000Z',
});

const firing: AlarmStatus = {
  name: 'orders-errors',
  type: 'metric',
  state: 'ALARM',
  reason:
    'Threshold Crossed: 1 out of the last 1 datapoints [21.0 (22/11/26 12:06:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).',
  changedAt: '2026-11-22T12:06:40.000Z',
};

function readings(from: number, to: number, every: number, alarms: AlarmStatus[]): GateReading[] {
  const out: GateReading[] = [];
  for (let at = from; at <= to; at += every) {
    out.push({
      gate: 'alarms',
      status: 'pass',
      summary: `${alarms.length} alarm(s): ${alarms.length} OK`,
      at,
      detail: { kind: 'alarms', alarms },
    });
  }
  return out;
}

function series(from: number, minutes: number, perMinute: number, errorsPerMinute: number) {
  return Array.from({ length: minutes }, (_, i) => ({
    at: from + i * M,
    invocations: perMinute,
    errors: errorsPerMinute,
  }));
}

/** The subject main.ts gives the report of alias live of orders, versions 6 → 7. */
export const ordersLive = () =>
  aliasSubject(
    { functionName: 'orders', alias: 'live' },
    { region: 'us-east-1', sides: { previous: '6', target: '7' } },
  );

const base = (): Omit<ReleaseReport, 'result' | 'reason'> => ({
  subject: ordersLive(),
  region: 'us-east-1',
  previousVersion: '6',
  targetVersion: '7',
  plan: parseStrategy('linear 50% every 5m'),
  durationSeconds: 0,
  notes: [],
  alarms: [],
  source: {
    event: 'push',
    ref: 'refs/heads/main',
    sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    actor: 'octocat',
  },
  links: buildLinks(
    'us-east-1',
    ['orders-errors', 'orders-p99'],
    'https://github.com/acme/shop/actions/runs/4242',
  ),
});

/** 50% for five minutes, read every 30 s, the alarms all OK. */
function firstStep(alarms: AlarmStatus[]): StepRecord {
  const readingsOk = readings(T0, T0 + 5 * M, 30 * S, alarms);
  return {
    index: 0,
    weight: 50,
    plannedHoldMs: 5 * M,
    startedAt: T0,
    endedAt: T0 + 5 * M,
    readings: readingsOk,
  };
}

export function promotionReport(): ReleaseReport {
  const alarms = [ok('orders-errors'), ok('orders-p99')];
  const steps: StepRecord[] = [firstStep(alarms)];
  const metrics: CanaryMetrics = {
    startedAt: T0,
    endedAt: T0 + 5 * M + 2 * S,
    periodSeconds: 60,
    baseline: {
      version: '6',
      invocations: 3000,
      errors: 6,
      errorRate: 0.002,
      p50Ms: 12.4,
      p99Ms: 48,
      series: series(T0, 5, 600, 1.2),
    },
    canary: {
      version: '7',
      invocations: 3010,
      errors: 5,
      errorRate: 5 / 3010,
      p50Ms: 11.9,
      p99Ms: 45.5,
      series: series(T0, 5, 602, 1),
    },
  };
  return {
    ...base(),
    result: 'promoted',
    reason: 'all traffic on the new version after 1 traffic step',
    durationSeconds: 312,
    alarms,
    metrics,
    record: {
      plan: parseStrategy('linear 50% every 5m'),
      startedAt: T0,
      endedAt: T0 + 5 * M + 2 * S,
      outcome: 'promoted',
      reason: 'all traffic on the new version after 1 traffic step',
      steps,
    },
  };
}

export function rollbackReport(): ReleaseReport {
  const alarms = [firing, ok('orders-p99')];
  const before = [ok('orders-errors'), ok('orders-p99')];
  const failedAt = T0 + 6 * M + 45 * S;
  const steps: StepRecord[] = [
    firstStep(before),
    {
      index: 1,
      weight: 75,
      plannedHoldMs: 5 * M,
      startedAt: T0 + 5 * M,
      endedAt: failedAt,
      readings: [
        ...readings(T0 + 5 * M, T0 + 6 * M + 30 * S, 15 * S, before),
        {
          gate: 'alarms',
          status: 'fail',
          summary: `orders-errors is ALARM: ${firing.reason}`,
          at: failedAt,
          detail: { kind: 'alarms', alarms },
        },
      ],
    },
  ];
  const plan = parseStrategy('50%:5m, 75%:5m');
  const reason = `gate alarms failed: orders-errors is ALARM: ${firing.reason}`;
  const metrics: CanaryMetrics = {
    startedAt: T0,
    endedAt: failedAt + 180,
    periodSeconds: 60,
    baseline: {
      version: '6',
      invocations: 2410,
      errors: 5,
      errorRate: 5 / 2410,
      p50Ms: 12.1,
      p99Ms: 47.9,
      series: series(T0, 7, 344, 0.7),
    },
    canary: {
      version: '7',
      invocations: 3870,
      errors: 781,
      errorRate: 781 / 3870,
      p50Ms: 13,
      p99Ms: 301.5,
      series: [
        ...series(T0, 5, 500, 100),
        { at: T0 + 5 * M, invocations: 780, errors: 160 },
        { at: T0 + 6 * M, invocations: 590, errors: 121 },
      ],
    },
  };
  return {
    ...base(),
    plan,
    result: 'rolled-back',
    reason,
    durationSeconds: 409,
    alarms,
    metrics,
    record: {
      plan,
      startedAt: T0,
      endedAt: failedAt + 180,
      outcome: 'rolled-back',
      reason,
      steps,
      rollback: { reason, startedAt: failedAt, endedAt: failedAt + 180, completed: true },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The analysis: readings as the gate gives them, at 10% weight and 10 requests a second (60
// invocations a minute on the canary, 540 on the baseline), one-minute periods settled two
// periods late.

/** The analysis inputs' defaults. */
export const ANALYSIS_SETTINGS: AnalysisSettings = {
  maxErrorRateIncreasePoints: 0,
  maxLatencyIncreasePercent: 25,
  minInvocations: 100,
  confidence: 0.99,
  onInconclusive: 'extend',
  maxExtensionMs: 10 * M,
  periodSeconds: 60,
};

interface SideFigures {
  invocations: number;
  errors: number;
  latencyMs?: number;
}

const evidence = (s: SideFigures): SideEvidence => ({
  ...s,
  errorRate: s.invocations > 0 ? s.errors / s.invocations : undefined,
});

export interface SubjectFigures {
  name?: string;
  canary: SideFigures;
  baseline: SideFigures;
  judged: number;
  skipped?: number;
  errorVerdict?: ErrorRateTest['verdict'];
  errorsToFail?: number;
  budgetSpent?: number;
  latencyVerdict?: LatencyTest['verdict'];
  history?: AnalysisSubjectReading['history'];
}

/** One subject's comparison, its differences computed from its figures as the gate does. */
export function analysisSubjectReading(f: SubjectFigures): AnalysisSubjectReading {
  const canary = evidence(f.canary);
  const baseline = evidence(f.baseline);
  const both = canary.errorRate !== undefined && baseline.errorRate !== undefined;
  // As the gate does: the baseline's rate from its history (1%) and the judged periods.
  const baselineRate = both ? 0.01 : undefined;
  return {
    name: f.name ?? 'orders:live',
    canary,
    baseline,
    history: f.history ?? { invocations: 36_000, errors: 360, used: true },
    judgedPeriods: f.judged,
    skippedPeriods: f.skipped ?? 0,
    errorRate: {
      verdict: f.errorVerdict ?? 'not-judged',
      differencePoints: both ? (canary.errorRate! - baselineRate!) * 100 : undefined,
      thresholdPoints: ANALYSIS_SETTINGS.maxErrorRateIncreasePoints,
      baselineRate,
      errorsToFail: f.errorsToFail,
      budgetSpent: f.budgetSpent ?? f.judged / 8,
    },
    latency: {
      verdict: f.latencyVerdict ?? 'not-judged',
      increasePercent:
        f.canary.latencyMs !== undefined && f.baseline.latencyMs !== undefined && f.judged > 0
          ? (f.canary.latencyMs / f.baseline.latencyMs - 1) * 100
          : undefined,
      thresholdPercent: ANALYSIS_SETTINGS.maxLatencyIncreasePercent,
      periods: f.judged,
    },
  };
}

export function analysisDetail(
  verdict: AnalysisVerdict,
  subjects: AnalysisSubjectReading[],
  more: Partial<AnalysisDetail> = {},
): AnalysisDetail {
  return {
    kind: 'analysis',
    verdict,
    minInvocations: ANALYSIS_SETTINGS.minInvocations,
    confidence: ANALYSIS_SETTINGS.confidence,
    subjects,
    ...more,
  };
}

/** What the analysis had judged `minutes` into the rollout: the settled minutes, both sides. */
function judgedAt(minutes: number, canaryErrorsPerMinute: number): SubjectFigures {
  const judged = Math.max(0, minutes - 2);
  // 298 and 2,702 after five judged minutes: a little under 60 and 540 a minute.
  const canary = Math.round(judged * 59.6);
  const baseline = Math.round(judged * 540.4);
  return {
    canary: { invocations: canary, errors: Math.round(judged * canaryErrorsPerMinute), latencyMs: 41.3 },
    baseline: { invocations: baseline, errors: Math.round(judged * 5.4), latencyMs: 39.7 },
    judged,
  };
}

function analysisReading(
  at: number,
  detail: AnalysisDetail,
  status: GateReading['status'],
  summary: string,
): GateReading {
  return { gate: 'analysis', status, summary, at, detail };
}

/** The gate's own evidence line: "canary 3/298 errors (1.01%), baseline 27/2,702 errors (1.00%); latency +4%". */
function gateEvidence(subject: AnalysisSubjectReading): string {
  const of = (s: SideEvidence) =>
    `${s.errors.toLocaleString('en-US')}/${s.invocations.toLocaleString('en-US')} errors` +
    (s.errorRate === undefined ? '' : ` (${(s.errorRate * 100).toFixed(2)}%)`);
  const latency = subject.latency.increasePercent;
  const tail = latency === undefined ? '' : `; latency +${latency.toFixed(0)}%`;
  return `canary ${of(subject.canary)}, baseline ${of(subject.baseline)}${tail}`;
}

/** A reading while the analysis gathers or passes, as the gate words and tags it. */
function runningReading(at: number, subject: AnalysisSubjectReading, settledThrough?: number): GateReading {
  const enough = [subject.canary, subject.baseline].every((s) => s.invocations >= 100);
  return enough
    ? analysisReading(
        at,
        analysisDetail('pass', [subject], { settledThrough }),
        'pass',
        `no regression: ${gateEvidence(subject)}`,
      )
    : analysisReading(
        at,
        analysisDetail('gathering', [subject], { settledThrough }),
        'pending',
        `gathering evidence (100 invocations a side needed): ${gateEvidence(subject)}`,
      );
}

/** One step at 10% for five minutes, the last: then up to three minutes for its last metrics. */
export function analysisPromotionReport(): ReleaseReport {
  const alarms = [ok('orders-errors')];
  const plan = parseStrategy('10%:5m');
  const endedAt = T0 + 8 * M;
  const all: GateReading[] = [];
  for (let at = T0; at <= endedAt; at += 30 * S) {
    all.push(...readings(at, at, 30 * S, alarms));
    const minutes = Math.floor((at - T0) / M);
    const figures = judgedAt(minutes, 0.6);
    const enough = figures.canary.invocations >= 100;
    const waiting = at >= T0 + 5 * M && at < endedAt;
    const subject = analysisSubjectReading({
      ...figures,
      errorVerdict: enough ? 'pass' : 'not-judged',
      latencyVerdict: enough ? 'pass' : 'not-judged',
      errorsToFail: figures.judged > 0 ? 5 + figures.judged : undefined,
    });
    const settledThrough = figures.judged > 0 ? T0 + figures.judged * M : undefined;
    let reading = runningReading(at, subject, settledThrough);
    if (waiting) {
      // Its last period (12:04) is settled at 12:07, read by 12:08.
      const why = "waiting for the last step's metrics until 12:07:00 UTC";
      reading = analysisReading(
        at,
        analysisDetail('waiting', [subject], { settledThrough, waitingUntil: endedAt }),
        'pending',
        `${why}; ${gateEvidence(subject)}`,
      );
      reading.holdStep = { until: endedAt, why };
    }
    all.push(reading);
  }
  const steps: StepRecord[] = [
    { index: 0, weight: 10, plannedHoldMs: 5 * M, startedAt: T0, endedAt, readings: all },
  ];
  const reason = 'all traffic on the new version after 1 traffic step';
  return {
    ...base(),
    plan,
    result: 'promoted',
    reason,
    durationSeconds: 482,
    alarms,
    analysis: ANALYSIS_SETTINGS,
    links: buildLinks('us-east-1', ['orders-errors'], 'https://github.com/acme/shop/actions/runs/4242'),
    metrics: {
      startedAt: T0,
      endedAt,
      periodSeconds: 60,
      baseline: {
        version: '6',
        invocations: 4320,
        errors: 43,
        errorRate: 43 / 4320,
        p50Ms: 38.2,
        p99Ms: 95,
        series: series(T0, 8, 540, 5.4),
      },
      canary: {
        version: '7',
        invocations: 480,
        errors: 5,
        errorRate: 5 / 480,
        p50Ms: 39.9,
        p99Ms: 99.4,
        series: series(T0, 8, 60, 0.6),
      },
    },
    record: { plan, startedAt: T0, endedAt, outcome: 'promoted', reason, steps },
  };
}

/** The summary the gate gives a failed error-rate test (its own words, which the report quotes). */
export const ANALYSIS_FAILURE =
  "canary error rate 4.70% (14 of 298) against the baseline's 1.00%: 3.70 points worse, beyond the allowed 0 at 99.0% confidence (9 errors or more fail it here)";

/**
 * A small regression no alarm catches: the alias-wide alarm stays OK (the canary is 10% of the
 * traffic), and the analysis fails the first step 7m15s in: 14 errors in 298 calls, where 9 fail.
 */
export function analysisRollbackReport(): ReleaseReport {
  const alarms = [ok('orders-errors')];
  const plan = parseStrategy('10%:10m, 50%:5m');
  const failedAt = T0 + 7 * M + 15 * S;
  const all: GateReading[] = [];
  for (let at = T0; at < failedAt; at += 30 * S) {
    all.push(...readings(at, at, 30 * S, alarms));
    const figures = judgedAt(Math.floor((at - T0) / M), 2.8);
    const enough = figures.canary.invocations >= 100;
    const subject = analysisSubjectReading({
      ...figures,
      errorVerdict: enough ? 'pass' : 'not-judged',
      latencyVerdict: enough ? 'pass' : 'not-judged',
      errorsToFail: figures.judged > 0 ? 5 + figures.judged : undefined,
    });
    all.push(runningReading(at, subject, figures.judged > 0 ? T0 + figures.judged * M : undefined));
  }
  const failing = analysisSubjectReading({
    canary: { invocations: 298, errors: 14, latencyMs: 40.5 },
    baseline: { invocations: 2702, errors: 27, latencyMs: 39.7 },
    judged: 5,
    skipped: 1,
    errorVerdict: 'fail',
    errorsToFail: 9,
    budgetSpent: 0.62,
    latencyVerdict: 'pass',
  });
  all.push(...readings(failedAt, failedAt, 30 * S, alarms));
  all.push(
    analysisReading(
      failedAt,
      analysisDetail('fail', [failing], { settledThrough: T0 + 5 * M }),
      'fail',
      ANALYSIS_FAILURE,
    ),
  );
  const reason = `gate analysis failed: ${ANALYSIS_FAILURE}`;
  const steps: StepRecord[] = [
    { index: 0, weight: 10, plannedHoldMs: 10 * M, startedAt: T0, endedAt: failedAt, readings: all },
  ];
  return {
    ...base(),
    plan,
    result: 'rolled-back',
    reason,
    durationSeconds: 435,
    alarms,
    analysis: ANALYSIS_SETTINGS,
    links: buildLinks('us-east-1', ['orders-errors'], 'https://github.com/acme/shop/actions/runs/4242'),
    metrics: {
      startedAt: T0,
      endedAt: failedAt + 200,
      periodSeconds: 60,
      baseline: {
        version: '6',
        invocations: 3600,
        errors: 36,
        errorRate: 0.01,
        p50Ms: 38.2,
        p99Ms: 95,
        series: series(T0, 7, 514, 5.1),
      },
      canary: {
        version: '7',
        invocations: 1012,
        errors: 47,
        errorRate: 47 / 1012,
        p50Ms: 39.1,
        p99Ms: 97.3,
        series: series(T0, 7, 144, 6.7),
      },
    },
    record: {
      plan,
      startedAt: T0,
      endedAt: failedAt + 200,
      outcome: 'rolled-back',
      reason,
      steps,
      rollback: { reason, startedAt: failedAt, endedAt: failedAt + 200, completed: true },
    },
  };
}

/** Too little traffic: 12 canary calls in a two-minute step; `policy` says what became of it. */
export function inconclusiveReport(policy: AnalysisSettings['onInconclusive']): ReleaseReport {
  const plan = parseStrategy('10%:2m');
  const endedAt = policy === 'extend' ? T0 + 12 * M : T0 + 5 * M;
  const subject = analysisSubjectReading({
    canary: { invocations: 12, errors: 0, latencyMs: 40 },
    baseline: { invocations: 108, errors: 1, latencyMs: 39 },
    judged: 3,
    latencyVerdict: 'not-judged',
  });
  const after = policy === 'extend' ? ' after extending the last step by 10m' : '';
  const summary = `inconclusive: fewer than 100 invocations on a side${after}, so nothing shows the new version is healthy: ${gateEvidence(subject)}`;
  const promoted = policy === 'pass';
  const final = analysisReading(
    endedAt,
    analysisDetail('inconclusive', [subject]),
    promoted ? 'pass' : 'fail',
    promoted
      ? `inconclusive (fewer than 100 invocations on a side), passed as on-inconclusive says: ${gateEvidence(subject)}`
      : summary,
  );
  const earlier = runningReading(T0 + M, subject);
  const extending: GateReading[] = [];
  if (policy === 'extend') {
    const why =
      'extending the last step until 12:12:00 UTC for more traffic (fewer than 100 invocations on a side so far)';
    const reading = analysisReading(
      T0 + 6 * M,
      analysisDetail('inconclusive', [subject]),
      'pending',
      `${why}: ${gateEvidence(subject)}`,
    );
    reading.holdStep = { until: T0 + 12 * M, why };
    extending.push(reading);
  }
  const steps: StepRecord[] = [
    {
      index: 0,
      weight: 10,
      plannedHoldMs: 2 * M,
      startedAt: T0,
      endedAt,
      readings: [earlier, ...extending, final],
    },
  ];
  const reason = promoted
    ? 'all traffic on the new version after 1 traffic step'
    : `gate analysis failed: ${summary}`;
  const settings = { ...ANALYSIS_SETTINGS, onInconclusive: policy };
  return {
    ...base(),
    plan,
    result: promoted ? 'promoted' : 'rolled-back',
    reason,
    durationSeconds: (endedAt - T0) / 1000,
    analysis: settings,
    record: {
      plan,
      startedAt: T0,
      endedAt,
      outcome: promoted ? 'promoted' : 'rolled-back',
      reason,
      steps,
      rollback: promoted
        ? undefined
        : { reason, startedAt: endedAt, endedAt: endedAt + 150, completed: true },
    },
  };
}

/** No alarms and the analysis off: promoted, with nothing that could have stopped it. */
export function unwatchedReport(): ReleaseReport {
  const report = promotionReport();
  const steps = report.record!.steps.map((s) => ({ ...s, readings: [] }));
  return {
    ...report,
    alarms: [],
    links: buildLinks('us-east-1', [], 'https://github.com/acme/shop/actions/runs/4242'),
    record: { ...report.record!, steps },
    unwatched:
      'Nothing watched this release: no alarms (input "alarms" is empty) and the analysis is off, so the new version was promoted whatever it did.',
  };
}
