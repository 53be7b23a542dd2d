/**
 * CodeDeploy for Lambda over its JSON 1.1 protocol (`X-Amz-Target: CodeDeploy_20141006.<Op>`):
 * applications, deployment configs (the predefined Lambda ones and custom ones), deployment
 * groups with alarms and automatic rollback, and deployments that really progress on the cloud's
 * clock: hooks invoked through Lambda and answered with PutLifecycleEventHookExecutionStatus,
 * the alias shifted by the config's steps under Lambda's alias rules, alarms polled on every
 * tick, stops, and rollbacks made as new deployments.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AlarmStore } from '../cloudwatch/alarms.js';
import {
  ApiError,
  isRecord,
  num,
  resolveRpc,
  str,
  type Operation,
  type RpcOperation,
  type Service,
  type SimRequest,
  type SimResponse,
} from '../core/http.js';
import type { LambdaService } from '../lambda/lambda.js';
import type { Rng } from '../core/rng.js';

const TARGET = 'CodeDeploy_20141006';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export type ComputePlatform = 'Lambda' | 'Server' | 'ECS';
export type DeploymentStatus =
  'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';
type EventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown';
type TargetStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Ready' | 'Unknown';
type HookEvent = 'BeforeAllowTraffic' | 'AfterAllowTraffic';
/** How the local cloud answers for a hook function on its behalf (see `hookReports`). */
export type HookReport = 'Succeeded' | 'Failed' | 'outcome';

const EVENT_NAMES = ['Start', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic', 'End'] as const;
type EventName = (typeof EVENT_NAMES)[number];
const ACTIVE: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];
const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'];
/** CodeDeploy waits an hour for a hook to report. */
const HOOK_TIMEOUT_MINUTES = 60;
const PAGE_SIZE = 100;

export interface TrafficRoutingConfig {
  type: 'AllAtOnce' | 'TimeBasedCanary' | 'TimeBasedLinear';
  timeBasedCanary?: { canaryPercentage: number; canaryInterval: number };
  timeBasedLinear?: { linearPercentage: number; linearInterval: number };
}

export interface DeploymentConfig {
  id: string;
  name: string;
  computePlatform: ComputePlatform;
  trafficRoutingConfig?: TrafficRoutingConfig;
  createMs: number;
  predefined: boolean;
}

export interface Application {
  id: string;
  name: string;
  computePlatform: ComputePlatform;
  createMs: number;
}

export interface AlarmConfiguration {
  enabled: boolean;
  ignorePollAlarmFailure: boolean;
  alarms: { name: string }[];
}

export interface AutoRollbackConfiguration {
  enabled: boolean;
  events: string[];
}

export interface DeploymentGroup {
  id: string;
  applicationName: string;
  name: string;
  deploymentConfigName: string;
  serviceRoleArn: string;
  deploymentStyle: { deploymentType: string; deploymentOption: string };
  alarmConfiguration: AlarmConfiguration;
  autoRollbackConfiguration: AutoRollbackConfiguration;
  lastSuccessful?: string;
  lastAttempted?: string;
}

export interface AppSpec {
  functionName: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
  hooks: Partial<Record<HookEvent, string>>;
}

interface LifecycleEventState {
  name: EventName;
  status: EventStatus;
  startMs?: number;
  endMs?: number;
  diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string };
}

interface HookExecution {
  id: string;
  event: HookEvent;
  functionName: string;
  status: 'Pending' | 'Succeeded' | 'Failed';
  deadlineMs: number;
  /** An answer the local cloud gives on the function's behalf at the next tick. */
  autoReport?: 'Succeeded' | 'Failed';
}

type Phase = 'created' | HookEvent | 'AllowTraffic' | 'done';

export interface Deployment {
  id: string;
  applicationName: string;
  groupName: string;
  configName: string;
  routing: TrafficRoutingConfig;
  revision: Record<string, unknown>;
  appSpec: AppSpec;
  description?: string;
  creator: 'user' | 'codeDeployRollback';
  status: DeploymentStatus;
  phase: Phase;
  createMs: number;
  startMs?: number;
  completeMs?: number;
  errorInformation?: { code: string; message: string };
  rollbackInfo?: {
    rollbackDeploymentId?: string;
    rollbackTriggeringDeploymentId?: string;
    rollbackMessage?: string;
  };
  autoRollbackConfiguration: AutoRollbackConfiguration;
  alarmConfiguration: AlarmConfiguration;
  overrideAlarmConfiguration?: AlarmConfiguration;
  events: LifecycleEventState[];
  hooks: HookExecution[];
  /** The weight this deployment last gave TargetVersion (0..1). */
  targetWeight: number;
  targetStatus: TargetStatus;
  targetUpdatedMs: number;
  /** When AllowTraffic began, and how many routing steps have been applied. */
  shiftStartMs?: number;
  stepsApplied: number;
  /** A StopDeployment waiting for the next tick; `rollback` as decided at the request. */
  stopRequest?: { rollback: boolean };
}

export interface CodeDeployOptions {
  lambda: LambdaService;
  alarms: AlarmStore;
  rng: Rng;
  clock: () => number;
  /** How long one CodeDeploy "minute" (intervals, hook timeout) lasts, in ms. */
  minuteMs: number;
  /** How long an alarm is in ALARM before a deployment notices it (CodeDeploy polls alarms). */
  alarmDelayMs?: number;
  /** Told of every alias write a deployment makes, so that the writes log shows CodeDeploy's shifts. */
  onAliasWrite?: (write: { deploymentId: string; functionName: string; alias: string }) => void;
}

const err =
  (code: string) =>
  (message: string): ApiError =>
    new ApiError(400, code, message);
const appMissing = err('ApplicationDoesNotExistException');
const groupMissing = err('DeploymentGroupDoesNotExistException');
const configMissing = err('DeploymentConfigDoesNotExistException');
const deploymentMissing = err('DeploymentDoesNotExistException');
const invalidRevision = err('InvalidRevisionException');
const invalidRouting = err('InvalidTrafficRoutingConfigurationException');

/** The predefined Lambda configs: name → routing. */
const PREDEFINED: Record<string, TrafficRoutingConfig> = {
  'CodeDeployDefault.LambdaAllAtOnce': { type: 'AllAtOnce' },
  ...Object.fromEntries(
    [5, 10, 15, 30].map((m) => [
      `CodeDeployDefault.LambdaCanary10Percent${m}Minutes`,
      { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: m } },
    ]),
  ),
  ...Object.fromEntries(
    [1, 2, 3, 10].map((m) => [
      `CodeDeployDefault.LambdaLinear10PercentEvery${m}Minute${m === 1 ? '' : 's'}`,
      { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 10, linearInterval: m } },
    ]),
  ),
};
/** What CreateDeploymentGroup records when no config is named: a Server config (see aws-facts). */
const API_DEFAULT_CONFIG = 'CodeDeployDefault.OneAtATime';
/** A fixed creation time for the predefined configs (2017-11-28, when Lambda support launched). */
const PREDEFINED_CREATE_MS = Date.UTC(2017, 10, 28);

