// A release with `engine: codedeploy`, phase by phase: the Lambda target's own preflight (the
// alias, the versions, publishing), the deployment config and the AppSpec, the deployment created
// (with the application and group when asked), then followed by the engine with the action's
// analysis, or left to CodeDeploy (`wait: false`). The later commands find the deployment by its
// id (or the group's latest) and look at it (status), follow it to its end (promote) or stop it
// with rollback (rollback).
import * as core from '@actions/core';
import type { AwsClients } from '../../aws/clients.js';
import { followRollout, notBack } from '../../engine/follow.js';
import type { Plan } from '../../engine/plan.js';
import {
  CancelledError,
  type Clock,
  type FollowedTarget,
  type Gate,
  type Observation,
  type RolloutEvent,
  type RolloutRecord,
} from '../../engine/types.js';
import { AlarmGate } from '../../gates/alarms.js';
import { AnalysisGate, type AnalysisSettings } from '../../gates/analysis.js';
import type { HookInputs } from '../../inputs.js';
import { log } from '../../log.js';
import type { RolloutIdentity } from '../../marker.js';
import { latestAlarmStatuses, liveReport, type ReleaseReport } from '../../report/model.js';
import type { Reporter } from '../../report/publish.js';
import { rolloutLogger } from '../../rollout-log.js';
import { FINISHED_KEY } from '../../state.js';
import type { ExistingSplitPolicy, Sides } from '../definition.js';
import type { LambdaInputs } from '../lambda/inputs.js';
import { DRY_RUN_VERSION, prepareLambdaRelease } from '../lambda/preflight.js';
import { aliasSubject } from '../lambda/subject.js';
import { appSpecRevision, type AppSpecInputs } from './appspec.js';
import {
  createDeployment,
  createGroup,
  deploymentAlarms,
  ensureConfig,
  findGroup,
  latestDeploymentId,
  type GroupRef,
} from './aws.js';
import { deploymentConfigFor, type DeploymentConfigChoice } from './config.js';
import { FollowedDeployment } from './followed-deployment.js';
import type { CodeDeployInputs } from './inputs.js';
import { CODEDEPLOY_KEY, type SavedDeployment } from './saved.js';

/** What a CodeDeploy release reads of the inputs. */
export interface CodeDeploySettings {
  engine: CodeDeployInputs;
  targetInputs: LambdaInputs;
  plan: Plan;
  alarms: string[];
  analysis: AnalysisSettings | undefined;
  ignoreFiringAlarms: boolean;
  hooks: HookInputs;
  wait: boolean;
  dryRun: boolean;
  onExistingSplit: ExistingSplitPolicy;
  pollIntervalMs: number;
  timeoutMs: number;
  region: string;
  deploymentEnvironment?: string;
}

export interface CodeDeployContext {
  settings: CodeDeploySettings;
  report: ReleaseReport;
  reporter: Reporter;
  clients: AwsClients;
  clock: Clock;
  signal: AbortSignal;
  identity: RolloutIdentity;
  /** Canary against baseline for the report, once the rollout is over. */
  addMetrics: (record: RolloutRecord) => Promise<void>;
}

const groupOf = (s: CodeDeploySettings): GroupRef => ({
  application: s.engine.application,
  deploymentGroup: s.engine.deploymentGroup,
  region: s.region,
});

/** command deploy: preflight, the deployment, then following it (or not, with wait: false). */
export async function deployWithCodeDeploy(c: CodeDeployContext): Promise<void> {
  const { settings, report, signal } = c;
  const sides = await preflight(c);
  if (!sides) return;
  const config = deploymentConfigFor(settings.plan);
  const spec: AppSpecInputs = {
    functionName: settings.targetInputs.functionName,
    alias: settings.targetInputs.alias,
    currentVersion: sides.previous,
    targetVersion: sides.target,
    beforeAllowTraffic: settings.hooks.preTraffic,
    afterAllowTraffic: settings.hooks.postTraffic,
  };
  if (settings.dryRun) {
    report.result = 'dry-run';
    report.targetUnknown = sides.target === DRY_RUN_VERSION;
    report.reason = `dry run: every check passed; would create a CodeDeploy deployment in ${describeGroup(settings)} moving alias ${spec.alias} from version ${sides.previous} to ${report.targetUnknown ? 'the version it would publish' : `version ${sides.target}`} by ${config.name}, and changed nothing`;
    return;
  }
  if (signal.aborted) {
    report.reason = `${abortText(signal)} before the CodeDeploy deployment was created; the alias is unchanged`;
    return;
  }
  const id = await createRelease(c, spec, config);
  report.notes.push(
    `CodeDeploy deployment ${id} in ${describeGroup(settings)}, by deployment config ${config.name}.`,
  );
  if (!settings.wait) {
    c.reporter.rolloutStarted({ ...report, result: 'in-progress', reason: 'created' }, id);
    core.saveState(FINISHED_KEY, 'true');
    report.result = 'started';
    report.reason = `CodeDeploy deployment ${id} created: it moves alias ${spec.alias} from version ${sides.previous} to ${sides.target} by ${config.name} without this job; see it with "command: status" and "codedeploy-deployment-id: ${id}"`;
    return;
  }
  const target = new FollowedDeployment(
    c.clients.codedeploy,
    { id, region: settings.region, about: about(spec) },
    c.clock,
  );
  await follow(c, target);
}

