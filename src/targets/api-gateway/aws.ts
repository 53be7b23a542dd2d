// API Gateway calls for the stage target: the two clients (REST APIs, and v2 for telling an HTTP
// API apart), pacing under the account's quotas, one more wait when AWS says how long to back off
// (TooManyRequestsException's retryAfterSeconds), and every call through awsCall with its IAM
// action and resource.
import {
  APIGatewayClient,
  GetDeploymentCommand,
  GetStageCommand,
  type Stage,
} from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { runUserAgent } from '../../aws/clients.js';
import { awsCall, AwsCallError } from '../../aws/errors.js';
import { parseMarker, type RolloutMarker } from '../../marker.js';
import { readPercent } from './inputs.js';

export interface StageClients {
  apigateway: APIGatewayClient;
  apigatewayv2: ApiGatewayV2Client;
}

export interface StageRef {
  restApiId: string;
  stage: string;
  region: string;
}

/**
 * The action's client settings (standard retries, which include TooManyRequestsException and
 * honour its Retry-After; timeouts; the run in the user agent). Five attempts: API Gateway's
 * quotas are per account, so another pipeline may be spending them.
 */
export function createStageClients(region: string, env: NodeJS.ProcessEnv = process.env): StageClients {
  const config = {
    region,
    maxAttempts: 5,
    retryMode: 'standard',
    customUserAgent: runUserAgent(env),
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  };
  return { apigateway: new APIGatewayClient(config), apigatewayv2: new ApiGatewayV2Client(config) };
}

/** The resource ARNs the IAM policy must allow, as the README lists them. */
export const arns = {
  restApi: (ref: Pick<StageRef, 'restApiId' | 'region'>) =>
    `arn:aws:apigateway:${ref.region}::/restapis/${ref.restApiId}`,
  stage: (ref: StageRef) =>
    `arn:aws:apigateway:${ref.region}::/restapis/${ref.restApiId}/stages/${ref.stage}`,
  deployments: (ref: Pick<StageRef, 'restApiId' | 'region'>) =>
    `arn:aws:apigateway:${ref.region}::/restapis/${ref.restApiId}/deployments`,
  deployment: (ref: Pick<StageRef, 'restApiId' | 'region'>, deploymentId: string) =>
    `arn:aws:apigateway:${ref.region}::/restapis/${ref.restApiId}/deployments/${deploymentId}`,
  v2Api: (ref: Pick<StageRef, 'restApiId' | 'region'>) =>
    `arn:aws:apigateway:${ref.region}::/apis/${ref.restApiId}`,
};

/** API Gateway's management calls: 10 a second per account (burst 40); CreateDeployment once per 5 s. */
const MANAGEMENT_INTERVAL_MS = 100;
export const CREATE_DEPLOYMENT_INTERVAL_MS = 5_000;
/** The longest wait taken from retryAfterSeconds, and how many such waits a call gets. */
const MAX_RETRY_AFTER_MS = 30_000;
const RETRY_AFTER_ROUNDS = 2;

/** Spaces calls `intervalMs` apart, in the order they were asked for; waits end early on abort. */
export class Pacer {
  private next = 0;
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {}

  async turn(signal?: AbortSignal): Promise<void> {
    const at = Math.max(this.now(), this.next);
    this.next = at + this.intervalMs;
    await this.wait(at - this.now(), signal);
  }
}

/** One pacer per process: every stage target of the run shares the account's quota (tests may swap them). */
export const pacers: { management: Pacer; createDeployment: Pacer } = {
  management: new Pacer(MANAGEMENT_INTERVAL_MS),
  createDeployment: new Pacer(CREATE_DEPLOYMENT_INTERVAL_MS),
};

export interface StageCall {
  doing: string;
  /** "apigateway:GET" on `resource`. */
  iamAction: string;
  resource: string;
  region: string;
  pacer?: Pacer;
}

/**
 * Runs `call` paced, through awsCall. When the SDK's own retries end on TooManyRequestsException
 * and AWS said how long to wait (retryAfterSeconds), waits that long (bounded) and tries again, a
 * couple of times: a throttled call changed nothing, so trying again is safe.
 */
