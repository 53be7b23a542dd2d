// Before any change: read the alias, the versions and the function, and check everything Lambda
// would refuse. Only when every check has passed come the writes that preflight may need
// (clearing an old split when asked, publishing), so a refused release changes nothing.
import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import type { ExistingSplitPolicy } from '../definition.js';
import type { Plan } from '../../engine/plan.js';
import { graceAfter } from '../../engine/rollout.js';
import { describeMarker, mayStillRunUntil, membershipCount } from '../../marker.js';
import {
  CancelledError,
  checkVersionsCompatible,
  describeAliasState,
  LambdaAliasTarget,
  PreflightError,
  publishVersion,
  readAlias,
  readVersionConfig,
  waitForFunctionUpdated,
  type AliasRef,
  type AliasState,
  type RolloutIdentity,
} from './alias-target.js';

export type LambdaRelease =
  | { kind: 'no-change'; reason: string; version: string; notes: string[] }
  | {
      kind: 'release';
      /** What preflight itself changed (clearing a split, publishing), in words, for a later cancellation's reason. */
      changes: string[];
      previousVersion: string;
      targetVersion: string;
      revisionId: string;
      /** Index of the first plan step to run (later than 0 when resuming a split). */
      firstStep: number;
      /** Whether the release continues a split found on the alias (already moved before any write of this run). */
      resumed: boolean;
      notes: string[];
      /** In a dry run, the split found on the alias, for the plan the report shows. */
      split?: { version: string; weight: number };
    };

/** What preflight reads of the inputs: the alias, the version asked for and the rollout's choices. */
export interface LambdaReleaseInputs {
  functionName: string;
  alias: string;
  region: string;
  /** `publish`, or a published version number. */
  version: string;
  plan: Pick<Plan, 'steps'>;
  onExistingSplit: ExistingSplitPolicy;
  dryRun: boolean;
}

export const DRY_RUN_VERSION = '(to be published)';

/**
 * Cancellation (`signal`) abandons every read, wait and write under way and is checked before
 * each write; it then throws a CancelledError that says how far preflight got.
 */
export async function prepareLambdaRelease(
  lambda: LambdaClient,
  inputs: LambdaReleaseInputs,
  identity: RolloutIdentity,
  signal: AbortSignal = new AbortController().signal,
): Promise<LambdaRelease> {
  const progress: Progress = { changes: [] };
  try {
    return await prepare(lambda, inputs, identity, signal, progress);
  } catch (error) {
    // Whatever was interrupted (a read, a wait, a write), the run is being cancelled.
    if (signal.aborted) throw new CancelledError(signal, stageOf(progress));
    throw error;
  }
}

/** How far preflight got: what it changed, and a write under way whose outcome is unknown. */
interface Progress {
  changes: string[];
  underWay?: string;
  /** Whether a write to the alias was made or started (clearing an old split). */
  aliasWritten?: boolean;
}

/**
 * A split that a lockstep release left is resumed or cleared only by a release of the same
 * functions: naming some of them (or one alone) would leave the others split.
 */
function checkSplitMembership(label: string, alias: AliasState, identity: RolloutIdentity): void {
  const marker = alias.marker;
  if (!marker?.members || marker.members === identity.members) return;
  if ((marker.state !== 'shifting' && marker.state !== 'started') || marker.to !== alias.split?.version)
    return;
  const named = identity.members
    ? `the ${membershipCount(identity.members)} functions named`
    : 'this function alone';
  throw new PreflightError(
    `${label} is split by a lockstep release of ${membershipCount(marker.members)} functions (run ${marker.run}), not of ${named}: clearing or resuming it here would leave that release's other aliases split. ` +
      'Name in function-name exactly the functions of that release (with "on-existing-split: rollback" or "resume", or "command: rollback"), then release these.',
  );
}

/** Where a cancellation found the release, as "before any change to the alias". */
export function stageOf(progress: Progress): string {
  const done = [...progress.changes, ...(progress.underWay ? [progress.underWay] : [])];
  if (done.length === 0) return 'before any change to the alias';
  const next = progress.aliasWritten
    ? 'before the first step of this release'
    : 'before any change to the alias';
  return `after ${done.join(' and ')}, ${next}`;
}

