/**
 * A typed client for the control API, for tests, e2e and the demo:
 *
 *   const control = new LocalCloudControl(cloud.url);
 *   await control.loadScenario({ functions: [...], alarms: [...], traffic: [...] });
 *   expect(await control.writes()).toEqual([]);
 */
import type { HookReport } from './codedeploy/codedeploy.js';
import type { FaultSpec } from './core/faults.js';
import type { ServiceName } from './core/http.js';
import type { Behavior } from './lambda/lambda.js';
import type { DeploymentBehavior, MockAnswer } from './apigateway/model.js';
import type {
  CodeDeployScenario,
  GitHubScenario,
  HttpApiSpec,
  MethodSpec,
  ResourceSpec,
  RestApiSpec,
  Scenario,
  StageTrafficSpec,
  TrafficSpec,
} from './core/scenario.js';
import type { WriteRecord } from './core/writes.js';

export type {
  FaultSpec,
  Scenario,
  TrafficSpec,
  WriteRecord,
  Behavior,
  GitHubScenario,
  CodeDeployScenario,
  HookReport,
  RestApiSpec,
  ResourceSpec,
  MethodSpec,
  HttpApiSpec,
  StageTrafficSpec,
  DeploymentBehavior,
  MockAnswer,
};

/** A stage as GetStage answers it (fields never set are absent). */
export interface StageView {
  stageName: string;
  deploymentId: string;
  description?: string;
  variables?: Record<string, string>;
  canarySettings?: {
    deploymentId: string;
    percentTraffic: number;
    stageVariableOverrides?: Record<string, string>;
    useStageCache: boolean;
  };
  tracingEnabled: boolean;
  createdDate: number;
  lastUpdatedDate: number;
}

/** A resource as GetResources answers it, with each MOCK method's simulated answer as `mock`. */
export interface ResourceView {
  id: string;
  parentId?: string;
  pathPart?: string;
  path: string;
  resourceMethods?: Record<
    string,
    {
      httpMethod: string;
      authorizationType: string;
      methodIntegration?: { type: string; uri?: string; httpMethod?: string } & Record<string, unknown>;
      mock?: MockAnswer;
    } & Record<string, unknown>
  >;
}

/** A REST API with its resources, deployments (each with its frozen resources) and stages. */
export interface RestApiView {
  id: string;
  name: string;
  description?: string;
  rootResourceId: string;
  resources: ResourceView[];
  deployments: Record<
    string,
    {
      id: string;
      description?: string;
      createdDate: number;
      behavior: DeploymentBehavior;
      resources: ResourceView[];
    }
  >;
  stages: Record<string, StageView>;
  nextDeploymentBehavior: DeploymentBehavior;
}

/** An HTTP or WebSocket API as GetApi answers it. */
export interface HttpApiView {
  apiId: string;
  name: string;
  protocolType: 'HTTP' | 'WEBSOCKET';
  apiEndpoint: string;
}

export interface CommentView {
  id: number;
  repo: string;
  issue: number;
  body: string;
  user: { login: string; id: number; type: string };
  createdAt: string;
  updatedAt: string;
  history: { body: string; at: string }[];
}

export interface DeploymentView {
  id: number;
  repo: string;
  ref: string;
  sha: string;
  environment: string;
  description: string;
  payload: unknown;
  creator: { login: string };
  statuses: { id: number; state: string; description: string; logUrl: string; environmentUrl: string }[];
}

/** An alias as GetAlias answers it. */
export interface AliasView {
  AliasArn: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  RoutingConfig?: { AdditionalVersionWeights: Record<string, number> };
  RevisionId: string;
}

/** An alarm as DescribeAlarms answers it, plus whether the control API froze it. */
export interface AlarmView {
  AlarmName: string;
  AlarmArn: string;
  StateValue: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  StateReason: string;
  StateUpdatedTimestamp: number;
  Frozen: boolean;
  [key: string]: unknown;
}

export interface InvocationView {
  time: string;
  qualifier?: string;
  executedVersion: string;
  error: boolean;
  durationMs: number;
  payload: string;
}

export interface TrafficView {
  key: string;
  rate: number;
  invocations: number;
  failures: number;
  lastError?: string;
}

/** A CodeDeploy deployment as GetDeployment answers it (times in epoch seconds), plus its target. */
export interface CodeDeployDeploymentView {
  applicationName: string;
  deploymentGroupName: string;
  deploymentConfigName: string;
  deploymentId: string;
  status: 'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';
  errorInformation?: { code: string; message: string };
  rollbackInfo?: {
    rollbackDeploymentId?: string;
    rollbackTriggeringDeploymentId?: string;
    rollbackMessage?: string;
  };
  creator: 'user' | 'codeDeployRollback';
  createTime: number;
  startTime?: number;
  completeTime?: number;
  target: {
    targetId: string;
    status: string;
    lifecycleEvents: { lifecycleEventName: string; status: string; startTime?: number; endTime?: number }[];
    lambdaFunctionInfo: {
      functionName: string;
      functionAlias: string;
      currentVersion: string;
      targetVersion: string;
      targetVersionWeight: number;
    };
  };
  [key: string]: unknown;
}

