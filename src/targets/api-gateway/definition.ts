// The API Gateway REST stage canary (`target: api-gateway-stage`) as the registry knows it: its
// inputs, its weights (percentTraffic), its preflight, the state it saves, how the post step
// rebuilds it, and its report subject.
import type {
  DryRunWrites,
  PreflightOutcome,
  ReportSubject,
  Sides,
  TargetDefinition,
} from '../definition.js';
import type { RolloutIdentity } from '../../marker.js';
import { readStage, type StageRef } from './aws.js';
import { parseStageInputs, STAGE_CANARY_WEIGHTS, STAGE_INPUT_NAMES, type StageInputs } from './inputs.js';
import { prepareStageRelease, StagePreflightError, type StageRelease } from './preflight.js';
import { inspectStageForPost, parseSavedStage, type SavedStageRollout } from './state.js';
import { stageConsoleUrl } from './subject.js';
import { StageCanaryTarget, variablesBefore } from './target.js';

/** The canary's side before the first step has created its deployment. */
const NEW_DEPLOYMENT = '(new deployment)';
/** The inputs whose problems preflight's reads find (the API, the stage, the deployment). */
const CHECKED_INPUTS = new Set(['rest-api-id', 'stage', 'deployment-id']);

const EMPTY_INPUTS: StageInputs = {
  restApiId: '',
  stage: '',
  stageVariables: {},
  useStageCache: false,
  canaryMetricsStage: '',
};

const stageRef = (inputs: Pick<StageInputs, 'restApiId' | 'stage'>, region: string): StageRef => ({
  restApiId: inputs.restApiId,
  stage: inputs.stage,
  region,
});

