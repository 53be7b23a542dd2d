import { formatMarker, parseMarker } from '../src/marker.js';
import { decideFromAlias, needsInspection, parseSaved, type SavedRollout } from '../src/state.js';
import type { AliasState } from '../src/targets/lambda-alias.js';

const saved: SavedRollout = {
  functionName: 'orders',
  alias: 'live',
  region: 'us-east-1',
  previousVersion: '6',
  targetVersion: '7',
  run: 'acme/shop#42.1',
};

function alias(
  marker: Parameters<typeof formatMarker>[0] | undefined,
  functionVersion = '6',
  split?: AliasState['split'],
): AliasState {
  const description = marker ? formatMarker(marker) : 'hand-made';
  return { functionVersion, split, revisionId: 'r', description, marker: parseMarker(description) };
}

const ours = {
  state: 'shifting' as const,
  run: saved.run,
  from: '6',
  to: '7',
  weight: 10,
  plan: 'p',
  started: 's',
  by: 'me',
};

describe('post step decision', () => {
  it('does nothing without a saved rollout or after the main step finished', () => {
    expect(needsInspection(undefined, false)?.action).toBe('nothing');
    expect(needsInspection(saved, true)).toEqual({
      action: 'nothing',
      why: 'the main step finished its rollout',
    });
    expect(needsInspection(saved, false)).toBeUndefined();
  });

  it('rolls back a split this run left', () => {
    expect(decideFromAlias(saved, alias(ours, '6', { version: '7', weight: 10 }))).toEqual({
      action: 'rollback',
      why: 'the main step stopped with the alias split at 10% on version 7',
    });
  });

  it('leaves an alias this run already promoted or rolled back', () => {
    expect(decideFromAlias(saved, alias({ ...ours, state: 'promoted', weight: 100 }, '7')).action).toBe(
      'nothing',
    );
    expect(decideFromAlias(saved, alias({ ...ours, state: 'rolled-back', weight: 0 })).action).toBe(
      'nothing',
    );
  });

  it('leaves an alias another run or a person wrote since', () => {
    expect(
      decideFromAlias(saved, alias({ ...ours, run: 'acme/shop#43.1' }, '6', { version: '8', weight: 10 })),
    ).toMatchObject({
      action: 'nothing',
      why: expect.stringContaining('run acme/shop#43.1'),
    });
    expect(decideFromAlias(saved, alias(undefined, '9')).action).toBe('nothing');
  });

  it('reads back only complete saved state', () => {
    expect(parseSaved(JSON.stringify(saved))).toEqual(saved);
    expect(parseSaved('')).toBeUndefined();
    expect(parseSaved('{"functionName":"orders"}')).toBeUndefined();
    expect(parseSaved('not json')).toBeUndefined();
  });
});

describe('rollout marker', () => {
  it('round-trips and fits in an alias Description even with long fields', () => {
    const long = {
      ...ours,
      plan: 'p'.repeat(300),
      by: 'b'.repeat(100),
      run: 'some-org/some-repo#1234567890.1',
    };
    const text = formatMarker(long);
    expect(text.length).toBeLessThanOrEqual(256);
    const back = parseMarker(text)!;
    expect(back).toMatchObject({ state: 'shifting', run: long.run, from: '6', to: '7', weight: 10 });
    expect(parseMarker(formatMarker(ours))).toEqual(ours);
  });

  it('keeps a valid marker for the longest repository names, shortening the repository first', () => {
    const run = `${'o'.repeat(39)}/${'r'.repeat(100)}#12345678901.3/release-production`;
    const text = formatMarker({
      ...ours,
      run,
      plan: 'linear 10% every 1m',
      by: 'a'.repeat(39),
      started: '2026-11-22T12:00:00.000Z',
    });
    expect(text.length).toBeLessThanOrEqual(256);
    const back = parseMarker(text)!;
    expect(back.run.endsWith('#12345678901.3/release-production')).toBe(true);
    expect(back).toMatchObject({
      state: 'shifting',
      from: '6',
      to: '7',
      weight: 10,
      started: '2026-11-22T12:00:00.000Z',
    });
  });

  it('ignores descriptions that are not markers', () => {
    expect(parseMarker('production alias')).toBeUndefined();
    expect(parseMarker('serverless-canary:{broken')).toBeUndefined();
    expect(parseMarker(undefined)).toBeUndefined();
  });
});
