// The Lambda alias target (`target: lambda-alias`, the default) as the registry knows it: its
// inputs, its weights, its preflight, the state it saves and its report subject.
import type { PreflightOutcome, TargetDefinition } from '../definition.js';
import { functionInputProblems, LAMBDA_ALIAS_WEIGHTS, LambdaAliasTarget, readAlias } from './alias-target.js';
import { aliasDryRunWrites } from './dry-run.js';
import { LAMBDA_INPUT_NAMES, readLambdaInputs, type LambdaInputs } from './inputs.js';
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
    return functionInputProblems(
      aws.lambda,
      { functionName: inputs.functionName, region },
      {
        version: valid('version') ? inputs.version : undefined,
        alias: valid('alias') ? inputs.alias : undefined,
      },
      signal,
    );
  },

  async preflight(inputs, { aws, settings, identity, signal }): Promise<PreflightOutcome<LambdaSaved>> {
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

  describeSaved: describeSavedAlias,

  restore: (saved, aws, region, run, signal) => restoreAlias(aws.lambda, saved, region, run, signal),

  async inspect(inputs, aws, region, _run, signal) {
    const ref = { functionName: inputs.functionName, alias: inputs.alias, region };
    const alias = await readAlias(aws.lambda, ref, signal);
    const marker = alias.marker;
    return {
      label: `alias ${inputs.alias} of function ${inputs.functionName}`,
      live: {
        on: alias.functionVersion,
        split: alias.split && { to: alias.split.version, weight: alias.split.weight },
      },
      marker,
      requested: inputs.version === 'publish' ? undefined : inputs.version,
      saved: marker && {
        functionName: inputs.functionName,
        alias: inputs.alias,
        previousVersion: marker.from,
        targetVersion: marker.to,
      },
      hookContext: marker && {
        target: 'lambda-alias',
        function: inputs.functionName,
        alias: inputs.alias,
        currentVersion: marker.from,
        targetVersion: marker.to,
      },
    };
  },

  subject: aliasSubject,
};
