// The split-phase commands' judgement of what they find on a target: which releases promote and
// rollback act on, which they refuse (and say why), what status reports, and the plan left.
import {
  checkForPromote,
  checkForRollback,
  currentStep,
  remainingPlan,
  showsMarker,
  statusOf,
} from '../src/commands.js';
import { releaseMembership, type RolloutMarker } from '../src/marker.js';
import type { TargetInspection } from '../src/targets/definition.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const STEPS = [
  { weight: 10, holdMs: 60_000 },
  { weight: 50, holdMs: 60_000 },
  { weight: 100, holdMs: 0 },
];

const started = (more: Partial<RolloutMarker> = {}): RolloutMarker => ({
  state: 'started',
  run: 'acme/shop#1.1/release~abcdef',
  from: '6',
  to: '7',
  weight: 10,
  plan: '10%:1m, 50%:1m',
  started: '2026-12-01T11:00:00.000Z',
  by: 'octocat',
  steps: STEPS,
  step: 0,
  stepEndsAt: Date.parse('2026-12-01T11:01:00Z'),
  ...more,
});

/** The alias as a command finds it: split 90/10 between 6 and 7 unless told otherwise. */
const found = (
  marker: RolloutMarker | undefined,
  more: Partial<TargetInspection<unknown>> = {},
): TargetInspection<unknown> => ({
  label: 'alias live of function orders',
  live: { on: '6', split: { to: '7', weight: 10 } },
  marker,
  saved: marker && {},
  ...more,
});

describe('promote', () => {
  it('acts on the split start left, untouched since', () => {
    expect(checkForPromote(found(started()), 'version', NOW)).toMatchObject({ kind: 'release' });
  });

  it('acts when the inputs name the marker’s version', () => {
    expect(checkForPromote(found(started(), { requested: '7' }), 'version', NOW).kind).toBe('release');
  });

  it('refuses a target without our marker, split or not', () => {
    expect(checkForPromote(found(undefined), 'version', NOW)).toEqual({
      kind: 'refused',
      reason:
        'refused to promote alias live of function orders: it is split (10% on version 7) but carries no marker of this action, so it is not a release this action started; nothing was changed',
    });
    expect(checkForPromote(found(undefined, { live: { on: '6' } }), 'version', NOW)).toEqual({
      kind: 'refused',
      reason:
        'refused to promote alias live of function orders: it carries no marker of this action: there is no release to promote (all traffic on version 6); nothing was changed',
    });
  });

  it('refuses another release: the inputs name another version', () => {
    expect(checkForPromote(found(started(), { requested: '8' }), 'version', NOW)).toEqual({
      kind: 'refused',
      reason:
        'refused to promote alias live of function orders: its marker is of another release (version 6 → 7, run acme/shop#1.1/release~abcdef), not of version 8 that the inputs name; nothing was changed',
    });
  });

  it('refuses a target changed since the marker: another weight, another version', () => {
    for (const live of [
      { on: '6', split: { to: '7', weight: 30 } },
      { on: '5', split: { to: '7', weight: 10 } },
      { on: '6' },
    ]) {
      const finding = checkForPromote(found(started(), { live }), 'version', NOW);
      expect(finding).toMatchObject({ kind: 'refused' });
      expect(finding.kind === 'refused' && finding.reason).toContain(
        'it was changed by someone else since its marker was written (the marker records 90% on version 6 and 10% on version 7',
      );
    }
  });

  it('refuses a release already promoted, and a split a deploy run may still be moving', () => {
    const promoted = found(started({ state: 'promoted', weight: 100 }), { live: { on: '7' } });
    expect(checkForPromote(promoted, 'version', NOW)).toMatchObject({
      reason: expect.stringContaining('is already promoted: no release in progress'),
    });
    const moving = found(started({ state: 'shifting', started: new Date(NOW - 30_000).toISOString() }));
    expect(checkForPromote(moving, 'version', NOW)).toMatchObject({
      reason: expect.stringContaining('may still be moving it'),
    });
  });
});

