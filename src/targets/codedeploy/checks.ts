// The codedeploy engine's read-only checks with the other inputs' AWS checks, before any write:
// the application (a Lambda one) and the group exist, unless codedeploy-create makes them; no
// other deployment is active in the group (CodeDeploy runs one at a time); a custom deployment
// config of the strategy's name routes as the strategy; a deployment named for a later command exists.
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { AwsCallError } from '../../aws/errors.js';
import type { Plan } from '../../engine/plan.js';
import {
  activeDeployments,
  describeActive,
  findGroup,
  getDeployment,
  readConfig,
  type GroupRef,
} from './aws.js';
import { deploymentConfigFor } from './config.js';
import type { CodeDeployInputs } from './inputs.js';

export async function codeDeployInputProblems(
  cd: CodeDeployClient,
  engine: CodeDeployInputs,
  command: string,
  region: string,
  signal: AbortSignal,
  /** The release's plan, when the strategy is valid: a custom config of its name must route as it. */
  plan?: Plan,
): Promise<string[]> {
  const group: GroupRef = {
    application: engine.application,
    deploymentGroup: engine.deploymentGroup,
    region,
  };
  const found = await findGroup(cd, group, signal);
  const creatable = engine.create && command === 'deploy';
  const create = 'or set "codedeploy-create: true" with "codedeploy-service-role-arn" to create it';
  const clash =
    command === 'deploy' && plan
      ? (await readConfig(cd, deploymentConfigFor(plan), region, signal)).clash
      : undefined;
  const config = clash ? [`Input "strategy": ${clash}`] : [];
  if (found.platform === undefined) {
    if (creatable) return config;
    return [
      `Input "codedeploy-application": CodeDeploy application "${engine.application}" does not exist in ${region}; create it for the Lambda compute platform, ${create}.`,
    ];
  }
  if (found.platform !== 'Lambda') {
    return [
      `Input "codedeploy-application": CodeDeploy application "${engine.application}" is for the ${found.platform} compute platform; a Lambda alias needs an application for Lambda.`,
    ];
  }
  if (!found.group) {
    if (creatable) return config;
    return [
      `Input "codedeploy-deployment-group": deployment group "${engine.deploymentGroup}" does not exist in CodeDeploy application "${engine.application}" (${region}); create it, ${create}.`,
    ];
  }
  if (command === 'deploy') {
    const active = await activeDeployments(cd, group, signal);
    return active[0] ? [...config, `${capitalized(describeActive(group, active[0]))}.`] : config;
  }
  if (engine.deploymentId) {
    try {
      await getDeployment(cd, engine.deploymentId, region, signal);
    } catch (error) {
      if (!(error instanceof AwsCallError && error.code === 'DeploymentDoesNotExistException')) throw error;
      return [
        `Input "codedeploy-deployment-id": deployment ${engine.deploymentId} does not exist in ${region}; give the "codedeploy-deployment-id" output of the run that created it.`,
      ];
    }
  }
  return [];
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
