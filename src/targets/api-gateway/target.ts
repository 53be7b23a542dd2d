// A REST API stage's canary as a traffic target: steps set canarySettings/percentTraffic, the
// promotion copies the canary onto the stage and removes it, a rollback removes it. The rollout
// marker rides in the stage description, in the same UpdateStage patch as each traffic change.
// A stage has no RevisionId, so every write is guarded by reading the stage first and comparing
// it with what this run last wrote; a difference is another writer, never fought.
import {
  CreateDeploymentCommand,
  UpdateStageCommand,
  type APIGatewayClient,
  type PatchOperation,
} from '@aws-sdk/client-api-gateway';
import { AwsCallError } from '../../aws/errors.js';
import {
  ConcurrentChangeError,
  WriteRefusedError,
  type StepContext,
  type TrafficTarget,
} from '../../engine/types.js';
import { formatMarker, type MarkerState, type RolloutIdentity, type RolloutMarker } from '../../marker.js';
import {
  arns,
  describeStageState,
  pacers,
  readDeployment,
  readStage,
  stageCall,
  stageLabel,
  type StageRef,
  type StageState,
} from './aws.js';
import { toPercentTraffic } from './inputs.js';

/** What the rollout is, as written into every marker (its plan's steps tell others how long it may run). */
export type StageIdentity = RolloutIdentity;

/** Where the canary comes from. */
export type CanarySource =
  /** A new deployment, made by the first step (CreateDeployment with canarySettings). */
  | { kind: 'create'; description: string }
  /** An existing deployment, attached by the first step (UpdateStage). */
  | { kind: 'attach'; deploymentId: string }
  /** Already the stage's canary (a resumed release). */
  | { kind: 'attached'; deploymentId: string };

export interface StageCanaryOptions {
  previousDeploymentId: string;
  canary: CanarySource;
  stageVariables: Record<string, string>;
  useStageCache: boolean;
  identity: StageIdentity;
  /** The stage as preflight left it: the first guard compares with it. */
  stage: StageState;
  /** Told the new deployment's id as soon as CreateDeployment answers, for the saved state. */
  onCanaryCreated?: (deploymentId: string) => void;
  /**
   * What the promotion's copy of `stageVariables` overwrote: each name's value before the
   * release, null when it was unset; a rollback after the promotion puts them back. By default,
   * from `stage`.
   */
  variablesBefore?: Record<string, string | null>;
}

/** Each override's value on the stage before the release (null: unset), for a rollback after promotion. */
export function variablesBefore(
  stage: StageState,
  overrides: Record<string, string>,
): Record<string, string | null> {
  return Object.fromEntries(Object.keys(overrides).map((name) => [name, stage.variables[name] ?? null]));
}

/** What the guard compares: the stage as this run last wrote it. */
interface Expected {
  deploymentId: string;
  description: string;
  canary?: { deploymentId: string; percent: number };
}

/** Another writer changed the stage; carries what we found. */
export class StageChangedError extends ConcurrentChangeError {
  constructor(
    message: string,
    readonly state: StageState,
  ) {
    super(message, describeStageState(state));
  }
}

/** Reads of the stage after a promotion before giving up on verifying it. */
const VERIFY_READS = 3;

export class StageCanaryTarget implements TrafficTarget {
  readonly description: string;
  private canaryId: string | undefined;
  private expected: Expected;
  /** A write whose answer we did not see: the stage may show it (then it is ours). */
  private pending: Expected | undefined;

  constructor(
    private readonly apigateway: APIGatewayClient,
    private readonly ref: StageRef,
    private readonly options: StageCanaryOptions,
  ) {
    const source = options.canary;
    this.canaryId = source.kind === 'create' ? undefined : source.deploymentId;
    const to = this.canaryId ?? 'a new deployment';
    this.description = `${stageLabel(ref)} (deployment ${options.previousDeploymentId} → ${to})`;
    const stage = options.stage;
    this.expected = {
      deploymentId: stage.deploymentId,
      description: stage.description,
      canary: stage.canary
        ? { deploymentId: stage.canary.deploymentId, percent: stage.canary.percent }
        : undefined,
    };
  }

