// What the main step leaves for the post step (core.saveState), and the post step's decision.
import type { AliasState } from './targets/lambda-alias.js';

export const STATE_KEY = 'rollout';
export const FINISHED_KEY = 'finished';
/** The GitHub deployment the main step created, for the post step to finish after a crash. */
export const DEPLOYMENT_KEY = 'deployment-id';
/** Set once the main step has published its final report (summary, comment, deployment). */
export const REPORTED_KEY = 'reported';

/** Saved before the first write to the alias. */
export interface SavedRollout {
  functionName: string;
  alias: string;
  region: string;
  previousVersion: string;
  targetVersion: string;
  run: string;
}

export type PostDecision = { action: 'nothing'; why: string } | { action: 'rollback'; why: string };

/** Decides from the saved state alone whether the alias needs to be looked at. */
export function needsInspection(
  saved: SavedRollout | undefined,
  finished: boolean,
  reported: boolean,
): PostDecision | undefined {
  if (!saved) return { action: 'nothing', why: 'the main step made no change to any alias' };
  if (finished && reported)
    return { action: 'nothing', why: 'the main step finished its rollout and its report' };
  return undefined;
}

/**
 * How the release ended, as the alias tells it, for a report the main step could not publish:
 * what this run last wrote, or a failure when someone else wrote since.
 */
export function endingFromAlias(
  saved: SavedRollout,
  alias: AliasState,
): 'promoted' | 'rolled-back' | 'failed' {
  const marker = alias.marker;
  if (marker?.run !== saved.run) return 'failed';
  if (marker.state === 'promoted') return 'promoted';
  return marker.state === 'rolled-back' ? 'rolled-back' : 'failed';
}

/** Decides from what the alias says now: roll back only a split that this run left. */
export function decideFromAlias(saved: SavedRollout, alias: AliasState): PostDecision {
  const marker = alias.marker;
  if (!marker || marker.run !== saved.run) {
    return {
      action: 'nothing',
      why: `the alias was last written by ${marker ? `run ${marker.run}` : 'someone else'}, not by this run; leaving it as it is`,
    };
  }
  if (marker.state !== 'shifting') {
    return {
      action: 'nothing',
      why: `this run had already ${marker.state === 'promoted' ? 'promoted' : 'rolled back'} the alias`,
    };
  }
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

export function parseSaved(text: string): SavedRollout | undefined {
  if (!text) return undefined;
  try {
    const saved = JSON.parse(text) as Partial<SavedRollout>;
    if (
      saved.functionName &&
      saved.alias &&
      saved.region &&
      saved.previousVersion &&
      saved.targetVersion &&
      saved.run
    ) {
      return saved as SavedRollout;
    }
  } catch {
    // An unreadable state is treated as none: the post step then changes nothing.
  }
  return undefined;
}
