// Scenarios for the local cloud shared by the end-to-end tests and the demo: a function with a
// released version 1 on alias `live`, new code waiting in $LATEST, traffic, and an alarm on the
// alias's errors that the local cloud evaluates from that traffic; an API Gateway stage; five
// functions released in lockstep.
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
} from '@aws-sdk/client-api-gateway';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Scenario } from '../sim/control-client.js';
import type { TestCloud } from './local-cloud-env.js';

export const FUNCTION = 'orders';
export const ALIAS = 'live';
export const ERRORS_ALARM = 'orders-live-errors';
/** Metric period of the local cloud in these scenarios: seconds, so rollouts take seconds. */
export const METRIC_PERIOD_SECONDS = 1;

export interface LambdaScenarioOptions {
  /** Error rate of the new code (0 to 1). */
  canaryErrorRate?: number;
  /** Error rate of the released version 1 (0 to 1); none by default. */
  baselineErrorRate?: number;
  /** Mean duration of the new code (ms); version 1 takes 40. */
  canaryDurationMs?: number;
  /** Errors through the alias in one metric period at which ERRORS_ALARM fires; 1 by default. */
  errorsAlarmThreshold?: number;
  /** Invocations per second through the alias. */
  rate?: number;
  /** Extra functions beside FUNCTION, such as hookFunction()s. */
  functions?: Scenario['functions'];
  /** Extra Scenario fields (faults, other alarms...). */
  extra?: Partial<Scenario>;
}

/** How a traffic hook function answers in the local cloud. */
export interface HookBehavior {
  /** The JSON it returns, e.g. {status: 'Failed'}; null by default. */
  response?: unknown;
  /** 1: every invocation ends in a function error. */
  errorRate?: number;
  /** Wall-clock ms before it answers. */
  latencyMs?: number;
}

/** A traffic hook: a function with one version whose answer and latency the test sets. */
export function hookFunction(
  name: string,
  behavior: HookBehavior = {},
): NonNullable<Scenario['functions']>[number] {
  return {
    name,
    versions: [
      {
        code: name,
        errorRate: behavior.errorRate ?? 0,
        response: behavior.response ?? null,
        latencyMs: behavior.latencyMs ?? 0,
      },
    ],
  };
}

type ScenarioAlarm = NonNullable<Scenario['alarms']>[number];

/**
 * An alarm on a count of errors, as the scenarios use it: in ALARM from one error in either of its
 * last two periods, OK at the start, no data counting as fine.
 */
function errorCountAlarm(
  alarm: Pick<ScenarioAlarm, 'AlarmName' | 'Namespace' | 'MetricName' | 'Dimensions'> &
    Partial<ScenarioAlarm>,
): ScenarioAlarm {
  return {
    Statistic: 'Sum',
    Period: METRIC_PERIOD_SECONDS,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    StateValue: 'OK',
    StateReason: 'Scenario start',
    ...alarm,
  };
}

export function lambdaScenario(options: LambdaScenarioOptions = {}): Scenario {
  return {
    seed: 7,
    metricPeriodSeconds: METRIC_PERIOD_SECONDS,
    updateSettleMs: 300,
    functions: [
      {
        name: FUNCTION,
        versions: [
          { code: 'v1', errorRate: options.baselineErrorRate ?? 0, durationMs: 40, durationJitterMs: 10 },
        ],
        latest: {
          code: 'v2',
          errorRate: options.canaryErrorRate ?? 0,
          durationMs: options.canaryDurationMs ?? 45,
          durationJitterMs: 10,
        },
        aliases: [{ name: ALIAS, version: '1' }],
      },
      ...(options.functions ?? []),
    ],
    alarms: [
      errorCountAlarm({
        AlarmName: ERRORS_ALARM,
        AlarmDescription: 'Errors through the live alias',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [
          { Name: 'FunctionName', Value: FUNCTION },
          { Name: 'Resource', Value: `${FUNCTION}:${ALIAS}` },
        ],
        Threshold: options.errorsAlarmThreshold ?? 1,
      }),
    ],
    traffic: [{ function: FUNCTION, alias: ALIAS, rate: options.rate ?? 40 }],
    ...options.extra,
  };
}