export const apiGatewayStage: TargetDefinition<StageInputs, SavedStageRollout> = {
  kind: 'api-gateway-stage',
  inputNames: STAGE_INPUT_NAMES,
  weights: STAGE_CANARY_WEIGHTS,
  untouched: 'before any change to the stage',

  readInputs(read) {
    const result = parseStageInputs(read);
    const problems = result.problems;
    return {
      inputs: result.inputs ?? EMPTY_INPUTS,
      problems,
      // One problem leaves no inputs to look up (the parser gives no per-input fallbacks).
      valid: (name) => result.inputs !== undefined && !problems.some((p) => p.startsWith(`Input "${name}"`)),
    };
  },

  async inputProblems(inputs, valid, aws, region, signal) {
    if (![...CHECKED_INPUTS].every(valid)) return [];
    // Preflight's own reads, as a dry run (no write): a problem it pins on an input is listed
    // with the others; everything else is for preflight proper to say.
    try {
      await prepareStageRelease(
        aws,
        { ...inputs, region, plan: { name: '', steps: [] }, onExistingSplit: 'rollback', dryRun: true },
        { run: '', plan: '', started: new Date(0).toISOString(), by: '' },
        signal,
      );
      return [];
    } catch (error) {
      if (error instanceof StagePreflightError && error.input && CHECKED_INPUTS.has(error.input))
        return [error.message];
      return [];
    }
  },

  async preflight(
    inputs,
    { aws, settings, environment, identity, signal, resave },
  ): Promise<PreflightOutcome<SavedStageRollout>> {
    const release = await prepareStageRelease(
      aws,
      // The commit names the new deployment, so people (and a resumed run) can tell it.
      { ...inputs, ...settings, commit: process.env.GITHUB_SHA },
      identity,
      signal,
    );
    if (release.kind === 'no-change') {
      const sides = { previous: release.deploymentId, target: release.deploymentId };
      return { kind: 'no-change', reason: release.reason, sides, notes: release.notes };
    }
    const canaryId = release.canary.kind === 'create' ? undefined : release.canary.deploymentId;
    const subject = stageSubject(inputs, { region: settings.region, environment }, release.api.name, {
      previous: release.previousDeploymentId,
      target: canaryId ?? NEW_DEPLOYMENT,
    });
    if (settings.dryRun) {
      return {
        kind: 'dry-run',
        reason: `dry run: every check passed; would release ${canaryId ? `deployment ${canaryId}` : 'a new deployment of the API'} as the canary of stage ${inputs.stage} by ${settings.plan.name}, and changed nothing`,
        sides: {
          previous: release.previousDeploymentId,
          target: canaryId ?? NEW_DEPLOYMENT,
          targetUnknown: canaryId === undefined,
        },
        targetUnknown: canaryId === undefined,
        notes: release.notes,
        writes: stageDryRunWrites(release, settings.plan.steps[release.firstStep]?.weight ?? 100),
        subject,
      };
    }
    // A resumed canary keeps the overrides it was attached with: those are what promotion copies.
    const stageVariables =
      release.canary.kind === 'attached'
        ? (release.stage.canary?.stageVariableOverrides ?? {})
        : inputs.stageVariables;
    const saved: SavedStageRollout = {
      target: 'api-gateway-stage',
      restApiId: inputs.restApiId,
      stage: inputs.stage,
      region: settings.region,
      previousDeploymentId: release.previousDeploymentId,
      ...(canaryId ? { canaryDeploymentId: canaryId } : {}),
      run: identity.run,
      variablesBefore: variablesBefore(release.stage, stageVariables),
    };
    const target = new StageCanaryTarget(aws.apigateway, stageRef(inputs, settings.region), {
      previousDeploymentId: release.previousDeploymentId,
      canary: release.canary,
      stageVariables,
      useStageCache: inputs.useStageCache,
      identity,
      stage: release.stage,
      // The post step then knows the canary by its id, whatever the stage's marker says.
      onCanaryCreated: (deploymentId) => resave?.({ ...saved, canaryDeploymentId: deploymentId }),
    });
    return {
      kind: 'release',
      target,
      // The new deployment is made by the first step: its id is known from then on.
      sides: {
        previous: release.previousDeploymentId,
        get target() {
          return target.canaryDeploymentId ?? NEW_DEPLOYMENT;
        },
        get targetUnknown() {
          return target.canaryDeploymentId === undefined;
        },
      },
      notes: release.notes,
      firstStep: release.firstStep,
      saved,
      progress:
        release.changes.length > 0 ? `after ${release.changes.join(', ')}` : 'before any change to the stage',
      subject,
      hookContext: () => ({
        target: 'api-gateway-stage',
        restApiId: inputs.restApiId,
        stage: inputs.stage,
        currentDeployment: release.previousDeploymentId,
        // The first step creates a new deployment: the pre-traffic hook runs before it exists.
        canaryDeployment: target.canaryDeploymentId ?? null,
      }),
    };
  },

  parseSaved: (saved) => parseSavedStage(JSON.stringify(saved ?? null)),

  describeSaved: (saved) => ({
    sides: { previous: saved.previousDeploymentId, target: saved.canaryDeploymentId ?? NEW_DEPLOYMENT },
    short: `stage ${saved.stage}`,
    full: `stage ${saved.stage} of REST API ${saved.restApiId}`,
    previous: `deployment ${saved.previousDeploymentId}`,
  }),

  async restore(saved, aws, region, run, signal) {
    const { decision, stage } = await inspectStageForPost(aws.apigateway, saved, signal);
    const marker = stage.marker;
    const identity: RolloutIdentity = {
      run,
      plan: marker?.plan ?? '',
      started: marker?.started ?? '',
      by: marker?.by ?? '',
      steps: marker?.steps,
    };
    const canary = stage.canary?.deploymentId ?? saved.canaryDeploymentId ?? '';
    const ending = marker?.run !== run ? 'failed' : marker.state === 'shifting' ? 'failed' : marker.state;
    return {
      decision,
      ending,
      target: new StageCanaryTarget(aws.apigateway, stageRef(saved, region), {
        previousDeploymentId: saved.previousDeploymentId,
        canary: { kind: 'attached', deploymentId: canary },
        stageVariables: {},
        useStageCache: false,
        identity,
        stage,
        variablesBefore: saved.variablesBefore ?? {},
      }),
    };
  },

  async inspect(inputs, aws, region, run, signal) {
    const ref = { restApiId: inputs.restApiId, stage: inputs.stage, region };
    const stage = await readStage(aws.apigateway, ref, signal);
    const marker = stage.marker;
    return {
      label: `stage ${inputs.stage} of REST API ${inputs.restApiId}`,
      live: {
        on: stage.deploymentId,
        split: stage.canary && { to: stage.canary.deploymentId, weight: stage.canary.percent },
      },
      marker,
      requested: inputs.deploymentId,
      saved: marker && {
        target: 'api-gateway-stage',
        restApiId: inputs.restApiId,
        stage: inputs.stage,
        region,
        previousDeploymentId: marker.from,
        canaryDeploymentId: marker.to,
        run,
      },
      hookContext: marker && {
        target: 'api-gateway-stage',
        restApiId: inputs.restApiId,
        stage: inputs.stage,
        currentDeployment: marker.from,
        canaryDeployment: marker.to,
      },
    };
  },

  subject: (inputs, context) => stageSubject(inputs, context),
};