/** Everything CodeDeploy holds: applications, custom configs, groups (keyed app/group), deployments. */
export interface CodeDeployView {
  applications: Record<string, Record<string, unknown>>;
  deploymentConfigs: Record<string, Record<string, unknown>>;
  deploymentGroups: Record<string, Record<string, unknown>>;
  deployments: Record<
    string,
    CodeDeployDeploymentView & {
      hookExecutions: {
        lifecycleEventHookExecutionId: string;
        event: 'BeforeAllowTraffic' | 'AfterAllowTraffic';
        functionName: string;
        status: 'Pending' | 'Succeeded' | 'Failed';
      }[];
    }
  >;
  hookReports: Record<string, HookReport>;
  minuteMs: number;
}

export class LocalCloudControl {
  private readonly base: string;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, '') + '/_control';
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const value: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const message = (value as { message?: string } | undefined)?.message ?? text;
      throw new Error(`control ${method} ${path} failed (${res.status}): ${message}`);
    }
    return value as T;
  }

  /** Replaces the whole state with a scenario (the writes log is kept; clear it separately). */
  loadScenario(scenario: Scenario): Promise<Record<string, unknown>> {
    return this.call('POST', '/scenario', scenario);
  }

  /** Empties the cloud; by default also clears the writes log. */
  reset(
    opts: {
      seed?: number;
      metricPeriodSeconds?: number;
      updateSettleMs?: number;
      codedeployMinuteMs?: number;
      createDeploymentIntervalMs?: number;
      clearWrites?: boolean;
    } = {},
  ) {
    return this.call<{ ok: true }>('POST', '/reset', opts);
  }

  state(): Promise<Record<string, unknown>> {
    return this.call('GET', '/state');
  }

  fn(name: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/state/lambda/functions/${encodeURIComponent(name)}`);
  }

  alias(fn: string, alias: string): Promise<AliasView> {
    return this.call(
      'GET',
      `/state/lambda/functions/${encodeURIComponent(fn)}/aliases/${encodeURIComponent(alias)}`,
    );
  }

  /** Invocations made through the Invoke API (hooks, for instance), oldest first. */
  invocations(fn: string): Promise<InvocationView[]> {
    return this.call('GET', `/state/lambda/functions/${encodeURIComponent(fn)}/invocations`);
  }

  /** Simulates a code deployment to $LATEST (LastUpdateStatus goes InProgress, then Successful). */
  deployCode(fn: string, code: { code?: string } & Partial<Behavior> = {}): Promise<Record<string, unknown>> {
    return this.call('POST', `/lambda/functions/${encodeURIComponent(fn)}/code`, code);
  }

  setBehavior(fn: string, version: string, behavior: Partial<Behavior>): Promise<Behavior> {
    return this.call(
      'POST',
      `/lambda/functions/${encodeURIComponent(fn)}/versions/${encodeURIComponent(version)}/behavior`,
      behavior,
    );
  }

  alarms(): Promise<AlarmView[]> {
    return this.call('GET', '/state/cloudwatch/alarms');
  }

  alarm(name: string): Promise<AlarmView> {
    return this.call('GET', `/state/cloudwatch/alarms/${encodeURIComponent(name)}`);
  }

  /**
   * Forces an alarm's state. Without `freeze` the alarm re-evaluates one period later (as
   * SetAlarmState does); with it, it stays until set again or unfrozen.
   */
  setAlarmState(
    name: string,
    state: AlarmView['StateValue'],
    reason?: string,
    freeze = false,
  ): Promise<AlarmView> {
    return this.call('POST', `/alarms/${encodeURIComponent(name)}/state`, { state, reason, freeze });
  }

  unfreezeAlarm(name: string): Promise<AlarmView> {
    return this.call('POST', `/alarms/${encodeURIComponent(name)}/unfreeze`);
  }

  /** Evaluates every metric alarm now over its last closed periods. */
  evaluateAlarms(): Promise<AlarmView[]> {
    return this.call('POST', '/alarms/evaluate');
  }

  /** Adds data points directly (any namespace, AWS/ included). */
  putMetrics(
    data: {
      namespace: string;
      metricName: string;
      dimensions?: Record<string, string>;
      value?: number;
      values?: number[];
      counts?: number[];
      timestamp?: string;
      unit?: string;
    }[],
  ): Promise<{ ok: true }> {
    return this.call('POST', '/metrics', { data });
  }

  /** Starts, changes (rate, per-version behaviour) or stops (rate 0) traffic on an alias. */
  setTraffic(spec: TrafficSpec | TrafficSpec[]): Promise<TrafficView[]> {
    return this.call('POST', '/traffic', Array.isArray(spec) ? { streams: spec } : spec);
  }

  traffic(): Promise<TrafficView[]> {
    return this.call('GET', '/traffic');
  }

  stopTraffic(): Promise<{ ok: true }> {
    return this.call('DELETE', '/traffic');
  }

  /** Sets faults per service; `null` clears a service's faults. */
  setFaults(faults: Partial<Record<ServiceName, FaultSpec | null>>): Promise<Record<string, FaultSpec>> {
    return this.call('POST', '/faults', faults);
  }

  /** The faults in force, with how many each service has injected so far. */
  faults(): Promise<Partial<Record<ServiceName, FaultSpec & { injected: number }>>> {
    return this.call('GET', '/faults');
  }

  clearFaults(): Promise<{ ok: true }> {
    return this.call('DELETE', '/faults');
  }

  /** GitHub settings, pull requests, comments (with their history) and deployments. */
  github(): Promise<{
    settings: { defaultUser: string; tokens: Record<string, string>; forbidWrites: boolean };
    pulls: unknown[];
    comments: CommentView[];
    deployments: DeploymentView[];
  }> {
    return this.call('GET', '/state/github');
  }

  /** Comments of one issue or pull request (all when no filter), oldest first. */
  comments(repo?: string, issue?: number): Promise<CommentView[]> {
    const q = new URLSearchParams();
    if (repo) q.set('repo', repo);
    if (issue !== undefined) q.set('issue', String(issue));
    return this.call('GET', `/state/github/comments?${q.toString()}`);
  }

  /** Changes GitHub settings: `forbidWrites` (403 to writes), `defaultUser`, `tokens`, `pulls`. */
  setGitHub(settings: Omit<GitHubScenario, 'comments'>): Promise<Record<string, unknown>> {
    return this.call('POST', '/github', settings);
  }

  /** CodeDeploy's applications, custom configs, groups and deployments (with hook executions). */
  codedeploy(): Promise<CodeDeployView> {
    return this.call('GET', '/state/codedeploy');
  }

  /** One CodeDeploy deployment with its Lambda target (live weight, lifecycle events). */
  deployment(id: string): Promise<CodeDeployDeploymentView> {
    return this.call('GET', `/state/codedeploy/deployments/${encodeURIComponent(id)}`);
  }

  /**
   * Makes the local cloud answer for hook functions (one tick after invoking them): `Succeeded`,
   * `Failed`, `outcome` (per the invocation's result) or `null` to wait for a real
   * PutLifecycleEventHookExecutionStatus again.
   */
  setHookReports(reports: Record<string, HookReport | null>): Promise<Record<string, HookReport>> {
    return this.call('POST', '/codedeploy/hook-reports', reports);
  }

  /** Every REST API by id. */
  restApis(): Promise<Record<string, RestApiView>> {
    return this.call('GET', '/state/apigateway');
  }

  /** One REST API: resources, deployments with their frozen resources, stages. */
  restApi(restApiId: string): Promise<RestApiView> {
    return this.call('GET', `/state/apigateway/restapis/${encodeURIComponent(restApiId)}`);
  }

  /** One stage, as GetStage answers it. */
  stage(restApiId: string, stageName: string): Promise<StageView> {
    return this.call(
      'GET',
      `/state/apigateway/restapis/${encodeURIComponent(restApiId)}/stages/${encodeURIComponent(stageName)}`,
    );
  }

  /** Every HTTP and WebSocket API (API Gateway v2) by id. */
  httpApis(): Promise<Record<string, HttpApiView>> {
    return this.call('GET', '/state/apigatewayv2');
  }

  /**
   * Sets how a MOCK method answers (status code, latency): in the API's current state, so the
   * next CreateDeployment carries it, or with `deploymentId` in that deployment's frozen copy.
   */
  setMockAnswer(
    restApiId: string,
    answer: { path: string; method: string; deploymentId?: string } & MockAnswer,
  ): Promise<MockAnswer> {
    return this.call('POST', `/apigateway/restapis/${encodeURIComponent(restApiId)}/mock`, answer);
  }

  /** Changes how a method-less deployment answers (errorRate, latencyMs, latencyJitterMs). */
  setDeploymentBehavior(
    restApiId: string,
    deploymentId: string,
    behavior: Partial<DeploymentBehavior>,
  ): Promise<DeploymentBehavior> {
    return this.call(
      'POST',
      `/apigateway/restapis/${encodeURIComponent(restApiId)}/deployments/${encodeURIComponent(deploymentId)}/behavior`,
      behavior,
    );
  }

  /** Every mutating request received since the last clear, oldest first. */
  writes(service?: ServiceName): Promise<WriteRecord[]> {
    return this.call('GET', `/writes${service ? `?service=${service}` : ''}`);
  }

  clearWrites(): Promise<{ ok: true }> {
    return this.call('DELETE', '/writes');
  }
}
