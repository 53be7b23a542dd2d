// The Lambda alias target (`target: lambda-alias`, the default) as the registry knows it: its
// inputs, its weights, its preflight, the state it saves and its report subject. Several
// functions (a lockstep release) go to lockstep-release.ts at each of these.
import type { AwsClients } from '../../aws/clients.js';
import type { PreflightOutcome, TargetDefinition, TargetInspection } from '../definition.js';
import { functionInputProblems, LAMBDA_ALIAS_WEIGHTS, LambdaAliasTarget, readAlias } from './alias-target.js';
import { aliasDryRunWrites } from './dry-run.js';
import {
  isLockstep,
  LAMBDA_INPUT_NAMES,
  readLambdaInputs,
  type FunctionRelease,
  type LambdaInputs,
} from './inputs.js';
import {
  describeSavedLockstep,
  inspectLockstep,
  isLockstepSaved,
  lockstepSubject,
  prepareLockstep,
  restoreLockstep,
} from './lockstep-release.js';
import { DRY_RUN_VERSION, prepareLambdaRelease, stageOf } from './preflight.js';
import { describeSavedAlias, parseLambdaSaved, restoreAlias, type LambdaSaved } from './restore.js';
import { aliasSubject } from './subject.js';

export const lambdaAlias: TargetDefinition<LambdaInputs, LambdaSaved> = {
  kind: 'lambda-alias',
  inputNames: LAMBDA_INPUT_NAMES,
  weights: LAMBDA_ALIAS_WEIGHTS,
  untouched: 'before any change to the alias',
  readInputs: readLambdaInputs,

  async inputProblems(inputs, valid, aws, region, signal) {
    if (!valid('function-name')) return [];
    // Every function's problems, all in one answer.
    const each = await Promise.all(
      inputs.functions.map((f) =>
        functionInputProblems(
          aws.lambda,
          { functionName: f.functionName, region },
          {
            version: valid('version') ? f.version : undefined,
            alias: valid('alias') ? inputs.alias : undefined,
          },
          signal,
        ),
      ),
    );
    return each.flat();
  },

  async preflight(inputs, context): Promise<PreflightOutcome<LambdaSaved>> {
    if (isLockstep(inputs)) return prepareLockstep(inputs, context);
    const { aws, settings, identity, signal } = context;
    const release = { ...inputs, ...settings };
    const prepared = await prepareLambdaRelease(aws.lambda, release, identity, signal);
    if (prepared.kind === 'no-change') {
      const sides = { previous: prepared.version, target: prepared.version };
      return { kind: 'no-change', reason: prepared.reason, sides, notes: prepared.notes };
    }
    const sides = { previous: prepared.previousVersion, target: prepared.targetVersion };
    if (settings.dryRun) {
      const publishing = prepared.targetVersion === DRY_RUN_VERSION;
      const to = publishing ? 'the version it would publish' : `version ${prepared.targetVersion}`;
      const notes = [...prepared.notes];
      if (publishing)
        notes.push('The version would be published from the current code; dry-run publishes nothing.');
      return {
        kind: 'dry-run',
        reason: `dry run: every check passed; would move alias ${inputs.alias} from version ${prepared.previousVersion} to ${to} by ${settings.plan.name}, and changed nothing`,
        sides,
        targetUnknown: publishing,
        notes,
        writes: aliasDryRunWrites({
          ...release,
          previousVersion: prepared.previousVersion,
          split: prepared.split,
        }),
      };
    }
    return {
      kind: 'release',
      target: new LambdaAliasTarget(
        aws.lambda,
        { functionName: inputs.functionName, alias: inputs.alias, region: settings.region },
        prepared.previousVersion,
        prepared.targetVersion,
        identity,
        prepared.revisionId,
      ),
      sides,
      notes: prepared.notes,
      firstStep: prepared.firstStep,
      saved: {
        functionName: inputs.functionName,
        alias: inputs.alias,
        previousVersion: prepared.previousVersion,
        targetVersion: prepared.targetVersion,
      },
      progress: stageOf({ changes: prepared.changes }),
      hookContext: () => ({
        target: 'lambda-alias',
        function: inputs.functionName,
        alias: inputs.alias,
        currentVersion: prepared.previousVersion,
        targetVersion: prepared.targetVersion,
      }),
    };
  },

  parseSaved: parseLambdaSaved,

  describeSaved: (saved) =>
    isLockstepSaved(saved) ? describeSavedLockstep(saved) : describeSavedAlias(saved),

  restore: (saved, aws, region, run, signal) =>
    isLockstepSaved(saved)
      ? restoreLockstep(aws.lambda, saved, region, run, signal)
      : restoreAlias(aws.lambda, saved, region, run, signal),

  async inspect(inputs, aws, region, _run, signal) {
    const one = (f: FunctionRelease) => inspectAlias(aws, inputs.alias, f, region, signal);
    return isLockstep(inputs) ? inspectLockstep(inputs, one) : one(inputs.functions[0]!);
  },

  subject: (inputs, context) =>
    isLockstep(inputs) ? lockstepSubject(inputs, context) : aliasSubject(inputs, context),
};

/** One function's alias and marker, for a split-phase command: read only. */
async function inspectAlias(
  aws: AwsClients,
  aliasName: string,
  release: FunctionRelease,
  region: string,
  signal: AbortSignal,
): Promise<TargetInspection<LambdaSaved>> {
  const { functionName } = release;
  const alias = await readAlias(aws.lambda, { functionName, alias: aliasName, region }, signal);
  const marker = alias.marker;
  return {
    label: `alias ${aliasName} of function ${functionName}`,
    live: {
      on: alias.functionVersion,
      split: alias.split && { to: alias.split.version, weight: alias.split.weight },
    },
    marker,
    requested: release.version === 'publish' ? undefined : release.version,
    saved: marker && {
      functionName,
      alias: aliasName,
      previousVersion: marker.from,
      targetVersion: marker.to,
    },
    hookContext: marker && {
      target: 'lambda-alias',
      function: functionName,
      alias: aliasName,
      currentVersion: marker.from,
      targetVersion: marker.to,
    },
  };
}
