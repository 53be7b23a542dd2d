/**
 * Scenarios: a whole starting state in one JSON document (functions with versions and aliases,
 * alarms, traffic, faults), loaded through the control API or in-process.
 */
import { Cloud, type CloudOptions } from './cloud.js';
import type { FaultSpec } from './faults.js';
import { ApiError, SERVICES, isRecord, type ServiceName } from './http.js';
import { DEFAULT_BEHAVIOR, behaviorPatch, sha256, type Behavior } from '../lambda/lambda.js';
import type { AlarmState } from '../cloudwatch/alarms.js';
import {
  deploymentBehaviorPatch,
  type ApiGatewayService,
  type DeploymentBehavior,
  type MockAnswer,
  type Resource,
  type RestApi,
} from '../apigateway/apigateway.js';
import type { HookReport } from '../codedeploy/codedeploy.js';

export interface VersionSpec {
  /** Version number; default: the next one. */
  version?: string;
  /** Any label standing for the code; versions with the same label (and config) are the same code. */
  code?: string;
  /** Execution role; default the function's. */
  role?: string;
  /** Dead-letter target ARN; default the function's; null for none. */
  deadLetterArn?: string | null;
  description?: string;
  errorRate?: number;
  durationMs?: number;
  durationJitterMs?: number;
  /** JSON a successful invocation returns. */
  response?: unknown;
  /** Wall-clock ms the Invoke API takes to answer (a slow hook function); default 0. */
  latencyMs?: number;
}

export interface FunctionSpec {
  name: string;
  role?: string;
  deadLetterArn?: string;
  runtime?: string;
  handler?: string;
  description?: string;
  environment?: Record<string, string>;
  /** Published versions, in order. */
  versions?: VersionSpec[];
  /** $LATEST; default: the same code and configuration as the newest version. */
  latest?: VersionSpec;
  aliases?: { name: string; version: string; weights?: Record<string, number>; description?: string }[];
}

/** A traffic stream: a Lambda alias, with optional per-version behaviour changes. */
export interface LambdaTrafficSpec {
  function: string;
  alias: string;
  /** Invocations per second; 0 stops. */
  rate: number;
  /** Per-version behaviour, e.g. {"2": {"errorRate": 0.2}}. */
  versions?: Record<string, Partial<Behavior>>;
}

/** A traffic stream: an API Gateway stage, split by its canary's percentTraffic. */
export interface StageTrafficSpec {
  restApiId: string;
  stage: string;
  /** Requests per second; 0 stops. */
  rate: number;
  /** The request each time: default GET /. */
  method?: string;
  path?: string;
  /** Per-deployment behaviour of method-less deployments, e.g. {"d2": {"errorRate": 0.2}}. */
  deployments?: Record<string, Partial<DeploymentBehavior>>;
}

export type TrafficSpec = LambdaTrafficSpec | StageTrafficSpec;

/** A method of a scenario's REST API resource, with its integration. */
export interface MethodSpec {
  /** Default NONE. */
  authorizationType?: string;
  /**
   * PutIntegration's input: `{type: "MOCK", requestTemplates?}` or `{type: "AWS_PROXY",
   * httpMethod: "POST", uri}` (a Lambda function/alias ARN or the apigateway invocation URI); a
   * MOCK may carry `statusCode`/`latencyMs`, the answer the local cloud gives for it.
   */
  integration?: Record<string, unknown> & MockAnswer;
  /** Status codes of method and integration responses; default ["200"]. */
  responses?: string[];
}

/** A resource of a scenario's REST API: its path ("/" is the root) and methods by HTTP method. */
export interface ResourceSpec {
  path: string;
  methods?: Record<string, MethodSpec>;
}

export interface RestApiSpec {
  id?: string;
  name: string;
  description?: string;
  /** The API's resources (parents are created as needed); deployments freeze them as loaded. */
  resources?: ResourceSpec[];
  /**
   * Deployments, each a frozen copy of `resources`; `resources` of its own replace the API's for
   * that deployment only (e.g. a canary whose MOCK answers 500). Behaviour fields apply when
   * the deployment has no methods.
   */
  deployments?: ({
    id?: string;
    description?: string;
    resources?: ResourceSpec[];
  } & Partial<DeploymentBehavior>)[];
  stages?: {
    name: string;
    deploymentId: string;
    description?: string;
    variables?: Record<string, string>;
    canary?: {
      /** Default: the stage's own deployment. */
      deploymentId?: string;
      percentTraffic: number;
      stageVariableOverrides?: Record<string, string>;
      useStageCache?: boolean;
    };
  }[];
  /** Behaviour of the next deployment created through the API (for method-less APIs). */
  nextDeployment?: Partial<DeploymentBehavior>;
}