export async function stageCall<T>(
  context: StageCall,
  call: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const awsContext = {
    doing: context.doing,
    iamAction: `${context.iamAction} on ${context.resource}`,
    region: context.region,
  };
  for (let round = 0; ; round++) {
    await (context.pacer ?? pacers.management).turn(signal);
    let waitMs: number | undefined;
    try {
      return await awsCall(awsContext, async () => {
        try {
          return await call();
        } catch (error) {
          waitMs = retryAfterMs(error);
          throw error;
        }
      });
    } catch (error) {
      if (waitMs === undefined || round >= RETRY_AFTER_ROUNDS || signal?.aborted) throw error;
      await sleep(waitMs, signal);
      if (signal?.aborted) throw error;
    }
  }
}

/**
 * The wait a TooManyRequestsException asks for, in ms (bounded): the SDK's error carries the
 * Retry-After header as `retryAfterSeconds`, a string. Undefined for any other error.
 */
export function retryAfterMs(error: unknown): number | undefined {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    retryAfterSeconds?: string;
  };
  if (shape.name !== 'TooManyRequestsException' || shape.retryAfterSeconds === undefined) return undefined;
  const seconds = Number(shape.retryAfterSeconds);
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What a stage says about the release: its deployment, its canary, its marker. */
export interface StageState {
  deploymentId: string;
  canary?: {
    deploymentId: string;
    /** Percent, to our resolution. */
    percent: number;
    stageVariableOverrides: Record<string, string>;
    useStageCache: boolean;
  };
  variables: Record<string, string>;
  description: string;
  marker?: RolloutMarker;
}

export function stageLabel(ref: Pick<StageRef, 'restApiId' | 'stage'>): string {
  return `stage ${ref.stage} of REST API ${ref.restApiId}`;
}

export function toStageState(stage: Stage): StageState {
  const canary = stage.canarySettings;
  return {
    deploymentId: stage.deploymentId ?? '',
    // A canary without a deployment of its own runs the stage's deployment.
    canary: canary
      ? {
          deploymentId: canary.deploymentId ?? stage.deploymentId ?? '',
          percent: readPercent(canary.percentTraffic),
          stageVariableOverrides: canary.stageVariableOverrides ?? {},
          useStageCache: canary.useStageCache ?? false,
        }
      : undefined,
    variables: stage.variables ?? {},
    description: stage.description ?? '',
    marker: parseMarker(stage.description),
  };
}

export async function readStage(
  apigateway: APIGatewayClient,
  ref: StageRef,
  signal?: AbortSignal,
): Promise<StageState> {
  const stage = await stageCall(
    {
      doing: `read ${stageLabel(ref)}`,
      iamAction: 'apigateway:GET',
      resource: arns.stage(ref),
      region: ref.region,
    },
    () =>
      apigateway.send(new GetStageCommand({ restApiId: ref.restApiId, stageName: ref.stage }), {
        abortSignal: signal,
      }),
    signal,
  );
  return toStageState(stage);
}

export function describeStageState(state: StageState): string {
  const routing = state.canary
    ? `${state.canary.percent}% on canary deployment ${state.canary.deploymentId}, the rest on deployment ${state.deploymentId}`
    : `all traffic on deployment ${state.deploymentId}, no canary`;
  return state.marker
    ? `${routing}; marker: run ${state.marker.run} (${state.marker.from} → ${state.marker.to}, ${state.marker.state} at ${state.marker.weight}%)`
    : routing;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof AwsCallError && (error.code === 'NotFoundException' || error.httpStatus === 404);
}

/** One deployment of the API (its description tells whose it is). */
export function readDeployment(
  apigateway: APIGatewayClient,
  ref: StageRef,
  deploymentId: string,
  signal?: AbortSignal,
) {
  return stageCall(
    {
      doing: `read deployment ${deploymentId} of REST API ${ref.restApiId}`,
      iamAction: 'apigateway:GET',
      resource: arns.deployment(ref, deploymentId),
      region: ref.region,
    },
    () =>
      apigateway.send(new GetDeploymentCommand({ restApiId: ref.restApiId, deploymentId }), {
        abortSignal: signal,
      }),
    signal,
  );
}
