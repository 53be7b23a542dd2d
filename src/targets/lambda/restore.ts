// The alias rebuilt for a later step (the post step now; promote, rollback and status later):
// what the main step saved, read against what the alias and its marker say now.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { PostDecision, RestoredRollout, SavedDescription } from '../definition.js';
import { LambdaAliasTarget, readAlias, type AliasState } from './alias-target.js';

/** What the main step saves before its first write to the alias. */
export interface LambdaSaved {
  functionName: string;
  alias: string;
  previousVersion: string;
  targetVersion: string;
}

export function parseLambdaSaved(saved: unknown): LambdaSaved | undefined {
  const s = (saved ?? {}) as Partial<Record<keyof LambdaSaved, unknown>>;
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (text(s.functionName) && text(s.alias) && text(s.previousVersion) && text(s.targetVersion)) {
    return saved as LambdaSaved;
  }
  return undefined;
}

/**
 * How the release ended, as the alias tells it, for a report the main step could not publish:
 * what this run last wrote, or a failure when someone else wrote since.
 */
export function endingFromAlias(run: string, alias: AliasState): RestoredRollout['ending'] {
  const marker = alias.marker;
  if (marker?.run !== run || marker.state === 'shifting') return 'failed';
  return marker.state;
}

/** What a run had done when its marker is no longer `shifting`. */
export const DONE = {
  promoted: 'promoted',
  'rolled-back': 'rolled back',
  started: 'left the split on purpose (command: start) on',
} as const;

/** Decides from what the alias says now: roll back only a split that this run left. */
export function decideFromAlias(saved: LambdaSaved, run: string, alias: AliasState): PostDecision {
  const marker = alias.marker;
  if (!marker || marker.run !== run) {
    return {
      action: 'nothing',
      why: `the alias was last written by ${marker ? `run ${marker.run}` : 'someone else'}, not by this run; leaving it as it is`,
    };
  }
  if (marker.state !== 'shifting')
    return { action: 'nothing', why: `this run had already ${DONE[marker.state]} the alias` };
  if (alias.functionVersion !== saved.previousVersion) {
    return {
      action: 'nothing',
      why: `the alias points at version ${alias.functionVersion}, not at this run's previous version ${saved.previousVersion}`,
    };
  }
  return {
    action: 'rollback',
    why: `the main step stopped with the alias split at ${marker.weight}% on version ${saved.targetVersion}`,
  };
}

export async function restoreAlias(
  lambda: LambdaClient,
  saved: LambdaSaved,
  region: string,
  run: string,
  signal?: AbortSignal,
): Promise<RestoredRollout> {
  const ref = { functionName: saved.functionName, alias: saved.alias, region };
  const alias = await readAlias(lambda, ref, signal);
  // The marker says what the rollout was; the run is this one's (only its own split is rolled back).
  const identity = {
    run,
    plan: alias.marker?.plan ?? '',
    started: alias.marker?.started ?? '',
    by: alias.marker?.by ?? '',
    steps: alias.marker?.steps,
  };
  return {
    decision: decideFromAlias(saved, run, alias),
    ending: endingFromAlias(run, alias),
    target: new LambdaAliasTarget(
      lambda,
      ref,
      saved.previousVersion,
      saved.targetVersion,
      identity,
      alias.revisionId,
    ),
  };
}

export function describeSavedAlias(saved: LambdaSaved): SavedDescription {
  return {
    sides: { previous: saved.previousVersion, target: saved.targetVersion },
    short: `alias ${saved.alias}`,
    full: `alias ${saved.alias} of ${saved.functionName}`,
    previous: `version ${saved.previousVersion}`,
  };
}