/** An API Gateway v2 API: CreateApi's input, with an optional fixed `id`. */
export interface HttpApiSpec {
  id?: string;
  name: string;
  protocolType: 'HTTP' | 'WEBSOCKET';
  routeSelectionExpression?: string;
  description?: string;
}

type AlarmSpec = Record<string, unknown> & { StateValue?: AlarmState; StateReason?: string };

export interface Scenario extends Partial<
  Pick<
    CloudOptions,
    | 'seed'
    | 'metricPeriodSeconds'
    | 'updateSettleMs'
    | 'codedeployMinuteMs'
    | 'codedeployAlarmDelayMs'
    | 'createDeploymentIntervalMs'
  >
> {
  functions?: FunctionSpec[];
  /** PutMetricAlarm inputs (AWS shapes), optionally with a StateValue/StateReason to start in. */
  alarms?: AlarmSpec[];
  /** PutCompositeAlarm inputs (AWS shapes), optionally with a StateValue/StateReason. */
  compositeAlarms?: AlarmSpec[];
  traffic?: TrafficSpec[];
  faults?: Partial<Record<ServiceName, FaultSpec>>;
  github?: GitHubScenario;
  restApis?: RestApiSpec[];
  /** HTTP and WebSocket APIs (API Gateway v2). */
  httpApis?: HttpApiSpec[];
  codedeploy?: CodeDeployScenario;
}

/** CodeDeploy resources, each exactly the input of the API call that creates it. */
export interface CodeDeployScenario {
  /** CreateApplication inputs: `{applicationName, computePlatform: "Lambda"}`. */
  applications?: Record<string, unknown>[];
  /** CreateDeploymentConfig inputs (custom configs; the predefined ones always exist). */
  deploymentConfigs?: Record<string, unknown>[];
  /** CreateDeploymentGroup inputs. */
  deploymentGroups?: Record<string, unknown>[];
  /**
   * Hook functions the local cloud answers for (PutLifecycleEventHookExecutionStatus) one tick
   * after invoking them: `Succeeded`, `Failed`, or `outcome` (Failed when the invocation errs, per
   * the version's errorRate). Hooks not listed wait for a real call, up to 60 CodeDeploy minutes.
   */
  hookReports?: Record<string, HookReport>;
}

export interface GitHubScenario {
  /** Login of any token's owner (default github-actions[bot]). */
  defaultUser?: string;
  /** token → login; when given, other tokens get 401. */
  tokens?: Record<string, string>;
  /** Answer 403 to every write. */
  forbidWrites?: boolean;
  pulls?: {
    repo: string;
    number: number;
    title?: string;
    state?: 'open' | 'closed';
    headSha?: string;
    mergeCommitSha?: string;
    merged?: boolean;
  }[];
  /** Existing comments, e.g. to test pagination when looking for a sticky comment. */
  comments?: { repo: string; issue: number; body: string; user?: string }[];
}

export const DEFAULT_ROLE = 'arn:aws:iam::123456789012:role/lambda-role';

const bad = (message: string): ApiError => new ApiError(400, 'InvalidScenario', message);

/**
 * Replaces the cloud's state with the scenario's (the writes log is kept). The scenario is tried
 * on a scratch cloud first, so a bad one changes nothing.
 */
export function loadScenario(cloud: Cloud, scenario: Scenario): void {
  if (!isRecord(scenario as unknown)) throw bad('A scenario must be a JSON object.');
  try {
    apply(new Cloud(cloud.options, cloud.clock), scenario);
  } catch (e) {
    if (e instanceof ApiError) throw bad(`Invalid scenario: ${e.message}`);
    throw e;
  }
  apply(cloud, scenario);
}