export class CodeDeployService implements Service {
  readonly name = 'codedeploy' as const;
  readonly applications = new Map<string, Application>();
  readonly configs = new Map<string, DeploymentConfig>();
  /** Keyed by `app/group`. */
  readonly groups = new Map<string, DeploymentGroup>();
  readonly deployments = new Map<string, Deployment>();
  /** Function name → how the local cloud answers for it when it runs as a hook. */
  readonly hookReports = new Map<string, HookReport>();
  private readonly operations: Record<string, RpcOperation>;
  private readonly clock: () => number;

  constructor(private readonly opts: CodeDeployOptions) {
    this.clock = opts.clock;
    for (const [name, routing] of Object.entries(PREDEFINED)) {
      this.configs.set(name, predefinedConfig(name, 'Lambda', routing));
    }
    this.configs.set(API_DEFAULT_CONFIG, predefinedConfig(API_DEFAULT_CONFIG, 'Server'));
    const app = (i: Record<string, unknown>): string | undefined => str(i, 'applicationName');
    const group = (i: Record<string, unknown>): string | undefined =>
      `${str(i, 'applicationName') ?? ''}/${str(i, 'deploymentGroupName') ?? ''}`;
    const deployment = (i: Record<string, unknown>): string | undefined => str(i, 'deploymentId');
    this.operations = {
      CreateApplication: { handler: (i) => this.createApplication(i), target: app },
      GetApplication: { handler: (i) => ({ application: applicationOut(this.application(i)) }) },
      CreateDeploymentConfig: {
        handler: (i) => this.createDeploymentConfig(i),
        target: (i) => str(i, 'deploymentConfigName'),
      },
      GetDeploymentConfig: {
        handler: (i) => ({ deploymentConfigInfo: configOut(this.config(i['deploymentConfigName'])) }),
      },
      CreateDeploymentGroup: { handler: (i) => this.createDeploymentGroup(i), target: group },
      GetDeploymentGroup: {
        handler: (i) => ({ deploymentGroupInfo: this.groupOut(this.group(i)) }),
      },
      CreateDeployment: { handler: (i) => this.createDeployment(i), target: group },
      GetDeployment: { handler: (i) => ({ deploymentInfo: this.deploymentOut(this.deployment(i)) }) },
      ListDeployments: { handler: (i) => this.listDeployments(i) },
      ListDeploymentTargets: { handler: (i) => this.listDeploymentTargets(i) },
      GetDeploymentTarget: { handler: (i) => this.getDeploymentTarget(i) },
      StopDeployment: { handler: (i) => this.stopDeployment(i), target: deployment },
      PutLifecycleEventHookExecutionStatus: {
        handler: (i) => this.putHookStatus(i),
        target: deployment,
      },
    };
  }

  // --- Service -----------------------------------------------------------------------------------

  resolve(req: SimRequest): Operation | undefined {
    if (req.method !== 'POST') return undefined;
    return resolveRpc(
      req,
      TARGET,
      this.operations,
      {
        unknownOperation: (op) =>
          new ApiError(
            400,
            'UnknownOperationException',
            `The local cloud does not implement CodeDeploy ${op}.`,
          ),
        invalidBody: (message) => new ApiError(400, 'SerializationException', message),
      },
      CONTENT_TYPE,
    );
  }

  errorResponse(e: ApiError): SimResponse {
    return {
      status: e.status,
      headers: { 'content-type': CONTENT_TYPE, ...e.extra.headers },
      body: JSON.stringify({ __type: e.code, message: e.message, ...e.extra.fields }),
    };
  }

  throttleError(): ApiError {
    return new ApiError(400, 'ThrottlingException', 'Rate exceeded');
  }

  internalError(): ApiError {
    return new ApiError(500, 'InternalFailure', 'An internal error occurred (injected fault).');
  }

  /** Runs an operation on an input object as if it came over the wire (scenarios use this). */
  handle(operation: string, input: Record<string, unknown>): unknown {
    const op = this.operations[operation];
    if (!op)
      throw new ApiError(400, 'UnknownOperationException', `Unknown CodeDeploy operation ${operation}`);
    return op.handler(input);
  }

  // --- applications ------------------------------------------------------------------------------

  private createApplication(i: Record<string, unknown>): unknown {
    const name = requiredName(
      i,
      'applicationName',
      'ApplicationNameRequiredException',
      'InvalidApplicationNameException',
    );
    const platform = str(i, 'computePlatform') ?? 'Server';
    if (!isPlatform(platform)) {
      throw err('InvalidComputePlatformException')(`The computePlatform ${platform} is not valid.`);
    }
    if (this.applications.has(name)) {
      throw err('ApplicationAlreadyExistsException')(
        `The application ${name} already exists with the IAM user or AWS account.`,
      );
    }
    const a: Application = { id: randomUUID(), name, computePlatform: platform, createMs: this.clock() };
    this.applications.set(name, a);
    return { applicationId: a.id };
  }

  application(i: Record<string, unknown>): Application {
    const name = requiredName(
      i,
      'applicationName',
      'ApplicationNameRequiredException',
      'InvalidApplicationNameException',
    );
    const a = this.applications.get(name);
    if (!a) throw appMissing(`No application found for name: ${name}`);
    return a;
  }

  // --- deployment configs ------------------------------------------------------------------------

  config(nameIn: unknown): DeploymentConfig {
    if (typeof nameIn !== 'string' || nameIn === '') {
      throw err('DeploymentConfigNameRequiredException')('Deployment config name is required');
    }
    if (nameIn.length > 100) {
      throw err('InvalidDeploymentConfigNameException')(`The deployment config name ${nameIn} is too long.`);
    }
    const c = this.configs.get(nameIn);
    if (!c) throw configMissing(`No deployment configuration found for name: ${nameIn}`);
    return c;
  }

  private createDeploymentConfig(i: Record<string, unknown>): unknown {
    const name = str(i, 'deploymentConfigName');
    if (!name) throw err('DeploymentConfigNameRequiredException')('Deployment config name is required');
    if (name.length > 100 || (name.startsWith('CodeDeployDefault.') && !this.configs.has(name))) {
      throw err('InvalidDeploymentConfigNameException')(`The deployment config name ${name} is not valid.`);
    }
    if (this.configs.has(name)) {
      throw err('DeploymentConfigAlreadyExistsException')(
        `A deployment configuration with the name ${name} already exists with the IAM user or AWS account.`,
      );
    }
    const platform = str(i, 'computePlatform') ?? 'Server';
    if (!isPlatform(platform)) {
      throw err('InvalidComputePlatformException')(`The computePlatform ${platform} is not valid.`);
    }
    const routing = i['trafficRoutingConfig'];
    let trafficRoutingConfig: TrafficRoutingConfig | undefined;
    if (platform === 'Lambda') {
      if (i['minimumHealthyHosts'] !== undefined) {
        throw err('InvalidMinimumHealthyHostValueException')(
          'Minimum healthy hosts cannot be specified for the Lambda compute platform.',
        );
      }
      trafficRoutingConfig = parseRouting(routing ?? { type: 'AllAtOnce' });
    } else if (routing !== undefined) {
      throw invalidRouting(`Traffic routing is supported for the Lambda and ECS compute platforms only.`);
    }
    const c: DeploymentConfig = {
      id: randomUUID(),
      name,
      computePlatform: platform,
      ...(trafficRoutingConfig ? { trafficRoutingConfig } : {}),
      createMs: this.clock(),
      predefined: false,
    };
    this.configs.set(name, c);
    return { deploymentConfigId: c.id };
  }

