// The post step's decision for an alias, from what the main step saved and what the alias says now.
import { needsInspection, parseSaved, type SavedRollout } from '../../../src/state.js';
import {
  decideFromAlias,
  endingFromAlias,
  parseLambdaSaved,
  type LambdaSaved,
} from '../../../src/targets/lambda/restore.js';
import { aliasWithMarker as alias, ours } from '../../support/markers.js';

const lambdaSaved: LambdaSaved = {
  functionName: 'orders',
  alias: 'live',
  previousVersion: '6',
  targetVersion: '7',
};
const run = ours.run;
const saved: SavedRollout = { target: 'lambda-alias', run, region: 'us-east-1', saved: lambdaSaved };

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
    expect(endingFromAlias(run, alias({ ...ours, state: 'promoted', weight: 100 }, '7'))).toBe('promoted');
    expect(endingFromAlias(run, alias({ ...ours, state: 'rolled-back', weight: 0 }))).toBe('rolled-back');
    expect(endingFromAlias(run, alias({ ...ours, run: 'acme/shop#43.1' }))).toBe('failed');
  });

  it('rolls back a split this run left', () => {
    expect(decideFromAlias(lambdaSaved, run, alias(ours, '6', { version: '7', weight: 10 }))).toEqual({
      action: 'rollback',
      why: 'the main step stopped with the alias split at 10% on version 7',
    });
  });

  it('leaves an alias this run already promoted or rolled back', () => {
    expect(
      decideFromAlias(lambdaSaved, run, alias({ ...ours, state: 'promoted', weight: 100 }, '7')).action,
    ).toBe('nothing');
    expect(
      decideFromAlias(lambdaSaved, run, alias({ ...ours, state: 'rolled-back', weight: 0 })).action,
    ).toBe('nothing');
  });

  it('leaves an alias another run or a person wrote since', () => {
    expect(
      decideFromAlias(
        lambdaSaved,
        run,
        alias({ ...ours, run: 'acme/shop#43.1' }, '6', { version: '8', weight: 10 }),
      ),
    ).toMatchObject({
      action: 'nothing',
      why: expect.stringContaining('run acme/shop#43.1'),
    });
    expect(decideFromAlias(lambdaSaved, run, alias(undefined, '9')).action).toBe('nothing');
  });

  it('reads back only complete saved state', () => {
    expect(parseSaved(JSON.stringify(saved))).toEqual(saved);
    expect(parseLambdaSaved(parseSaved(JSON.stringify(saved))!.saved)).toEqual(lambdaSaved);
    expect(parseSaved('')).toBeUndefined();
    expect(parseSaved('{"functionName":"orders"}')).toBeUndefined();
    expect(parseSaved('{"target":"lambda-alias","run":"r","region":"us-east-1"}')).toBeUndefined();
    expect(parseLambdaSaved({ functionName: 'orders' })).toBeUndefined();
    expect(parseLambdaSaved(null)).toBeUndefined();
    expect(parseSaved('not json')).toBeUndefined();
  });
});