function apply(cloud: Cloud, scenario: Scenario): void {
  cloud.reset({
    ...(scenario.seed !== undefined ? { seed: scenario.seed } : {}),
    ...(scenario.metricPeriodSeconds !== undefined
      ? { metricPeriodSeconds: scenario.metricPeriodSeconds }
      : {}),
    ...(scenario.updateSettleMs !== undefined ? { updateSettleMs: scenario.updateSettleMs } : {}),
    ...(scenario.codedeployMinuteMs !== undefined ? { codedeployMinuteMs: scenario.codedeployMinuteMs } : {}),
    ...(scenario.codedeployAlarmDelayMs !== undefined
      ? { codedeployAlarmDelayMs: scenario.codedeployAlarmDelayMs }
      : {}),
    ...(scenario.createDeploymentIntervalMs !== undefined
      ? { createDeploymentIntervalMs: scenario.createDeploymentIntervalMs }
      : {}),
  });
  for (const fn of scenario.functions ?? []) loadFunction(cloud, fn);
  for (const api of scenario.restApis ?? []) loadRestApi(cloud, api);
  for (const api of scenario.httpApis ?? [])
    cloud.apigatewayv2.addApi(api as unknown as Record<string, unknown>);
  const now = cloud.clock();
  const cw = cloud.cloudwatch;
  for (const a of scenario.alarms ?? []) {
    cw.handle('PutMetricAlarm', a);
    if (a.StateValue)
      cw.alarms.setState(String(a['AlarmName']), a.StateValue, a.StateReason ?? 'Scenario', undefined, now);
  }
  for (const a of scenario.compositeAlarms ?? []) {
    cw.handle('PutCompositeAlarm', a);
    if (a.StateValue)
      cw.alarms.setState(String(a['AlarmName']), a.StateValue, a.StateReason ?? 'Scenario', undefined, now);
  }
  if (scenario.codedeploy !== undefined) loadCodeDeploy(cloud, scenario.codedeploy);
  for (const t of scenario.traffic ?? []) setTraffic(cloud, t);
  if (scenario.github) {
    if (!isRecord(scenario.github as unknown)) throw bad('"github" must be an object.');
    cloud.github.configure(scenario.github as unknown as Record<string, unknown>);
    for (const c of scenario.github.comments ?? []) {
      const login = c.user ?? cloud.github.settings.defaultUser;
      cloud.github.addComment(c.repo, c.issue, c.body, {
        login,
        id: 1,
        type: login.endsWith('[bot]') ? 'Bot' : 'User',
      });
    }
  }
  for (const [service, spec] of Object.entries(scenario.faults ?? {})) {
    if (!SERVICES.includes(service as ServiceName)) throw bad(`Unknown service in faults: ${service}`);
    cloud.faults.set(service as ServiceName, spec ?? null);
  }
}

function loadFunction(cloud: Cloud, spec: FunctionSpec): void {
  if (!spec.name) throw bad('Every function needs a name.');
  const lambda = cloud.lambda;
  const baseRole = spec.role ?? DEFAULT_ROLE;
  const config = (v: VersionSpec) => ({
    role: v.role ?? baseRole,
    deadLetterTargetArn: v.deadLetterArn === null ? undefined : (v.deadLetterArn ?? spec.deadLetterArn),
    description: v.description ?? spec.description ?? '',
    code: { sha256: sha256(v.code ?? `${spec.name}@${v.version ?? 'latest'}`), size: 1024 },
    behavior: behaviorOf(v),
  });
  const versions = spec.versions ?? [];
  const first = config(versions[0] ?? spec.latest ?? {});
  const f = lambda.addFunction({
    name: spec.name,
    runtime: spec.runtime,
    handler: spec.handler,
    environment: spec.environment,
    ...first,
  });
  for (const v of versions) {
    const c = config(v);
    f.latest = {
      ...f.latest,
      role: c.role,
      deadLetterTargetArn: c.deadLetterTargetArn,
      description: c.description,
      codeSha256: c.code.sha256,
      behavior: c.behavior,
    };
    lambda.publish(f, undefined, v.version ?? String(f.nextVersion));
  }
  if (spec.latest) {
    const c = config(spec.latest);
    f.latest = {
      ...f.latest,
      role: c.role,
      deadLetterTargetArn: c.deadLetterTargetArn,
      description: c.description,
      codeSha256: c.code.sha256,
      behavior: c.behavior,
    };
  }
  for (const a of spec.aliases ?? [])
    lambda.putAlias(spec.name, a.name, a.version, a.weights ?? {}, a.description);
}

function loadCodeDeploy(cloud: Cloud, spec: CodeDeployScenario): void {
  if (!isRecord(spec as unknown)) throw bad('"codedeploy" must be an object.');
  const cd = cloud.codedeploy;
  for (const a of spec.applications ?? []) cd.handle('CreateApplication', a);
  for (const c of spec.deploymentConfigs ?? []) cd.handle('CreateDeploymentConfig', c);
  for (const g of spec.deploymentGroups ?? []) cd.handle('CreateDeploymentGroup', g);
  setHookReports(cloud, spec.hookReports ?? {});
}

/** Sets (or, with null, clears) how the local cloud answers for hook functions. */
export function setHookReports(cloud: Cloud, reports: Record<string, HookReport | null>): void {
  for (const [fn, report] of Object.entries(reports)) {
    if (report === null) cloud.codedeploy.hookReports.delete(fn);
    else if (report === 'Succeeded' || report === 'Failed' || report === 'outcome')
      cloud.codedeploy.hookReports.set(fn, report);
    else throw bad(`Hook report for ${fn} must be Succeeded, Failed, outcome or null.`);
  }
}

function behaviorOf(v: VersionSpec): Behavior {
  return { ...DEFAULT_BEHAVIOR, ...behaviorPatch(v as Record<string, unknown>) };
}

