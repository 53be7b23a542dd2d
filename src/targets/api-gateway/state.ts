// What the main step saves for the post step (before the first write), and the post step's
// decision from the stage as it is now: roll back only a canary that this run left.
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DONE } from '../lambda/restore.js';
import { readDeployment, readStage, type StageRef, type StageState } from './aws.js';

export interface SavedStageRollout {
  target: 'api-gateway-stage';
  restApiId: string;
  stage: string;
  region: string;
  previousDeploymentId: string;
  /** Known once the canary exists: saved again when CreateDeployment answers. */
  canaryDeploymentId?: string;
  run: string;
  /** The overridden stage variables' values before the release (null: unset), for a rollback after promotion. */
  variablesBefore?: Record<string, string | null>;
}

export type StagePostDecision = { action: 'nothing'; why: string } | { action: 'rollback'; why: string };

export function parseSavedStage(text: string): SavedStageRollout | undefined {
  if (!text) return undefined;
  try {
    const saved = JSON.parse(text) as Partial<SavedStageRollout>;
    if (
      saved.target === 'api-gateway-stage' &&
      saved.restApiId &&
      saved.stage &&
      saved.region &&
      saved.previousDeploymentId &&
      saved.run
    ) {
      return saved as SavedStageRollout;
    }
  } catch {
    // Unreadable state is none: the post step then changes nothing.
  }
  return undefined;
}

/**
 * Decides from the stage: a canary carrying this run's shifting marker, or (killed between
 * CreateDeployment and the marker's write) a canary on the deployment this run created, is rolled
 * back; anything else is left alone. `canaryDescription` is the canary deployment's description,
 * needed only when the stage has an unmarked canary and the saved state has no canary id.
 */
export function decideFromStage(
  saved: SavedStageRollout,
  stage: StageState,
  canaryDescription?: string,
): StagePostDecision {
  const marker = stage.marker;
  const canary = stage.canary;
  if (marker?.run === saved.run) {
    if (marker.state !== 'shifting') {
      return { action: 'nothing', why: `this run had already ${DONE[marker.state]} the canary` };
    }
    if (!canary) return { action: 'nothing', why: 'the stage has no canary' };
    if (stage.deploymentId !== saved.previousDeploymentId) {
      return {
        action: 'nothing',
        why: `the stage serves deployment ${stage.deploymentId}, not this run's previous deployment ${saved.previousDeploymentId}`,
      };
    }
    return {
      action: 'rollback',
      why: `the main step stopped with the canary (deployment ${canary.deploymentId}) at ${canary.percent}%`,
    };
  }
  // Another run still moving the stage is never touched. A finished release's marker (promoted,
  // rolled back) says nothing of a canary this run created and was killed before marking.
  if (marker?.state === 'shifting') {
    return {
      action: 'nothing',
      why: `the stage was last written by run ${marker.run}, not by this run; leaving it as it is`,
    };
  }
  if (
    canary &&
    isOurs(saved, canary.deploymentId, canaryDescription) &&
    stage.deploymentId === saved.previousDeploymentId
  ) {
    return {
      action: 'rollback',
      why: `the main step stopped right after creating the canary (deployment ${canary.deploymentId}, ${canary.percent}%), before its marker`,
    };
  }
  return { action: 'nothing', why: 'the stage carries no canary of this run; leaving it as it is' };
}

function isOurs(saved: SavedStageRollout, canaryId: string, description: string | undefined): boolean {
  if (canaryId === saved.previousDeploymentId) return false;
  if (saved.canaryDeploymentId) return canaryId === saved.canaryDeploymentId;
  return description?.includes(saved.run) ?? false;
}

/**
 * The post step's reads: the stage, and the canary deployment's description when only it can tell
 * whose the canary is. Returns the decision and the stage it was made from.
 */
export async function inspectStageForPost(
  apigateway: APIGatewayClient,
  saved: SavedStageRollout,
  signal?: AbortSignal,
): Promise<{ decision: StagePostDecision; stage: StageState }> {
  const ref: StageRef = { restApiId: saved.restApiId, stage: saved.stage, region: saved.region };
  const stage = await readStage(apigateway, ref, signal);
  let description: string | undefined;
  if (stage.canary && stage.marker?.run !== saved.run && !saved.canaryDeploymentId) {
    const deploymentId = stage.canary.deploymentId;
    const deployment = await readDeployment(apigateway, ref, deploymentId, signal);
    description = deployment.description;
  }
  return { decision: decideFromStage(saved, stage, description), stage };
}
