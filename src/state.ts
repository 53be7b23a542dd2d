// What the main step leaves for the post step (core.saveState), and the post step's first look:
// the rollout is saved target-neutral, the target's own part opaque (its definition reads it).
import type { PostDecision } from './targets/definition.js';

export const STATE_KEY = 'rollout';
export const FINISHED_KEY = 'finished';
/** The GitHub deployment the main step created, for the post step to finish after a crash. */
export const DEPLOYMENT_KEY = 'deployment-id';
/**
 * `started` when the post-traffic hook starts: the target is promoted but not yet checked, so a
 * post step after a crash takes the promotion back (the hook's verdict never came); `passed` once
 * it has passed.
 */
export const POST_HOOK_KEY = 'post-hook-started';
/** Set once the main step has published its final report (summary, comment, deployment). */
export const REPORTED_KEY = 'reported';

/** Saved before the first write to the target. */
export interface SavedRollout {
  /** The `target` input's kind: which definition reads `saved`. */
  target: string;
  /** The run that writes the markers. */
  run: string;
  region: string;
  /** The definition's own state (TargetDefinition.parseSaved reads it back). */
  saved: unknown;
}

/** Decides from the saved state alone whether the target needs to be looked at. */
export function needsInspection(
  saved: SavedRollout | undefined,
  finished: boolean,
  reported: boolean,
): PostDecision | undefined {
  if (!saved) return { action: 'nothing', why: 'the main step made no change to any target' };
  if (finished && reported)
    return { action: 'nothing', why: 'the main step finished its rollout and its report' };
  return undefined;
}

export function parseSaved(text: string): SavedRollout | undefined {
  if (!text) return undefined;
  try {
    const saved = JSON.parse(text) as Partial<SavedRollout>;
    const isText = (v: unknown) => typeof v === 'string' && v.length > 0;
    if (isText(saved.target) && isText(saved.run) && isText(saved.region) && saved.saved !== undefined) {
      return saved as SavedRollout;
    }
  } catch {
    // An unreadable state is treated as none: the post step then changes nothing.
  }
  return undefined;
}
