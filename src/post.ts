// The post step: when the main step did not finish (a crash, a kill), roll back the split it left,
// and say so where the main step would have: the job summary, the comment, the deployment.
import * as core from '@actions/core';
import { createClients, type AwsClients } from './aws/clients.js';
import { errorMessage } from './engine/rollout.js';
import { readInputs } from './inputs.js';
import { log } from './log.js';
import { newReport, type ReleaseReport } from './report/model.js';
import { Reporter } from './report/publish.js';
import {
  decideFromAlias,
  DEPLOYMENT_KEY,
  endingFromAlias,
  FINISHED_KEY,
  needsInspection,
  parseSaved,
  REPORTED_KEY,
  STATE_KEY,
  type SavedRollout,
} from './state.js';
import { LambdaAliasTarget, readAlias } from './targets/lambda-alias.js';

export async function runPost(clients: (region: string) => AwsClients = createClients): Promise<void> {
  const saved = parseSaved(core.getState(STATE_KEY));
  const reported = core.getState(REPORTED_KEY) === 'true';
  const early = needsInspection(saved, core.getState(FINISHED_KEY) === 'true', reported);
  if (early || !saved) {
    log.info(`Post step: nothing to do (${early?.why ?? 'no saved rollout'}).`);
    return;
  }
  let ending: Pick<ReleaseReport, 'result' | 'reason'>;
  try {
    const lambda = clients(saved.region).lambda;
    const ref = { functionName: saved.functionName, alias: saved.alias, region: saved.region };
    const alias = await readAlias(lambda, ref);
    const decision = decideFromAlias(saved, alias);
    if (decision.action === 'nothing' && reported) {
      log.info(`Post step: nothing to do (${decision.why}).`);
      return;
    }
    if (decision.action === 'nothing') {
      // Killed after its last write but before its report: finish the report from the alias.
      ending = {
        result: endingFromAlias(saved, alias),
        reason: `the main step stopped before its report; ${decision.why}`,
      };
    } else {
      // Why is said once, by the step's failure below.
      log.info(`Post step: rolling back alias ${saved.alias} to version ${saved.previousVersion}.`);
      const identity = {
        run: saved.run,
        plan: alias.marker?.plan ?? '',
        started: alias.marker?.started ?? '',
        by: alias.marker?.by ?? '',
      };
      const target = new LambdaAliasTarget(
        lambda,
        ref,
        saved.previousVersion,
        saved.targetVersion,
        identity,
        alias.revisionId,
      );
      await target.rollback('the main step did not finish');
      ending = {
        result: 'rolled-back',
        reason: `the main step did not finish (${decision.why}); the post step rolled alias ${saved.alias} back to version ${saved.previousVersion}`,
      };
    }
  } catch (error) {
    ending = {
      result: 'failed',
      reason: `the main step did not finish, and the post step could not roll alias ${saved.alias} of ${saved.functionName} back: ${errorMessage(error)}. Run the action again with "on-existing-split: rollback" to clean up`,
    };
  }
  await report(saved, ending);
  core.setOutput('result', ending.result);
  const message = ending.reason.charAt(0).toUpperCase() + ending.reason.slice(1);
  if (ending.result === 'promoted') log.info(`Post step: ${message}.`);
  else log.fail(message);
}

/** Publishes the ending the main step could not: same summary, comment and deployment. */
async function report(saved: SavedRollout, result: Pick<ReleaseReport, 'result' | 'reason'>): Promise<void> {
  try {
    // The runner gives the post step the same inputs; the main step already validated them.
    const inputs = readInputs((name) => core.getInput(name));
    const deploymentId = Number(core.getState(DEPLOYMENT_KEY)) || undefined;
    const reporter = new Reporter(inputs, inputs, {
      env: process.env,
      log,
      deployment: { existingId: deploymentId },
    });
    await reporter.finish({
      ...newReport(inputs, process.env),
      ...result,
      previousVersion: saved.previousVersion,
      targetVersion: saved.targetVersion,
    });
  } catch (error) {
    log.warning(`Post step could not publish its report: ${errorMessage(error)}`);
  }
}
