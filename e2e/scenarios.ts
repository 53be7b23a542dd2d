// Scenarios for the local cloud shared by the end-to-end tests and the demo: a function with a
// released version 1 on alias `live`, new code waiting in $LATEST, traffic, and an alarm on the
// alias's errors that the local cloud evaluates from that traffic.
import type { Scenario } from '../sim/control-client.js';

export const FUNCTION = 'orders';
export const ALIAS = 'live';
export const ERRORS_ALARM = 'orders-live-errors';
/** Metric period of the local cloud in these scenarios: seconds, so rollouts take seconds. */
export const METRIC_PERIOD_SECONDS = 1;

export interface LambdaScenarioOptions {
  /** Error rate of the new code (0 to 1). */
  canaryErrorRate?: number;
  /** Invocations per second through the alias. */
  rate?: number;
  /** Extra Scenario fields (faults, other alarms...). */
  extra?: Partial<Scenario>;
}

export function lambdaScenario(options: LambdaScenarioOptions = {}): Scenario {
  return {
    seed: 7,
    metricPeriodSeconds: METRIC_PERIOD_SECONDS,
    updateSettleMs: 300,
    functions: [
      {
        name: FUNCTION,
        versions: [{ code: 'v1', errorRate: 0, durationMs: 40, durationJitterMs: 10 }],
        latest: { code: 'v2', errorRate: options.canaryErrorRate ?? 0, durationMs: 45, durationJitterMs: 10 },
        aliases: [{ name: ALIAS, version: '1' }],
      },
    ],
    alarms: [
      {
        AlarmName: ERRORS_ALARM,
        AlarmDescription: 'Errors through the live alias',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [
          { Name: 'FunctionName', Value: FUNCTION },
          { Name: 'Resource', Value: `${FUNCTION}:${ALIAS}` },
        ],
        Statistic: 'Sum',
        Period: METRIC_PERIOD_SECONDS,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        StateValue: 'OK',
        StateReason: 'Scenario start',
      },
    ],
    traffic: [{ function: FUNCTION, alias: ALIAS, rate: options.rate ?? 40 }],
    ...options.extra,
  };
}

/** Inputs for a short release against that scenario. */
export function releaseInputs(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'function-name': FUNCTION,
    alias: ALIAS,
    version: 'publish',
    strategy: '20%:4s, 50%:4s',
    alarms: ERRORS_ALARM,
    'poll-interval': '1s',
    ...overrides,
  };
}

export const REPOSITORY = 'acme/shop';
export const PULL_REQUEST = 12;
export const MERGE_SHA = 'c'.repeat(40);

/** A `pull_request` event payload, as GITHUB_EVENT_PATH holds it, and the variables that go with it. */
export const pullRequestEvent = {
  action: 'synchronize',
  number: PULL_REQUEST,
  pull_request: { number: PULL_REQUEST, head: { ref: 'feature/faster-orders', sha: 'd'.repeat(40) } },
  repository: { full_name: REPOSITORY },
};
export const pullRequestEnv = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_HEAD_REF: 'feature/faster-orders' };

/** The local cloud's GitHub: one merged pull request for MERGE_SHA. */
export const githubWithPullRequest = {
  pulls: [{ repo: REPOSITORY, number: PULL_REQUEST, mergeCommitSha: MERGE_SHA, merged: true }],
};
