/**
 * API Gateway REST APIs (v1) over REST-JSON: APIs, deployments, stages with canary settings and
 * the UpdateStage patch operations a canary release uses; and stage invocations, split by
 * `percentTraffic`, that produce AWS/ApiGateway metrics.
 */
import { randomBytes } from 'node:crypto';
import {
  ApiError,
  RestRouter,
  isRecord,
  jsonResponse,
  parseJsonObject,
  str,
  type Operation,
  type Params,
  type Service,
  type SimRequest,
  type SimResponse,
} from '../core/http.js';
import type { MetricStore } from '../cloudwatch/metrics.js';
import type { Rng } from '../core/rng.js';

/** How requests served by a deployment behave. */
export interface DeploymentBehavior {
  /** Fraction of requests answered 5XX, 0..1. */
  errorRate: number;
  latencyMs: number;
  latencyJitterMs: number;
}

export const DEFAULT_DEPLOYMENT_BEHAVIOR: DeploymentBehavior = {
  errorRate: 0,
  latencyMs: 50,
  latencyJitterMs: 5,
};

export interface ApiDeployment {
  id: string;
  description: string;
  createdMs: number;
  behavior: DeploymentBehavior;
}

export interface CanarySettings {
  deploymentId: string;
  percentTraffic: number;
  stageVariableOverrides: Record<string, string>;
  useStageCache: boolean;
}

export interface Stage {
  name: string;
  deploymentId: string;
  description: string;
  variables: Record<string, string>;
  canary?: CanarySettings;
  tracingEnabled: boolean;
  createdMs: number;
  updatedMs: number;
}

export interface RestApi {
  id: string;
  name: string;
  description: string;
  createdMs: number;
  deployments: Map<string, ApiDeployment>;
  stages: Map<string, Stage>;
  /** Behaviour given to the next deployment created through the API. */
  nextDeploymentBehavior: DeploymentBehavior;
}

const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequestException', message);
const notFound = (message: string): ApiError => new ApiError(404, 'NotFoundException', message);
const conflict = (message: string): ApiError => new ApiError(409, 'ConflictException', message);

interface Ctx {
  req: SimRequest;
  input: () => Record<string, unknown>;
}

export class ApiGatewayService implements Service {
  readonly name = 'apigateway' as const;
  readonly apis = new Map<string, RestApi>();
  private readonly router = new RestRouter<Ctx>();

  constructor(
    private readonly metrics: MetricStore,
    private readonly rng: Rng,
    private readonly clock: () => number = Date.now,
  ) {
    const A = '/restapis/{restApiId}';
    const api = (p: Params): string => p['restApiId'] ?? '';
    const stage = (p: Params): string => `${p['restApiId']}/${p['stageName']}`;
    this.router
      .add('POST', '/restapis', 'CreateRestApi', (c) => this.createRestApi(c.input()))
      .add('GET', '/restapis', 'GetRestApis', () =>
        jsonResponse(200, { item: [...this.apis.values()].map((a) => this.apiOut(a)) }),
      )
      .add('GET', A, 'GetRestApi', (_c, p) => jsonResponse(200, this.apiOut(this.api(api(p)))))
      .add(
        'DELETE',
        A,
        'DeleteRestApi',
        (_c, p) => {
          this.api(api(p));
          this.apis.delete(api(p));
          return { status: 202, headers: {}, body: '' };
        },
        { target: api },
      )
      .add(
        'POST',
        `${A}/deployments`,
        'CreateDeployment',
        (c, p) => this.createDeployment(this.api(api(p)), c.input()),
        {
          target: api,
        },
      )
      .add('GET', `${A}/deployments`, 'GetDeployments', (_c, p) =>
        jsonResponse(200, { item: [...this.api(api(p)).deployments.values()].map(deploymentOut) }),
      )
      .add('GET', `${A}/deployments/{deploymentId}`, 'GetDeployment', (_c, p) =>
        jsonResponse(200, deploymentOut(this.deployment(this.api(api(p)), p['deploymentId'] ?? ''))),
      )
      .add('POST', `${A}/stages`, 'CreateStage', (c, p) => this.createStage(this.api(api(p)), c.input()), {
        target: api,
      })
      .add('GET', `${A}/stages`, 'GetStages', (c, p) => {
        const dep = c.req.query.get('deploymentId');
        const stages = [...this.api(api(p)).stages.values()].filter((s) => !dep || s.deploymentId === dep);
        return jsonResponse(200, { item: stages.map(stageOut) });
      })
      .add('GET', `${A}/stages/{stageName}`, 'GetStage', (_c, p) =>
        jsonResponse(200, stageOut(this.stage(this.api(api(p)), p['stageName'] ?? ''))),
      )
      .add(
        'PATCH',
        `${A}/stages/{stageName}`,
        'UpdateStage',
        (c, p) => this.updateStage(this.api(api(p)), p['stageName'] ?? '', c.input()),
        { target: stage },
      )
      .add(
        'DELETE',
        `${A}/stages/{stageName}`,
        'DeleteStage',
        (_c, p) => {
          const a = this.api(api(p));
          this.stage(a, p['stageName'] ?? '');
          a.stages.delete(p['stageName'] ?? '');
          return { status: 202, headers: {}, body: '' };
        },
        { target: stage },
      );
  }

