// A REST API behind aws-sdk-client-mock that behaves like API Gateway where the stage target
// depends on it: GetStage returns what the last UpdateStage or CreateDeployment left, patch
// operations are applied (and refused) as aws-facts.md records, and every write is logged.
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetRestApiCommand,
  GetStageCommand,
  GetStagesCommand,
  UpdateStageCommand,
  type PatchOperation,
  type Stage,
} from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client, GetApiCommand } from '@aws-sdk/client-apigatewayv2';
import { mockClient } from 'aws-sdk-client-mock';
import { Pacer, pacers } from '../../../src/targets/api-gateway/aws.js';
import type { StageClients } from '../../../src/targets/api-gateway/aws.js';

export const apigatewayMock = mockClient(APIGatewayClient);
export const apigatewayv2Mock = mockClient(ApiGatewayV2Client);

export const REST_API_ID = 'a1b2c3d4e5';
export const HTTP_API_ID = 'h1t2t3p4a5';
export const ref = { restApiId: REST_API_ID, stage: 'prod', region: 'us-east-1' };
export const identity = {
  run: 'acme/shop#42.1~abc123',
  plan: 'canary 10% 5m',
  started: '2026-12-01T10:00:00.000Z',
  by: 'octocat',
};
export const NOT_CANCELLED = new AbortController().signal;
export const STEP = { index: 0, count: 2 };

export function awsError(name: string, status: number, message = name, extra: object = {}): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, ...extra });
}

export interface Fault {
  error: Error;
  /** The write lands before the error (an answer lost on the way back). */
  land?: boolean;
}

export interface World {
  stage?: Stage;
  deployments: Map<string, { id: string; description?: string }>;
  /** Every write that landed, as the operation and what it sent. */
  writes: { op: string; input: unknown }[];
  nextId: number;
  /** Faults for the next writes of an operation, in order; `undefined` lets one through. */
  faults: Partial<Record<'CreateDeployment' | 'UpdateStage', (Fault | undefined)[]>>;
}

/** Runs `write` as API Gateway would, with the next fault queued for `op`, if any. */
function withFault<T>(world: World, op: 'CreateDeployment' | 'UpdateStage', write: () => T): T {
  const fault = world.faults[op]?.shift();
  if (fault && !fault.land) throw fault.error;
  const answer = write();
  if (fault) throw fault.error;
  return answer;
}

/** Loads the scenario: a REST API "orders" with stage prod on deployment `base`, and an HTTP API. */
export function givenApi(
  stage: Partial<Stage> = {},
  deployments: { id: string; description?: string }[] = [],
): World {
  apigatewayMock.reset();
  apigatewayv2Mock.reset();
  // The account's pacing would make tests slow, and says nothing about them.
  pacers.management = new Pacer(0);
  pacers.createDeployment = new Pacer(0);
  const world: World = {
    stage: {
      stageName: 'prod',
      deploymentId: 'base01',
      description: 'Production',
      variables: { env: 'prod' },
      ...stage,
    },
    deployments: new Map(
      [{ id: 'base01', description: 'first' }, ...deployments].map((d) => [d.id, d] as const),
    ),
    writes: [],
    nextId: 1,
    faults: {},
  };
  apigatewayMock.on(GetRestApiCommand).callsFake((input: { restApiId: string }) => {
    if (input.restApiId !== REST_API_ID)
      throw awsError('NotFoundException', 404, 'Invalid API identifier specified');
    return { id: REST_API_ID, name: 'orders' };
  });
  apigatewayv2Mock.on(GetApiCommand).callsFake((input: { ApiId: string }) => {
    if (input.ApiId !== HTTP_API_ID)
      throw awsError('NotFoundException', 404, 'Invalid API identifier specified');
    return { ApiId: HTTP_API_ID, ProtocolType: 'HTTP', Name: 'orders-http' };
  });
  apigatewayMock.on(GetStageCommand).callsFake((input: { stageName: string }) => {
    if (!world.stage || input.stageName !== world.stage.stageName)
      throw awsError('NotFoundException', 404, 'Invalid stage identifier specified');
    return structuredClone(world.stage);
  });
  apigatewayMock
    .on(GetStagesCommand)
    .callsFake(() => ({ item: world.stage ? [structuredClone(world.stage)] : [] }));
  apigatewayMock.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => {
    const found = world.deployments.get(input.deploymentId);
    if (!found) throw awsError('NotFoundException', 404, 'Invalid Deployment identifier specified');
    return { ...found };
  });
  apigatewayMock.on(CreateDeploymentCommand).callsFake((input) =>
    withFault(world, 'CreateDeployment', () => {
      world.writes.push({ op: 'CreateDeployment', input });
      const id = `new${String(world.nextId++).padStart(3, '0')}`;
      world.deployments.set(id, { id, description: input.description });
      if (input.canarySettings) {
        world.stage!.canarySettings = {
          deploymentId: id,
          percentTraffic: input.canarySettings.percentTraffic ?? 0,
          useStageCache: input.canarySettings.useStageCache ?? false,
          ...(input.canarySettings.stageVariableOverrides
            ? { stageVariableOverrides: input.canarySettings.stageVariableOverrides }
            : {}),
        };
      }
      return { id, description: input.description };
    }),
  );
  apigatewayMock.on(UpdateStageCommand).callsFake((input) =>
    withFault(world, 'UpdateStage', () => {
      const next = structuredClone(world.stage!);
      for (const operation of input.patchOperations ?? []) applyPatch(next, operation, world);
      world.stage = next;
      world.writes.push({ op: 'UpdateStage', input });
      return structuredClone(next);
    }),
  );
  return world;
}