/** The alarms' and the alias's checks, and the Lambda target's preflight (publishing): the two sides. */
async function preflight(c: CodeDeployContext): Promise<Sides | undefined> {
  const { settings, report, signal } = c;
  try {
    if (settings.alarms.length > 0) {
      const gate = new AlarmGate(c.clients.cloudwatch, settings.alarms, settings.region, c.clock);
      report.alarms = await gate.preflight(settings.ignoreFiringAlarms, signal);
    }
    const prepared = await prepareLambdaRelease(
      c.clients.lambda,
      { ...settings.targetInputs, ...settings, plan: settings.plan },
      c.identity,
      signal,
    );
    report.notes.push(...prepared.notes);
    if (prepared.kind === 'no-change') {
      report.previousVersion = report.targetVersion = prepared.version;
      report.result = 'no-change';
      report.reason = prepared.reason;
      return undefined;
    }
    const sides = { previous: prepared.previousVersion, target: prepared.targetVersion };
    report.previousVersion = sides.previous;
    report.targetVersion = sides.target;
    report.subject = aliasSubject(settings.targetInputs, {
      region: settings.region,
      environment: settings.deploymentEnvironment,
      sides,
    });
    return sides;
  } catch (error) {
    if (!signal.aborted) throw error;
    report.reason =
      error instanceof CancelledError ? error.message : `${abortText(signal)} before any change to the alias`;
    return undefined;
  }
}

/** The writes: the group when asked, the custom config when missing, the deployment. */
async function createRelease(
  c: CodeDeployContext,
  spec: AppSpecInputs,
  config: DeploymentConfigChoice,
): Promise<string> {
  const configName = config.name;
  const { settings, report } = c;
  const group = groupOf(settings);
  if (settings.engine.create && settings.engine.serviceRoleArn) {
    const found = await findGroup(c.clients.codedeploy, group);
    const made = await createGroup(c.clients.codedeploy, group, found, settings.engine.serviceRoleArn);
    for (const what of made) report.notes.push(`The action ${what}.`);
  }
  const configNote = await ensureConfig(c.clients.codedeploy, config, settings.region);
  if (configNote) report.notes.push(`The action ${configNote}.`);
  const alarms = await deploymentAlarms(c.clients.codedeploy, group, settings.alarms);
  if (alarms.fromGroup.length > 0)
    report.notes.push(
      `The deployment watches the group's own alarms too (overrideAlarmConfiguration replaces them): ${alarms.fromGroup.join(', ')}.`,
    );
  if (alarms.left.length > 0)
    report.notes.push(
      `The group's alarms ${alarms.left.join(', ')} are not watched by this deployment: CodeDeploy takes at most 10.`,
    );
  const id = await createDeployment(c.clients.codedeploy, {
    group,
    revision: appSpecRevision(spec),
    configName,
    alarms: alarms.alarms,
    description: `Serverless Canary, run ${c.identity.run}: ${about(spec)}`,
  });
  // From here on, a cancelled or crashed job stops it with rollback (the post step, if need be).
  const saved: SavedDeployment = {
    id,
    region: settings.region,
    about: about(spec),
    previousVersion: spec.currentVersion,
    targetVersion: spec.targetVersion,
  };
  core.saveState(CODEDEPLOY_KEY, JSON.stringify(saved));
  core.setOutput('codedeploy-deployment-id', id);
  log.info(`Created CodeDeploy deployment ${id} (${configName}) for ${about(spec)}.`);
  return id;
}

/** The engine follows the deployment with the action's analysis; the report mirrors what it saw. */
async function follow(c: CodeDeployContext, target: FollowedTarget, continuing = false): Promise<void> {
  const { settings, report, reporter, clock, signal } = c;
  log.info(`Following ${target.description}.`);
  const { live, progress } = liveReport(report, clock.now());
  // The GitHub deployment is named by the CodeDeploy deployment, so that later commands find it.
  if (continuing) reporter.progress(progress(`following ${target.description}`));
  else reporter.rolloutStarted(progress(`following ${target.description}`), target.id ?? c.identity.run);
  const logEvent = rolloutLogger(log);
  const record = await followRollout(
    settings.plan,
    { pollIntervalMs: settings.pollIntervalMs, timeoutMs: settings.timeoutMs },
    {
      target,
      gates: followGates(c),
      clock,
      signal,
      onEvent: (event: RolloutEvent) => {
        logEvent(event);
        if (event.type === 'step-started') live.steps.push(event.step);
        if (event.type === 'observed') reporter.progress(progress(observedText(event.observation)));
        if (event.type === 'rolling-back') reporter.progress(progress(`stopping: ${event.reason}`));
      },
    },
  );
  recordFollowed(report, record);
  if (record.outcome === 'promoted' || record.rollback?.completed) core.saveState(FINISHED_KEY, 'true');
  if (signal.aborted) report.metricsUnavailable = 'not read: the job is being cancelled';
  else await c.addMetrics(record);
}

