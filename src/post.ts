// The post step: when the main step did not finish (a crash, a kill), roll back the split it left.
import * as core from '@actions/core';
import { createClients, type AwsClients } from './aws/clients.js';
import { errorMessage } from './engine/rollout.js';
import { decideFromAlias, FINISHED_KEY, needsInspection, parseSaved, STATE_KEY } from './state.js';
import { LambdaAliasTarget, readAlias } from './targets/lambda-alias.js';

export async function runPost(clients: (region: string) => AwsClients = createClients): Promise<void> {
  const saved = parseSaved(core.getState(STATE_KEY));
  const early = needsInspection(saved, core.getState(FINISHED_KEY) === 'true');
  if (early || !saved) {
    core.info(`Post step: nothing to do (${early?.why ?? 'no saved rollout'}).`);
    return;
  }
  try {
    const lambda = clients(saved.region).lambda;
    const ref = { functionName: saved.functionName, alias: saved.alias, region: saved.region };
    const alias = await readAlias(lambda, ref);
    const decision = decideFromAlias(saved, alias);
    if (decision.action === 'nothing') {
      core.info(`Post step: nothing to do (${decision.why}).`);
      return;
    }
    core.warning(`Post step: ${decision.why}; rolling back to version ${saved.previousVersion}.`, {
      title: 'Rollback',
    });
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
    core.setOutput('result', 'rolled-back');
    core.setFailed(
      `Rolled back by the post step: ${decision.why}. Alias ${saved.alias} is on version ${saved.previousVersion}.`,
    );
  } catch (error) {
    core.setFailed(
      `Post step could not roll back alias ${saved.alias} of ${saved.functionName}: ${errorMessage(error)}. Run the action with "on-existing-split: rollback" to clean up.`,
    );
  }
}
