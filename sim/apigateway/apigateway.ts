/**
 * API Gateway REST APIs (v1) over REST-JSON: what a user needs to build and release an API with
 * the unmodified SDK (APIs, resources, methods, integrations and their responses, deployments
 * that freeze the API, stages with canary settings) and the CreateDeployment quota. Stage
 * patching and stage requests live in their own modules.
 */
import { randomBytes } from 'node:crypto';
import type { MetricStore } from '../cloudwatch/metrics.js';
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
import type { Rng } from '../core/rng.js';
import type { LambdaService } from '../lambda/lambda.js';
import {
  DEFAULT_DEPLOYMENT_BEHAVIOR,
  apiOut,
  badRequest,
  checkPercent,
  conflict,
  copyResources,
  countMethods,
  deploymentOut,
  integrationOut,
  methodOut,
  notFound,
  resourceOut,
  stageOut,
  type ApiDeployment,
  type CanarySettings,
  type DeploymentBehavior,
  type Integration,
  type Method,
  type MockAnswer,
  type Resource,
  type RestApi,
  type Stage,
} from './model.js';
import { patchStage } from './stage-patch.js';
import { lambdaArnOf, requestStage, type StageAnswer, type StageRequest } from './stage-requests.js';

export * from './model.js';

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'ANY'];
const INTEGRATION_TYPES = ['AWS', 'AWS_PROXY', 'HTTP', 'HTTP_PROXY', 'MOCK'];

export interface ApiGatewayOptions {
  metrics: MetricStore;
  rng: Rng;
  clock?: () => number;
  /** The Lambda service AWS_PROXY integrations invoke. */
  lambda?: () => LambdaService | undefined;
  /** Least time between two CreateDeployment calls of the account (AWS: 5 s). */
  createDeploymentIntervalMs?: number;
}

interface Ctx {
  req: SimRequest;
  input: () => Record<string, unknown>;
}

export class ApiGatewayService implements Service {
  readonly name = 'apigateway' as const;
  readonly apis = new Map<string, RestApi>();
  private readonly router = new RestRouter<Ctx>();
  private readonly clock: () => number;
  private lastCreateDeploymentMs = -Infinity;

  constructor(private readonly opts: ApiGatewayOptions) {
    this.clock = opts.clock ?? Date.now;
    this.routes();
  }