  // --- deployment groups -------------------------------------------------------------------------

  group(i: Record<string, unknown>): DeploymentGroup {
    const app = this.application(i);
    const name = requiredName(
      i,
      'deploymentGroupName',
      'DeploymentGroupNameRequiredException',
      'InvalidDeploymentGroupNameException',
    );
    const g = this.groups.get(`${app.name}/${name}`);
    if (!g) throw groupMissing(`No Deployment Group found for name: ${name}`);
    return g;
  }

  private createDeploymentGroup(i: Record<string, unknown>): unknown {
    const app = this.application(i);
    const name = requiredName(
      i,
      'deploymentGroupName',
      'DeploymentGroupNameRequiredException',
      'InvalidDeploymentGroupNameException',
    );
    if (this.groups.has(`${app.name}/${name}`)) {
      throw err('DeploymentGroupAlreadyExistsException')(
        `A deployment group with the name ${name} already exists for the application ${app.name}.`,
      );
    }
    const role = str(i, 'serviceRoleArn');
    if (!role) throw err('RoleRequiredException')('Role ARN is required.');
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(role)) {
      throw err('InvalidRoleException')(`The service role ARN ${role} is not valid.`);
    }
    const configName = str(i, 'deploymentConfigName') ?? API_DEFAULT_CONFIG;
    this.config(configName);
    const style = isRecord(i['deploymentStyle']) ? i['deploymentStyle'] : undefined;
    const deploymentStyle =
      app.computePlatform === 'Lambda'
        ? { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' }
        : { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' };
    if (style) {
      const type = str(style, 'deploymentType') ?? deploymentStyle.deploymentType;
      const option = str(style, 'deploymentOption') ?? deploymentStyle.deploymentOption;
      if (app.computePlatform === 'Lambda' && (type !== 'BLUE_GREEN' || option !== 'WITH_TRAFFIC_CONTROL')) {
        throw err('InvalidDeploymentStyleException')(
          'Deployment style for the Lambda compute platform must be BLUE_GREEN with WITH_TRAFFIC_CONTROL.',
        );
      }
      deploymentStyle.deploymentType = type;
      deploymentStyle.deploymentOption = option;
    }
    const g: DeploymentGroup = {
      id: randomUUID(),
      applicationName: app.name,
      name,
      deploymentConfigName: configName,
      serviceRoleArn: role,
      deploymentStyle,
      alarmConfiguration: parseAlarmConfiguration(i['alarmConfiguration']) ?? {
        enabled: false,
        ignorePollAlarmFailure: false,
        alarms: [],
      },
      autoRollbackConfiguration: parseAutoRollback(i['autoRollbackConfiguration']) ?? {
        enabled: false,
        events: [],
      },
    };
    this.groups.set(`${app.name}/${name}`, g);
    return { deploymentGroupId: g.id };
  }

  // --- deployments -------------------------------------------------------------------------------

  deployment(i: Record<string, unknown>): Deployment {
    const id = str(i, 'deploymentId');
    if (!id) throw err('DeploymentIdRequiredException')('Deployment ID is required.');
    if (!/^d-[A-Z0-9]{9}$/.test(id))
      throw err('InvalidDeploymentIdException')(`The deployment ID ${id} is not valid.`);
    const d = this.deployments.get(id);
    if (!d) throw deploymentMissing(`Deployment ${id} does not exist`);
    return d;
  }

  private createDeployment(i: Record<string, unknown>): unknown {
    const app = this.application(i);
    const g = this.group(i);
    if (app.computePlatform !== 'Lambda') {
      throw err('InvalidComputePlatformException')(
        `The local cloud deploys to the Lambda compute platform only (application ${app.name} is ${app.computePlatform}).`,
      );
    }
    const configName = str(i, 'deploymentConfigName') ?? g.deploymentConfigName;
    const config = this.config(configName);
    if (config.computePlatform !== 'Lambda' || !config.trafficRoutingConfig) {
      throw err('InvalidDeploymentConfigNameException')(
        `The deployment configuration ${configName} is for the ${config.computePlatform} compute platform, not Lambda.`,
      );
    }
    const description = str(i, 'description');
    if (description !== undefined && description.length > 1024) {
      throw err('DescriptionTooLongException')('The description is too long.');
    }
    const revision = i['revision'];
    if (!isRecord(revision)) throw err('RevisionRequiredException')('Revision is required.');
    const appSpec = parseAppSpec(revision);
    const active = [...this.deployments.values()].find(
      (d) => d.applicationName === app.name && d.groupName === g.name && ACTIVE.includes(d.status),
    );
    if (active) {
      throw err('DeploymentLimitExceededException')(
        `The Deployment Group '${g.name}' already has an active Deployment '${active.id}'`,
      );
    }
    const override = parseAlarmConfiguration(i['overrideAlarmConfiguration']);
    const autoRollback = parseAutoRollback(i['autoRollbackConfiguration']) ?? g.autoRollbackConfiguration;
    const d = this.newDeployment({
      applicationName: app.name,
      groupName: g.name,
      configName,
      routing: config.trafficRoutingConfig,
      revision,
      appSpec,
      description,
      creator: 'user',
      autoRollbackConfiguration: { ...autoRollback, events: [...autoRollback.events] },
      alarmConfiguration: override ?? g.alarmConfiguration,
      ...(override ? { overrideAlarmConfiguration: override } : {}),
    });
    g.lastAttempted = d.id;
    return { deploymentId: d.id };
  }

  private newDeployment(
    spec: Pick<
      Deployment,
      | 'applicationName'
      | 'groupName'
      | 'configName'
      | 'routing'
      | 'revision'
      | 'appSpec'
      | 'description'
      | 'creator'
      | 'autoRollbackConfiguration'
      | 'alarmConfiguration'
      | 'overrideAlarmConfiguration'
    >,
  ): Deployment {
    const now = this.clock();
    const d: Deployment = {
      ...spec,
      id: this.deploymentId(),
      status: 'Created',
      phase: 'created',
      createMs: now,
      events: EVENT_NAMES.map((name) => ({ name, status: 'Pending' })),
      hooks: [],
      targetWeight: 0,
      targetStatus: 'Pending',
      targetUpdatedMs: now,
      stepsApplied: 0,
    };
    this.deployments.set(d.id, d);
    return d;
  }

  private deploymentId(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    for (;;) {
      let id = 'd-';
      for (let k = 0; k < 9; k++) id += alphabet[Math.floor(this.opts.rng.next() * alphabet.length)];
      if (!this.deployments.has(id)) return id;
    }
  }

  private listDeployments(i: Record<string, unknown>): unknown {
    const appName = str(i, 'applicationName');
    const groupName = str(i, 'deploymentGroupName');
    if (groupName !== undefined && appName === undefined) {
      throw err('ApplicationNameRequiredException')(
        'If deploymentGroupName is specified, applicationName is required.',
      );
    }
    if (appName !== undefined && groupName === undefined) {
      throw err('DeploymentGroupNameRequiredException')(
        'If applicationName is specified, deploymentGroupName is required.',
      );
    }
    if (appName !== undefined) this.group(i);
    const statuses = Array.isArray(i['includeOnlyStatuses']) ? (i['includeOnlyStatuses'] as unknown[]) : [];
    for (const s of statuses) {
      if (
        typeof s !== 'string' ||
        ![...ACTIVE, 'Succeeded', 'Failed', 'Stopped'].includes(s as DeploymentStatus)
      ) {
        throw err('InvalidDeploymentStatusException')(`The deployment status ${String(s)} is not valid.`);
      }
    }
    const range = isRecord(i['createTimeRange']) ? i['createTimeRange'] : {};
    const start = num(range, 'start');
    const end = num(range, 'end');
    if (start !== undefined && end !== undefined && start > end) {
      throw err('InvalidTimeRangeException')('The start time must be before the end time.');
    }
    const all = [...this.deployments.values()]
      .filter(
        (d) =>
          (appName === undefined || (d.applicationName === appName && d.groupName === groupName)) &&
          (statuses.length === 0 || statuses.includes(d.status)) &&
          (start === undefined || d.createMs >= start * 1000) &&
          (end === undefined || d.createMs <= end * 1000),
      )
      .sort((a, b) => b.createMs - a.createMs);
    const token = str(i, 'nextToken');
    const from = token === undefined ? 0 : Number(token);
    if (!Number.isInteger(from) || from < 0 || from > all.length) {
      throw err('InvalidNextTokenException')('The next token is not valid.');
    }
    const page = all.slice(from, from + PAGE_SIZE);
    return {
      deployments: page.map((d) => d.id),
      ...(from + PAGE_SIZE < all.length ? { nextToken: String(from + PAGE_SIZE) } : {}),
    };
  }

  private targetId(d: Deployment): string {
    return `${d.appSpec.functionName}:${d.appSpec.alias}`;
  }

  private started(i: Record<string, unknown>): Deployment {
    const d = this.deployment(i);
    if (d.status === 'Created') {
      throw err('DeploymentNotStartedException')(`The deployment ${d.id} has not started.`);
    }
    return d;
  }

  private listDeploymentTargets(i: Record<string, unknown>): unknown {
    const d = this.started(i);
    const filters = isRecord(i['targetFilters']) ? i['targetFilters'] : {};
    for (const key of Object.keys(filters)) {
      if (key !== 'TargetStatus' && key !== 'ServerInstanceLabel') {
        throw err('InvalidTargetFilterNameException')(`The target filter name ${key} is not valid.`);
      }
    }
    const wanted = Array.isArray(filters['TargetStatus'])
      ? (filters['TargetStatus'] as unknown[])
      : undefined;
    const ids = wanted && !wanted.includes(d.targetStatus) ? [] : [this.targetId(d)];
    return { targetIds: ids };
  }

  private getDeploymentTarget(i: Record<string, unknown>): unknown {
    const d = this.started(i);
    const targetId = str(i, 'targetId');
    if (!targetId) throw err('DeploymentTargetIdRequiredException')('A deployment target ID is required.');
    if (targetId !== this.targetId(d)) {
      throw err('DeploymentTargetDoesNotExistException')(
        `The deployment target ${targetId} does not exist in deployment ${d.id}.`,
      );
    }
    return { deploymentTarget: this.targetOut(d) };
  }

  private stopDeployment(i: Record<string, unknown>): unknown {
    const d = this.deployment(i);
    if (!ACTIVE.includes(d.status)) {
      throw err('DeploymentAlreadyCompletedException')(`The deployment ${d.id} has already completed.`);
    }
    const explicit = i['autoRollbackEnabled'];
    const rollback =
      typeof explicit === 'boolean'
        ? explicit
        : d.autoRollbackConfiguration.enabled &&
          d.autoRollbackConfiguration.events.includes('DEPLOYMENT_STOP_ON_REQUEST');
    d.stopRequest ??= { rollback };
    return {
      status: 'Pending',
      statusMessage: 'Stopping Pending. Stopping to schedule commands in the deployment instances',
    };
  }

  private putHookStatus(i: Record<string, unknown>): unknown {
    const d = this.deployment(i);
    const execId = str(i, 'lifecycleEventHookExecutionId');
    const exec = d.hooks.find((h) => h.id === execId);
    if (!execId || !exec) {
      throw err('InvalidLifecycleEventHookExecutionIdException')(
        `The lifecycle event hook execution ID ${execId ?? ''} is not valid for deployment ${d.id}.`,
      );
    }
    const status = str(i, 'status');
    if (status !== 'Succeeded' && status !== 'Failed') {
      throw err('InvalidLifecycleEventHookExecutionStatusException')(
        `The status ${status ?? ''} is not valid; use Succeeded or Failed.`,
      );
    }
    if (exec.status !== 'Pending' || d.phase !== exec.event || !ACTIVE.includes(d.status)) {
      throw err('LifecycleEventAlreadyCompletedException')(
        `The lifecycle event ${exec.event} of deployment ${d.id} has already completed.`,
      );
    }
    exec.status = status;
    return { lifecycleEventHookExecutionId: exec.id };
  }

  // --- progress ----------------------------------------------------------------------------------

  /** Advances every active deployment: stops, alarms, hooks, traffic steps. */
  tick(now: number): void {
    for (const d of this.deployments.values()) {
      if (!ACTIVE.includes(d.status)) continue;
      for (const h of d.hooks) {
        if (h.autoReport && h.status === 'Pending') h.status = h.autoReport;
        h.autoReport = undefined;
      }
      if (d.stopRequest) {
        this.finish(
          d,
          'Stopped',
          'MANUAL_STOP',
          'The deployment was stopped by a user request.',
          now,
          d.stopRequest.rollback,
        );
        continue;
      }
      // Each step either moves the deployment on (and the loop continues) or waits for time.
      for (let guard = 0; guard < 20 && ACTIVE.includes(d.status); guard++) {
        if (d.phase !== 'created' && this.checkAlarms(d, now)) break;
        if (!this.advance(d, now)) break;
      }
    }
  }

  /** True when an alarm stopped the deployment. */
  private checkAlarms(d: Deployment, now: number): boolean {
    const config = d.alarmConfiguration;
    if (!config.enabled) return false;
    const fired: string[] = [];
    for (const { name } of config.alarms) {
      const alarm = this.opts.alarms.alarms.get(name);
      if (!alarm) {
        if (!config.ignorePollAlarmFailure) fired.push(`${name} (state could not be retrieved)`);
        continue;
      }
      const delay = this.opts.alarmDelayMs ?? 0;
      if (alarm.state === 'ALARM' && now - alarm.stateTransitionedMs >= delay) fired.push(name);
    }
    if (fired.length === 0) return false;
    const rollback =
      d.autoRollbackConfiguration.enabled &&
      d.autoRollbackConfiguration.events.includes('DEPLOYMENT_STOP_ON_ALARM');
    this.finish(
      d,
      'Stopped',
      'ALARM_ACTIVE',
      `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${fired.join(', ')}>`,
      now,
      rollback,
    );
    return true;
  }

  /** One step of the lifecycle; false when the deployment waits (for a hook or for time). */
  private advance(d: Deployment, now: number): boolean {
    switch (d.phase) {
      case 'created': {
        d.status = 'InProgress';
        d.startMs = now;
        this.setTarget(d, 'InProgress', now);
        const start = this.event(d, 'Start');
        start.status = 'Succeeded';
        start.startMs = now;
        start.endMs = now;
        const problem = this.checkLambda(d);
        if (problem) {
          this.finish(d, 'Failed', problem.code, problem.message, now, this.rollbackOnFailure(d));
          return false;
        }
        d.phase = 'BeforeAllowTraffic';
        return true;
      }
      case 'BeforeAllowTraffic':
      case 'AfterAllowTraffic':
        return this.runHook(d, d.phase, now);
      case 'AllowTraffic':
        return this.shift(d, now);
      case 'done':
        return false;
    }
  }

  /** What CodeDeploy finds wrong with the AppSpec's function and alias, if anything. */
  private checkLambda(d: Deployment): { code: string; message: string } | undefined {
    const { functionName, alias, currentVersion, targetVersion } = d.appSpec;
    const lambda = this.opts.lambda;
    const f = lambda.functions.get(lambda.parseName(functionName).name);
    if (!f)
      return { code: 'INVALID_LAMBDA_FUNCTION', message: `Lambda function ${functionName} does not exist.` };
    const a = f.aliases.get(alias);
    if (!a)
      return {
        code: 'INVALID_LAMBDA_FUNCTION',
        message: `Alias ${alias} of Lambda function ${f.name} does not exist.`,
      };
    for (const v of [currentVersion, targetVersion]) {
      if (!f.versions.has(v)) {
        return {
          code: 'INVALID_LAMBDA_FUNCTION',
          message: `Version ${v} of Lambda function ${f.name} does not exist.`,
        };
      }
    }
    if (a.functionVersion !== currentVersion || Object.keys(a.weights).length > 0) {
      const split = Object.entries(a.weights)
        .map(([v, w]) => ` and version ${v} at weight ${w}`)
        .join('');
      return {
        code: 'INVALID_LAMBDA_CONFIGURATION',
        message: `The alias ${alias} of Lambda function ${f.name} points to version ${a.functionVersion}${split}, not to CurrentVersion ${currentVersion} alone as the AppSpec says.`,
      };
    }
    return undefined;
  }

  private runHook(d: Deployment, event: HookEvent, now: number): boolean {
    const ev = this.event(d, event);
    const fn = d.appSpec.hooks[event];
    if (!fn) {
      ev.status = 'Skipped';
      d.phase = event === 'BeforeAllowTraffic' ? 'AllowTraffic' : 'done';
      if (d.phase === 'done') this.succeed(d, now);
      return d.phase !== 'done';
    }
    let exec = d.hooks.find((h) => h.event === event);
    if (!exec) {
      ev.status = 'InProgress';
      ev.startMs = now;
      exec = {
        id: randomUUID(),
        event,
        functionName: fn,
        status: 'Pending',
        deadlineMs: now + HOOK_TIMEOUT_MINUTES * this.opts.minuteMs,
      };
      d.hooks.push(exec);
      const payload = JSON.stringify({ DeploymentId: d.id, LifecycleEventHookExecutionId: exec.id });
      try {
        const outcome = this.opts.lambda.invokeLogged(fn, undefined, payload);
        const report = this.hookReports.get(this.opts.lambda.parseName(fn).name);
        if (report) {
          exec.autoReport = report === 'outcome' ? (outcome.error ? 'Failed' : 'Succeeded') : report;
        }
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        this.hookFailed(d, ev, exec, `The hook function ${fn} could not be invoked: ${e.message}`, now);
        return false;
      }
      return false;
    }
    if (exec.status === 'Failed') {
      this.hookFailed(d, ev, exec, `The hook function ${fn} reported Failed for ${event}.`, now);
      return false;
    }
    if (exec.status === 'Pending') {
      if (now < exec.deadlineMs) return false;
      this.hookFailed(
        d,
        ev,
        exec,
        `The hook function ${fn} did not report the status of ${event} in time.`,
        now,
        'ScriptTimedOut',
      );
      return false;
    }
    ev.status = 'Succeeded';
    ev.endMs = now;
    if (event === 'BeforeAllowTraffic') {
      d.phase = 'AllowTraffic';
      return true;
    }
    this.succeed(d, now);
    return false;
  }

  private hookFailed(
    d: Deployment,
    ev: LifecycleEventState,
    exec: HookExecution,
    message: string,
    now: number,
    errorCode = 'ScriptFailed',
  ): void {
    ev.diagnostics = { errorCode, scriptName: exec.functionName, message, logTail: '' };
    this.finish(
      d,
      'Failed',
      'HOOK_EXECUTION_FAILURE',
      `The deployment failed because a lifecycle event hook failed: ${message}`,
      now,
      this.rollbackOnFailure(d),
    );
  }

  private rollbackOnFailure(d: Deployment): boolean {
    return (
      d.autoRollbackConfiguration.enabled && d.autoRollbackConfiguration.events.includes('DEPLOYMENT_FAILURE')
    );
  }

  /** AllowTraffic: applies the routing steps that are due; true when all traffic has moved. */
  private shift(d: Deployment, now: number): boolean {
    const ev = this.event(d, 'AllowTraffic');
    if (d.shiftStartMs === undefined) {
      d.shiftStartMs = now;
      ev.status = 'InProgress';
      ev.startMs = now;
    }
    const steps = routingSteps(d.routing);
    const elapsedMinutes = (now - d.shiftStartMs) / this.opts.minuteMs;
    while (d.stepsApplied < steps.length) {
      const step = steps[d.stepsApplied] as { atMinute: number; weight: number };
      if (step.atMinute > elapsedMinutes + 1e-9) return false;
      try {
        this.setWeight(d, step.weight);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        ev.status = 'Failed';
        this.finish(
          d,
          'Failed',
          'INVALID_LAMBDA_CONFIGURATION',
          `Updating the alias failed: ${e.code}: ${e.message}`,
          now,
          this.rollbackOnFailure(d),
        );
        return false;
      }
      d.stepsApplied++;
      d.targetUpdatedMs = now;
    }
    ev.status = 'Succeeded';
    ev.endMs = now;
    d.phase = 'AfterAllowTraffic';
    return true;
  }

  /** Moves the alias through Lambda's own rules (a new RevisionId each time). */
  private setWeight(d: Deployment, weight: number): void {
    const { functionName, alias, currentVersion, targetVersion } = d.appSpec;
    const lambda = this.opts.lambda;
    const description = lambda.alias(functionName, alias).description;
    if (weight >= 1) lambda.putAlias(functionName, alias, targetVersion, {}, description);
    else lambda.putAlias(functionName, alias, currentVersion, { [targetVersion]: weight }, description);
    this.opts.onAliasWrite?.({ deploymentId: d.id, functionName, alias });
    d.targetWeight = weight;
  }

  private succeed(d: Deployment, now: number): void {
    const end = this.event(d, 'End');
    end.status = 'Succeeded';
    end.startMs = now;
    end.endMs = now;
    d.phase = 'done';
    d.status = 'Succeeded';
    d.completeMs = now;
    this.setTarget(d, 'Succeeded', now);
    const g = this.groups.get(`${d.applicationName}/${d.groupName}`);
    if (g) g.lastSuccessful = d.id;
  }

  /** Ends a deployment as Failed or Stopped, and rolls back (a new deployment) when asked. */
  private finish(
    d: Deployment,
    status: 'Failed' | 'Stopped',
    code: string,
    message: string,
    now: number,
    rollback: boolean,
  ): void {
    for (const ev of d.events) {
      if (ev.status === 'InProgress') {
        ev.status = 'Failed';
        ev.endMs = now;
      } else if (ev.status === 'Pending') {
        ev.status = 'Skipped';
      }
    }
    d.status = status;
    d.phase = 'done';
    d.completeMs = now;
    d.stopRequest = undefined;
    d.errorInformation = { code, message };
    this.setTarget(d, 'Failed', now);
    if (rollback) this.rollBack(d, now);
  }

  /**
   * The rollback deployment: the alias back on CurrentVersion with no weights, made at once and
   * recorded as a deployment of its own (creator codeDeployRollback).
   */
  private rollBack(d: Deployment, now: number): void {
    const { functionName, alias, currentVersion, targetVersion, hooks } = d.appSpec;
    const appSpec: AppSpec = {
      functionName,
      alias,
      currentVersion: targetVersion,
      targetVersion: currentVersion,
      hooks,
    };
    const content = appSpecContent(appSpec);
    const r = this.newDeployment({
      applicationName: d.applicationName,
      groupName: d.groupName,
      configName: 'CodeDeployDefault.LambdaAllAtOnce',
      routing: { type: 'AllAtOnce' },
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') },
      },
      appSpec,
      description: `Rollback of deployment ${d.id}`,
      creator: 'codeDeployRollback',
      autoRollbackConfiguration: { enabled: false, events: [] },
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
    });
    r.status = 'InProgress';
    r.startMs = now;
    r.rollbackInfo = {
      rollbackTriggeringDeploymentId: d.id,
      rollbackMessage: `Rollback deployment of ${d.id}.`,
    };
    d.rollbackInfo = {
      rollbackDeploymentId: r.id,
      rollbackMessage: `Deployment ${d.id} was rolled back by deployment ${r.id}.`,
    };
    // As on AWS, the rollback is the group's last attempted deployment.
    const g = this.groups.get(`${d.applicationName}/${d.groupName}`);
    if (g) g.lastAttempted = r.id;
    for (const ev of r.events) {
      ev.status =
        ev.name === 'BeforeAllowTraffic' || ev.name === 'AfterAllowTraffic' ? 'Skipped' : 'Succeeded';
      ev.startMs = now;
      ev.endMs = now;
    }
    try {
      const lambda = this.opts.lambda;
      const a = lambda.alias(functionName, alias);
      if (a.functionVersion !== currentVersion || Object.keys(a.weights).length > 0) {
        lambda.putAlias(functionName, alias, currentVersion, {}, a.description);
        this.opts.onAliasWrite?.({ deploymentId: r.id, functionName, alias });
      }
      r.targetWeight = 1;
      r.phase = 'done';
      r.status = 'Succeeded';
      r.completeMs = now;
      this.setTarget(r, 'Succeeded', now);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const allow = this.event(r, 'AllowTraffic');
      allow.status = 'Failed';
      this.event(r, 'End').status = 'Skipped';
      r.phase = 'done';
      r.status = 'Failed';
      r.completeMs = now;
      r.errorInformation = {
        code: 'INVALID_LAMBDA_CONFIGURATION',
        message: `Rolling back the alias failed: ${e.message}`,
      };
      this.setTarget(r, 'Failed', now);
    }
  }