/**
 * The report's view of the stage. The metrics' ApiName dimension is the API's name, known once
 * preflight has read it; before that (the first comment) the subject has no metrics anyway.
 */
function stageSubject(
  inputs: StageInputs,
  context: { region: string; environment?: string; sides?: Sides },
  apiName?: string,
  sides: Sides | undefined = context.sides,
): ReportSubject {
  const { restApiId, stage } = inputs;
  const subject: ReportSubject = {
    name: `${apiName ?? restApiId}/${stage}`,
    unit: 'deployment',
    rows: [
      { label: 'REST API', text: apiName ? `${apiName} (${restApiId})` : restApiId, note: context.region },
      { label: 'Stage', text: stage, url: stageConsoleUrl(restApiId, context.region) },
    ],
    commentKey: ['api-gateway', context.region, restApiId, stage, context.environment ?? ''].join('/'),
    fileSlug: `${restApiId}-${stage}`,
    payload: { restApiId, stage },
  };
  if (sides && apiName) {
    const on = (stageValue: string) => [
      { Name: 'ApiName', Value: apiName },
      { Name: 'Stage', Value: stageValue },
    ];
    subject.metrics = {
      namespace: 'AWS/ApiGateway',
      requests: 'Count',
      errors: '5XXError',
      latency: 'Latency',
      baseline: on(stage),
      canary: on(inputs.canaryMetricsStage),
      labels: { requests: 'Requests', errors: '5XX errors', latency: 'latency' },
      extraCounts: [{ metric: '4XXError', label: '4XX errors' }],
      source: `AWS/ApiGateway per Stage on ${apiName}: ${stage} (base) and ${inputs.canaryMetricsStage} (canary)`,
      caveat: 'API Gateway publishes metrics per minute, so the last minute may be incomplete.',
      about: `stage ${stage} and its canary on REST API ${restApiId}`,
    };
  }
  return subject;
}

/** The writes a dry run of a stage release would make, as the report's plan lists them. */
function stageDryRunWrites(
  release: Extract<StageRelease, { kind: 'release' }>,
  firstWeight: number,
): DryRunWrites {
  const source = release.canary;
  const before = release.writes.filter((w) => w.includes('remove /canarySettings (the canary found'));
  const first =
    source.kind === 'create'
      ? `CreateDeployment: a new deployment of the API's current state as the canary at ${firstWeight}%, then UpdateStage: the marker in /description`
      : source.kind === 'attach'
        ? `UpdateStage: attach deployment ${source.deploymentId} as the canary at ${firstWeight}%, with the marker`
        : undefined;
  return {
    before,
    step: (weight) =>
      weight === firstWeight && first
        ? first
        : `UpdateStage: /canarySettings/percentTraffic "${weight}" and the marker in /description`,
    promote:
      'UpdateStage: promote (percentTraffic "0", copy the canary\'s deploymentId and stage-variable overrides onto the stage), then remove /canarySettings',
    rollback: 'UpdateStage: remove /canarySettings (the stage keeps its deployment)',
    resumed:
      source.kind === 'attached'
        ? {
            weight: release.stage.canary?.percent ?? 0,
            because: `resumed: the stage's canary (deployment ${source.deploymentId}) already takes ${release.stage.canary?.percent ?? 0}%`,
          }
        : undefined,
  };
}