function recordFollowed(report: ReleaseReport, record: RolloutRecord): void {
  report.record = record;
  report.result = record.outcome;
  report.reason = record.reason;
  report.alarms = latestAlarmStatuses(record.steps, report.alarms);
  const rollback = record.followed?.rollback;
  if (rollback) {
    report.notes.push(`CodeDeploy rolled the alias back with deployment ${rollback.id} (${rollback.state}).`);
  }
}

/**
 * The action's gates: the alarms (CodeDeploy watches them too, by overrideAlarmConfiguration;
 * whoever sees one first stops the deployment) and the analysis when it is on.
 */
function followGates(c: CodeDeployContext): Gate[] {
  const { settings, report } = c;
  const alarms =
    settings.alarms.length > 0
      ? [new AlarmGate(c.clients.cloudwatch, settings.alarms, settings.region, c.clock)]
      : [];
  const queries = report.subject.metrics;
  if (!settings.analysis || !queries) return alarms;
  return [
    ...alarms,
    new AnalysisGate(
      c.clients.cloudwatch,
      [{ name: report.subject.name, queries }],
      settings.analysis,
      settings.plan,
      settings.region,
      c.clock,
    ),
  ];
}

function observedText(o: Observation): string {
  return `CodeDeploy ${o.phase}: ${o.weight}% of traffic on the new version`;
}

/** status, promote, rollback with engine codedeploy: on the named deployment, or the group's latest. */
export async function codeDeployCommand(
  c: CodeDeployContext,
  command: 'status' | 'promote' | 'rollback',
): Promise<void> {
  const { settings, report, signal } = c;
  const id =
    settings.engine.deploymentId ??
    (await latestDeploymentId(c.clients.codedeploy, groupOf(settings), signal));
  if (!id) {
    report.result = 'none';
    report.reason = `no deployment in ${describeGroup(settings)}: nothing to ${command === 'status' ? 'report' : command}`;
    return;
  }
  core.setOutput('codedeploy-deployment-id', id);
  // Its statuses go to the GitHub deployment the run that created it started.
  c.reporter.continueRelease(id);
  const about = `alias ${settings.targetInputs.alias} of ${settings.targetInputs.functionName}`;
  const target = new FollowedDeployment(
    c.clients.codedeploy,
    { id, region: settings.region, about },
    c.clock,
  );
  const now = await target.observe(signal);
  const versions = target.versions;
  if (versions) {
    report.previousVersion = versions.current;
    report.targetVersion = versions.target;
    report.subject = aliasSubject(settings.targetInputs, {
      region: settings.region,
      environment: settings.deploymentEnvironment,
      sides: { previous: versions.current, target: versions.target },
    });
  }
  report.notes.push(`Command ${command} on CodeDeploy deployment ${id}: ${describeObservation(now)}.`);
  core.setOutput('weight', String(now.weight));
  if (command === 'status' || now.state !== 'running') {
    const ended = endingOf(id, now);
    report.result = command === 'status' && now.state === 'running' ? 'in-progress' : ended.result;
    report.reason =
      command === 'status' || now.state === 'running'
        ? ended.reason
        : `${ended.reason}; nothing to ${command}`;
    return;
  }
  if (command === 'rollback') {
    log.info(`Stopping ${target.description} with rollback (command: rollback).`);
    const stopped = await target.stop('command: rollback', signal);
    core.setOutput('weight', String(stopped.weight));
    const ended = endingOf(id, stopped);
    report.result = ended.result;
    report.reason = `command rollback: ${ended.reason}`;
    return;
  }
  await follow(c, target, true);
}

/** How a deployment stands, as a result and a reason. */
export function endingOf(id: string, o: Observation): { result: ReleaseReport['result']; reason: string } {
  const rollback = o.rollback ? `; rolled back by deployment ${o.rollback.id} (${o.rollback.state})` : '';
  switch (o.state) {
    case 'running':
      return {
        result: 'in-progress',
        reason: `CodeDeploy deployment ${id} is in progress: ${o.phase}, ${o.weight}% of traffic on the new version`,
      };
    case 'succeeded':
      return {
        result: 'promoted',
        reason: `CodeDeploy deployment ${id} succeeded: all traffic on the new version`,
      };
    default: {
      return {
        result: notBack(o) === undefined ? 'rolled-back' : 'failed',
        reason: `CodeDeploy deployment ${id} ${o.state}${o.reason ? ` (${o.reason})` : ''}${rollback}`,
      };
    }
  }
}

function describeObservation(o: Observation): string {
  return `${o.state}, ${o.phase}, ${o.weight}% of traffic on the new version`;
}

function describeGroup(s: CodeDeploySettings): string {
  return `deployment group ${s.engine.deploymentGroup} of application ${s.engine.application}`;
}

function about(
  spec: Pick<AppSpecInputs, 'functionName' | 'alias' | 'currentVersion' | 'targetVersion'>,
): string {
  return `alias ${spec.alias} of ${spec.functionName} (${spec.currentVersion} → ${spec.targetVersion})`;
}

function abortText(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'cancelled';
}