  private event(d: Deployment, name: EventName): LifecycleEventState {
    return d.events.find((e) => e.name === name) as LifecycleEventState;
  }

  private setTarget(d: Deployment, status: TargetStatus, now: number): void {
    d.targetStatus = status;
    d.targetUpdatedMs = now;
  }

  // --- views -------------------------------------------------------------------------------------

  groupOut(g: DeploymentGroup): Record<string, unknown> {
    const last = (id: string | undefined): Record<string, unknown> | undefined => {
      const d = id ? this.deployments.get(id) : undefined;
      return d
        ? {
            deploymentId: d.id,
            status: d.status,
            createTime: d.createMs / 1000,
            ...(d.completeMs !== undefined ? { endTime: d.completeMs / 1000 } : {}),
          }
        : undefined;
    };
    const successful = last(g.lastSuccessful);
    const attempted = last(g.lastAttempted);
    return {
      applicationName: g.applicationName,
      deploymentGroupId: g.id,
      deploymentGroupName: g.name,
      deploymentConfigName: g.deploymentConfigName,
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [],
      serviceRoleArn: g.serviceRoleArn,
      triggerConfigurations: [],
      alarmConfiguration: g.alarmConfiguration,
      autoRollbackConfiguration: g.autoRollbackConfiguration,
      deploymentStyle: g.deploymentStyle,
      outdatedInstancesStrategy: 'UPDATE',
      ...(successful ? { lastSuccessfulDeployment: successful } : {}),
      ...(attempted ? { lastAttemptedDeployment: attempted } : {}),
      computePlatform: this.applications.get(g.applicationName)?.computePlatform ?? 'Lambda',
      terminationHookEnabled: false,
    };
  }

