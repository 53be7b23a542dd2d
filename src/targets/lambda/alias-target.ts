// The Lambda alias as a traffic target: weighted routing through RoutingConfig, every write
// guarded by the last RevisionId and carrying the rollout marker in the Description.
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  waitUntilFunctionUpdatedV2,
  waitUntilPublishedVersionActive,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { awsCall, AwsCallError } from '../../aws/errors.js';
import {
  CancelledError,
  ConcurrentChangeError,
  WriteRefusedError,
  type StepContext,
  type TrafficTarget,
} from '../../engine/types.js';
import {
  describeMarker,
  formatMarker,
  parseMarker,
  type MarkerState,
  type RolloutIdentity,
  type RolloutMarker,
} from '../../marker.js';
import { formatPercent, isRepresentable, type WeightResolution } from '../../strategy.js';

export interface AliasRef {
  functionName: string;
  alias: string;
  region: string;
}

export interface AliasState {
  functionVersion: string;
  /** The second version and its share in percent, when the alias is split. */
  split?: { version: string; weight: number };
  revisionId: string;
  description: string;
  marker?: RolloutMarker;
}

export type { RolloutIdentity };
export { CancelledError };

export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightError';
  }
}

/** Lambda stores a weight as a fraction of 1; we write it in millionths (steps of 0.0001%). */
const FRACTION_STEPS = 1_000_000;

/**
 * What a Lambda alias can route. The API takes any double from 0.0 to 1.0 and documents no
 * precision; we write millionths of the traffic (0.0001% steps), finer than any real canary needs,
 * which survive the double's round trip exactly. Weights are checked against this with the inputs.
 */
export const LAMBDA_ALIAS_WEIGHTS: WeightResolution = {
  target: 'a Lambda alias',
  stepPercent: 100 / FRACTION_STEPS,
};

const aliasLabel = (ref: AliasRef) => `alias ${ref.alias} of function ${ref.functionName}`;

export function describeAliasState(state: AliasState): string {
  const routing = state.split
    ? `${round(100 - state.split.weight)}% on version ${state.functionVersion}, ${state.split.weight}% on version ${state.split.version}`
    : `all traffic on version ${state.functionVersion}`;
  return state.marker ? `${routing}; marker: ${describeMarker(state.marker)}` : routing;
}

export async function readAlias(
  lambda: LambdaClient,
  ref: AliasRef,
  signal?: AbortSignal,
): Promise<AliasState> {
  const alias = await awsCall(
    { doing: `read ${aliasLabel(ref)}`, iamAction: 'lambda:GetAlias', region: ref.region },
    () =>
      lambda.send(new GetAliasCommand({ FunctionName: ref.functionName, Name: ref.alias }), {
        abortSignal: signal,
      }),
  );
  const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
  const [version, fraction] = weights[0] ?? [];
  return {
    functionVersion: alias.FunctionVersion ?? '',
    split:
      version !== undefined && fraction !== undefined
        ? { version, weight: round(fraction * 100) }
        : undefined,
    revisionId: alias.RevisionId ?? '',
    description: alias.Description ?? '',
    marker: parseMarker(alias.Description),
  };
}

export async function readVersionConfig(
  lambda: LambdaClient,
  ref: AliasRef,
  version: string,
  signal?: AbortSignal,
): Promise<FunctionConfiguration> {
  return awsCall(
    {
      doing: `read version ${version} of function ${ref.functionName}`,
      iamAction: 'lambda:GetFunctionConfiguration',
      region: ref.region,
    },
    () =>
      lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: ref.functionName, Qualifier: version }),
        { abortSignal: signal },
      ),
  );
}

/** Pages of versions read, at most, to name the latest one (50 a page). */
const VERSION_PAGES = 100;

/** The inputs a Lambda release checks against Lambda; those with a syntax problem are left out. */
export interface LambdaInputsToCheck {
  version?: string;
  alias?: string;
}

/**
 * The input problems of the function, the version and the alias asked for, read from Lambda: a
 * function that does not exist, a version that does not (naming the latest published one), an
 * alias that does not (naming a few that do). Errors of the checks themselves (denied,
 * unreachable) are thrown: they are not the inputs' fault. Look-ups that only add detail to a
 * problem already known never hide it: failing, the problem is said without the detail.
 */
