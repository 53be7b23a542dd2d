// Before any change: the API exists and is a REST API (an HTTP or WebSocket API is refused with
// what to do instead), the stage exists, the deployment to release exists and differs from the
// stage's, and a canary already attached is handled by on-existing-split. Reads first; the one
// write preflight may make (removing an old canary, when asked) comes after every check. The
// canary itself is made by the target's first step (CreateDeployment or UpdateStage), after the
// wiring has saved the post step's state, so that a kill at any point leaves nothing unowned.
import { GetRestApiCommand, GetStagesCommand, type APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { GetApiCommand } from '@aws-sdk/client-apigatewayv2';
import type { Plan } from '../../engine/plan.js';
import { describeMarker, mayStillRunUntil } from '../../marker.js';
import {
  arns,
  describeStageState,
  isNotFound,
  readDeployment,
  readStage,
  stageCall,
  stageLabel,
  type StageClients,
  type StageRef,
  type StageState,
} from './aws.js';
import type { StageInputs } from './inputs.js';
import { StageCanaryTarget, type CanarySource, type StageIdentity } from './target.js';

export type ExistingSplitPolicy = 'fail' | 'rollback' | 'resume';

/** What preflight needs besides the target's own inputs: narrow values, not the action's inputs. */
export interface StagePreflightInputs extends StageInputs {
  region: string;
  plan: Plan;
  onExistingSplit: ExistingSplitPolicy;
  dryRun: boolean;
  /** The commit released (GITHUB_SHA), named in a new deployment's description. */
  commit?: string;
}

export class StagePreflightError extends Error {
  constructor(
    message: string,
    /** The input at fault, when there is one (the wiring lists it with the input problems). */
    readonly input?: string,
  ) {
    super(message);
    this.name = 'StagePreflightError';
  }
}

export interface StageApi {
  id: string;
  name: string;
}

export type StageRelease =
  | { kind: 'no-change'; reason: string; api: StageApi; deploymentId: string; notes: string[] }
  | {
      kind: 'release';
      api: StageApi;
      previousDeploymentId: string;
      canary: CanarySource;
      /** The stage as preflight left it, for the target's first guard. */
      stage: StageState;
      /** Index of the first plan step to run (later than 0 when resuming). */
      firstStep: number;
      /** What preflight itself changed, in words. */
      changes: string[];
      /** The writes the release makes, in order, as "Operation: what it does" (a dry run's plan). */
      writes: string[];
      notes: string[];
    };

export async function prepareStageRelease(
  clients: StageClients,
  inputs: StagePreflightInputs,
  identity: StageIdentity,
  signal: AbortSignal = new AbortController().signal,
): Promise<StageRelease> {
  const ref: StageRef = { restApiId: inputs.restApiId, stage: inputs.stage, region: inputs.region };
  const api = await readRestApi(clients, ref, signal);
  let stage = await readExistingStage(clients.apigateway, ref, signal);
  const notes: string[] = [];
  const label = `${stageLabel(ref)} (${api.name})`;

  if (inputs.deploymentId) {
    await checkDeploymentExists(clients.apigateway, ref, inputs.deploymentId, signal);
    if (inputs.deploymentId === stage.deploymentId && !stage.canary) {
      return {
        kind: 'no-change',
        reason: `${stageLabel(ref)} already serves deployment ${inputs.deploymentId}`,
        api,
        deploymentId: stage.deploymentId,
        notes,
      };
    }
  }
  const canary = stage.canary;
  let firstStep = 0;
  let source: CanarySource = inputs.deploymentId
    ? { kind: 'attach', deploymentId: inputs.deploymentId }
    : { kind: 'create', description: deploymentDescription(inputs.commit, identity.run) };
  if (canary) {
    if (inputs.onExistingSplit === 'fail') {
      throw new StagePreflightError(
        `${label} already has a canary: ${describeStageState(stage)}. ` +
          (stage.marker ? `It was left by ${describeMarker(stage.marker)}. ` : '') +
          'If no other release is running, set "on-existing-split: rollback" to remove it first, or "resume" to continue that release.',
        'on-existing-split',
      );
    }
    refuseIfStillRunning(stage, identity, label, notes);
    if (inputs.onExistingSplit === 'resume') {
      await checkResumable(clients.apigateway, ref, stage, inputs, label, signal);
      source = { kind: 'attached', deploymentId: canary.deploymentId };
      const next = inputs.plan.steps.findIndex((s) => s.weight > canary.percent);
      firstStep = next >= 0 ? next : inputs.plan.steps.length - 1;
      notes.push(
        `Resumed the canary found on the stage (${describeStageState(stage)}) from step ${firstStep + 1}.`,
      );
    }
  }
  if (inputs.deploymentId && inputs.deploymentId === stage.deploymentId) {
    throw new StagePreflightError(
      `Input "deployment-id": deployment ${inputs.deploymentId} is what ${stageLabel(ref)} already serves; a canary of it would change nothing. Give another deployment, or leave "deployment-id" empty to deploy the API's current state.`,
      'deployment-id',
    );
  }

  const clearing = canary !== undefined && inputs.onExistingSplit === 'rollback';
  const writes = plannedWrites(source, clearing, firstStep, inputs);
  if (inputs.dryRun) {
    if (canary)
      notes.push(
        `The stage has a canary (${describeStageState(stage)}); "on-existing-split: ${inputs.onExistingSplit}" would apply.`,
      );
    return {
      kind: 'release',
      api,
      previousDeploymentId: stage.deploymentId,
      canary: source,
      stage,
      firstStep,
      changes: [],
      writes,
      notes,
    };
  }

  const changes: string[] = [];
  if (clearing) {
    if (signal.aborted) throw new StagePreflightError(`${abortText(signal)} before any change to the stage`);
    stage = await removeOldCanary(clients.apigateway, ref, stage, identity, signal);
    changes.push(`removing the canary of deployment ${canary.deploymentId} from stage ${ref.stage}`);
    notes.push(`The stage had a canary (${describeStageState(stage)}); it was removed first.`);
  }
  return {
    kind: 'release',
    api,
    previousDeploymentId: stage.deploymentId,
    canary: source,
    stage,
    firstStep,
    changes,
    writes,
    notes,
  };
}

/** The new deployment's description: the commit and the run, so that people and the post step can tell it. */
export function deploymentDescription(commit: string | undefined, run: string): string {
  const sha = commit ? `commit ${commit.slice(0, 12)}, ` : '';
  return `serverless-canary: ${sha}run ${run}`;
}

/** The REST API, or why the id is not one: an HTTP or WebSocket API, or nothing in this region. */
async function readRestApi(clients: StageClients, ref: StageRef, signal: AbortSignal): Promise<StageApi> {
  try {
    const api = await stageCall(
      {
        doing: `read REST API ${ref.restApiId}`,
        iamAction: 'apigateway:GET',
        resource: arns.restApi(ref),
        region: ref.region,
      },
      () =>
        clients.apigateway.send(new GetRestApiCommand({ restApiId: ref.restApiId }), { abortSignal: signal }),
      signal,
    );
    return { id: ref.restApiId, name: api.name ?? ref.restApiId };
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  let protocol: string | undefined;
  try {
    const v2 = await stageCall(
      {
        doing: `look up API ${ref.restApiId} among HTTP and WebSocket APIs`,
        iamAction: 'apigateway:GET',
        resource: arns.v2Api(ref),
        region: ref.region,
      },
      () => clients.apigatewayv2.send(new GetApiCommand({ ApiId: ref.restApiId }), { abortSignal: signal }),
      signal,
    );
    protocol = v2.ProtocolType ?? 'HTTP';
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (protocol) {
    const kind = protocol === 'WEBSOCKET' ? 'a WebSocket API' : 'an HTTP API';
    throw new StagePreflightError(
      `Input "rest-api-id": ${ref.restApiId} is ${kind} (API Gateway v2), and stage canaries exist only for REST APIs. ` +
        'To release behind it a slice of traffic at a time, shift the Lambda alias its integration invokes instead: "target: lambda-alias" with "function-name" and "alias".',
      'rest-api-id',
    );
  }
  throw new StagePreflightError(
    `Input "rest-api-id": there is no REST API ${ref.restApiId} in ${ref.region}. Check the id (the API's id, not its name) and the region.`,
    'rest-api-id',
  );
}

async function readExistingStage(
  apigateway: APIGatewayClient,
  ref: StageRef,
  signal: AbortSignal,
): Promise<StageState> {
  try {
    return await readStage(apigateway, ref, signal);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const stages = await stageCall(
    {
      doing: `list the stages of REST API ${ref.restApiId}`,
      iamAction: 'apigateway:GET',
      resource: `${arns.restApi(ref)}/stages`,
      region: ref.region,
    },
    () => apigateway.send(new GetStagesCommand({ restApiId: ref.restApiId }), { abortSignal: signal }),
    signal,
  ).catch(() => undefined);
  const names = (stages?.item ?? []).map((s) => s.stageName).filter((n): n is string => Boolean(n));
  const known =
    names.length > 0 ? `its stages are ${names.map((n) => `"${n}"`).join(', ')}` : 'it has no stage yet';
  throw new StagePreflightError(
    `Input "stage": REST API ${ref.restApiId} has no stage "${ref.stage}"; ${known}. A canary is released on an existing stage: create the stage (with a first deployment) before the first release.`,
    'stage',
  );
}

async function checkDeploymentExists(
  apigateway: APIGatewayClient,
  ref: StageRef,
  deploymentId: string,
  signal: AbortSignal,
): Promise<string> {
  try {
    const deployment = await readDeployment(apigateway, ref, deploymentId, signal);
    return deployment.description ?? '';
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw new StagePreflightError(
      `Input "deployment-id": REST API ${ref.restApiId} has no deployment ${deploymentId}. Give the id of one of its deployments, or leave it empty to deploy the API's current state.`,
      'deployment-id',
    );
  }
}

/**
 * Resume only this release's canary: the deployment asked for, or (without one) a deployment made
 * for this commit, as its description says.
 */
async function checkResumable(
  apigateway: APIGatewayClient,
  ref: StageRef,
  stage: StageState,
  inputs: StagePreflightInputs,
  label: string,
  signal: AbortSignal,
): Promise<void> {
  const canaryId = stage.canary!.deploymentId;
  if (inputs.deploymentId) {
    if (canaryId === inputs.deploymentId) return;
    throw new StagePreflightError(
      `Cannot resume: the canary on ${label} is deployment ${canaryId}, but this release is for deployment ${inputs.deploymentId}. Use "on-existing-split: rollback" to start over.`,
      'on-existing-split',
    );
  }
  const description = (await readDeployment(apigateway, ref, canaryId, signal)).description ?? '';
  if (inputs.commit && description.includes(`commit ${inputs.commit.slice(0, 12)}`)) return;
  throw new StagePreflightError(
    `Cannot resume: the canary on ${label} is deployment ${canaryId} (${JSON.stringify(description)}), which was not made for this commit${inputs.commit ? ` (${inputs.commit.slice(0, 12)})` : ''}. ` +
      'Use "on-existing-split: rollback" to remove it and start over, or give its id in "deployment-id" to resume it.',
    'on-existing-split',
  );
}

/** Another run's canary that may still be moving: never two releases on one stage. */
function refuseIfStillRunning(
  stage: StageState,
  identity: StageIdentity,
  label: string,
  notes: string[],
): void {
  const other = stage.marker;
  if (!other || other.run === identity.run || other.state !== 'shifting') return;
  const until = mayStillRunUntil(other);
  if (Date.parse(identity.started) < until) {
    throw new StagePreflightError(
      `${label} has a canary of ${describeMarker(other)}, which may still be running (its plan and timeout end by ${new Date(until).toISOString()}). ` +
        'Two releases never move one stage at once: wait for that run to finish, or cancel it (its rollback or post step cleans up).',
    );
  }
  notes.push(
    `The canary was left by run ${other.run}, which is no longer running (its plan would have ended by ${new Date(until).toISOString()}).`,
  );
}

/** Removes a canary found on the stage (on-existing-split: rollback), guarded like any write. */
async function removeOldCanary(
  apigateway: APIGatewayClient,
  ref: StageRef,
  stage: StageState,
  identity: StageIdentity,
  signal: AbortSignal,
): Promise<StageState> {
  const old = new StageCanaryTarget(apigateway, ref, {
    previousDeploymentId: stage.deploymentId,
    canary: { kind: 'attached', deploymentId: stage.canary!.deploymentId },
    stageVariables: {},
    useStageCache: false,
    identity,
    stage,
  });
  await old.rollback('an earlier release left a canary on the stage', signal);
  return readStage(apigateway, ref, signal);
}

function plannedWrites(
  source: CanarySource,
  clearing: boolean,
  firstStep: number,
  inputs: StagePreflightInputs,
): string[] {
  const writes: string[] = [];
  if (clearing) writes.push('UpdateStage: remove /canarySettings (the canary found on the stage)');
  const first = inputs.plan.steps[firstStep]?.weight ?? 100;
  if (source.kind === 'create') {
    writes.push(
      `CreateDeployment: a new deployment of the API's current state as the canary at ${first}% (description naming the commit and run)`,
    );
  } else if (source.kind === 'attach') {
    writes.push(`UpdateStage: attach deployment ${source.deploymentId} as the canary at ${first}%`);
  }
  for (const step of inputs.plan.steps.slice(firstStep)) {
    if (step.weight < 100)
      writes.push(
        `UpdateStage: replace /canarySettings/percentTraffic "${step.weight}" and /description (the marker)`,
      );
  }
  writes.push(
    'UpdateStage: promote (percentTraffic "0", copy the canary\'s deploymentId and stage-variable overrides onto the stage)',
  );
  writes.push('UpdateStage: remove /canarySettings');
  return writes;
}

function abortText(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'cancelled';
}