  deploymentOut(d: Deployment): Record<string, unknown> {
    const overview: Record<string, number> = {
      Pending: 0,
      InProgress: 0,
      Succeeded: 0,
      Failed: 0,
      Skipped: 0,
      Ready: 0,
    };
    if (d.targetStatus in overview) overview[d.targetStatus] = (overview[d.targetStatus] ?? 0) + 1;
    return {
      applicationName: d.applicationName,
      deploymentGroupName: d.groupName,
      deploymentConfigName: d.configName,
      deploymentId: d.id,
      revision: d.revision,
      status: d.status,
      ...(d.errorInformation ? { errorInformation: d.errorInformation } : {}),
      createTime: d.createMs / 1000,
      ...(d.startMs !== undefined ? { startTime: d.startMs / 1000 } : {}),
      ...(d.completeMs !== undefined ? { completeTime: d.completeMs / 1000 } : {}),
      deploymentOverview: overview,
      ...(d.description !== undefined ? { description: d.description } : {}),
      creator: d.creator,
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: d.autoRollbackConfiguration,
      updateOutdatedInstancesOnly: false,
      ...(d.rollbackInfo ? { rollbackInfo: d.rollbackInfo } : {}),
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      instanceTerminationWaitTimeStarted: false,
      deploymentStatusMessages: [],
      computePlatform: 'Lambda',
      ...(d.overrideAlarmConfiguration ? { overrideAlarmConfiguration: d.overrideAlarmConfiguration } : {}),
    };
  }

