// CodeDeploy's calls for the codedeploy engine, each through awsCall with what it did and the
// IAM action it needs: the application and the deployment group (checked, or created when asked),
// the group's active deployment, the deployment config, the deployment itself, and the looks
// and the stop that following it takes.
import {
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type AutoRollbackEvent,
  type CodeDeployClient,
  type DeploymentInfo,
  type DeploymentStatus,
  type LambdaTarget,
} from '@aws-sdk/client-codedeploy';
import { awsCall, AwsCallError } from '../../aws/errors.js';
import type { AppSpecRevision } from './appspec.js';
import type { DeploymentConfigChoice } from './config.js';

/** The statuses of a deployment that is not over: one of these in a group blocks another. */
export const ACTIVE_STATUSES: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];
/** Automatic rollback on every way a deployment can go wrong. */
export const ROLLBACK_EVENTS: AutoRollbackEvent[] = [
  'DEPLOYMENT_FAILURE',
  'DEPLOYMENT_STOP_ON_ALARM',
  'DEPLOYMENT_STOP_ON_REQUEST',
];
/** CodeDeploy's limit on the alarms of a deployment (or group). */
export const MAX_ALARMS = 10;

export interface GroupRef {
  application: string;
  deploymentGroup: string;
  region: string;
}

const groupLabel = (g: GroupRef) =>
  `deployment group ${g.deploymentGroup} of CodeDeploy application ${g.application}`;

const isCode = (error: unknown, ...codes: string[]) =>
  error instanceof AwsCallError && codes.includes(error.code);

/** What exists of the application and the group; a missing one is undefined, not an error. */
export interface GroupFound {
  /** The application's compute platform; undefined when it does not exist. */
  platform?: string;
  /** Whether the group exists (only looked up when the application does). */
  group: boolean;
}

/** GetDeploymentGroup, wrapped: the group's settings, alarms and last attempted deployment. */
function readGroup(cd: CodeDeployClient, g: GroupRef, signal?: AbortSignal) {
  return awsCall(
    { doing: `read ${groupLabel(g)}`, iamAction: 'codedeploy:GetDeploymentGroup', region: g.region },
    () =>
      cd.send(
        new GetDeploymentGroupCommand({
          applicationName: g.application,
          deploymentGroupName: g.deploymentGroup,
        }),
        { abortSignal: signal },
      ),
  );
}

export async function findGroup(
  cd: CodeDeployClient,
  g: GroupRef,
  signal?: AbortSignal,
): Promise<GroupFound> {
  let platform: string | undefined;
  try {
    const app = await awsCall(
      {
        doing: `read CodeDeploy application ${g.application}`,
        iamAction: 'codedeploy:GetApplication',
        region: g.region,
      },
      () => cd.send(new GetApplicationCommand({ applicationName: g.application }), { abortSignal: signal }),
    );
    platform = app.application?.computePlatform ?? 'Server';
  } catch (error) {
    if (isCode(error, 'ApplicationDoesNotExistException')) return { group: false };
    throw error;
  }
  try {
    await readGroup(cd, g, signal);
    return { platform, group: true };
  } catch (error) {
    if (isCode(error, 'DeploymentGroupDoesNotExistException')) return { platform, group: false };
    throw error;
  }
}

/** The group's deployments that are not over, newest first. */
export async function activeDeployments(
  cd: CodeDeployClient,
  g: GroupRef,
  signal?: AbortSignal,
): Promise<DeploymentInfo[]> {
  const listed = await awsCall(
    {
      doing: `list the active deployments of ${groupLabel(g)}`,
      iamAction: 'codedeploy:ListDeployments',
      region: g.region,
    },
    () =>
      cd.send(
        new ListDeploymentsCommand({
          applicationName: g.application,
          deploymentGroupName: g.deploymentGroup,
          includeOnlyStatuses: ACTIVE_STATUSES,
        }),
        { abortSignal: signal },
      ),
  );
  return Promise.all((listed.deployments ?? []).map((id) => getDeployment(cd, id, g.region, signal)));
}

/** The group's latest deployment (the last attempted one), for a later command without an id. */
export async function latestDeploymentId(
  cd: CodeDeployClient,
  g: GroupRef,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const group = await readGroup(cd, g, signal);
  const id = group.deploymentGroupInfo?.lastAttemptedDeployment?.deploymentId;
  if (!id) return undefined;
  // A rollback is a deployment of its own, often the last attempted: the command is about the one it undid.
  const last = await getDeployment(cd, id, g.region, signal);
  return last.creator === 'codeDeployRollback'
    ? (last.rollbackInfo?.rollbackTriggeringDeploymentId ?? id)
    : id;
}

/**
 * The alarms a deployment watches: overrideAlarmConfiguration replaces the group's, so the group's
 * enabled alarms join the inputs' (the inputs' first), at most MAX_ALARMS; `left` are those cut.
 */