  /** The canary's deployment id, once there is one. */
  get canaryDeploymentId(): string | undefined {
    return this.canaryId;
  }

  async setWeight(weight: number, context: StepContext, signal: AbortSignal): Promise<void> {
    const percent = toPercentTraffic(weight);
    const creating = this.options.canary.kind === 'create' && !this.canaryId;
    if (creating) await this.createCanary(weight, signal);
    try {
      await this.shift(weight, percent, signal, context);
    } catch (error) {
      // The canary CreateDeployment made already takes traffic: a refused marker write did change
      // the stage, and the engine must roll it back.
      if (creating && error instanceof WriteRefusedError) throw new Error(error.message);
      throw error;
    }
  }

  private async shift(
    weight: number,
    percent: string,
    signal: AbortSignal,
    context: StepContext,
  ): Promise<void> {
    const operations: PatchOperation[] = [];
    if (this.options.canary.kind === 'attach' && this.expected.canary?.deploymentId !== this.canaryId) {
      operations.push(...this.attachOperations());
    }
    operations.push({ op: 'replace', path: '/canarySettings/percentTraffic', value: percent });
    await this.write(
      operations,
      'shifting',
      weight,
      {
        deploymentId: this.options.previousDeploymentId,
        canary: { deploymentId: this.canaryId!, percent: weight },
      },
      `set ${percent}% on canary deployment ${this.canaryId} of`,
      signal,
      undefined,
      { step: context.index, stepEndsAt: context.endsAt },
    );
  }

  async leaveSplit(weight: number, context: StepContext): Promise<void> {
    const canaryId = this.requireCanary();
    await this.write(
      [],
      'started',
      weight,
      {
        deploymentId: this.options.previousDeploymentId,
        canary: { deploymentId: canaryId, percent: weight },
      },
      `leave the canary (deployment ${canaryId}) at ${toPercentTraffic(weight)}% on`,
      undefined,
      undefined,
      { step: context.index, stepEndsAt: context.endsAt },
    );
  }