  resolve(req: SimRequest): Operation | undefined {
    if (req.path !== '/restapis' && !req.path.startsWith('/restapis/')) return undefined;
    let parsed: Record<string, unknown> | undefined;
    const input = (): Record<string, unknown> => (parsed ??= parseJsonObject(req.body, badRequest));
    return (
      this.router.resolve(
        req,
        () => ({ req, input }),
        () => notFound('Invalid method or resource'),
      ) ?? {
        name: 'Unknown',
        write: req.method !== 'GET',
        run: () => {
          throw new ApiError(
            404,
            'UnknownOperationException',
            `The local cloud does not implement API Gateway ${req.method} ${req.path}`,
          );
        },
      }
    );
  }

  errorResponse(err: ApiError): SimResponse {
    return jsonResponse(
      err.status,
      { message: err.message, ...err.extra.fields },
      {
        'x-amzn-errortype': err.code,
        ...err.extra.headers,
      },
    );
  }

  throttleError(): ApiError {
    return new ApiError(429, 'TooManyRequestsException', 'Too Many Requests', {
      headers: { 'Retry-After': '1' },
    });
  }

  internalError(): ApiError {
    return new ApiError(503, 'ServiceUnavailableException', 'Service Unavailable (injected fault)');
  }

  // --- lookups ---------------------------------------------------------------------------------------

  api(id: string): RestApi {
    const a = this.apis.get(id);
    if (!a) throw notFound('Invalid API identifier specified');
    return a;
  }

  stage(api: RestApi, name: string): Stage {
    const s = api.stages.get(name);
    if (!s) throw notFound('Invalid stage identifier specified');
    return s;
  }

  deployment(api: RestApi, id: string): ApiDeployment {
    const d = api.deployments.get(id);
    if (!d) throw notFound('Invalid Deployment identifier specified');
    return d;
  }

  // --- resources -------------------------------------------------------------------------------------

  addApi(spec: { id?: string; name: string; description?: string }): RestApi {
    const id = spec.id ?? randomId();
    if (this.apis.has(id)) throw conflict(`API ${id} already exists`);
    const api: RestApi = {
      id,
      name: spec.name,
      description: spec.description ?? '',
      createdMs: this.clock(),
      deployments: new Map(),
      stages: new Map(),
      nextDeploymentBehavior: { ...DEFAULT_DEPLOYMENT_BEHAVIOR },
    };
    this.apis.set(id, api);
    return api;
  }

  addDeployment(
    api: RestApi,
    spec: { id?: string; description?: string; behavior?: Partial<DeploymentBehavior> },
  ): ApiDeployment {
    const d: ApiDeployment = {
      id: spec.id ?? randomId(),
      description: spec.description ?? '',
      createdMs: this.clock(),
      behavior: { ...api.nextDeploymentBehavior, ...spec.behavior },
    };
    api.deployments.set(d.id, d);
    return d;
  }