async function prepare(
  lambda: LambdaClient,
  inputs: LambdaReleaseInputs,
  identity: RolloutIdentity,
  signal: AbortSignal,
  progress: Progress,
): Promise<LambdaRelease> {
  const ref: AliasRef = { functionName: inputs.functionName, alias: inputs.alias, region: inputs.region };
  const notes: string[] = [];
  /** Checked before each write: a cancelled run writes nothing more. */
  const beforeWrite = () => {
    if (signal.aborted) throw new CancelledError(signal, stageOf(progress));
  };
  const alias = await readAlias(lambda, ref, signal);
  const split = alias.split;
  const label = `Alias ${ref.alias} of ${ref.functionName}`;

  if (split && inputs.onExistingSplit === 'fail') {
    throw new PreflightError(
      `${label} is already split: ${describeAliasState(alias)}. ` +
        (alias.marker ? `It was left by ${describeMarker(alias.marker)}. ` : '') +
        (alias.marker?.state === 'started'
          ? 'That release was left split on purpose by "command: start": finish it with "command: promote", or take it back with "command: rollback".'
          : 'If no other release is running, set "on-existing-split: rollback" to return it to its primary version first, or "resume" to continue that release.'),
    );
  }
  const previousVersion = alias.functionVersion;
  if (!/^\d+$/.test(previousVersion)) {
    throw new PreflightError(
      `${label} points at ${previousVersion}; a weighted release needs the alias on a published version. Point it at a version number first.`,
    );
  }
  if (split && alias.marker) {
    const other = alias.marker;
    const until = mayStillRunUntil(other);
    const now = Date.parse(identity.started);
    if (other.run !== identity.run && other.state === 'shifting') {
      if (now < until) {
        throw new PreflightError(
          `${label} is split by ${describeMarker(other)}, which may still be running (its plan and timeout end by ${new Date(until).toISOString()}). ` +
            'Two releases never move one alias at once: wait for that run to finish, or cancel it (its rollback or post step cleans up).',
        );
      }
      notes.push(
        `The split was left by run ${other.run}, which is no longer running (its plan would have ended by ${new Date(until).toISOString()}).`,
      );
    }
  }
  if (split) checkSplitMembership(label, alias, identity);
  const resuming = split !== undefined && inputs.onExistingSplit === 'resume';
  if (resuming && inputs.version !== 'publish' && split.version !== inputs.version) {
    throw new PreflightError(
      `Cannot resume: ${label} sends traffic to version ${split.version}, but this release is for version ${inputs.version}. Use "on-existing-split: rollback" to start over.`,
    );
  }
  if (inputs.version === previousVersion && !split) {
    return {
      kind: 'no-change',
      version: previousVersion,
      reason: `alias ${ref.alias} already sends all traffic to version ${previousVersion}`,
      notes,
    };
  }

  // The new code's configuration: the named version's, or $LATEST's once it has settled (what publishing will snapshot).
  let candidate: FunctionConfiguration;
  if (inputs.version === 'publish') {
    await waitForFunctionUpdated(lambda, ref, signal);
    candidate = await readVersionConfig(lambda, ref, '$LATEST', signal);
  } else {
    candidate = await readVersionConfig(lambda, ref, inputs.version, signal);
    if (candidate.Version !== inputs.version) {
      throw new PreflightError(
        `Version ${inputs.version} of ${ref.functionName} is not a published version.`,
      );
    }
  }
  const previousConfig = await readVersionConfig(lambda, ref, previousVersion, signal);
  checkVersionsCompatible(ref, previousConfig, candidate);

  if (inputs.dryRun) {
    if (split)
      notes.push(
        `The alias is split (${describeAliasState(alias)}); "on-existing-split: ${inputs.onExistingSplit}" would apply.`,
      );
    const targetVersion = inputs.version === 'publish' ? DRY_RUN_VERSION : inputs.version;
    return {
      kind: 'release',
      changes: [],
      previousVersion,
      targetVersion,
      revisionId: alias.revisionId,
      firstStep: 0,
      resumed: false,
      notes,
      split,
    };
  }

  // Every check passed: the writes start here.
  let revisionId = alias.revisionId;
  if (split && inputs.onExistingSplit === 'rollback') {
    beforeWrite();
    progress.underWay = `returning alias ${ref.alias} to version ${previousVersion} (perhaps done)`;
    progress.aliasWritten = true;
    // A write that takes traffic back is not abandoned on cancellation, only given a short limit.
    revisionId = await clearSplit(lambda, ref, alias, identity, graceAfter(signal));
    progress.changes.push(`returning alias ${ref.alias} to version ${previousVersion}`);
    progress.underWay = undefined;
    notes.push(
      `The alias was split (${describeAliasState(alias)}); it was returned to version ${previousVersion} first.`,
    );
  }
  beforeWrite();
  let targetVersion = inputs.version;
  if (inputs.version === 'publish') {
    progress.underWay = "publishing a version (perhaps done: see the function's versions)";
    targetVersion = await publishVersion(lambda, ref, signal, undefined, (version) => {
      progress.changes.push(`publishing version ${version}`);
      progress.underWay = undefined;
    });
  }
  if (targetVersion === previousVersion) {
    return {
      kind: 'no-change',
      version: targetVersion,
      reason: `publishing found no change: alias ${ref.alias} already sends all traffic to version ${targetVersion}`,
      notes,
    };
  }

  let firstStep = 0;
  if (resuming) {
    if (split.version !== targetVersion) {
      throw new PreflightError(
        `Cannot resume: ${label} sends traffic to version ${split.version}, but publishing gave version ${targetVersion}. Use "on-existing-split: rollback" to start over.`,
      );
    }
    // The first step above the current share; a split already at 100% goes straight to promotion.
    const next = inputs.plan.steps.findIndex((s) => s.weight > split.weight);
    firstStep = next >= 0 ? next : inputs.plan.steps.length - 1;
    notes.push(
      `Resumed the split found on the alias (${describeAliasState(alias)}) from step ${firstStep + 1}.`,
    );
  }
  return {
    kind: 'release',
    changes: progress.changes,
    previousVersion,
    targetVersion,
    revisionId,
    firstStep,
    resumed: resuming,
    notes,
  };
}

/** Returns a split alias to its primary version, guarded by the RevisionId we read; returns the new RevisionId. */
async function clearSplit(
  lambda: LambdaClient,
  ref: AliasRef,
  alias: AliasState,
  identity: RolloutIdentity,
  /** The write's own limit (graceAfter the cancellation), not the cancellation itself. */
  signal: AbortSignal,
): Promise<string> {
  const target = new LambdaAliasTarget(
    lambda,
    ref,
    alias.functionVersion,
    alias.split!.version,
    identity,
    alias.revisionId,
  );
  await target.rollback('an earlier release left the alias split', signal);
  return target.lastRevisionId;
}