describe('rollback', () => {
  it('acts on a split left by start, and on one whose run can no longer be moving it', () => {
    expect(checkForRollback(found(started()), 'version', NOW).kind).toBe('release');
    const abandoned = started({ state: 'shifting', started: '2026-11-30T00:00:00.000Z' });
    expect(checkForRollback(found(abandoned), 'version', NOW).kind).toBe('release');
  });

  it('is done when the release was rolled back and the alias is still on the previous version', () => {
    const rolledBack = started({ state: 'rolled-back', weight: 0 });
    expect(checkForRollback(found(rolledBack, { live: { on: '6' } }), 'version', NOW).kind).toBe('done');
  });

  it('refuses without a marker, after a promotion, and while a run may still move the split', () => {
    expect(checkForRollback(found(undefined), 'version', NOW).kind).toBe('refused');
    const promoted = found(started({ state: 'promoted', weight: 100 }), { live: { on: '7' } });
    expect(checkForRollback(promoted, 'version', NOW)).toMatchObject({
      reason: expect.stringMatching(
        /^refused to roll back alias live of function orders: .*already promoted/,
      ),
    });
    const moving = found(started({ state: 'shifting', started: new Date(NOW - 30_000).toISOString() }));
    expect(checkForRollback(moving, 'version', NOW)).toMatchObject({ kind: 'refused' });
  });

  it('refuses a split changed since its marker', () => {
    const changed = found(started(), { live: { on: '6', split: { to: '9', weight: 10 } } });
    expect(checkForRollback(changed, 'version', NOW)).toMatchObject({
      reason: expect.stringContaining('changed by someone else'),
    });
  });
});

describe('status', () => {
  it('is in progress with the split start left, at its weight', () => {
    expect(statusOf(found(started()), 'version')).toEqual({
      result: 'in-progress',
      weight: 10,
      reason:
        'release in progress, left by start, waiting for promote or rollback: alias live of function orders: 90% on version 6, 10% on version 7; marker: run acme/shop#1.1/release~abcdef by octocat (6 → 7, started at 10%, started 2026-12-01T11:00:00.000Z)',
    });
  });

  it('says so when the routing no longer matches the marker', () => {
    const changed = found(started(), { live: { on: '6', split: { to: '7', weight: 40 } } });
    expect(statusOf(changed, 'version')).toMatchObject({
      result: 'in-progress',
      weight: 40,
      reason: expect.stringContaining('(but the routing no longer matches its marker)'),
    });
  });

  it('is none without a marker, and after a promotion', () => {
    expect(statusOf(found(undefined, { live: { on: '6' } }), 'version')).toMatchObject({
      result: 'none',
      weight: 0,
    });
    const promoted = found(started({ state: 'promoted', weight: 100 }), { live: { on: '7' } });
    expect(statusOf(promoted, 'version').result).toBe('none');
  });
});

describe('what promote still runs', () => {
  const requested = {
    name: 'Canary10Percent5Minutes',
    steps: [
      { weight: 10, holdMs: 300_000 },
      { weight: 100, holdMs: 0 },
    ],
  };

  it('the marker’s plan after its recorded step', () => {
    expect(remainingPlan(started(), requested)).toEqual({
      plan: { name: '10%:1m, 50%:1m', steps: STEPS },
      firstStep: 1,
    });
  });

  it('only the promotion with AllAtOnce', () => {
    const allAtOnce = { name: 'AllAtOnce', steps: [{ weight: 100, holdMs: 0 }] };
    expect(remainingPlan(started(), allAtOnce)).toEqual({ plan: allAtOnce, firstStep: 0 });
  });

  it('without the marker’s steps, the inputs’ plan above the marker’s weight', () => {
    const bare = started({ steps: undefined, step: undefined, weight: 10 });
    expect(remainingPlan(bare, requested)).toEqual({
      plan: { name: '10%:1m, 50%:1m', steps: requested.steps },
      firstStep: 1,
    });
  });

  it('the gates are read at the split as it stands, since its step started', () => {
    const plan = { name: 'p', steps: STEPS };
    expect(currentStep(started(), plan, NOW)).toEqual({
      index: 0,
      weight: 10,
      startedAt: Date.parse('2026-12-01T11:00:00Z'),
      endsAt: NOW,
      last: false,
    });
  });

  it('a marker that still shows the split matches the target', () => {
    expect(showsMarker(found(started()), started())).toBe(true);
    expect(
      showsMarker(found(started(), { live: { on: '6', split: { to: '7', weight: 10.0001 } } }), started()),
    ).toBe(false);
  });
});

