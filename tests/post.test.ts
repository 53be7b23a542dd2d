import { formatMarker, parseMarker } from '../src/marker.js';
import {
  decideFromAlias,
  endingFromAlias,
  needsInspection,
  parseSaved,
  type SavedRollout,
} from '../src/state.js';
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
  it('does nothing without a saved rollout, or after the main step finished and reported', () => {
    expect(needsInspection(undefined, false, false)?.action).toBe('nothing');
    expect(needsInspection(saved, true, true)).toEqual({
      action: 'nothing',
      why: 'the main step finished its rollout and its report',
    });
    // Finished but killed before its report, or not finished: the alias is looked at.
    expect(needsInspection(saved, true, false)).toBeUndefined();
    expect(needsInspection(saved, false, false)).toBeUndefined();
  });

  it('tells the ending from the alias for a report the main step could not publish', () => {
    expect(endingFromAlias(saved, alias({ ...ours, state: 'promoted', weight: 100 }, '7'))).toBe('promoted');
    expect(endingFromAlias(saved, alias({ ...ours, state: 'rolled-back', weight: 0 }))).toBe('rolled-back');
    expect(endingFromAlias(saved, alias({ ...ours, run: 'acme/shop#43.1' }))).toBe('failed');
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

  it('keeps the longest run id main.ts makes whole, shortening the free text instead', () => {
    // 40-character repository, 30-character job, 12-digit run, attempt and nonce: main.ts's bound.
    const run = `${'o'.repeat(19)}/${'r'.repeat(11)}~0123abcd#123456789012.3/${'j'.repeat(21)}~89abcdef~a1b2c3`;
    const text = formatMarker({
      ...ours,
      run,
      from: '1234567890',
      to: '1234567891',
      plan: 'linear 10% every 1m, '.repeat(10),
      by: 'a'.repeat(39),
      started: '2026-11-22T12:00:00.000Z',
    });
    expect(text.length).toBeLessThanOrEqual(256);
    const back = parseMarker(text)!;
    expect(back.run).toBe(run);
    expect(back).toMatchObject({ state: 'shifting', from: '1234567890', to: '1234567891', weight: 10 });
    expect(back.plan.length).toBeLessThan(210);
  });

  it('refuses to write a marker it would have to cut', () => {
    expect(() => formatMarker({ ...ours, run: 'r'.repeat(300) })).toThrow(
      /does not fit in an alias description/,
    );
  });

  it('ignores descriptions that are not markers', () => {
    expect(parseMarker('production alias')).toBeUndefined();
    expect(parseMarker('serverless-canary:{broken')).toBeUndefined();
    expect(parseMarker(undefined)).toBeUndefined();
  });
});