  private routes(): void {
    const A = '/restapis/{restApiId}';
    const R = `${A}/resources/{resourceId}`;
    const M = `${R}/methods/{httpMethod}`;
    const api = (p: Params): RestApi => this.api(p['restApiId'] ?? '');
    const apiId = (p: Params): string => p['restApiId'] ?? '';
    const stageTarget = (p: Params): string => `${p['restApiId']}/${p['stageName']}`;
    const methodTarget = (p: Params): string => `${p['restApiId']}/${p['resourceId']}/${p['httpMethod']}`;
    const method = (p: Params): Method => this.method(api(p), p['resourceId'] ?? '', p['httpMethod'] ?? '');
    this.router
      .add('POST', '/restapis', 'CreateRestApi', (c) => this.createRestApi(c.input()))
      .add('GET', '/restapis', 'GetRestApis', () =>
        jsonResponse(200, { item: [...this.apis.values()].map(apiOut) }),
      )
      .add('GET', A, 'GetRestApi', (_c, p) => jsonResponse(200, apiOut(api(p))))
      .add('DELETE', A, 'DeleteRestApi', (_c, p) => this.deleteRestApi(api(p)), { target: apiId })
      .add('GET', `${A}/resources`, 'GetResources', (_c, p) =>
        jsonResponse(200, { item: [...api(p).resources.values()].map(resourceOut) }),
      )
      .add('GET', R, 'GetResource', (_c, p) =>
        jsonResponse(200, resourceOut(this.resource(api(p), p['resourceId'] ?? ''))),
      )
      .add(
        'POST',
        R,
        'CreateResource',
        (c, p) => this.createResource(api(p), p['resourceId'] ?? '', c.input()),
        {
          target: (p) => `${p['restApiId']}/${p['resourceId']}`,
        },
      )
      .add('PUT', M, 'PutMethod', (c, p) => this.putMethod(api(p), p, c.input()), { target: methodTarget })
      .add('GET', M, 'GetMethod', (_c, p) => jsonResponse(200, methodOut(method(p))))
      .add(
        'PUT',
        `${M}/responses/{statusCode}`,
        'PutMethodResponse',
        (_c, p) => this.putMethodResponse(method(p), p),
        {
          target: methodTarget,
        },
      )
      .add('PUT', `${M}/integration`, 'PutIntegration', (c, p) => this.putIntegration(method(p), c.input()), {
        target: methodTarget,
      })
      .add('GET', `${M}/integration`, 'GetIntegration', (_c, p) =>
        jsonResponse(200, integrationOut(this.integration(method(p)))),
      )
      .add(
        'PUT',
        `${M}/integration/responses/{statusCode}`,
        'PutIntegrationResponse',
        (c, p) => this.putIntegrationResponse(this.integration(method(p)), p, c.input()),
        { target: methodTarget },
      )
      .add(
        'POST',
        `${A}/deployments`,
        'CreateDeployment',
        (c, p) => this.createDeployment(api(p), c.input()),
        {
          target: apiId,
        },
      )
      .add('GET', `${A}/deployments`, 'GetDeployments', (_c, p) =>
        jsonResponse(200, { item: [...api(p).deployments.values()].map(deploymentOut) }),
      )
      .add('GET', `${A}/deployments/{deploymentId}`, 'GetDeployment', (_c, p) =>
        jsonResponse(200, deploymentOut(this.deployment(api(p), p['deploymentId'] ?? ''))),
      )
      .add(
        'DELETE',
        `${A}/deployments/{deploymentId}`,
        'DeleteDeployment',
        (_c, p) => this.deleteDeployment(api(p), p['deploymentId'] ?? ''),
        {
          target: (p) => `${p['restApiId']}/${p['deploymentId']}`,
        },
      )
      .add('POST', `${A}/stages`, 'CreateStage', (c, p) => this.createStage(api(p), c.input()), {
        target: (p) => apiId(p),
      })
      .add('GET', `${A}/stages`, 'GetStages', (c, p) => {
        const dep = c.req.query.get('deploymentId');
        const stages = [...api(p).stages.values()].filter((s) => !dep || s.deploymentId === dep);
        return jsonResponse(200, { item: stages.map(stageOut) });
      })
      .add('GET', `${A}/stages/{stageName}`, 'GetStage', (_c, p) =>
        jsonResponse(200, stageOut(this.stage(api(p), p['stageName'] ?? ''))),
      )
      .add(
        'PATCH',
        `${A}/stages/{stageName}`,
        'UpdateStage',
        (c, p) => this.updateStage(api(p), p['stageName'] ?? '', c.input()),
        {
          target: stageTarget,
        },
      )
      .add(
        'DELETE',
        `${A}/stages/{stageName}`,
        'DeleteStage',
        (_c, p) => this.deleteStage(api(p), p['stageName'] ?? ''),
        {
          target: stageTarget,
        },
      );
  }

  resolve(req: SimRequest): Operation | undefined {
    if (req.path !== '/restapis' && !req.path.startsWith('/restapis/')) return undefined;
    let parsed: Record<string, unknown> | undefined;
    const input = (): Record<string, unknown> => (parsed ??= parseJsonObject(req.body, badRequest));
    const op = this.router.resolve(
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
    };
    if (op.name === 'CreateDeployment') {
      // The writes log names the stage a deployment goes to, when the body names one.
      try {
        const stage = str(input(), 'stageName');
        if (stage) return { ...op, target: `${op.target}/${stage}` };
      } catch {
        // A body that does not parse is refused when the operation runs.
      }
    }
    return op;
  }

  errorResponse(err: ApiError): SimResponse {
    return jsonResponse(
      err.status,
      { message: err.message, ...err.extra.fields },
      { 'x-amzn-errortype': err.code, ...err.extra.headers },
    );
  }