function loadRestApi(cloud: Cloud, spec: RestApiSpec): void {
  const apigw = cloud.apigateway;
  const api = apigw.addApi(spec);
  addResources(apigw, api, spec.resources ?? []);
  const current = api.resources;
  for (const d of spec.deployments ?? []) {
    if (d.resources) {
      // A deployment of its own resources: built on a fresh tree, frozen, then the API's put back.
      api.resources = new Map(
        [...current].filter(([, r]) => r.path === '/').map(([id, r]) => [id, { ...r, methods: new Map() }]),
      );
      addResources(apigw, api, d.resources);
    }
    apigw.addDeployment(api, { id: d.id, description: d.description, behavior: deploymentBehaviorPatch(d) });
    api.resources = current;
  }
  for (const s of spec.stages ?? []) apigw.addStage(api, s);
  api.nextDeploymentBehavior = {
    ...api.nextDeploymentBehavior,
    ...deploymentBehaviorPatch(spec.nextDeployment ?? {}),
  };
}

/** Adds resources by path (parents as needed) with their methods, integrations and responses. */
function addResources(apigw: ApiGatewayService, api: RestApi, specs: ResourceSpec[]): void {
  for (const spec of specs) {
    if (typeof spec.path !== 'string' || !spec.path.startsWith('/'))
      throw bad('Every resource needs a "path" starting with "/".');
    const r = resourceAt(apigw, api, spec.path);
    for (const [httpMethod, m] of Object.entries(spec.methods ?? {})) {
      const method = apigw.addMethod(r, httpMethod.toUpperCase(), m.authorizationType ?? 'NONE');
      if (!m.integration) continue;
      const integration = apigw.setIntegration(method, m.integration);
      integration.mock = { ...integration.mock, ...mockOf(m.integration) };
      for (const status of m.responses ?? ['200']) {
        method.methodResponses.set(status, { statusCode: status });
        integration.integrationResponses.set(status, { statusCode: status });
      }
    }
  }
}

function resourceAt(apigw: ApiGatewayService, api: RestApi, path: string): Resource {
  let r = apigw.resourceByPath(api.resources, '/');
  for (const part of path.split('/').filter(Boolean)) {
    r =
      [...api.resources.values()].find((x) => x.parentId === r.id && x.pathPart === part) ??
      apigw.addResource(api, r.id, part);
  }
  return r;
}

function mockOf(v: MockAnswer): MockAnswer {
  return {
    ...(typeof v.statusCode === 'number' ? { statusCode: v.statusCode } : {}),
    ...(typeof v.latencyMs === 'number' ? { latencyMs: v.latencyMs } : {}),
  };
}

/** Starts, changes or stops (rate 0) traffic on an alias or stage, and applies behaviour changes. */
export function setTraffic(cloud: Cloud, spec: TrafficSpec): void {
  if (!isRecord(spec as unknown)) throw bad('Traffic must be an object.');
  if (typeof spec.rate !== 'number' || spec.rate < 0) throw bad('Traffic "rate" must be a number >= 0.');
  if ('restApiId' in spec) {
    setStageTraffic(cloud, spec);
    return;
  }
  if (typeof spec.function !== 'string' || typeof spec.alias !== 'string') {
    throw bad('Traffic needs "function" and "alias" (or "restApiId" and "stage"), and "rate".');
  }
  const lambda = cloud.lambda;
  const f = lambda.fn(spec.function);
  lambda.alias(spec.function, spec.alias);
  for (const [version, behavior] of Object.entries(spec.versions ?? {})) {
    const v = version === '$LATEST' ? f.latest : f.versions.get(version);
    if (!v) throw bad(`Function ${f.name} has no version ${version}.`);
    v.behavior = { ...v.behavior, ...behaviorPatch(behavior as Record<string, unknown>) };
  }
  cloud.traffic.set({
    key: `lambda:${f.name}:${spec.alias}`,
    rate: spec.rate,
    invoke: () => {
      lambda.invoke(f.name, spec.alias);
    },
  });
}

function setStageTraffic(cloud: Cloud, spec: StageTrafficSpec): void {
  const apigw = cloud.apigateway;
  const api = apigw.api(spec.restApiId);
  apigw.stage(api, spec.stage);
  for (const [id, behavior] of Object.entries(spec.deployments ?? {})) {
    const d = apigw.deployment(api, id);
    d.behavior = { ...d.behavior, ...deploymentBehaviorPatch(behavior) };
  }
  cloud.traffic.set({
    key: `apigateway:${api.id}:${spec.stage}`,
    rate: spec.rate,
    invoke: () => {
      apigw.invokeStage(api.id, spec.stage, { method: spec.method ?? 'GET', path: spec.path ?? '/' });
    },
  });
}