  addStage(
    api: RestApi,
    spec: {
      name: string;
      deploymentId: string;
      description?: string;
      variables?: Record<string, string>;
      canary?: Partial<CanarySettings> & { deploymentId: string };
    },
  ): Stage {
    if (api.stages.has(spec.name)) throw conflict('Stage already exists');
    this.deployment(api, spec.deploymentId);
    const now = this.clock();
    const s: Stage = {
      name: spec.name,
      deploymentId: spec.deploymentId,
      description: spec.description ?? '',
      variables: { ...spec.variables },
      tracingEnabled: false,
      createdMs: now,
      updatedMs: now,
    };
    if (spec.canary) {
      this.deployment(api, spec.canary.deploymentId);
      s.canary = {
        deploymentId: spec.canary.deploymentId,
        percentTraffic: checkPercent(spec.canary.percentTraffic ?? 0),
        stageVariableOverrides: { ...spec.canary.stageVariableOverrides },
        useStageCache: spec.canary.useStageCache ?? false,
      };
    }
    api.stages.set(s.name, s);
    return s;
  }

  private createRestApi(i: Record<string, unknown>): SimResponse {
    const name = str(i, 'name');
    if (!name) throw badRequest('Invalid REST API name specified');
    return jsonResponse(201, this.apiOut(this.addApi({ name, description: str(i, 'description') })));
  }

  private createDeployment(api: RestApi, i: Record<string, unknown>): SimResponse {
    const stageName = str(i, 'stageName');
    const canary = isRecord(i['canarySettings']) ? i['canarySettings'] : undefined;
    if (canary) {
      if (!stageName) throw badRequest('Stage name is required when canary settings are specified');
      if (!api.stages.has(stageName)) throw badRequest(`Invalid stage identifier specified`);
    }
    const d = this.addDeployment(api, { description: str(i, 'description') });
    if (stageName) {
      const existing = api.stages.get(stageName);
      if (canary && existing) {
        existing.canary = {
          deploymentId: d.id,
          percentTraffic: checkPercent(
            typeof canary['percentTraffic'] === 'number' ? canary['percentTraffic'] : 0,
          ),
          stageVariableOverrides: stringMap(canary['stageVariableOverrides']),
          useStageCache: canary['useStageCache'] === true,
        };
        existing.updatedMs = this.clock();
      } else if (existing) {
        existing.deploymentId = d.id;
        existing.updatedMs = this.clock();
      } else {
        this.addStage(api, {
          name: stageName,
          deploymentId: d.id,
          description: str(i, 'stageDescription'),
          variables: stringMap(i['variables']),
        });
      }
    }
    return jsonResponse(201, deploymentOut(d));
  }

  private createStage(api: RestApi, i: Record<string, unknown>): SimResponse {
    const name = str(i, 'stageName');
    const deploymentId = str(i, 'deploymentId');
    if (!name || !deploymentId) throw badRequest('Stage name and deployment identifier are required');
    const canary = isRecord(i['canarySettings']) ? i['canarySettings'] : undefined;
    const s = this.addStage(api, {
      name,
      deploymentId,
      description: str(i, 'description'),
      variables: stringMap(i['variables']),
      ...(canary
        ? {
            canary: {
              deploymentId: str(canary, 'deploymentId') ?? deploymentId,
              percentTraffic: typeof canary['percentTraffic'] === 'number' ? canary['percentTraffic'] : 0,
              stageVariableOverrides: stringMap(canary['stageVariableOverrides']),
              useStageCache: canary['useStageCache'] === true,
            },
          }
        : {}),
    });
    return jsonResponse(201, stageOut(s));
  }

