// The analysis gate: compares the new version with the old one on their own metrics (Lambda's
// ExecutedVersion, API Gateway's canary stage), with one GetMetricData call per poll for every
// subject, and a sequential test (sequential.ts) that keeps the false-rollback rate across looks.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Plan } from '../engine/plan.js';
import type { Clock, Gate, GateContext, GateReading } from '../engine/types.js';
import type { MetricQueries } from '../targets/definition.js';

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

/** How long past its hold the last step may wait for its own metrics: its last period, settled. */
export function verdictWaitMs(settings: Pick<AnalysisSettings, 'periodSeconds'>): number {
  return (SETTLE_PERIODS + 1) * settings.periodSeconds * 1000;
}

export class AnalysisGate implements Gate {
  readonly name = 'analysis';

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    readonly subjects: AnalysisSubject[],
    private readonly settings: AnalysisSettings,
    private readonly plan: Plan,
    private readonly region: string,
    private readonly clock: Clock,
  ) {}

  read(_signal: AbortSignal, _context: GateContext): Promise<GateReading> {
    void this.cloudwatch;
    void this.settings;
    void this.plan;
    void this.region;
    return Promise.resolve({
      gate: this.name,
      status: 'pending',
      summary: 'not built yet',
      at: this.clock.now(),
    });
  }
}