describe('a lockstep release: every alias checked', () => {
  /** The release as the commands see it: the first alias's fields, and every alias as a member. */
  const lockstep = (members: TargetInspection<unknown>[]): TargetInspection<unknown> => ({
    ...members[0]!,
    label: 'alias live of functions orders, billing',
    members,
  });
  const orders = (marker?: RolloutMarker) => found(marker, { label: 'alias live of function orders' });
  const billing = (marker?: RolloutMarker) => found(marker, { label: 'alias live of function billing' });

  it('promotes when every alias shows the marker of one start', () => {
    const finding = checkForPromote(lockstep([orders(started()), billing(started())]), 'version', NOW);
    expect(finding.kind).toBe('release');
  });

  it('refuses, naming each alias at fault, when one is missing its marker', () => {
    const finding = checkForPromote(lockstep([orders(started()), billing(undefined)]), 'version', NOW);
    expect(finding).toMatchObject({ kind: 'refused' });
    const reason = (finding as { reason: string }).reason;
    expect(reason).toMatch(/^refused to promote alias live of function billing: it is split/);
    expect(reason).not.toContain('function orders');
  });

  it('refuses aliases whose markers are of different runs: not one release', () => {
    const other = started({ run: 'acme/shop#2.1/release~123456' });
    const finding = checkForRollback(lockstep([orders(started()), billing(other)]), 'version', NOW);
    expect(finding).toEqual({
      kind: 'refused',
      reason:
        'refused to roll back the lockstep release: its aliases carry the markers of 2 different runs (alias live of function orders: run acme/shop#1.1/release~abcdef, alias live of function billing: run acme/shop#2.1/release~123456), not one release; nothing was changed',
    });
  });

  it('is done only when every alias is already rolled back', () => {
    const back = started({ state: 'rolled-back', weight: 0 });
    const unsplit = { live: { on: '6' } };
    const done = lockstep([found(back, unsplit), found(back, unsplit)]);
    expect(checkForRollback(done, 'version', NOW).kind).toBe('done');
    expect(checkForRollback(lockstep([found(back, unsplit), billing(started())]), 'version', NOW).kind).toBe(
      'release',
    );
  });

  describe('the functions of the release', () => {
    const five = releaseMembership(['orders', 'billing', 'stock', 'mail', 'search']);
    const named = (membership: string) => (m: TargetInspection<unknown>) => ({ ...m, membership });

    it('refuses a command naming only some of the release’s functions', () => {
      const marker = started({ members: five });
      const two = releaseMembership(['orders', 'billing']);
      const finding = checkForPromote(
        { ...lockstep([orders(marker), billing(marker)].map(named(two))), membership: two },
        'version',
        NOW,
      );
      expect(finding).toMatchObject({ kind: 'refused' });
      expect((finding as { reason: string }).reason).toContain(
        'refused to promote alias live of function orders: its marker is of a lockstep release of 5 functions (run acme/shop#1.1/release~abcdef), not of the 2 functions the inputs name: name in function-name exactly the functions that start was given; nothing was changed',
      );
    });

    it('refuses a command on one function of a lockstep release', () => {
      const finding = checkForRollback(orders(started({ members: five })), 'version', NOW);
      expect(finding).toMatchObject({ kind: 'refused' });
      expect((finding as { reason: string }).reason).toContain(
        'its marker is of a lockstep release of 5 functions (run acme/shop#1.1/release~abcdef), not of this function alone',
      );
    });

    it('acts when the inputs name every function, in any order', () => {
      const marker = started({ members: releaseMembership(['billing', 'orders']) });
      const both = releaseMembership(['orders', 'billing']);
      const release = { ...lockstep([orders(marker), billing(marker)].map(named(both))), membership: both };
      expect(checkForPromote(release, 'version', NOW).kind).toBe('release');
    });
  });

  it('status says where each alias is', () => {
    const status = statusOf(lockstep([orders(started()), billing(undefined)]), 'version');
    expect(status.result).toBe('in-progress');
    expect(status.reason).toContain('alias live of function orders: 90% on version 6, 10% on version 7');
    expect(status.reason).toContain('no release of this action in progress: alias live of function billing');
  });
});