export function clients(): StageClients {
  return {
    apigateway: new APIGatewayClient({ region: 'us-east-1' }),
    apigatewayv2: new ApiGatewayV2Client({ region: 'us-east-1' }),
  };
}

/** The patch operations of every UpdateStage, in order. */
export function patches(world: World): PatchOperation[][] {
  return world.writes
    .filter((w) => w.op === 'UpdateStage')
    .map((w) => (w.input as { patchOperations: PatchOperation[] }).patchOperations);
}

/** The operations without the marker's replace of /description. */
export function trafficOps(operations: PatchOperation[]): PatchOperation[] {
  return operations.filter((o) => o.path !== '/description');
}

function badRequest(message: string): Error {
  return awsError('BadRequestException', 400, message);
}

/** API Gateway's stage patch rules, as far as the target uses them (aws-facts.md). */
function applyPatch(stage: Stage, operation: PatchOperation, world: World): void {
  const { op, path = '', value, from } = operation;
  const canary = () =>
    (stage.canarySettings ??= { deploymentId: stage.deploymentId, percentTraffic: 0, useStageCache: false });
  if (op === 'replace' && path === '/description') stage.description = value;
  else if (op === 'replace' && path === '/deploymentId') {
    if (!world.deployments.has(value ?? '')) throw badRequest(`Invalid deployment id ${value}`);
    stage.deploymentId = value;
  } else if (op === 'replace' && path === '/canarySettings/percentTraffic') {
    const percent = Number(value);
    if (!(percent >= 0 && percent <= 100)) throw badRequest('percentTraffic must be between 0.0 and 100.0');
    canary().percentTraffic = percent;
  } else if (op === 'replace' && path === '/canarySettings/deploymentId') {
    if (!world.deployments.has(value ?? '')) throw badRequest(`Deployment id ${value} does not exist`);
    canary().deploymentId = value;
  } else if (op === 'replace' && path === '/canarySettings/useStageCache')
    canary().useStageCache = value === 'true';
  else if (op === 'replace' && path.startsWith('/canarySettings/stageVariableOverrides/')) {
    const c = canary();
    c.stageVariableOverrides = { ...c.stageVariableOverrides, [path.split('/').at(-1)!]: value ?? '' };
  } else if (op === 'copy' && from === '/canarySettings/deploymentId' && path === '/deploymentId') {
    if (!stage.canarySettings) throw badRequest('Promotion not available. Canary does not exist.');
    stage.deploymentId = stage.canarySettings.deploymentId;
  } else if (op === 'copy' && from === '/canarySettings/stageVariableOverrides' && path === '/variables') {
    // Stricter than AWS is known to be: the target must not copy overrides that are not there.
    if (!stage.canarySettings?.stageVariableOverrides)
      throw badRequest('No stage variable overrides to copy');
    stage.variables = { ...stage.variables, ...stage.canarySettings.stageVariableOverrides };
  } else if (op === 'replace' && path.startsWith('/variables/')) {
    stage.variables = { ...stage.variables, [path.slice('/variables/'.length)]: value ?? '' };
  } else if (op === 'remove' && path.startsWith('/variables/')) {
    const name = path.slice('/variables/'.length);
    if (!(name in (stage.variables ?? {})))
      throw badRequest(`Cannot remove stage variable ${name}: it is not set`);
    const { [name]: _removed, ...rest } = stage.variables!;
    stage.variables = rest;
  } else if (op === 'remove' && path === '/canarySettings') {
    if (!stage.canarySettings)
      throw badRequest(
        'Cannot remove method setting canarySettings because there is no method setting for this method',
      );
    delete stage.canarySettings;
  } else throw badRequest(`Invalid patch operation ${op} ${path}`);
}
