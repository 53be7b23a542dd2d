// The post step: when the main step did not finish (a crash, a kill), roll back the split it left,
// and say so where the main step would have: the job summary, the comment, the deployment. It asks
// the saved target's definition (through the registry) what the target says now.
import * as core from '@actions/core';
import { createClients, type AwsClients } from './aws/clients.js';
import { errorMessage } from './engine/rollout.js';
import type { TargetPart } from './engine/types.js';
import { readInputs } from './inputs.js';
import { log } from './log.js';
import { newReport, type ReleaseReport } from './report/model.js';
import { Reporter, reportingSettings } from './report/publish.js';
import {
  DEPLOYMENT_KEY,
  FINISHED_KEY,
  needsInspection,
  POST_HOOK_KEY,
  parseSaved,
  REPORTED_KEY,
  STATE_KEY,
} from './state.js';
import type {
  PostDecision,
  RestoredRollout,
  SavedDescription,
  TargetDefinition,
} from './targets/definition.js';
import { describeSavedDeployment, finishSavedDeployment } from './targets/codedeploy/post.js';
import { CODEDEPLOY_KEY, parseSavedDeployment, type SavedDeployment } from './targets/codedeploy/saved.js';
import { findTarget, targetDefinition } from './targets/registry.js';

type Ending = Pick<ReleaseReport, 'result' | 'reason'>;

export async function runPost(clients: (region: string) => AwsClients = createClients): Promise<void> {
  const saved = parseSaved(core.getState(STATE_KEY));
  const reported = core.getState(REPORTED_KEY) === 'true';
  const deployment = parseSavedDeployment(core.getState(CODEDEPLOY_KEY));
  if (deployment) return postDeployment(deployment, clients, reported);
  const early = needsInspection(saved, core.getState(FINISHED_KEY) === 'true', reported);
  const definition = saved && findTarget(saved.target);
  const own: unknown = saved && definition?.parseSaved(saved.saved);
  if (early || !saved || !definition || !own) {
    log.info(`Post step: nothing to do (${early?.why ?? 'no saved rollout'}).`);
    return;
  }
  const described = definition.describeSaved(own);
  let ending: Ending;
  let parts: TargetPart[] | undefined;
  try {
    const restored = await definition.restore(own, clients(saved.region), saved.region, saved.run);
    const decision = unchecked(restored.ending) ?? restored.decision;
    if (decision.action === 'nothing' && reported) {
      log.info(`Post step: nothing to do (${decision.why}).`);
      return;
    }
    if (decision.action === 'nothing') {
      // Killed after its last write, or its report did not reach GitHub in time: finish it from the target.
      ending = {
        result: restored.ending,
        reason: `the main step did not finish its report; ${decision.why}`,
      };
    } else {
      // Why is said once, by the step's failure below.
      log.info(`Post step: rolling back ${described.short} to ${described.previous}.`);
      try {
        await restored.target.rollback('the main step did not finish');
      } finally {
        parts = restored.target.parts?.();
      }
      ending = {
        result: 'rolled-back',
        reason: `the main step did not finish (${decision.why}); the post step rolled ${described.short} back to ${described.previous}`,
      };
    }
  } catch (error) {
    ending = {
      result: 'failed',
      reason: `the main step did not finish, and the post step could not roll ${described.full} back: ${errorMessage(error)}. Run the action again with "on-existing-split: rollback" to clean up`,
    };
  }
  await report(described, ending, parts);
  core.setOutput('result', ending.result);
  const message = ending.reason.charAt(0).toUpperCase() + ending.reason.slice(1);
  if (ending.result === 'promoted' || ending.result === 'started') log.info(`Post step: ${message}.`);
  else log.fail(message);
}

/** engine codedeploy: the deployment the main step created, stopped with rollback unless it finished. */
async function postDeployment(
  saved: SavedDeployment,
  clients: (region: string) => AwsClients,
  reported: boolean,
): Promise<void> {
  const finished = core.getState(FINISHED_KEY) === 'true';
  if (finished && reported) {
    log.info('Post step: nothing to do (the main step finished its rollout and its report).');
    return;
  }
  const described = describeSavedDeployment(saved);
  let ending: Ending;
  try {
    if (!finished) log.info(`Post step: stopping ${described.full} with rollback.`);
    ending = await finishSavedDeployment(clients(saved.region).codedeploy, saved, finished);
  } catch (error) {
    ending = {
      result: 'failed',
      reason: `the main step did not finish, and the post step could not stop ${described.full}: ${errorMessage(error)}. Stop it with "command: rollback" and "codedeploy-deployment-id: ${saved.id}"`,
    };
  }
  await report(described, ending);
  core.setOutput('result', ending.result);
  core.setOutput('reason', ending.reason);
  const message = ending.reason.charAt(0).toUpperCase() + ending.reason.slice(1);
  if (ending.result === 'promoted' || ending.result === 'started' || ending.result === 'in-progress')
    log.info(`Post step: ${message}.`);
  else log.fail(message);
}

/**
 * A promotion this run made whose post-traffic hook started and never passed (the main step died
 * during it, or its rollback did not complete): the release was never checked, so it is taken back.
 */
function unchecked(ending: RestoredRollout['ending']): PostDecision | undefined {
  if (core.getState(POST_HOOK_KEY) !== 'started' || ending !== 'promoted') return undefined;
  return {
    action: 'rollback',
    why: 'the main step stopped after the promotion, before the post-traffic hook passed',
  };
}

/** Publishes the ending the main step could not: same summary, comment and deployment. */
async function report(described: SavedDescription, result: Ending, parts?: TargetPart[]): Promise<void> {
  try {
    // The runner gives the post step the same inputs; the main step already validated them.
    const inputs = readInputs((name) => core.getInput(name));
    const definition: TargetDefinition = targetDefinition(inputs.target);
    const subject = definition.subject(inputs.targetInputs, {
      region: inputs.region,
      environment: inputs.deploymentEnvironment,
    });
    const deploymentId = Number(core.getState(DEPLOYMENT_KEY)) || undefined;
    const reporter = new Reporter(reportingSettings(inputs), subject, {
      env: process.env,
      log,
      deployment: { existingId: deploymentId },
    });
    await reporter.finish({
      ...newReport(inputs, subject, process.env),
      ...result,
      previousVersion: described.sides.previous,
      targetVersion: described.sides.target,
      parts,
    });
  } catch (error) {
    log.warning(`Post step could not publish its report: ${errorMessage(error)}`);
  }
}