  targetOut(d: Deployment): Record<string, unknown> {
    const lambda = this.opts.lambda;
    const { functionName, alias, currentVersion, targetVersion } = d.appSpec;
    const name = lambda.parseName(functionName).name;
    return {
      deploymentTargetType: 'LambdaTarget',
      lambdaTarget: {
        deploymentId: d.id,
        targetId: this.targetId(d),
        targetArn: lambda.arn(name, alias),
        status: d.targetStatus,
        lastUpdatedAt: d.targetUpdatedMs / 1000,
        lifecycleEvents: d.events.map((e) => ({
          lifecycleEventName: e.name,
          ...(e.diagnostics ? { diagnostics: e.diagnostics } : {}),
          ...(e.startMs !== undefined ? { startTime: e.startMs / 1000 } : {}),
          ...(e.endMs !== undefined ? { endTime: e.endMs / 1000 } : {}),
          status: e.status,
        })),
        lambdaFunctionInfo: {
          functionName: name,
          functionAlias: alias,
          currentVersion,
          targetVersion,
          targetVersionWeight: d.targetWeight,
        },
      },
    };
  }

  /** Everything, for the control API. */
  view(): Record<string, unknown> {
    return {
      applications: Object.fromEntries(
        [...this.applications.values()].map((a) => [a.name, applicationOut(a)]),
      ),
      deploymentConfigs: Object.fromEntries(
        [...this.configs.values()].filter((c) => !c.predefined).map((c) => [c.name, configOut(c)]),
      ),
      deploymentGroups: Object.fromEntries([...this.groups.entries()].map(([k, g]) => [k, this.groupOut(g)])),
      deployments: Object.fromEntries(
        [...this.deployments.values()].map((d) => [
          d.id,
          {
            ...this.deploymentOut(d),
            target: this.targetOut(d)['lambdaTarget'],
            hookExecutions: d.hooks.map((h) => ({
              lifecycleEventHookExecutionId: h.id,
              event: h.event,
              functionName: h.functionName,
              status: h.status,
            })),
          },
        ]),
      ),
      hookReports: Object.fromEntries(this.hookReports),
      minuteMs: this.opts.minuteMs,
    };
  }
}

