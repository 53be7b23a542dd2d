// Rollout markers and the aliases that carry them, as the unit tests need them: this run's marker
// at 10% on version 7 of 6, and an alias holding any marker (or a hand-written description).
import { formatMarker, parseMarker, type RolloutMarker } from '../../src/marker.js';
import type { AliasState } from '../../src/targets/lambda/alias-target.js';

/** This run's marker: shifting, 10% on version 7, from version 6. */
export const ours: RolloutMarker = {
  state: 'shifting',
  run: 'acme/shop#42.1',
  from: '6',
  to: '7',
  weight: 10,
  plan: 'p',
  started: 's',
  by: 'me',
};

/** An alias on `functionVersion` whose Description holds `marker` (or is hand-made without one). */
export function aliasWithMarker(
  marker: RolloutMarker | undefined,
  functionVersion = '6',
  split?: AliasState['split'],
): AliasState {
  const description = marker ? formatMarker(marker) : 'hand-made';
  return { functionVersion, split, revisionId: 'r', description, marker: parseMarker(description) };
}
