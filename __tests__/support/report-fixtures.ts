// Deterministic reports (fixed times) for the rendering tests: a promotion and a rollback as
// main.ts assembles them.
import type { GateReading, StepRecord } from '../../src/engine/types.js';
import type { AlarmStatus } from '../../src/gates/alarms.js';
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
