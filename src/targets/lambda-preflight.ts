// Before any change: read the alias, resolve the version, and check everything Lambda would
// refuse, so that a release either starts cleanly or changes nothing.
import type { LambdaClient } from '@aws-sdk/client-lambda';
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
  let alias = await readAlias(lambda, ref);
  let firstStep = 0;

  if (alias.split) {
    const found = describeAliasState(alias);
    switch (inputs.onExistingSplit) {
      case 'fail':
        throw new PreflightError(
          `Alias ${ref.alias} of ${ref.functionName} is already split: ${found}. ` +
            (alias.marker ? `It was left by ${describeMarker(alias.marker)}. ` : '') +
            'If no other release is running, set "on-existing-split: rollback" to return it to its primary version first, or "resume" to continue that release.',
        );
      case 'rollback':
        notes.push(
          `The alias was already split (${found}); it was returned to version ${alias.functionVersion} first.`,
        );
        if (!inputs.dryRun) alias = await clearSplit(lambda, ref, alias, identity);
        break;
      case 'resume':
        notes.push(`Resuming the split found on the alias (${found}).`);
        break;
    }
  }

  const previousVersion = alias.functionVersion;
  if (!/^\d+$/.test(previousVersion)) {
    throw new PreflightError(
      `Alias ${ref.alias} of ${ref.functionName} points at ${previousVersion}; a weighted release needs the alias on a published version. Point it at a version number first.`,
    );
  }

  let targetVersion: string;
  if (inputs.version !== 'publish') targetVersion = inputs.version;
  else if (inputs.dryRun) targetVersion = DRY_RUN_VERSION;
  else targetVersion = await publishVersion(lambda, ref);

  if (inputs.onExistingSplit === 'resume' && alias.split) {
    if (alias.split.version !== targetVersion && targetVersion !== DRY_RUN_VERSION) {
      throw new PreflightError(
        `Cannot resume: the alias's split sends traffic to version ${alias.split.version}, but this release is for version ${targetVersion}. Use "on-existing-split: rollback" to start over.`,
      );
    }
    const current = alias.split.weight;
    firstStep = inputs.plan.steps.findIndex((s) => s.weight > current);
  }

  if (targetVersion === previousVersion) {
    return {
      kind: 'no-change',
      version: targetVersion,
      reason: `alias ${ref.alias} already sends all traffic to version ${targetVersion}${inputs.version === 'publish' ? ' (publishing found no change in code or configuration)' : ''}`,
    };
  }

  const previousConfig = await readVersionConfig(lambda, ref, previousVersion);
  const targetConfig = await readVersionConfig(
    lambda,
    ref,
    targetVersion === DRY_RUN_VERSION ? '$LATEST' : targetVersion,
  );
  if (targetVersion !== DRY_RUN_VERSION && targetConfig.Version !== targetVersion) {
    throw new PreflightError(`Version ${targetVersion} of ${ref.functionName} is not a published version.`);
  }
  checkVersionsCompatible(ref, previousConfig, targetConfig);

  return { kind: 'release', previousVersion, targetVersion, revisionId: alias.revisionId, firstStep, notes };
}

/** Returns a split alias to its primary version, guarded by the RevisionId we just read. */
async function clearSplit(
  lambda: LambdaClient,
  ref: AliasRef,
  alias: AliasState,
  identity: RolloutIdentity,
): Promise<AliasState> {
  const split = alias.split!;
  const target = new LambdaAliasTarget(
    lambda,
    ref,
    alias.functionVersion,
    split.version,
    identity,
    alias.revisionId,
  );
  await target.rollback('an earlier release left the alias split');
  return readAlias(lambda, ref);
}