// --- parsing -----------------------------------------------------------------------------------

function isPlatform(v: string): v is ComputePlatform {
  return v === 'Lambda' || v === 'Server' || v === 'ECS';
}

function requiredName(
  i: Record<string, unknown>,
  key: string,
  requiredCode: string,
  invalidCode: string,
): string {
  const v = str(i, key);
  if (!v) throw err(requiredCode)(`${key} is required.`);
  if (v.length > 100) throw err(invalidCode)(`The ${key} ${v} is too long (at most 100 characters).`);
  return v;
}

function parseRouting(v: unknown): TrafficRoutingConfig {
  if (!isRecord(v)) throw invalidRouting('trafficRoutingConfig must be an object.');
  const type = str(v, 'type');
  const whole = (x: unknown, min: number, max: number): x is number =>
    typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
  if (type === 'AllAtOnce') return { type };
  if (type === 'TimeBasedCanary') {
    const c = isRecord(v['timeBasedCanary']) ? v['timeBasedCanary'] : {};
    const p = c['canaryPercentage'];
    const m = c['canaryInterval'];
    if (!whole(p, 1, 99) || !whole(m, 1, 2880)) {
      throw invalidRouting(
        'timeBasedCanary needs canaryPercentage, a whole percentage from 1 to 99, and canaryInterval, a whole number of minutes from 1 to 2880.',
      );
    }
    return { type, timeBasedCanary: { canaryPercentage: p, canaryInterval: m } };
  }
  if (type === 'TimeBasedLinear') {
    const l = isRecord(v['timeBasedLinear']) ? v['timeBasedLinear'] : {};
    const p = l['linearPercentage'];
    const m = l['linearInterval'];
    if (!whole(p, 1, 99) || !whole(m, 1, 2880)) {
      throw invalidRouting(
        'timeBasedLinear needs linearPercentage, a whole percentage from 1 to 99, and linearInterval, a whole number of minutes from 1 to 2880.',
      );
    }
    return { type, timeBasedLinear: { linearPercentage: p, linearInterval: m } };
  }
  throw invalidRouting(`The traffic routing type ${type ?? '(none)'} is not valid.`);
}

/** The weights TargetVersion gets and when (in minutes after AllowTraffic starts). */
export function routingSteps(r: TrafficRoutingConfig): { atMinute: number; weight: number }[] {
  if (r.type === 'TimeBasedCanary' && r.timeBasedCanary) {
    const { canaryPercentage, canaryInterval } = r.timeBasedCanary;
    return [
      { atMinute: 0, weight: canaryPercentage / 100 },
      { atMinute: canaryInterval, weight: 1 },
    ];
  }
  if (r.type === 'TimeBasedLinear' && r.timeBasedLinear) {
    const { linearPercentage, linearInterval } = r.timeBasedLinear;
    const steps: { atMinute: number; weight: number }[] = [];
    for (let k = 1; ; k++) {
      const percent = Math.min(100, k * linearPercentage);
      steps.push({ atMinute: (k - 1) * linearInterval, weight: percent / 100 });
      if (percent >= 100) return steps;
    }
  }
  return [{ atMinute: 0, weight: 1 }];
}

