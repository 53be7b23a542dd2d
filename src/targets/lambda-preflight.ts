// Before any change: read the alias, the versions and the function, and check everything Lambda
// would refuse. Only when every check has passed come the writes that preflight may need
// (clearing an old split when asked, publishing), so a refused release changes nothing.
import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import type { ActionInputs } from '../inputs.js';
import { describeMarker } from '../marker.js';
import {
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
} from './lambda-alias.js';

export type LambdaRelease =
  | { kind: 'no-change'; reason: string; version: string }
  | {
      kind: 'release';
      previousVersion: string;
      targetVersion: string;
      revisionId: string;
      /** Index of the first plan step to run (later than 0 when resuming a split). */
      firstStep: number;
      notes: string[];
    };

export const DRY_RUN_VERSION = '(to be published)';

export async function prepareLambdaRelease(
  lambda: LambdaClient,
  inputs: ActionInputs,
  identity: RolloutIdentity,
): Promise<LambdaRelease> {
  const ref: AliasRef = { functionName: inputs.functionName, alias: inputs.alias, region: inputs.region };
  const notes: string[] = [];
  const alias = await readAlias(lambda, ref);
  const split = alias.split;
  const label = `Alias ${ref.alias} of ${ref.functionName}`;

  if (split && inputs.onExistingSplit === 'fail') {
    throw new PreflightError(
      `${label} is already split: ${describeAliasState(alias)}. ` +
        (alias.marker ? `It was left by ${describeMarker(alias.marker)}. ` : '') +
        'If no other release is running, set "on-existing-split: rollback" to return it to its primary version first, or "resume" to continue that release.',
    );
  }
  const previousVersion = alias.functionVersion;
  if (!/^\d+$/.test(previousVersion)) {
    throw new PreflightError(
      `${label} points at ${previousVersion}; a weighted release needs the alias on a published version. Point it at a version number first.`,
    );
  }
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
    };
  }

  // The new code's configuration: the named version's, or $LATEST's once it has settled (what publishing will snapshot).
  let candidate: FunctionConfiguration;
  if (inputs.version === 'publish') {
    await waitForFunctionUpdated(lambda, ref);
    candidate = await readVersionConfig(lambda, ref, '$LATEST');
  } else {
    candidate = await readVersionConfig(lambda, ref, inputs.version);
    if (candidate.Version !== inputs.version) {
      throw new PreflightError(
        `Version ${inputs.version} of ${ref.functionName} is not a published version.`,
      );
    }
  }
  const previousConfig = await readVersionConfig(lambda, ref, previousVersion);
  checkVersionsCompatible(ref, previousConfig, candidate);

  if (inputs.dryRun) {
    if (split)
      notes.push(
        `The alias is split (${describeAliasState(alias)}); "on-existing-split: ${inputs.onExistingSplit}" would apply.`,
      );
    const targetVersion = inputs.version === 'publish' ? DRY_RUN_VERSION : inputs.version;
    return {
      kind: 'release',
      previousVersion,
      targetVersion,
      revisionId: alias.revisionId,
      firstStep: 0,
      notes,
    };
  }

  // Every check passed: the writes start here.
  let revisionId = alias.revisionId;
  if (split && inputs.onExistingSplit === 'rollback') {
    revisionId = await clearSplit(lambda, ref, alias, identity);
    notes.push(
      `The alias was split (${describeAliasState(alias)}); it was returned to version ${previousVersion} first.`,
    );
  }
  const targetVersion = inputs.version === 'publish' ? await publishVersion(lambda, ref) : inputs.version;
  if (targetVersion === previousVersion) {
    return {
      kind: 'no-change',
      version: targetVersion,
      reason: `publishing found no change: alias ${ref.alias} already sends all traffic to version ${targetVersion}`,
    };
  }

  let firstStep = 0;
  if (resuming) {
    if (split.version !== targetVersion) {
      throw new PreflightError(
        `Cannot resume: ${label} sends traffic to version ${split.version}, but publishing gave version ${targetVersion}. Use "on-existing-split: rollback" to start over.`,
      );
    }
    firstStep = inputs.plan.steps.findIndex((s) => s.weight > split.weight);
    notes.push(
      `Resumed the split found on the alias (${describeAliasState(alias)}) from step ${firstStep + 1}.`,
    );
  }
  return { kind: 'release', previousVersion, targetVersion, revisionId, firstStep, notes };
}

/** Returns a split alias to its primary version, guarded by the RevisionId we read; returns the new RevisionId. */
async function clearSplit(
  lambda: LambdaClient,
  ref: AliasRef,
  alias: AliasState,
  identity: RolloutIdentity,
): Promise<string> {
  const target = new LambdaAliasTarget(
    lambda,
    ref,
    alias.functionVersion,
    alias.split!.version,
    identity,
    alias.revisionId,
  );
  await target.rollback('an earlier release left the alias split');
  return target.lastRevisionId;
}