  /**
   * UpdateStage: the patch operations are applied to a copy in order and committed only if all
   * succeed (one bad operation changes nothing).
   */
  private updateStage(api: RestApi, name: string, i: Record<string, unknown>): SimResponse {
    const current = this.stage(api, name);
    const s: Stage = {
      ...current,
      variables: { ...current.variables },
      canary: current.canary
        ? { ...current.canary, stageVariableOverrides: { ...current.canary.stageVariableOverrides } }
        : undefined,
    };
    const ops = Array.isArray(i['patchOperations']) ? i['patchOperations'] : [];
    for (const raw of ops) {
      if (!isRecord(raw)) throw badRequest('Invalid patch operation specified');
      this.applyPatch(
        api,
        s,
        str(raw, 'op') ?? '',
        str(raw, 'path') ?? '',
        str(raw, 'value'),
        str(raw, 'from'),
      );
    }
    s.updatedMs = this.clock();
    api.stages.set(name, s);
    return jsonResponse(200, stageOut(s));
  }

  private applyPatch(
    api: RestApi,
    s: Stage,
    op: string,
    path: string,
    value: string | undefined,
    from: string | undefined,
  ): void {
    const invalidOp = (): never => {
      throw badRequest(
        `Invalid patch operation specified. Must be one of: [replace, remove, copy] for path ${path}`,
      );
    };
    const needValue = (): string => {
      if (value === undefined)
        throw badRequest(`Invalid null or empty value in patch operation for path ${path}`);
      return value;
    };
    const canary = (): CanarySettings => {
      s.canary ??= {
        deploymentId: s.deploymentId,
        percentTraffic: 0,
        stageVariableOverrides: {},
        useStageCache: false,
      };
      return s.canary;
    };
    if (path === '/canarySettings' || path.startsWith('/canarySettings/')) {
      if (op === 'remove' && path === '/canarySettings') {
        s.canary = undefined;
        return;
      }
      if (op === 'replace' && path === '/canarySettings/percentTraffic') {
        const n = Number(needValue());
        if (!Number.isFinite(n)) throw badRequest(`Invalid value for percentTraffic: ${value}`);
        canary().percentTraffic = checkPercent(n);
        return;
      }
      if (op === 'replace' && path === '/canarySettings/deploymentId') {
        this.deployment(api, needValue());
        canary().deploymentId = needValue();
        return;
      }
      if (op === 'replace' && path === '/canarySettings/useStageCache') {
        canary().useStageCache = needValue() === 'true';
        return;
      }
      const override = /^\/canarySettings\/stageVariableOverrides\/(.+)$/.exec(path);
      if (override) {
        const key = override[1] as string;
        if (op === 'replace') canary().stageVariableOverrides[key] = needValue();
        else if (op === 'remove') delete canary().stageVariableOverrides[key];
        else invalidOp();
        return;
      }
      return invalidOp();
    }
    if (op === 'copy') {
      if (!s.canary) throw badRequest('Canary settings are not defined for this stage');
      if (from === '/canarySettings/deploymentId' && path === '/deploymentId') {
        s.deploymentId = s.canary.deploymentId;
        return;
      }
      if (from === '/canarySettings/stageVariableOverrides' && path === '/variables') {
        Object.assign(s.variables, s.canary.stageVariableOverrides);
        return;
      }
      throw badRequest(`Invalid copy operation from ${from ?? ''} to ${path}`);
    }
    const variable = /^\/variables\/(.+)$/.exec(path);
    if (variable) {
      const key = variable[1] as string;
      if (op === 'replace') s.variables[key] = needValue();
      else if (op === 'remove') delete s.variables[key];
      else invalidOp();
      return;
    }
    if (op !== 'replace') return invalidOp();
    switch (path) {
      case '/description':
        s.description = value ?? '';
        return;
      case '/deploymentId':
        this.deployment(api, needValue());
        s.deploymentId = needValue();
        return;
      case '/tracingEnabled':
        s.tracingEnabled = value === 'true';
        return;
      default:
        throw badRequest(`Invalid patch path ${path}`);
    }
  }

  // --- traffic -----------------------------------------------------------------------------------------

