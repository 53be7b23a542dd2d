/**
 * One request through a stage, as the traffic generator makes it: the canary gets
 * `percentTraffic` percent of requests; the chosen deployment's frozen resources decide the
 * answer (AWS_PROXY invokes the Lambda function or alias through the Lambda service, so a
 * version's errors and latency show through; MOCK answers as set); and AWS/ApiGateway metrics
 * are recorded under {ApiName, Stage}, with `<stage>/Canary` for canary requests.
 */
import type { MetricStore } from '../cloudwatch/metrics.js';
import type { Rng } from '../core/rng.js';
import type { LambdaService } from '../lambda/lambda.js';
import {
  countMethods,
  type ApiDeployment,
  type Integration,
  type Method,
  type RestApi,
  type Stage,
} from './model.js';

export interface StageRequest {
  method: string;
  path: string;
}

export interface StageAnswer {
  deploymentId: string;
  canary: boolean;
  status: number;
  latencyMs: number;
}

interface IntegrationAnswer {
  status: number;
  integrationLatencyMs?: number;
}

/** What a stage request needs from the rest of the cloud. */
export interface StageRequestDeps {
  metrics: MetricStore;
  rng: Rng;
  lambda: () => LambdaService | undefined;
  clock: () => number;
}

export function requestStage(deps: StageRequestDeps, api: RestApi, s: Stage, req: StageRequest): StageAnswer {
  const canary = s.canary !== undefined && deps.rng.next() * 100 < s.canary.percentTraffic;
  const deploymentId = canary && s.canary ? s.canary.deploymentId : s.deploymentId;
  const variables = canary && s.canary ? { ...s.variables, ...s.canary.stageVariableOverrides } : s.variables;
  const d = api.deployments.get(deploymentId);
  const answer = d ? answerFrom(deps, d, variables, req) : { status: 500, integrationLatencyMs: undefined };
  const overheadMs = 2 + Math.round(deps.rng.next() * 6);
  const latencyMs = (answer.integrationLatencyMs ?? 0) + overheadMs;
  const dimensions = { ApiName: api.name, Stage: canary ? `${s.name}/Canary` : s.name };
  const now = deps.clock();
  const put = (metricName: string, value: number, unit: string): void =>
    deps.metrics.put({ namespace: 'AWS/ApiGateway', metricName, dimensions }, now, [value], undefined, unit);
  put('Count', 1, 'Count');
  put('4XXError', answer.status >= 400 && answer.status < 500 ? 1 : 0, 'Count');
  put('5XXError', answer.status >= 500 ? 1 : 0, 'Count');
  put('Latency', latencyMs, 'Milliseconds');
  if (answer.integrationLatencyMs !== undefined)
    put('IntegrationLatency', answer.integrationLatencyMs, 'Milliseconds');
  return { deploymentId, canary, status: answer.status, latencyMs };
}

function answerFrom(
  deps: StageRequestDeps,
  d: ApiDeployment,
  variables: Record<string, string>,
  req: StageRequest,
): IntegrationAnswer {
  if (countMethods(d.resources) === 0) return behaviorAnswer(deps, d);
  const method = findMethod(d, req);
  // API Gateway answers an unknown route 403 Missing Authentication Token, before any integration.
  if (!method) return { status: 403 };
  const integration = method.integration;
  if (!integration) return { status: 500 };
  if (integration.type === 'MOCK') return mockAnswer(deps, integration);
  if (integration.type === 'AWS_PROXY') return lambdaAnswer(deps, integration, variables);
  return behaviorAnswer(deps, d);
}

function behaviorAnswer(deps: StageRequestDeps, d: ApiDeployment): IntegrationAnswer {
  const b = d.behavior;
  const latency = Math.max(1, Math.round(b.latencyMs + b.latencyJitterMs * deps.rng.normal()));
  return { status: deps.rng.chance(b.errorRate) ? 500 : 200, integrationLatencyMs: latency };
}

/**
 * A MOCK integration's status: the one set for the simulation (for a share of the requests
 * with statusRate, 200 for the rest), or else the request template's
 * `statusCode` mapped through the integration responses (a selection pattern that matches it, or
 * the default response); with no response to map to, API Gateway answers 500.
 */
function mockAnswer(deps: StageRequestDeps, i: Integration): IntegrationAnswer {
  const latency = i.mock.latencyMs ?? 1;
  const { statusCode, statusRate } = i.mock;
  if (statusCode !== undefined) {
    const hit = statusRate === undefined || deps.rng.chance(statusRate);
    return { status: hit ? statusCode : 200, integrationLatencyMs: latency };
  }
  const template = i.requestTemplates['application/json'] ?? '';
  const requested = /"statusCode"\s*:\s*(\d{3})/.exec(template)?.[1] ?? '200';
  const responses = [...i.integrationResponses.values()];
  const selected =
    responses.find((r) => r.selectionPattern && new RegExp(`^${r.selectionPattern}$`).test(requested)) ??
    responses.find((r) => !r.selectionPattern);
  return { status: selected ? Number(selected.statusCode) : 500, integrationLatencyMs: latency };
}

/** AWS_PROXY to Lambda: a function error is a 502, an unreachable function a 500. */
function lambdaAnswer(
  deps: StageRequestDeps,
  i: Integration,
  variables: Record<string, string>,
): IntegrationAnswer {
  const lambda = deps.lambda();
  const arn = lambdaArnOf(i.uri ?? '', variables);
  if (!lambda || !arn) return { status: 500 };
  try {
    const outcome = lambda.invoke(arn);
    return { status: outcome.error ? 502 : 200, integrationLatencyMs: Math.round(outcome.durationMs) };
  } catch {
    return { status: 500 };
  }
}

/**
 * The Lambda function ARN an integration URI names, with `${stageVariables.x}` filled in: either
 * `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations` or the ARN itself.
 */
export function lambdaArnOf(uri: string, variables: Record<string, string> = {}): string | undefined {
  const filled = uri.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_m, k: string) => variables[k] ?? '');
  const wrapped =
    /^arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/.exec(
      filled,
    );
  const arn = wrapped ? (wrapped[1] as string) : filled;
  return /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+(:[A-Za-z0-9-_$]+)?$/.test(arn)
    ? arn
    : undefined;
}

/** The method a request reaches: exact path, `{param}` and `{proxy+}` segments; ANY as a fallback. */
function findMethod(d: ApiDeployment, req: StageRequest): Method | undefined {
  const want = req.path.split('/').filter(Boolean);
  const candidates = [...d.resources.values()].filter((r) =>
    pathMatches(r.path.split('/').filter(Boolean), want),
  );
  candidates.sort((a, b) => specificity(b.path) - specificity(a.path));
  for (const r of candidates) {
    const m = r.methods.get(req.method.toUpperCase()) ?? r.methods.get('ANY');
    if (m) return m;
  }
  return undefined;
}

function pathMatches(pattern: string[], actual: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    if (/^\{.+\+\}$/.test(p)) return actual.length > i;
    if (i >= actual.length) return false;
    if (!/^\{.+\}$/.test(p) && p !== actual[i]) return false;
  }
  return pattern.length === actual.length;
}

function specificity(path: string): number {
  return path.split('/').reduce((n, seg) => n + (seg.startsWith('{') ? 1 : 10), 0);
}
