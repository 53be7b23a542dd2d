// The post step's part for a CodeDeploy deployment the main step created and did not see to its
// end (a crash, a kill): stop it with rollback and wait for the rollback deployment; or, when the
// main step finished but could not report, say how the deployment ended.
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { systemClock } from '../../engine/clock.js';
import type { ReleaseReport } from '../../report/model.js';
import type { SavedDescription } from '../definition.js';
import { FollowedDeployment } from './followed-deployment.js';
import { endingOf } from './release.js';
import type { SavedDeployment } from './saved.js';

/** How long the post step waits for CodeDeploy to take the traffic back. */
const POST_STOP_MS = 60_000;

export function describeSavedDeployment(saved: SavedDeployment): SavedDescription {
  return {
    sides: { previous: saved.previousVersion, target: saved.targetVersion },
    short: `CodeDeploy deployment ${saved.id}`,
    full: `CodeDeploy deployment ${saved.id} of ${saved.about}`,
    previous: `version ${saved.previousVersion}`,
  };
}

export async function finishSavedDeployment(
  cd: CodeDeployClient,
  saved: SavedDeployment,
  finished: boolean,
): Promise<Pick<ReleaseReport, 'result' | 'reason'>> {
  const target = new FollowedDeployment(cd, saved, systemClock);
  const signal = AbortSignal.timeout(POST_STOP_MS);
  const seen = finished
    ? await target.observe(signal)
    : await target.stop('the main step did not finish', signal);
  const ended = endingOf(saved.id, seen);
  if (finished)
    return { result: ended.result, reason: `the main step did not finish its report; ${ended.reason}` };
  return {
    result: ended.result,
    reason: `the main step did not finish; the post step stopped ${saved.about}: ${ended.reason}`,
  };
}