export async function deploymentAlarms(
  cd: CodeDeployClient,
  g: GroupRef,
  inputAlarms: string[],
  signal?: AbortSignal,
): Promise<{ alarms: string[]; fromGroup: string[]; left: string[] }> {
  if (inputAlarms.length === 0) return { alarms: [], fromGroup: [], left: [] };
  const group = await readGroup(cd, g, signal);
  const config = group.deploymentGroupInfo?.alarmConfiguration;
  const own = config?.enabled ? (config.alarms ?? []).flatMap((a) => (a.name ? [a.name] : [])) : [];
  const extra = own.filter((name) => !inputAlarms.includes(name));
  const room = Math.max(0, MAX_ALARMS - inputAlarms.length);
  return {
    alarms: [...inputAlarms, ...extra.slice(0, room)],
    fromGroup: extra.slice(0, room),
    left: extra.slice(room),
  };
}

/** Creates what is missing of the Lambda application and the group (codedeploy-create). */
export async function createGroup(
  cd: CodeDeployClient,
  g: GroupRef,
  found: GroupFound,
  serviceRoleArn: string,
): Promise<string[]> {
  const made: string[] = [];
  if (found.platform === undefined) {
    await awsCall(
      {
        doing: `create CodeDeploy application ${g.application}`,
        iamAction: 'codedeploy:CreateApplication',
        region: g.region,
      },
      () =>
        cd.send(new CreateApplicationCommand({ applicationName: g.application, computePlatform: 'Lambda' })),
    );
    made.push(`created CodeDeploy application ${g.application} (Lambda)`);
  }
  if (!found.group) {
    await awsCall(
      { doing: `create ${groupLabel(g)}`, iamAction: 'codedeploy:CreateDeploymentGroup', region: g.region },
      () =>
        cd.send(
          new CreateDeploymentGroupCommand({
            applicationName: g.application,
            deploymentGroupName: g.deploymentGroup,
            serviceRoleArn,
            // Named, since the API's default is a config for servers; each deployment names its own.
            deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
            deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
            autoRollbackConfiguration: { enabled: true, events: ROLLBACK_EVENTS },
          }),
        ),
    );
    made.push(`created deployment group ${g.deploymentGroup}`);
  }
  return made;
}

/**
 * A custom config: created when missing; reused when it exists with the same shape, refused
 * when one of that name routes otherwise (someone made it by hand). Returns what it did.
 */
export async function ensureConfig(
  cd: CodeDeployClient,
  choice: DeploymentConfigChoice,
  region: string,
): Promise<string | undefined> {
  if (choice.predefined) return undefined;
  const found = await readConfig(cd, choice, region);
  if (found.clash) throw new Error(found.clash);
  if (found.exists) return `reused deployment config ${choice.name}`;
  try {
    await awsCall(
      {
        doing: `create deployment config ${choice.name}`,
        iamAction: 'codedeploy:CreateDeploymentConfig',
        region,
      },
      () =>
        cd.send(
          new CreateDeploymentConfigCommand({
            deploymentConfigName: choice.name,
            computePlatform: 'Lambda',
            trafficRoutingConfig: choice.routing,
          }),
        ),
    );
  } catch (error) {
    // Another run made it meanwhile: it has the same shape, being named from it.
    if (!isCode(error, 'DeploymentConfigAlreadyExistsException')) throw error;
    return `reused deployment config ${choice.name} (another run created it meanwhile)`;
  }
  return `created deployment config ${choice.name}`;
}

function normalRouting(r: { type?: string; timeBasedCanary?: object; timeBasedLinear?: object } | undefined) {
  return { type: r?.type, canary: r?.timeBasedCanary ?? null, linear: r?.timeBasedLinear ?? null };
}

export interface NewDeployment {
  group: GroupRef;
  revision: AppSpecRevision;
  configName: string;
  alarms: string[];
  description: string;
}

/** Thrown when the group already has an active deployment: nothing was created. */
export class ActiveDeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActiveDeploymentError';
  }
}

export function describeActive(g: GroupRef, d: Pick<DeploymentInfo, 'deploymentId' | 'status'>): string {
  return `${groupLabel(g)} already has an active deployment, ${d.deploymentId ?? '(unknown id)'} (${d.status ?? 'status unknown'}); CodeDeploy runs one at a time: wait for it to end, or stop it (command: rollback with codedeploy-deployment-id: ${d.deploymentId ?? ''})`;
}