  /** API Gateway's throttle: 429 with the wait in Retry-After (the SDK's `retryAfterSeconds`). */
  throttleError(retryAfterSeconds = 1): ApiError {
    return new ApiError(429, 'TooManyRequestsException', 'Too Many Requests', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
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

  resource(api: RestApi, id: string): Resource {
    const r = api.resources.get(id);
    if (!r) throw notFound('Invalid Resource identifier specified');
    return r;
  }

  /** The resource with this path, e.g. "/" or "/orders/{id}". */
  resourceByPath(resources: Map<string, Resource>, path: string): Resource {
    const r = [...resources.values()].find((x) => x.path === path);
    if (!r) throw notFound(`Invalid Resource identifier specified: no resource at ${path}`);
    return r;
  }

  method(api: RestApi, resourceId: string, httpMethod: string): Method {
    const m = this.resource(api, resourceId).methods.get(httpMethod);
    if (!m) throw notFound('Invalid Method identifier specified');
    return m;
  }

  integration(m: Method): Integration {
    if (!m.integration) throw notFound('Invalid Integration identifier specified');
    return m.integration;
  }

  // --- resources, used by the API calls and by scenarios --------------------------------------------

  addApi(spec: { id?: string; name: string; description?: string }): RestApi {
    const id = spec.id ?? randomId();
    if (this.apis.has(id)) throw conflict(`API ${id} already exists`);
    const root: Resource = { id: randomId(), path: '/', methods: new Map() };
    const api: RestApi = {
      id,
      name: spec.name,
      ...(spec.description ? { description: spec.description } : {}),
      createdMs: this.clock(),
      rootResourceId: root.id,
      resources: new Map([[root.id, root]]),
      deployments: new Map(),
      stages: new Map(),
      nextDeploymentBehavior: { ...DEFAULT_DEPLOYMENT_BEHAVIOR },
    };
    this.apis.set(id, api);
    return api;
  }

  addResource(api: RestApi, parentId: string, pathPart: string): Resource {
    const parent = this.resource(api, parentId);
    if (!/^([A-Za-z0-9._~-]+|\{[A-Za-z0-9._~-]+\+?\})$/.test(pathPart)) {
      throw badRequest(
        `Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace. Got: ${pathPart}`,
      );
    }
    if ([...api.resources.values()].some((r) => r.parentId === parent.id && r.pathPart === pathPart)) {
      throw conflict(`Another resource with the same parent already has this name: ${pathPart}`);
    }
    const r: Resource = {
      id: randomId(),
      parentId: parent.id,
      pathPart,
      path: parent.path === '/' ? `/${pathPart}` : `${parent.path}/${pathPart}`,
      methods: new Map(),
    };
    api.resources.set(r.id, r);
    return r;
  }

  addMethod(r: Resource, httpMethod: string, authorizationType = 'NONE', apiKeyRequired = false): Method {
    if (!HTTP_METHODS.includes(httpMethod))
      throw badRequest(`Invalid HttpMethod specified. Valid options are ${HTTP_METHODS.join(',')}`);
    if (r.methods.has(httpMethod)) throw conflict('Method already exists for this resource');
    const m: Method = { httpMethod, authorizationType, apiKeyRequired, methodResponses: new Map() };
    r.methods.set(httpMethod, m);
    return m;
  }

  setIntegration(m: Method, i: Record<string, unknown>): Integration {
    const type = str(i, 'type') ?? '';
    if (!INTEGRATION_TYPES.includes(type)) {
      throw badRequest(
        `Enumeration value for IntegrationType must be one of ${INTEGRATION_TYPES.join(', ')}, got '${type}'`,
      );
    }
    const uri = str(i, 'uri');
    const httpMethod = str(i, 'httpMethod');
    if (type !== 'MOCK' && !httpMethod)
      throw badRequest('Enumeration value for HttpMethod must be non-empty');
    if (type !== 'MOCK' && !uri) throw badRequest('Invalid integration URI specified: it must be non-empty');
    if (type === 'AWS_PROXY' && (!uri || !lambdaArnOf(uri, wildcardVariables(uri)))) {
      throw badRequest(
        'Invalid ARN specified in the request: AWS_PROXY integrations need a Lambda function URI',
      );
    }
    const templates = isRecord(i['requestTemplates']) ? stringMap(i['requestTemplates']) : {};
    const integration: Integration = {
      type,
      ...(httpMethod ? { httpMethod } : {}),
      ...(uri ? { uri } : {}),
      requestTemplates: templates,
      ...(str(i, 'passthroughBehavior') ? { passthroughBehavior: str(i, 'passthroughBehavior') } : {}),
      timeoutInMillis: typeof i['timeoutInMillis'] === 'number' ? i['timeoutInMillis'] : 29000,
      integrationResponses: new Map(),
      mock: isRecord(i['mock']) ? mockOf(i['mock']) : {},
    };
    m.integration = integration;
    return integration;
  }

  addDeployment(
    api: RestApi,
    spec: { id?: string; description?: string; behavior?: Partial<DeploymentBehavior> },
  ): ApiDeployment {
    const id = spec.id ?? randomId();
    if (api.deployments.has(id)) throw conflict(`Deployment ${id} already exists`);
    const d: ApiDeployment = {
      id,
      ...(spec.description ? { description: spec.description } : {}),
      createdMs: this.clock(),
      behavior: { ...api.nextDeploymentBehavior, ...spec.behavior },
      resources: copyResources(api.resources),
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
      canary?: Partial<CanarySettings> & { deploymentId?: string };
    },
  ): Stage {
    if (api.stages.has(spec.name)) throw conflict('Stage already exists');
    this.deployment(api, spec.deploymentId);
    const now = this.clock();
    const s: Stage = {
      name: spec.name,
      deploymentId: spec.deploymentId,
      ...(spec.description ? { description: spec.description } : {}),
      variables: { ...spec.variables },
      tracingEnabled: false,
      createdMs: now,
      updatedMs: now,
    };
    if (spec.canary) {
      const canaryDeployment = spec.canary.deploymentId ?? spec.deploymentId;
      if (!api.deployments.has(canaryDeployment))
        throw badRequest(`Invalid deployment identifier specified: ${canaryDeployment}`);
      s.canary = {
        deploymentId: canaryDeployment,
        percentTraffic: checkPercent(spec.canary.percentTraffic ?? 0),
        stageVariableOverrides: { ...spec.canary.stageVariableOverrides },
        useStageCache: spec.canary.useStageCache ?? false,
      };
    }
    api.stages.set(s.name, s);
    return s;
  }

  /** Sets how a MOCK method answers, in the API's current state or in one deployment's frozen copy. */
  setMockAnswer(
    api: RestApi,
    spec: { path: string; method: string; deploymentId?: string } & MockAnswer,
  ): MockAnswer {
    const resources = spec.deploymentId ? this.deployment(api, spec.deploymentId).resources : api.resources;
    const m = this.resourceByPath(resources, spec.path).methods.get(spec.method.toUpperCase());
    if (!m) throw notFound(`Invalid Method identifier specified: no ${spec.method} on ${spec.path}`);
    const i = this.integration(m);
    if (i.type !== 'MOCK')
      throw badRequest(`${spec.method} ${spec.path} has a ${i.type} integration, not MOCK`);
    i.mock = { ...i.mock, ...mockOf(spec as unknown as Record<string, unknown>) };
    return i.mock;
  }

  // --- API calls -----------------------------------------------------------------------------------

  private createRestApi(i: Record<string, unknown>): SimResponse {
    const name = str(i, 'name');
    if (!name) throw badRequest('Invalid REST API name specified');
    return jsonResponse(201, apiOut(this.addApi({ name, description: str(i, 'description') })));
  }

  private deleteRestApi(api: RestApi): SimResponse {
    this.apis.delete(api.id);
    return { status: 202, headers: {}, body: '' };
  }

  private createResource(api: RestApi, parentId: string, i: Record<string, unknown>): SimResponse {
    const pathPart = str(i, 'pathPart');
    if (!pathPart) throw badRequest('Invalid path part specified: it must be non-empty');
    return jsonResponse(201, resourceOut(this.addResource(api, parentId, pathPart)));
  }

  private putMethod(api: RestApi, p: Params, i: Record<string, unknown>): SimResponse {
    const authorizationType = str(i, 'authorizationType');
    if (!authorizationType) throw badRequest('Invalid authorization type specified: it must be non-empty');
    const r = this.resource(api, p['resourceId'] ?? '');
    return jsonResponse(
      201,
      methodOut(this.addMethod(r, p['httpMethod'] ?? '', authorizationType, i['apiKeyRequired'] === true)),
    );
  }

  private putMethodResponse(m: Method, p: Params): SimResponse {
    const statusCode = statusCodeOf(p);
    m.methodResponses.set(statusCode, { statusCode });
    return jsonResponse(201, { statusCode });
  }

  private putIntegration(m: Method, i: Record<string, unknown>): SimResponse {
    return jsonResponse(201, integrationOut(this.setIntegration(m, i)));
  }

  private putIntegrationResponse(
    integration: Integration,
    p: Params,
    i: Record<string, unknown>,
  ): SimResponse {
    const statusCode = statusCodeOf(p);
    const selectionPattern = str(i, 'selectionPattern');
    const response = { statusCode, ...(selectionPattern ? { selectionPattern } : {}) };
    integration.integrationResponses.set(statusCode, response);
    return jsonResponse(201, response);
  }

  /**
   * CreateDeployment freezes the API's current resources. With `canarySettings` the new deployment
   * becomes the canary of an existing stage; without, the stage (created when missing) moves to it.
   */
  private createDeployment(api: RestApi, i: Record<string, unknown>): SimResponse {
    const stageName = str(i, 'stageName');
    const canary = isRecord(i['canarySettings']) ? i['canarySettings'] : undefined;
    if (canary) {
      if (!stageName) throw badRequest('Stage name is required when canary settings are specified');
      if (!api.stages.has(stageName)) throw badRequest('Invalid stage identifier specified');
      checkPercent(typeof canary['percentTraffic'] === 'number' ? canary['percentTraffic'] : 0);
    }
    checkDeployable(api);
    this.takeDeploymentQuota();
    const d = this.addDeployment(api, { description: str(i, 'description') });
    const existing = stageName ? api.stages.get(stageName) : undefined;
    if (canary && existing) {
      existing.canary = {
        deploymentId: d.id,
        percentTraffic: typeof canary['percentTraffic'] === 'number' ? canary['percentTraffic'] : 0,
        stageVariableOverrides: stringMap(canary['stageVariableOverrides']),
        useStageCache: canary['useStageCache'] === true,
      };
      existing.updatedMs = this.clock();
    } else if (existing) {
      existing.deploymentId = d.id;
      existing.updatedMs = this.clock();
    } else if (stageName) {
      this.addStage(api, {
        name: stageName,
        deploymentId: d.id,
        description: str(i, 'stageDescription'),
        variables: stringMap(i['variables']),
      });
    }
    return jsonResponse(201, deploymentOut(d));
  }

  /** AWS's quota: one CreateDeployment per account every few seconds; faster calls are throttled. */
  private takeDeploymentQuota(): void {
    const interval = this.opts.createDeploymentIntervalMs ?? 5000;
    const now = this.clock();
    const waitMs = this.lastCreateDeploymentMs + interval - now;
    if (waitMs > 0) {
      throw new ApiError(429, 'TooManyRequestsException', 'Too Many Requests', {
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
      });
    }
    this.lastCreateDeploymentMs = now;
  }

  private deleteDeployment(api: RestApi, id: string): SimResponse {
    this.deployment(api, id);
    const user = [...api.stages.values()].find((s) => s.deploymentId === id || s.canary?.deploymentId === id);
    if (user) {
      throw badRequest(`Active stages pointing to this deployment must be moved or deleted: ${user.name}`);
    }
    api.deployments.delete(id);
    return { status: 202, headers: {}, body: '' };
  }

  private createStage(api: RestApi, i: Record<string, unknown>): SimResponse {
    const name = str(i, 'stageName');
    const deploymentId = str(i, 'deploymentId');
    if (!name || !deploymentId) throw badRequest('Stage name and deployment identifier are required');
    if (!api.deployments.has(deploymentId))
      throw badRequest(`Invalid deployment identifier specified: ${deploymentId}`);
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

  private updateStage(api: RestApi, name: string, i: Record<string, unknown>): SimResponse {
    const s = patchStage(api, this.stage(api, name), i['patchOperations']);
    s.updatedMs = this.clock();
    api.stages.set(name, s);
    return jsonResponse(200, stageOut(s));
  }

  private deleteStage(api: RestApi, name: string): SimResponse {
    this.stage(api, name);
    api.stages.delete(name);
    return { status: 202, headers: {}, body: '' };
  }

  // --- traffic ---------------------------------------------------------------------------------------

  /** One request to a stage (see stage-requests.ts). */
  invokeStage(
    apiId: string,
    stageName: string,
    req: StageRequest = { method: 'GET', path: '/' },
  ): StageAnswer {
    const api = this.api(apiId);
    return requestStage(
      {
        metrics: this.opts.metrics,
        rng: this.opts.rng,
        lambda: this.opts.lambda ?? (() => undefined),
        clock: this.clock,
      },
      api,
      this.stage(api, stageName),
      req,
    );
  }

  // --- views -------------------------------------------------------------------------------------------

  /** One API as the control API shows it: the API calls' views, plus each deployment's frozen copy. */
  apiView(a: RestApi): Record<string, unknown> {
    return {
      ...apiOut(a),
      resources: [...a.resources.values()].map(resourceView),
      deployments: Object.fromEntries(
        [...a.deployments.values()].map((d) => [
          d.id,
          {
            ...deploymentOut(d),
            behavior: d.behavior,
            resources: [...d.resources.values()].map(resourceView),
          },
        ]),
      ),
      stages: Object.fromEntries([...a.stages.values()].map((s) => [s.name, stageOut(s)])),
      nextDeploymentBehavior: a.nextDeploymentBehavior,
    };
  }

  view(): Record<string, unknown> {
    return Object.fromEntries([...this.apis.values()].map((a) => [a.id, this.apiView(a)]));
  }
}

/** A resource with its methods, and each MOCK integration's simulated answer. */
function resourceView(r: Resource): Record<string, unknown> {
  const out = resourceOut(r);
  for (const [name, m] of r.methods) {
    const methods = out['resourceMethods'] as Record<string, Record<string, unknown>>;
    const wire = methods[name] as Record<string, unknown>;
    if (m.integration?.type === 'MOCK') wire['mock'] = m.integration.mock;
  }
  return out;
}

/** CreateDeployment refuses an API with no methods, or a method with no integration, as AWS does. */
function checkDeployable(api: RestApi): void {
  if (countMethods(api.resources) === 0) throw badRequest("The REST API doesn't contain any methods");
  for (const r of api.resources.values()) {
    for (const m of r.methods.values()) {
      if (!m.integration) throw badRequest(`No integration defined for method ${m.httpMethod} ${r.path}`);
    }
  }
}

function statusCodeOf(p: Params): string {
  const statusCode = p['statusCode'] ?? '';
  if (!/^[1-5]\d\d$/.test(statusCode)) throw badRequest(`Invalid status code specified: ${statusCode}`);
  return statusCode;
}

function mockOf(v: Record<string, unknown>): MockAnswer {
  return {
    ...(typeof v['statusCode'] === 'number' ? { statusCode: v['statusCode'] } : {}),
    ...(typeof v['statusRate'] === 'number' ? { statusRate: Math.min(1, Math.max(0, v['statusRate'])) } : {}),
    ...(typeof v['latencyMs'] === 'number' ? { latencyMs: v['latencyMs'] } : {}),
  };
}

/** Stage variables standing for any value, to check the shape of a URI that uses them. */
function wildcardVariables(uri: string): Record<string, string> {
  const names = [...uri.matchAll(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string);
  return Object.fromEntries(names.map((n) => [n, 'x']));
}

/** The behaviour members found in an object (errorRate, latencyMs, latencyJitterMs). */
export function deploymentBehaviorPatch(v: Record<string, unknown>): Partial<DeploymentBehavior> {
  const out: Partial<DeploymentBehavior> = {};
  if (typeof v['errorRate'] === 'number') out.errorRate = v['errorRate'];
  if (typeof v['latencyMs'] === 'number') out.latencyMs = v['latencyMs'];
  if (typeof v['latencyJitterMs'] === 'number') out.latencyJitterMs = v['latencyJitterMs'];
  return out;
}

function stringMap(v: unknown): Record<string, string> {
  return isRecord(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};
}

export function randomId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
}
