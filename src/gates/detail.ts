// What a gate reading carries besides its status and summary, tagged by the gate's kind so that
// the report reads it without casts. A new gate (hooks) adds its kind to the union.
import type { AlarmStatus } from './alarms.js';

export type GateDetail = AlarmsDetail | AnalysisDetail;

/** Every named alarm as this poll found it (MISSING when deleted). */
export interface AlarmsDetail {
  kind: 'alarms';
  alarms: AlarmStatus[];
}

/**
 * The analysis's verdict so far: `gathering` until both sides reach `min-invocations`; `pass`
 * while the sequential test finds no regression; `fail` when it does; `inconclusive` when the
 * last step ended with too little traffic; `waiting` while the last step's late metrics come in.
 */
export type AnalysisVerdict = 'gathering' | 'pass' | 'fail' | 'inconclusive' | 'waiting';

/** One side's settled, judged figures, summed over the periods in which both sides took traffic. */
export interface SideEvidence {
  invocations: number;
  errors: number;
  /** errors / invocations; undefined with no invocations. */
  errorRate?: number;
  /** Invocation-weighted mean of the per-period average latency (ms); undefined without data. */
  latencyMs?: number;
}

/** The error-rate comparison: a sequential test on the canary's error count. */
export interface ErrorRateTest {
  verdict: 'pass' | 'fail' | 'not-judged';
  /** Canary error rate minus the baseline's, in percentage points. */
  differencePoints?: number;
  /** `max-error-rate-increase`, in percentage points. */
  thresholdPoints: number;
  /** The baseline rate the canary is held to (estimated from history and the judged periods). */
  baselineRate?: number;
  /** The canary errors that would fail the test at this look, given its invocations. */
  errorsToFail?: number;
  /** Share of the false-rollback budget the plan has reached so far (0-1). */
  budgetSpent: number;
}

/** The latency comparison: per-period ratios of the canary's average latency to the baseline's. */
export interface LatencyTest {
  verdict: 'pass' | 'fail' | 'not-judged';
  /** Canary latency over the baseline's, minus one, in percent (geometric mean of the periods). */
  increasePercent?: number;
  /** `max-latency-increase`, in percent. */
  thresholdPercent: number;
  /** Periods compared. */
  periods: number;
}

/** One function's (or stage's) comparison at this poll. */
export interface AnalysisSubjectReading {
  /** e.g. "orders:live". */
  name: string;
  canary: SideEvidence;
  baseline: SideEvidence;
  /** The baseline's own figures from before the release (used for its rate unless it drifted). */
  history?: { invocations: number; errors: number; used: boolean; note?: string };
  /** Periods judged (both sides took traffic, every figure present, settled). */
  judgedPeriods: number;
  /** Periods skipped: one side without traffic, a figure missing, or not yet settled. */
  skippedPeriods: number;
  errorRate: ErrorRateTest;
  latency: LatencyTest;
}

export interface AnalysisDetail {
  kind: 'analysis';
  verdict: AnalysisVerdict;
  /** `min-invocations`: what each side needs before a pass means anything. */
  minInvocations: number;
  /** `analysis-confidence` (0.99): 1 minus the false-rollback rate the rule keeps. */
  confidence: number;
  /** Periods up to here (epoch ms, exclusive) are settled and judged. */
  settledThrough?: number;
  /** While `waiting`: when the last step's metrics are due at the latest (epoch ms). */
  waitingUntil?: number;
  subjects: AnalysisSubjectReading[];
}
