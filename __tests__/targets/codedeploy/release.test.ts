// How a CodeDeploy deployment stands for the commands: the same answer to "is it rolled back?"
// as the follow engine's.
import type { Observation } from '../../../src/engine/types.js';
import { endingOf } from '../../../src/targets/codedeploy/release.js';

const stopped = (more: Partial<Observation>): Observation => ({
  weight: 0,
  state: 'stopped',
  phase: 'Stopped',
  events: [],
  ...more,
});

describe('endingOf', () => {
  it('stopped before any traffic moved, with no rollback deployment: rolled back', () => {
    expect(endingOf('d-1', stopped({})).result).toBe('rolled-back');
  });

  it('stopped with traffic still on the new version and no rollback deployment: failed', () => {
    expect(endingOf('d-1', stopped({ weight: 10 })).result).toBe('failed');
  });

  it('rolled back by a rollback deployment that succeeded, failed while it has not', () => {
    expect(endingOf('d-1', stopped({ rollback: { id: 'd-2', state: 'succeeded' } })).result).toBe(
      'rolled-back',
    );
    expect(endingOf('d-1', stopped({ weight: 0, rollback: { id: 'd-2', state: 'failed' } })).result).toBe(
      'failed',
    );
  });
});
