/**
 * The shapes of API Gateway REST APIs (v1) in the local cloud, and their wire views: an API's
 * resource tree with methods and integrations, deployments (each a frozen copy of that tree),
 * and stages with canary settings. Kept apart so the service, the stage patcher and the stage
 * request path share one model.
 */
import { ApiError } from '../core/http.js';

/** How a deployment without methods (one loaded from a scenario) answers requests. */
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

/** How a MOCK integration answers, set by a scenario or the control API (AWS has no such knob). */
export interface MockAnswer {
  statusCode?: number;
  /**
   * With statusCode: the share of requests (0 to 1) answered with it, the rest 200, drawn from
   * the cloud's seeded random source; absent, every request. A partial regression, for the analysis.
   */
  statusRate?: number;
  latencyMs?: number;
}

export interface Integration {
  type: string;
  httpMethod?: string;
  uri?: string;
  requestTemplates: Record<string, string>;
  passthroughBehavior?: string;
  timeoutInMillis: number;
  integrationResponses: Map<string, { statusCode: string; selectionPattern?: string }>;
  mock: MockAnswer;
}

export interface Method {
  httpMethod: string;
  authorizationType: string;
  apiKeyRequired: boolean;
  methodResponses: Map<string, { statusCode: string }>;
  integration?: Integration;
}

export interface Resource {
  id: string;
  parentId?: string;
  pathPart?: string;
  path: string;
  methods: Map<string, Method>;
}

export interface ApiDeployment {
  id: string;
  description?: string;
  createdMs: number;
  /** Used only when the snapshot has no methods. */
  behavior: DeploymentBehavior;
  /** The API's resources as they were when the deployment was made. */
  resources: Map<string, Resource>;
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
  description?: string;
  variables: Record<string, string>;
  canary?: CanarySettings;
  tracingEnabled: boolean;
  createdMs: number;
  updatedMs: number;
}

export interface RestApi {
  id: string;
  name: string;
  description?: string;
  createdMs: number;
  rootResourceId: string;
  resources: Map<string, Resource>;
  deployments: Map<string, ApiDeployment>;
  stages: Map<string, Stage>;
  /** Behaviour given to the next deployment created through the API (for method-less APIs). */
  nextDeploymentBehavior: DeploymentBehavior;
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequestException', message);
export const notFound = (message: string): ApiError => new ApiError(404, 'NotFoundException', message);
export const conflict = (message: string): ApiError => new ApiError(409, 'ConflictException', message);

/** A deep copy of a resource tree (what CreateDeployment freezes). */
export function copyResources(resources: Map<string, Resource>): Map<string, Resource> {
  return new Map(
    [...resources].map(([id, r]) => [
      id,
      {
        ...r,
        methods: new Map(
          [...r.methods].map(([m, method]) => [
            m,
            {
              ...method,
              methodResponses: new Map(method.methodResponses),
              ...(method.integration
                ? {
                    integration: {
                      ...method.integration,
                      requestTemplates: { ...method.integration.requestTemplates },
                      integrationResponses: new Map(method.integration.integrationResponses),
                      mock: { ...method.integration.mock },
                    },
                  }
                : {}),
            },
          ]),
        ),
      },
    ]),
  );
}

export function countMethods(resources: Map<string, Resource>): number {
  return [...resources.values()].reduce((n, r) => n + r.methods.size, 0);
}

// --- wire views (API Gateway's JSON; absent fields are left out, as AWS does) -------------------------

export function integrationOut(i: Integration): Record<string, unknown> {
  return {
    type: i.type,
    ...(i.httpMethod ? { httpMethod: i.httpMethod } : {}),
    ...(i.uri ? { uri: i.uri } : {}),
    ...(Object.keys(i.requestTemplates).length ? { requestTemplates: i.requestTemplates } : {}),
    ...(i.passthroughBehavior ? { passthroughBehavior: i.passthroughBehavior } : {}),
    timeoutInMillis: i.timeoutInMillis,
    cacheNamespace: 'none',
    cacheKeyParameters: [],
    ...(i.integrationResponses.size
      ? { integrationResponses: Object.fromEntries(i.integrationResponses) }
      : {}),
  };
}

export function methodOut(m: Method): Record<string, unknown> {
  return {
    httpMethod: m.httpMethod,
    authorizationType: m.authorizationType,
    apiKeyRequired: m.apiKeyRequired,
    ...(m.methodResponses.size ? { methodResponses: Object.fromEntries(m.methodResponses) } : {}),
    ...(m.integration ? { methodIntegration: integrationOut(m.integration) } : {}),
  };
}

export function resourceOut(r: Resource): Record<string, unknown> {
  return {
    id: r.id,
    ...(r.parentId ? { parentId: r.parentId } : {}),
    ...(r.pathPart ? { pathPart: r.pathPart } : {}),
    path: r.path,
    ...(r.methods.size
      ? { resourceMethods: Object.fromEntries([...r.methods].map(([k, m]) => [k, methodOut(m)])) }
      : {}),
  };
}

export function stageOut(s: Stage): Record<string, unknown> {
  return {
    stageName: s.name,
    deploymentId: s.deploymentId,
    ...(s.description ? { description: s.description } : {}),
    ...(Object.keys(s.variables).length ? { variables: s.variables } : {}),
    ...(s.canary
      ? {
          canarySettings: {
            deploymentId: s.canary.deploymentId,
            percentTraffic: s.canary.percentTraffic,
            ...(Object.keys(s.canary.stageVariableOverrides).length
              ? { stageVariableOverrides: s.canary.stageVariableOverrides }
              : {}),
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

export function deploymentOut(d: ApiDeployment): Record<string, unknown> {
  return {
    id: d.id,
    ...(d.description ? { description: d.description } : {}),
    createdDate: d.createdMs / 1000,
  };
}

export function apiOut(a: RestApi): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    ...(a.description ? { description: a.description } : {}),
    createdDate: a.createdMs / 1000,
    apiKeySource: 'HEADER',
    endpointConfiguration: { types: ['EDGE'] },
    disableExecuteApiEndpoint: false,
    rootResourceId: a.rootResourceId,
  };
}

/** A percentage as UpdateStage and CreateDeployment accept it: 0.0 to 100.0. */
export function checkPercent(n: number): number {
  if (!(n >= 0 && n <= 100)) {
    throw badRequest(`Canary traffic percentage must be between 0.0 and 100.0, got ${n}`);
  }
  return n;
}