  /** One request to a stage: canary or not by percentTraffic; records AWS/ApiGateway metrics. */
  invokeStage(apiId: string, stageName: string): { deploymentId: string; canary: boolean; error: boolean } {
    const api = this.api(apiId);
    const s = this.stage(api, stageName);
    const canary = s.canary !== undefined && this.rng.next() * 100 < s.canary.percentTraffic;
    const deploymentId = canary && s.canary ? s.canary.deploymentId : s.deploymentId;
    const b = this.deployment(api, deploymentId).behavior;
    const error = this.rng.chance(b.errorRate);
    const latency = Math.max(1, Math.round(b.latencyMs + b.latencyJitterMs * this.rng.normal()));
    const dimensions = { ApiName: api.name, Stage: canary ? `${stageName}/Canary` : stageName };
    const now = this.clock();
    const put = (metricName: string, value: number, unit: string): void =>
      this.metrics.put(
        { namespace: 'AWS/ApiGateway', metricName, dimensions },
        now,
        [value],
        undefined,
        unit,
      );
    put('Count', 1, 'Count');
    put('4XXError', 0, 'Count');
    put('5XXError', error ? 1 : 0, 'Count');
    put('Latency', latency, 'Milliseconds');
    put('IntegrationLatency', Math.max(1, latency - 5), 'Milliseconds');
    return { deploymentId, canary, error };
  }

  // --- views -------------------------------------------------------------------------------------------

  apiOut(a: RestApi): Record<string, unknown> {
    return {
      id: a.id,
      name: a.name,
      description: a.description,
      createdDate: a.createdMs / 1000,
      apiKeySource: 'HEADER',
      endpointConfiguration: { types: ['EDGE'] },
      disableExecuteApiEndpoint: false,
      rootResourceId: `${a.id}root`,
    };
  }

  view(): Record<string, unknown> {
    return Object.fromEntries(
      [...this.apis.values()].map((a) => [
        a.id,
        {
          ...this.apiOut(a),
          deployments: Object.fromEntries(
            [...a.deployments.values()].map((d) => [d.id, { ...deploymentOut(d), behavior: d.behavior }]),
          ),
          stages: Object.fromEntries([...a.stages.values()].map((s) => [s.name, stageOut(s)])),
          nextDeploymentBehavior: a.nextDeploymentBehavior,
        },
      ]),
    );
  }
}

export function stageOut(s: Stage): Record<string, unknown> {
  return {
    stageName: s.name,
    deploymentId: s.deploymentId,
    description: s.description,
    variables: s.variables,
    ...(s.canary
      ? {
          canarySettings: {
            deploymentId: s.canary.deploymentId,
            percentTraffic: s.canary.percentTraffic,
            stageVariableOverrides: s.canary.stageVariableOverrides,
            useStageCache: s.canary.useStageCache,
          },
        }
      : {}),
    cacheClusterEnabled: false,
    cacheClusterStatus: 'NOT_AVAILABLE',
    methodSettings: {},
    tracingEnabled: s.tracingEnabled,
    createdDate: s.createdMs / 1000,
    lastUpdatedDate: s.updatedMs / 1000,
  };
}

function deploymentOut(d: ApiDeployment): Record<string, unknown> {
  return { id: d.id, description: d.description, createdDate: d.createdMs / 1000 };
}

/** The behaviour members found in an object (errorRate, latencyMs, latencyJitterMs). */
export function deploymentBehaviorPatch(v: Record<string, unknown>): Partial<DeploymentBehavior> {
  const out: Partial<DeploymentBehavior> = {};
  if (typeof v['errorRate'] === 'number') out.errorRate = v['errorRate'];
  if (typeof v['latencyMs'] === 'number') out.latencyMs = v['latencyMs'];
  if (typeof v['latencyJitterMs'] === 'number') out.latencyJitterMs = v['latencyJitterMs'];
  return out;
}

function checkPercent(n: number): number {
  if (!(n >= 0 && n <= 100)) throw badRequest(`percentTraffic must be between 0.0 and 100.0, got ${n}`);
  return n;
}

function stringMap(v: unknown): Record<string, string> {
  return isRecord(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};
}

function randomId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
}