function parseAlarmConfiguration(v: unknown): AlarmConfiguration | undefined {
  if (v === undefined || v === null) return undefined;
  const bad = err('InvalidAlarmConfigException');
  if (!isRecord(v)) throw bad('alarmConfiguration must be an object.');
  const alarms = Array.isArray(v['alarms']) ? v['alarms'] : [];
  if (alarms.length > 10)
    throw err('AlarmsLimitExceededException')('A deployment group may have at most 10 alarms.');
  const names = alarms.map((a) => {
    const name = isRecord(a) ? str(a, 'name') : undefined;
    if (!name) throw bad('Every alarm needs a name.');
    return { name };
  });
  const enabled = v['enabled'] === true;
  if (enabled && names.length === 0) throw bad('The alarm configuration is enabled but names no alarm.');
  return { enabled, ignorePollAlarmFailure: v['ignorePollAlarmFailure'] === true, alarms: names };
}

function parseAutoRollback(v: unknown): AutoRollbackConfiguration | undefined {
  if (v === undefined || v === null) return undefined;
  const bad = err('InvalidAutoRollbackConfigException');
  if (!isRecord(v)) throw bad('autoRollbackConfiguration must be an object.');
  const events = Array.isArray(v['events']) ? v['events'] : [];
  for (const e of events) {
    if (typeof e !== 'string' || !ROLLBACK_EVENTS.includes(e))
      throw bad(`The rollback event ${String(e)} is not valid.`);
  }
  const enabled = v['enabled'] === true;
  if (enabled && events.length === 0) throw bad('Automatic rollback is enabled but names no event.');
  return { enabled, events: events as string[] };
}

/** Reads and checks a Lambda AppSpec (JSON) from an AppSpecContent or String revision. */
export function parseAppSpec(revision: Record<string, unknown>): AppSpec {
  const type = str(revision, 'revisionType');
  const holder =
    type === 'AppSpecContent'
      ? revision['appSpecContent']
      : type === 'String'
        ? revision['string']
        : undefined;
  if (!isRecord(holder)) {
    throw invalidRevision(
      'A Lambda deployment needs revisionType AppSpecContent (with appSpecContent) or String (with string).',
    );
  }
  const content = str(holder, 'content');
  if (!content) throw invalidRevision('The AppSpec content is empty.');
  const sha = str(holder, 'sha256');
  if (sha !== undefined && sha !== createHash('sha256').update(content).digest('hex')) {
    throw invalidRevision('The sha256 of the AppSpec content does not match its content.');
  }
  let spec: unknown;
  try {
    spec = JSON.parse(content);
  } catch {
    throw invalidRevision(
      'The AppSpec content is not valid JSON (the local cloud reads JSON AppSpec files only).',
    );
  }
  if (!isRecord(spec)) throw invalidRevision('The AppSpec content must be an object.');
  if (spec['version'] !== 0 && spec['version'] !== '0.0') {
    throw invalidRevision('The AppSpec version must be 0.0.');
  }
  const resources = spec['Resources'];
  if (!Array.isArray(resources) || resources.length !== 1) {
    throw invalidRevision('The AppSpec must have exactly one entry in Resources for a Lambda deployment.');
  }
  const entry: unknown = resources[0];
  const values = isRecord(entry) ? Object.values(entry) : [];
  const resource: unknown = values[0];
  if (values.length !== 1 || !isRecord(resource)) {
    throw invalidRevision('Each Resources entry must be one named resource.');
  }
  if (resource['Type'] !== 'AWS::Lambda::Function') {
    throw invalidRevision('The resource Type must be AWS::Lambda::Function.');
  }
  const props = isRecord(resource['Properties']) ? resource['Properties'] : {};
  const text = (key: string): string => {
    const v = props[key];
    if (typeof v === 'number' || (typeof v === 'string' && v !== '')) return String(v);
    throw invalidRevision(`The resource Properties must have ${key}.`);
  };
  const functionName = text('Name');
  const alias = text('Alias');
  const currentVersion = text('CurrentVersion');
  const targetVersion = text('TargetVersion');
  for (const [k, v] of [
    ['CurrentVersion', currentVersion],
    ['TargetVersion', targetVersion],
  ] as const) {
    if (!/^[0-9]+$/.test(v)) throw invalidRevision(`${k} must be a published version number, not ${v}.`);
  }
  if (currentVersion === targetVersion) {
    throw invalidRevision(
      `TargetVersion (${targetVersion}) must differ from CurrentVersion (${currentVersion}).`,
    );
  }
  const hooks: Partial<Record<HookEvent, string>> = {};
  const rawHooks = spec['Hooks'];
  if (rawHooks !== undefined) {
    if (!Array.isArray(rawHooks)) throw invalidRevision('Hooks must be a list.');
    for (const h of rawHooks) {
      const pairs = isRecord(h) ? Object.entries(h) : [];
      for (const [event, fn] of pairs) {
        if (event !== 'BeforeAllowTraffic' && event !== 'AfterAllowTraffic') {
          throw invalidRevision(
            `${event} is not a Lambda lifecycle hook (BeforeAllowTraffic, AfterAllowTraffic).`,
          );
        }
        if (typeof fn !== 'string' || fn === '')
          throw invalidRevision(`The ${event} hook must name a function.`);
        hooks[event] = fn;
      }
      if (pairs.length === 0) throw invalidRevision('Each Hooks entry must name one lifecycle event.');
    }
  }
  return { functionName, alias, currentVersion, targetVersion, hooks };
}

/** The JSON AppSpec of a Lambda deployment. */
export function appSpecContent(a: AppSpec): string {
  const hooks = (['BeforeAllowTraffic', 'AfterAllowTraffic'] as const)
    .filter((e) => a.hooks[e])
    .map((e) => ({ [e]: a.hooks[e] }));
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        [a.functionName]: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Name: a.functionName,
            Alias: a.alias,
            CurrentVersion: a.currentVersion,
            TargetVersion: a.targetVersion,
          },
        },
      },
    ],
    ...(hooks.length > 0 ? { Hooks: hooks } : {}),
  });
}

function predefinedConfig(
  name: string,
  platform: ComputePlatform,
  routing?: TrafficRoutingConfig,
): DeploymentConfig {
  const hex = createHash('sha256').update(name).digest('hex');
  return {
    id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
    name,
    computePlatform: platform,
    ...(routing ? { trafficRoutingConfig: routing } : {}),
    createMs: PREDEFINED_CREATE_MS,
    predefined: true,
  };
}

function applicationOut(a: Application): Record<string, unknown> {
  return {
    applicationId: a.id,
    applicationName: a.name,
    createTime: a.createMs / 1000,
    linkedToGitHub: false,
    computePlatform: a.computePlatform,
  };
}

function configOut(c: DeploymentConfig): Record<string, unknown> {
  return {
    deploymentConfigId: c.id,
    deploymentConfigName: c.name,
    createTime: c.createMs / 1000,
    computePlatform: c.computePlatform,
    ...(c.trafficRoutingConfig ? { trafficRoutingConfig: c.trafficRoutingConfig } : {}),
  };
}