  async promote(): Promise<void> {
    const canaryId = this.requireCanary();
    const found = await this.guard();
    const copyVariables = Object.keys(found.canary?.stageVariableOverrides ?? {}).length > 0;
    // The documented promotion, then the canary's removal: AWS keeps the canary (at 0%) after the copies.
    await this.write(
      [
        { op: 'replace', path: '/canarySettings/percentTraffic', value: '0' },
        { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
        ...(copyVariables
          ? [
              {
                op: 'copy',
                from: '/canarySettings/stageVariableOverrides',
                path: '/variables',
              } as PatchOperation,
            ]
          : []),
      ],
      'promoted',
      100,
      { deploymentId: canaryId, canary: { deploymentId: canaryId, percent: 0 } },
      `promote canary deployment ${canaryId} on`,
      undefined,
      found,
    );
    await this.write(
      [{ op: 'remove', path: '/canarySettings' }],
      'promoted',
      100,
      { deploymentId: canaryId, canary: undefined },
      `remove the promoted canary from`,
    );
  }

  async verify(): Promise<void> {
    const canaryId = this.requireCanary();
    let state: StageState | undefined;
    for (let attempt = 1; !state; attempt++) {
      try {
        state = await readStage(this.apigateway, this.ref);
      } catch (error) {
        if (attempt >= VERIFY_READS) throw error;
      }
    }
    const overrides = Object.entries(this.options.stageVariables);
    const missing = overrides.filter(([name, value]) => state.variables[name] !== value).map(([n]) => n);
    if (state.deploymentId !== canaryId || state.canary || missing.length > 0) {
      const variables =
        missing.length > 0 ? ` (stage variables ${missing.join(', ')} do not carry the overrides)` : '';
      throw new StageChangedError(
        `${stageLabel(this.ref)} changed right after the promotion: expected deployment ${canaryId} and no canary${variables}`,
        state,
      );
    }
  }

  async rollback(_reason: string, signal?: AbortSignal): Promise<void> {
    const found = await readStage(this.apigateway, this.ref, signal);
    if (
      !this.canaryId &&
      found.canary &&
      (await this.isOurNewDeployment(found.canary.deploymentId, signal))
    ) {
      // CreateDeployment landed but its answer was lost (a cancelled call): the canary is ours.
      this.adoptCanary(found.canary.deploymentId, found);
    }
    if (!this.canaryId && !found.canary && this.matches(found, this.expected)) return; // nothing was created
    const previous = this.options.previousDeploymentId;
    // A promotion whose copy landed moved the stage itself: put its deployment (and the
    // variables the copy overwrote) back too.
    const promoted = found.deploymentId !== previous && found.deploymentId === this.canaryId;
    const restore: PatchOperation[] = promoted
      ? [{ op: 'replace', path: '/deploymentId', value: previous }, ...this.variableRestores(found)]
      : [];
    await this.write(
      [...(found.canary ? [{ op: 'remove', path: '/canarySettings' } as PatchOperation] : []), ...restore],
      'rolled-back',
      0,
      { deploymentId: this.options.previousDeploymentId, canary: undefined },
      `roll back (remove the canary) on`,
      signal,
      found,
    );
  }

  /** The patch that puts back the stage variables a promotion's copy of the overrides overwrote. */
  private variableRestores(found: StageState): PatchOperation[] {
    const before =
      this.options.variablesBefore ?? variablesBefore(this.options.stage, this.options.stageVariables);
    return Object.entries(before).flatMap(([name, value]): PatchOperation[] => {
      const path = `/variables/${name}`;
      if (value === null) return name in found.variables ? [{ op: 'remove', path }] : [];
      return found.variables[name] === value ? [] : [{ op: 'replace', path, value }];
    });
  }

  /** CreateDeployment with the first step's canarySettings: the canary's first traffic. */
  private async createCanary(weight: number, signal: AbortSignal): Promise<void> {
    await this.guard(signal);
    const source = this.options.canary as Extract<CanarySource, { kind: 'create' }>;
    const hasVariables = Object.keys(this.options.stageVariables).length > 0;
    const created = await stageCall(
      {
        doing: `create a canary deployment on ${stageLabel(this.ref)}`,
        iamAction: 'apigateway:POST',
        resource: arns.deployments(this.ref),
        region: this.ref.region,
        pacer: pacers.createDeployment,
      },
      () =>
        this.apigateway.send(
          new CreateDeploymentCommand({
            restApiId: this.ref.restApiId,
            stageName: this.ref.stage,
            description: source.description,
            canarySettings: {
              percentTraffic: Number(toPercentTraffic(weight)),
              useStageCache: this.options.useStageCache,
              ...(hasVariables ? { stageVariableOverrides: this.options.stageVariables } : {}),
            },
          }),
          { abortSignal: signal },
        ),
      signal,
    ).catch(refused);
    if (!created.id) {
      throw new AwsCallError(
        'CreateDeployment returned no deployment id',
        'NoDeploymentId',
        undefined,
        'run again',
      );
    }
    this.adoptCanary(created.id, undefined, weight);
  }

  private adoptCanary(deploymentId: string, found: StageState | undefined, percent?: number): void {
    this.canaryId = deploymentId;
    this.options.onCanaryCreated?.(deploymentId);
    this.expected = {
      ...this.expected,
      canary: { deploymentId, percent: found?.canary?.percent ?? percent ?? 0 },
    };
  }

  /** Whether `deploymentId` is the one this run's CreateDeployment made (its description names the run). */
  private async isOurNewDeployment(deploymentId: string, signal?: AbortSignal): Promise<boolean> {
    if (this.options.canary.kind !== 'create' || deploymentId === this.options.previousDeploymentId)
      return false;
    const deployment = await readDeployment(this.apigateway, this.ref, deploymentId, signal);
    return (deployment.description ?? '').includes(this.options.identity.run);
  }

  /** The attach of an existing deployment: its id, cache use and overrides, with the first step. */
  private attachOperations(): PatchOperation[] {
    return [
      { op: 'replace', path: '/canarySettings/deploymentId', value: this.canaryId },
      { op: 'replace', path: '/canarySettings/useStageCache', value: String(this.options.useStageCache) },
      ...Object.entries(this.options.stageVariables).map(([name, value]): PatchOperation => ({
        op: 'replace',
        path: `/canarySettings/stageVariableOverrides/${name}`,
        value,
      })),
    ];
  }

  private requireCanary(): string {
    if (!this.canaryId) throw new Error(`${stageLabel(this.ref)} has no canary from this run to promote`);
    return this.canaryId;
  }

  /** Reads the stage and checks that it is as this run left it (or as its unanswered write would). */
  private async guard(signal?: AbortSignal, read?: StageState): Promise<StageState> {
    const found = read ?? (await readStage(this.apigateway, this.ref, signal));
    if (this.matches(found, this.expected)) return found;
    if (this.pending && this.matches(found, this.pending)) {
      this.expected = this.pending;
      this.pending = undefined;
      return found;
    }
    throw new StageChangedError(
      `${stageLabel(this.ref)} was changed by someone else since this run's last write`,
      found,
    );
  }

  private matches(found: StageState, expected: Expected): boolean {
    const canary = found.canary;
    return (
      found.deploymentId === expected.deploymentId &&
      found.description === expected.description &&
      canary?.deploymentId === expected.canary?.deploymentId &&
      canary?.percent === expected.canary?.percent
    );
  }

  /**
   * One guarded UpdateStage: read (unless `found` was just read) and compare, then the patch with
   * the marker in the same call. A refused write (4xx) changed nothing; any other failure may have
   * landed, and the next guard accepts the stage showing it.
   */
  private async write(
    operations: PatchOperation[],
    state: MarkerState,
    weight: number,
    after: Pick<Expected, 'deploymentId' | 'canary'>,
    doing: string,
    signal?: AbortSignal,
    found?: StageState,
    /** The step this write belongs to, for a later reader of the marker. */
    step: Pick<RolloutMarker, 'step' | 'stepEndsAt'> = {},
  ): Promise<void> {
    await this.guard(signal, found);
    const marker = formatMarker({
      ...this.options.identity,
      ...step,
      state,
      from: this.options.previousDeploymentId,
      to: this.canaryId ?? '',
      weight,
    });
    const next: Expected = { ...after, description: marker };
    this.pending = next;
    try {
      await stageCall(
        {
          doing: `${doing} ${stageLabel(this.ref)}`,
          iamAction: 'apigateway:PATCH',
          resource: arns.stage(this.ref),
          region: this.ref.region,
        },
        () =>
          this.apigateway.send(
            new UpdateStageCommand({
              restApiId: this.ref.restApiId,
              stageName: this.ref.stage,
              patchOperations: [...operations, { op: 'replace', path: '/description', value: marker }],
            }),
            { abortSignal: signal },
          ),
        signal,
      ).catch(refused);
    } catch (error) {
      if (error instanceof WriteRefusedError) this.pending = undefined;
      throw error;
    }
    this.expected = next;
    this.pending = undefined;
  }
}

/** A 4xx answer (bad request, denied, conflict, throttled to the end) means API Gateway changed nothing. */
function refused(error: unknown): never {
  if (
    error instanceof AwsCallError &&
    error.httpStatus !== undefined &&
    error.httpStatus >= 400 &&
    error.httpStatus < 500
  ) {
    throw new WriteRefusedError(error.message);
  }
  throw error;
}