/**
 * The analysis on, at the local cloud's metric period (its metrics are per second and never
 * late), with fewer invocations needed than in production so that a few seconds of traffic do.
 */
export function analysisInputs(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    analysis: 'on',
    'metric-period': `${METRIC_PERIOD_SECONDS}s`,
    'min-invocations': '50',
    ...overrides,
  };
}

/**
 * Inputs for a short release against that scenario, gated by ERRORS_ALARM. The analysis is off:
 * most tests are about something else, and its own tests (and a few promotions) spread
 * `analysisInputs()` over these.
 */
export function releaseInputs(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'function-name': FUNCTION,
    alias: ALIAS,
    version: 'publish',
    strategy: '20%:4s, 50%:4s',
    alarms: ERRORS_ALARM,
    'poll-interval': '1s',
    analysis: 'off',
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

// ── API Gateway: a REST API built with the unmodified SDK, released through a stage canary ──

/** The SDK's API Gateway client, pointed at the local cloud as the action's is. */
export function apiGatewayClient(t: TestCloud): APIGatewayClient {
  return new APIGatewayClient({
    region: t.env.AWS_REGION,
    endpoint: t.cloud.url,
    credentials: { accessKeyId: t.env.AWS_ACCESS_KEY_ID!, secretAccessKey: t.env.AWS_SECRET_ACCESS_KEY! },
  });
}

export const API_NAME = 'shop';
export const STAGE = 'prod';
export const CANARY_ERRORS_ALARM = 'shop-prod-canary-5xx';

/** The cloud around the API: no CreateDeployment quota wait, an alarm on the canary's 5XXError. */
export function stageScenario(extra: Partial<Scenario> = {}): Scenario {
  return {
    seed: 11,
    metricPeriodSeconds: METRIC_PERIOD_SECONDS,
    createDeploymentIntervalMs: 0,
    alarms: [
      errorCountAlarm({
        AlarmName: CANARY_ERRORS_ALARM,
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Dimensions: [
          { Name: 'ApiName', Value: API_NAME },
          { Name: 'Stage', Value: `${STAGE}/Canary` },
        ],
        Period: 1,
      }),
    ],
    ...extra,
  } as Scenario;
}

/**
 * A REST API built as a user builds one: GET /orders answered by a MOCK integration, deployed to
 * stage `prod`; then the API changed (the "new version"), so that the release's new deployment
 * answers `newStatus`. Live traffic goes through the stage. Returns the API id and the stage's
 * deployment.
 */
export async function buildRestApi(
  t: TestCloud,
  apigateway: APIGatewayClient,
  newStatus: number,
  /** The new deployment answers newStatus this often, 200 otherwise (0 to 1); always by default. */
  newStatusRate?: number,
  /** Requests per second through the stage. */
  rate = 40,
): Promise<{ restApiId: string; baseDeploymentId: string }> {
  const api = await apigateway.send(new CreateRestApiCommand({ name: API_NAME }));
  const restApiId = api.id!;
  const root = (await apigateway.send(new GetResourcesCommand({ restApiId }))).items!.find(
    (r) => r.path === '/',
  )!;
  const orders = await apigateway.send(
    new CreateResourceCommand({ restApiId, parentId: root.id!, pathPart: 'orders' }),
  );
  const method = { restApiId, resourceId: orders.id!, httpMethod: 'GET' };
  await apigateway.send(new PutMethodCommand({ ...method, authorizationType: 'NONE' }));
  await apigateway.send(
    new PutIntegrationCommand({
      ...method,
      type: 'MOCK',
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
    }),
  );
  await apigateway.send(new PutMethodResponseCommand({ ...method, statusCode: '200' }));
  await apigateway.send(new PutIntegrationResponseCommand({ ...method, statusCode: '200' }));
  const base = await apigateway.send(new CreateDeploymentCommand({ restApiId, stageName: STAGE }));
  // The change this release ships: the next deployment answers newStatus.
  await t.control.setMockAnswer(restApiId, {
    path: '/orders',
    method: 'GET',
    statusCode: newStatus,
    ...(newStatusRate === undefined ? {} : { statusRate: newStatusRate }),
  });
  await t.control.setTraffic({ restApiId, stage: STAGE, rate, path: '/orders' });
  await t.control.clearWrites();
  return { restApiId, baseDeploymentId: base.id! };
}

/**
 * Inputs releasing that API's stage: two short steps, gated by the canary's 5XXError alarm, the
 * analysis off (as in releaseInputs).
 */
export const stageInputs = (restApiId: string, more: Record<string, string> = {}) => ({
  target: 'api-gateway-stage',
  'rest-api-id': restApiId,
  stage: STAGE,
  strategy: '20%:3s, 50%:3s',
  alarms: CANARY_ERRORS_ALARM,
  'poll-interval': '1s',
  analysis: 'off',
  ...more,
});

// ── CodeDeploy: the same function, released by a deployment of a Lambda deployment group ──

export const CODEDEPLOY_APPLICATION = 'shop';
export const CODEDEPLOY_GROUP = 'orders-live';
export const CODEDEPLOY_ROLE = 'arn:aws:iam::123456789012:role/codedeploy-lambda';
/** One CodeDeploy minute in these scenarios, so that Canary10Percent5Minutes takes 3 seconds. */
export const CODEDEPLOY_MINUTE_MS = 600;

export interface CodeDeployScenarioOptions extends LambdaScenarioOptions {
  /** Leave the application and the group out (codedeploy-create makes them). */
  noGroup?: boolean;
  /** How long one CodeDeploy minute lasts. */
  minuteMs?: number;
  /** How long an alarm is in ALARM before CodeDeploy notices it (default at once; it persists, so always set). */
  alarmDelayMs?: number;
  /** Hook functions the local cloud answers for, as CodeDeploy's hooks would report. */
  hookReports?: NonNullable<Scenario['codedeploy']>['hookReports'];
  /** Alarms of the deployment group itself (as SAM's DeploymentPreference sets them). */
  groupAlarms?: string[];
}

/** lambdaScenario with a Lambda application and deployment group, on a fast CodeDeploy clock. */
export function codeDeployScenario(options: CodeDeployScenarioOptions = {}): Scenario {
  const base = lambdaScenario(options);
  return {
    ...base,
    codedeployMinuteMs: options.minuteMs ?? CODEDEPLOY_MINUTE_MS,
    codedeployAlarmDelayMs: options.alarmDelayMs ?? 0,
    codedeploy: {
      ...(options.noGroup
        ? {}
        : {
            applications: [{ applicationName: CODEDEPLOY_APPLICATION, computePlatform: 'Lambda' }],
            deploymentGroups: [
              {
                applicationName: CODEDEPLOY_APPLICATION,
                deploymentGroupName: CODEDEPLOY_GROUP,
                serviceRoleArn: CODEDEPLOY_ROLE,
                deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
                deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
                ...(options.groupAlarms
                  ? {
                      alarmConfiguration: {
                        enabled: true,
                        alarms: options.groupAlarms.map((name) => ({ name })),
                      },
                    }
                  : {}),
              },
            ],
          }),
      hookReports: options.hookReports ?? {},
    },
  };
}

/** releaseInputs through CodeDeploy: its predefined canary, gated by ERRORS_ALARM in the deployment. */
export function codeDeployInputs(overrides: Record<string, string> = {}): Record<string, string> {
  return releaseInputs({
    engine: 'codedeploy',
    'codedeploy-application': CODEDEPLOY_APPLICATION,
    'codedeploy-deployment-group': CODEDEPLOY_GROUP,
    strategy: 'Canary10Percent5Minutes',
    ...overrides,
  });
}

// ── Lockstep: several functions released together on the same alias ──

/** The functions of the lockstep scenario, in the order the inputs name them. */
export const LOCKSTEP_FUNCTIONS = ['orders', 'billing', 'stock', 'shipping', 'email'] as const;

/** The alarm on one function's canary errors (its version 2 through the alias). */
export const canaryErrorsAlarm = (fn: string) => `${fn}-canary-errors`;

export interface LockstepScenarioOptions {
  /** The functions; LOCKSTEP_FUNCTIONS by default. */
  functions?: readonly string[];
  /** Functions whose version 2 fails every invocation. */
  failing?: string[];
  /** Invocations per second through each alias. */
  rate?: number;
  /** Extra functions beside them, such as hookFunction()s. */
  extra?: Scenario['functions'];
  /** Changes to the functions' specs, e.g. another role for a version. */
  change?: (spec: NonNullable<Scenario['functions']>[number]) => void;
}

/**
 * Five functions, each with version 1 on alias `live` and version 2 published (same role), traffic
 * through each alias, and an alarm on each function's canary errors (ExecutedVersion 2).
 */
export function lockstepScenario(options: LockstepScenarioOptions = {}): Scenario {
  const failing = new Set(options.failing ?? []);
  const functions = options.functions ?? LOCKSTEP_FUNCTIONS;
  return {
    seed: 13,
    metricPeriodSeconds: METRIC_PERIOD_SECONDS,
    updateSettleMs: 300,
    functions: [
      ...functions.map((name) => {
        const spec: NonNullable<Scenario['functions']>[number] = {
          name,
          versions: [
            { code: `${name}-v1`, errorRate: 0, durationMs: 40, durationJitterMs: 10 },
            {
              code: `${name}-v2`,
              errorRate: failing.has(name) ? 1 : 0,
              durationMs: 42,
              durationJitterMs: 10,
            },
          ],
          aliases: [{ name: ALIAS, version: '1' }],
        };
        options.change?.(spec);
        return spec;
      }),
      ...(options.extra ?? []),
    ],
    alarms: functions.map((name) =>
      errorCountAlarm({
        AlarmName: canaryErrorsAlarm(name),
        AlarmDescription: `Errors of version 2 of ${name} through the live alias`,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [
          { Name: 'FunctionName', Value: name },
          { Name: 'Resource', Value: `${name}:${ALIAS}` },
          { Name: 'ExecutedVersion', Value: '2' },
        ],
      }),
    ),
    traffic: functions.map((name) => ({ function: name, alias: ALIAS, rate: options.rate ?? 30 })),
  };
}

/** Inputs releasing every lockstep function to its version 2, gated by every canary alarm. */
export function lockstepInputs(
  overrides: Record<string, string> = {},
  functions: readonly string[] = LOCKSTEP_FUNCTIONS,
): Record<string, string> {
  return {
    'function-name': functions.join('\n'),
    alias: ALIAS,
    version: functions.map(() => '2').join('\n'),
    strategy: '20%:3s, 50%:3s',
    alarms: functions.map(canaryErrorsAlarm).join('\n'),
    'poll-interval': '1s',
    analysis: 'off',
    ...overrides,
  };
}

/** The SDK's Lambda client, pointed at the local cloud: another actor's direct calls. */
export function lambdaClient(t: TestCloud): LambdaClient {
  return new LambdaClient({
    region: t.env.AWS_REGION,
    endpoint: t.cloud.url,
    credentials: { accessKeyId: t.env.AWS_ACCESS_KEY_ID!, secretAccessKey: t.env.AWS_SECRET_ACCESS_KEY! },
  });
}