export async function functionInputProblems(
  lambda: LambdaClient,
  ref: Pick<AliasRef, 'functionName' | 'region'>,
  check: LambdaInputsToCheck,
  signal?: AbortSignal,
): Promise<string[]> {
  const version = check.version === 'publish' ? undefined : check.version;
  const versionFound = version
    ? await exists(readVersionConfig(lambda, { ...ref, alias: '' }, version, signal))
    : false;
  // A version read proves the function; otherwise $LATEST tells a missing function apart.
  if (!versionFound && !(await exists(readVersionConfig(lambda, { ...ref, alias: '' }, '$LATEST', signal)))) {
    return [
      `Input "function-name": function ${ref.functionName} does not exist in ${ref.region}. Check the name (it is case-sensitive) and the region.`,
    ];
  }
  const problems = await Promise.all([
    version && !versionFound ? missingVersionProblem(lambda, ref, version, signal) : undefined,
    check.alias ? aliasProblem(lambda, { ...ref, alias: check.alias }, signal) : undefined,
  ]);
  return problems.filter((p): p is string => p !== undefined);
}

/** True when the read answers, false when Lambda says not found; other errors are thrown. */
async function exists(read: Promise<unknown>): Promise<boolean> {
  try {
    await read;
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function missingVersionProblem(
  lambda: LambdaClient,
  ref: Pick<AliasRef, 'functionName' | 'region'>,
  version: string,
  signal?: AbortSignal,
): Promise<string> {
  // Only to name the latest version: a failed listing leaves that out, not the problem.
  const versions = await listVersions(lambda, ref, signal).catch(() => undefined);
  const published = (versions ?? []).filter((v) => /^\d+$/.test(v)).map(Number);
  const latest = !versions
    ? ''
    : published.length > 0
      ? `; the latest published version is ${Math.max(...published)}`
      : '; it has no published version yet';
  return `Input "version": version ${version} of function ${ref.functionName} does not exist${latest}. Give a published version number, or "publish" to publish the current code.`;
}

/** Aliases named, at most, when the one asked for does not exist. */
const ALIASES_NAMED = 10;

async function aliasProblem(
  lambda: LambdaClient,
  ref: AliasRef,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (await exists(readAlias(lambda, ref, signal))) return undefined;
  // Only to name the aliases that exist: a failed listing leaves them out, not the problem.
  const names = await awsCall(
    {
      doing: `list the aliases of function ${ref.functionName}`,
      iamAction: 'lambda:ListAliases',
      region: ref.region,
    },
    () =>
      lambda.send(new ListAliasesCommand({ FunctionName: ref.functionName, MaxItems: ALIASES_NAMED }), {
        abortSignal: signal,
      }),
  )
    .then((answer) => (answer.Aliases ?? []).flatMap((a) => (a.Name ? [a.Name] : [])))
    .catch(() => undefined);
  const known = !names
    ? ''
    : names.length === 0
      ? '; it has no alias yet'
      : `; its aliases include ${names.map((n) => `"${n}"`).join(', ')}`;
  return `Input "alias": alias ${ref.alias} of function ${ref.functionName} does not exist${known}. Create the alias on the version in service first (the release moves an existing alias).`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof AwsCallError && error.code === 'ResourceNotFoundException';
}

/** Every version of the function ($LATEST included), page by page. */
async function listVersions(
  lambda: LambdaClient,
  ref: Pick<AliasRef, 'functionName' | 'region'>,
  signal?: AbortSignal,
): Promise<string[]> {
  const versions: string[] = [];
  let marker: string | undefined;
  for (let page = 0; page < VERSION_PAGES && (page === 0 || marker); page++) {
    const answer = await awsCall(
      {
        doing: `list the versions of function ${ref.functionName}`,
        iamAction: 'lambda:ListVersionsByFunction',
        region: ref.region,
      },
      () =>
        lambda.send(
          new ListVersionsByFunctionCommand({ FunctionName: ref.functionName, Marker: marker, MaxItems: 50 }),
          { abortSignal: signal },
        ),
    );
    for (const v of answer.Versions ?? []) if (v.Version) versions.push(v.Version);
    marker = answer.NextMarker;
  }
  return versions;
}

/** A cancelled run abandons the wait at once (the waiter answers ABORTED). */
const waitOptions = (lambda: LambdaClient, maxWaitSeconds: number, signal: AbortSignal | undefined) => ({
  client: lambda,
  maxWaitTime: maxWaitSeconds,
  minDelay: 1,
  maxDelay: 5,
  abortSignal: signal,
});

/** Waits until the function's last update (code or configuration) has finished. */
export async function waitForFunctionUpdated(
  lambda: LambdaClient,
  ref: AliasRef,
  signal?: AbortSignal,
  maxWaitSeconds = 300,
): Promise<void> {
  await waiterOutcome(
    awsCall(
      {
        doing: `wait for function ${ref.functionName} to finish updating`,
        iamAction: 'lambda:GetFunction',
        region: ref.region,
      },
      () =>
        waitUntilFunctionUpdatedV2(waitOptions(lambda, maxWaitSeconds, signal), {
          FunctionName: ref.functionName,
        }),
    ),
    `function ${ref.functionName} was still updating after ${maxWaitSeconds}s, or its last update failed (LastUpdateStatus); ` +
      'wait for the update to finish (or fix it) and run again',
    'lambda:GetFunction',
    signal,
  );
}

/**
 * A waiter that gives up throws its raw result (`{"state":"TIMEOUT","reason":...}`): say what it
 * means, and name the last error it met (a missing IAM permission looks like a wait otherwise).
 */
/** The waiter's tally of what it was answered, e.g. "403: not authorized ×2". */
function observedResponses(message: string): string[] {
  try {
    const result = JSON.parse(message.slice(message.indexOf('{'), message.lastIndexOf('}') + 1)) as {
      observedResponses?: Record<string, number>;
    };
    return Object.entries(result.observedResponses ?? {}).map(([answer, times]) => `${answer} ×${times}`);
  } catch {
    return [];
  }
}

async function waiterOutcome<T>(
  waiting: Promise<T>,
  meaning: string,
  iamAction: string,
  signal: AbortSignal | undefined,
): Promise<T> {
  try {
    return await waiting;
  } catch (error) {
    if (signal?.aborted) throw new CancelledError(signal);
    const text = error instanceof Error ? error.message : '';
    if (!/"state":\s*"(TIMEOUT|FAILURE|ABORTED)"/.test(text)) throw error;
    const observed = observedResponses(text);
    const denied = observed.some((answer) => answer.startsWith('403'));
    const permission = denied ? `; the credentials lack the IAM permission ${iamAction}` : '';
    const last = observed.length > 0 ? ` (answers seen: ${observed.join(', ')}${permission})` : '';
    throw new PreflightError(`${meaning[0]!.toUpperCase()}${meaning.slice(1)}${last}.`);
  }
}

/**
 * Publishes the function's current code and configuration (call waitForFunctionUpdated first)
 * and waits for the version to be active. Lambda returns the latest version when nothing changed.
 */
export async function publishVersion(
  lambda: LambdaClient,
  ref: AliasRef,
  signal?: AbortSignal,
  maxWaitSeconds = 300,
  /** Told the version as soon as Lambda has published it, before it is active. */
  onPublished: (version: string) => void = () => {},
): Promise<string> {
  if (signal?.aborted) throw new CancelledError(signal);
  const published = await awsCall(
    {
      doing: `publish a version of function ${ref.functionName}`,
      iamAction: 'lambda:PublishVersion',
      region: ref.region,
    },
    () => lambda.send(new PublishVersionCommand({ FunctionName: ref.functionName }), { abortSignal: signal }),
  );
  const version = published.Version;
  if (!version) {
    throw new AwsCallError(
      `PublishVersion of ${ref.functionName} returned no version`,
      'NoVersion',
      undefined,
      'run again',
    );
  }
  onPublished(version);
  await waiterOutcome(
    awsCall(
      {
        doing: `wait for version ${version} of ${ref.functionName} to be active`,
        iamAction: 'lambda:GetFunctionConfiguration',
        region: ref.region,
      },
      () =>
        waitUntilPublishedVersionActive(waitOptions(lambda, maxWaitSeconds, signal), {
          FunctionName: ref.functionName,
          Qualifier: version,
        }),
    ),
    `version ${version} of ${ref.functionName} did not become active within ${maxWaitSeconds}s, or failed to (State); see the function in the Lambda console`,
    'lambda:GetFunctionConfiguration',
    signal,
  );
  return version;
}

/** Checks what Lambda would refuse for a split between the two versions, and says it in our words. */
export function checkVersionsCompatible(
  ref: AliasRef,
  current: FunctionConfiguration,
  target: FunctionConfiguration,
): void {
  const problems: string[] = [];
  if (current.Role !== target.Role) {
    problems.push(
      `execution role differs: version ${current.Version} uses ${current.Role}, version ${target.Version} uses ${target.Role}`,
    );
  }
  const dlq = (c: FunctionConfiguration) => c.DeadLetterConfig?.TargetArn ?? 'none';
  if (dlq(current) !== dlq(target)) {
    problems.push(
      `dead-letter queue differs: version ${current.Version} uses ${dlq(current)}, version ${target.Version} uses ${dlq(target)}`,
    );
  }
  if (problems.length > 0) {
    throw new PreflightError(
      `Lambda cannot split ${aliasLabel(ref)} between versions ${current.Version} and ${target.Version}: ${problems.join('; ')}. ` +
        'Both versions of a weighted alias must share the execution role and the dead-letter configuration; publish the new version with the same settings.',
    );
  }
}

/** A 412 on the alias: someone else wrote it. Carries what we found on re-reading it. */
export class AliasChangedError extends ConcurrentChangeError {
  constructor(
    message: string,
    readonly state: AliasState | undefined,
  ) {
    super(message, state ? describeAliasState(state) : 'the alias could not be re-read');
  }
}

/** Reads of the alias after a promotion before giving up on verifying it. */
const VERIFY_READS = 3;

export class LambdaAliasTarget implements TrafficTarget {
  readonly description: string;
  private revisionId: string;

  constructor(
    private readonly lambda: LambdaClient,
    private readonly ref: AliasRef,
    readonly previousVersion: string,
    readonly targetVersion: string,
    private readonly identity: RolloutIdentity,
    initialRevisionId: string,
  ) {
    this.description = `${aliasLabel(ref)} (${previousVersion} → ${targetVersion})`;
    this.revisionId = initialRevisionId;
  }

  /** The RevisionId of this target's last write (or the one it started from). */
  get lastRevisionId(): string {
    return this.revisionId;
  }

  async setWeight(weight: number, context: StepContext, signal: AbortSignal): Promise<void> {
    await this.write(
      this.previousVersion,
      { [this.targetVersion]: toFraction(weight) },
      'shifting',
      weight,
      `set ${weight}% on version ${this.targetVersion} of`,
      signal,
      { step: context.index, stepEndsAt: context.endsAt },
    );
  }

  async promote(): Promise<void> {
    await this.write(this.targetVersion, {}, 'promoted', 100, `promote version ${this.targetVersion} on`);
  }

  async leaveSplit(weight: number, context: StepContext): Promise<void> {
    await this.write(
      this.previousVersion,
      { [this.targetVersion]: toFraction(weight) },
      'started',
      weight,
      `leave ${weight}% on version ${this.targetVersion} of`,
      undefined,
      { step: context.index, stepEndsAt: context.endsAt },
    );
  }

  async verify(): Promise<void> {
    let state: AliasState | undefined;
    // A read that fails is tried again: it says nothing about the alias.
    for (let attempt = 1; !state; attempt++) {
      try {
        state = await readAlias(this.lambda, this.ref);
      } catch (error) {
        if (attempt >= VERIFY_READS) throw error;
      }
    }
    if (state.functionVersion !== this.targetVersion || state.split) {
      throw new ConcurrentChangeError(
        `${aliasLabel(this.ref)} changed right after the promotion: expected all traffic on version ${this.targetVersion}`,
        describeAliasState(state),
      );
    }
  }

  async rollback(_reason: string, signal?: AbortSignal): Promise<void> {
    const doing = `roll back to version ${this.previousVersion} on`;
    try {
      await this.write(this.previousVersion, {}, 'rolled-back', 0, doing, signal);
    } catch (error) {
      if (!(error instanceof AliasChangedError) || !error.state) throw error;
      // Our own last write may have landed without us seeing the answer (a cancelled call);
      // then the alias still says exactly what we wrote, and taking it back is ours to do.
      if (!this.isOurLastWrite(error.state)) throw error;
      this.revisionId = error.state.revisionId;
      await this.write(this.previousVersion, {}, 'rolled-back', 0, doing, signal);
    }
  }

  /** Whether the alias holds exactly this run's write of `state` at `weight`. */
  private holds(found: AliasState, functionVersion: string, state: MarkerState, weight: number): boolean {
    const m = found.marker;
    if (!m || m.run !== this.identity.run || m.state !== state || m.weight !== weight) return false;
    const split =
      state === 'shifting' || state === 'started' ? { version: this.targetVersion, weight } : undefined;
    // Compared as Lambda stores them, so a weight such as 0.12345% matches its read-back.
    const stored = (w: number | undefined) => (w === undefined ? undefined : round(w));
    return (
      found.functionVersion === functionVersion &&
      found.split?.version === split?.version &&
      stored(found.split?.weight) === stored(split?.weight)
    );
  }

  /** Whether the alias still shows this run's last split, exactly as written. */
  private isOurLastWrite(state: AliasState): boolean {
    const m = state.marker;
    return m !== undefined && this.holds(state, this.previousVersion, 'shifting', m.weight);
  }

  private async write(
    functionVersion: string,
    weights: Record<string, number>,
    state: MarkerState,
    weight: number,
    doing: string,
    signal?: AbortSignal,
    /** The step this write belongs to, for a later reader of the marker. */
    step: Pick<RolloutMarker, 'step' | 'stepEndsAt'> = {},
  ): Promise<void> {
    const marker = formatMarker({
      ...this.identity,
      ...step,
      state,
      from: this.previousVersion,
      to: this.targetVersion,
      weight,
    });
    try {
      const answer = await awsCall(
        {
          doing: `${doing} ${aliasLabel(this.ref)}`,
          iamAction: 'lambda:UpdateAlias',
          region: this.ref.region,
        },
        () =>
          this.lambda.send(
            new UpdateAliasCommand({
              FunctionName: this.ref.functionName,
              Name: this.ref.alias,
              FunctionVersion: functionVersion,
              RoutingConfig: { AdditionalVersionWeights: weights },
              Description: marker,
              RevisionId: this.revisionId,
            }),
            { abortSignal: signal },
          ),
      );
      this.revisionId = answer.RevisionId ?? this.revisionId;
    } catch (error) {
      // Whether the write landed is unknown after a lost answer (the SDK retried, then gave up or
      // met a 412 of its own making): the alias itself says. Already holding exactly what we meant
      // to write, it is done. Otherwise a 412 is another actor: never retry over it; stop.
      const found = signal?.aborted
        ? undefined
        : await readAlias(this.lambda, this.ref, signal).catch(() => undefined);
      if (found && this.holds(found, functionVersion, state, weight)) {
        this.revisionId = found.revisionId;
        return;
      }
      if (
        error instanceof AwsCallError &&
        error.code !== 'PreconditionFailedException' &&
        isClientError(error)
      ) {
        // Refused (denied, invalid, throttled to the end): Lambda changed nothing.
        throw new WriteRefusedError(error.message);
      }
      if (error instanceof AwsCallError && error.code === 'PreconditionFailedException') {
        throw new AliasChangedError(
          `${aliasLabel(this.ref)} was changed by someone else (its RevisionId is no longer ${this.revisionId})`,
          found,
        );
      }
      throw error;
    }
  }
}

function isClientError(error: AwsCallError): boolean {
  return error.httpStatus !== undefined && error.httpStatus >= 400 && error.httpStatus < 500;
}

/** The fraction Lambda wants for `percent`, exactly: a weight it cannot represent is a bug upstream, never rounded away. */
export function toFraction(percent: number): number {
  if (!isRepresentable(percent, LAMBDA_ALIAS_WEIGHTS)) {
    throw new Error(
      `The weight ${formatPercent(percent)}% is finer than a Lambda alias can route (steps of ${formatPercent(LAMBDA_ALIAS_WEIGHTS.stepPercent)}%).`,
    );
  }
  return Math.round(percent / LAMBDA_ALIAS_WEIGHTS.stepPercent) / FRACTION_STEPS;
}

/** A weight read from Lambda (anyone may have written it) in percent, to our resolution. */
function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