export async function createDeployment(cd: CodeDeployClient, d: NewDeployment): Promise<string> {
  try {
    const created = await awsCall(
      {
        doing: `create a deployment in ${groupLabel(d.group)}`,
        iamAction: 'codedeploy:CreateDeployment',
        region: d.group.region,
      },
      () =>
        cd.send(
          new CreateDeploymentCommand({
            applicationName: d.group.application,
            deploymentGroupName: d.group.deploymentGroup,
            deploymentConfigName: d.configName,
            revision: d.revision,
            description: d.description,
            ...(d.alarms.length > 0
              ? { overrideAlarmConfiguration: { enabled: true, alarms: d.alarms.map((name) => ({ name })) } }
              : {}),
            autoRollbackConfiguration: { enabled: true, events: ROLLBACK_EVENTS },
          }),
        ),
    );
    if (!created.deploymentId) throw new Error('CodeDeploy created a deployment but gave no id');
    return created.deploymentId;
  } catch (error) {
    if (!isCode(error, 'DeploymentLimitExceededException')) throw error;
    // Started since the check: say which one, as the check would have.
    const active = await activeDeployments(cd, d.group).catch(() => []);
    throw new ActiveDeploymentError(
      active[0]
        ? describeActive(d.group, active[0])
        : `${groupLabel(d.group)} already has an active deployment (${(error as Error).message})`,
    );
  }
}

export async function getDeployment(
  cd: CodeDeployClient,
  id: string,
  region: string,
  signal?: AbortSignal,
): Promise<DeploymentInfo> {
  const got = await awsCall(
    { doing: `read CodeDeploy deployment ${id}`, iamAction: 'codedeploy:GetDeployment', region },
    () => cd.send(new GetDeploymentCommand({ deploymentId: id }), { abortSignal: signal }),
  );
  if (!got.deploymentInfo) throw new Error(`CodeDeploy answered no deployment for ${id}`);
  return got.deploymentInfo;
}

/**
 * The deployment's one Lambda target (its live weight and lifecycle events), once it has started;
 * `targetId` as found by an earlier look saves listing it again.
 */
export async function getLambdaTarget(
  cd: CodeDeployClient,
  id: string,
  region: string,
  signal?: AbortSignal,
  known?: string,
): Promise<{ targetId: string; target?: LambdaTarget } | undefined> {
  try {
    let targetId = known;
    if (!targetId) {
      const listed = await awsCall(
        {
          doing: `list the targets of deployment ${id}`,
          iamAction: 'codedeploy:ListDeploymentTargets',
          region,
        },
        () => cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }), { abortSignal: signal }),
      );
      targetId = listed.targetIds?.[0];
    }
    if (!targetId) return undefined;
    const got = await awsCall(
      {
        doing: `read target ${targetId} of deployment ${id}`,
        iamAction: 'codedeploy:GetDeploymentTarget',
        region,
      },
      () => cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId }), { abortSignal: signal }),
    );
    return { targetId, target: got.deploymentTarget?.lambdaTarget };
  } catch (error) {
    // Created or queued: no target yet, so no traffic moved.
    if (isCode(error, 'DeploymentNotStartedException')) return undefined;
    throw error;
  }
}

/** StopDeployment with rollback; a deployment already over is not an error. */
export async function stopDeployment(cd: CodeDeployClient, id: string, region: string, signal?: AbortSignal) {
  try {
    await awsCall(
      {
        doing: `stop CodeDeploy deployment ${id} with rollback`,
        iamAction: 'codedeploy:StopDeployment',
        region,
      },
      () =>
        cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }), {
          abortSignal: signal,
        }),
    );
  } catch (error) {
    if (!isCode(error, 'DeploymentAlreadyCompletedException')) throw error;
  }
}

/**
 * The custom config of that name, read only: whether it exists, and why it cannot be used when
 * it routes otherwise (for the input checks, before any write, and again before creating it).
 */
export async function readConfig(
  cd: CodeDeployClient,
  choice: DeploymentConfigChoice,
  region: string,
  signal?: AbortSignal,
): Promise<{ exists: boolean; clash?: string }> {
  if (choice.predefined) return { exists: true };
  const context = {
    doing: `read deployment config ${choice.name}`,
    iamAction: 'codedeploy:GetDeploymentConfig',
    region,
  };
  try {
    const found = await awsCall(context, () =>
      cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: choice.name }), { abortSignal: signal }),
    );
    const routing = found.deploymentConfigInfo?.trafficRoutingConfig;
    if (JSON.stringify(normalRouting(routing)) === JSON.stringify(normalRouting(choice.routing)))
      return { exists: true };
    return {
      exists: true,
      clash: `Deployment config ${choice.name} exists but routes ${JSON.stringify(routing)}, not the strategy's ${JSON.stringify(choice.routing)}; delete it (it is not this action's), or choose another strategy.`,
    };
  } catch (error) {
    if (!isCode(error, 'DeploymentConfigDoesNotExistException')) throw error;
    return { exists: false };
  }
}
