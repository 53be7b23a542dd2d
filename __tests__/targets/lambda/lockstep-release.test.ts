// A lockstep release outside the engine, against a mocked Lambda: the post step's decision and
// target from every alias's marker, the saved state read back, and the subject with each
// function's own metric queries.
import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { formatMarker, type RolloutMarker } from '../../../src/marker.js';
import {
  describeSavedLockstep,
  isLockstepSaved,
  lockstepHookContext,
  lockstepSubject,
  restoreLockstep,
  type LockstepSaved,
} from '../../../src/targets/lambda/lockstep-release.js';
import { ours } from '../../support/markers.js';

const lambdaMock = mockClient(LambdaClient);
const lambda = new LambdaClient({ region: 'us-east-1' });
const FUNCTIONS = ['orders', 'billing', 'stock'];
const each = FUNCTIONS.map((functionName) => ({
  functionName,
  alias: 'live',
  previousVersion: '6',
  targetVersion: '7',
}));
const saved: LockstepSaved = { ...each[0]!, lockstep: each };
const run = ours.run;

/** GetAlias answers, per function: version 6 split 10% to 7 with `marker`, or as given. */
function aliases(byFunction: Record<string, { marker?: RolloutMarker; version?: string; split?: boolean }>) {
  lambdaMock.reset();
  for (const [fn, a] of Object.entries(byFunction)) {
    lambdaMock.on(GetAliasCommand, { FunctionName: fn }).resolves({
      FunctionVersion: a.version ?? '6',
      RoutingConfig: a.split === false ? {} : { AdditionalVersionWeights: { '7': 0.1 } },
      Description: a.marker ? formatMarker(a.marker) : 'by hand',
      RevisionId: `rev-${fn}`,
    });
  }
  lambdaMock.on(UpdateAliasCommand).callsFake((input: { FunctionName: string }) => ({
    RevisionId: `rev-${input.FunctionName}-2`,
  }));
}

describe('restoreLockstep (the post step after a crash)', () => {
  it('rolls back every alias this run wrote when one is still split, never one someone else wrote', async () => {
    aliases({
      orders: { marker: { ...ours, state: 'promoted', weight: 100 }, version: '7', split: false },
      billing: { marker: ours },
      stock: { marker: { ...ours, run: 'acme/shop#43.1' } },
    });
    const restored = await restoreLockstep(lambda, saved, 'us-east-1', run);
    expect(restored.decision).toEqual({
      action: 'rollback',
      why: 'the main step stopped with the lockstep release under way (billing still split by this run)',
    });
    expect(restored.ending).toBe('failed');
    await restored.target.rollback('the main step did not finish');
    const written = lambdaMock.commandCalls(UpdateAliasCommand).map((c) => c.args[0].input);
    expect(written.map((w) => [w.FunctionName, w.FunctionVersion, w.RevisionId])).toEqual([
      ['orders', '6', 'rev-orders'],
      ['billing', '6', 'rev-billing'],
    ]);
    expect(restored.target.parts?.().map((p) => [p.name, p.now])).toEqual([
      ['orders', 'version 6'],
      ['billing', 'version 6'],
    ]);
  });

  it('leaves aliases this run had all promoted', async () => {
    const promoted = {
      marker: { ...ours, state: 'promoted' as const, weight: 100 },
      version: '7',
      split: false,
    };
    aliases({ orders: promoted, billing: promoted, stock: promoted });
    const restored = await restoreLockstep(lambda, saved, 'us-east-1', run);
    expect(restored.decision.action).toBe('nothing');
    expect(restored.ending).toBe('promoted');
  });

  it('gives a later command (another run) every function to move', async () => {
    const left = { marker: { ...ours, state: 'started' as const } };
    aliases({ orders: left, billing: left, stock: left });
    const restored = await restoreLockstep(lambda, saved, 'us-east-1', 'acme/shop#50.1');
    expect(restored.target.parts?.().map((p) => p.name)).toEqual(FUNCTIONS);
  });
});

describe('the saved state and the hook context', () => {
  it('reads a lockstep state back, and tells a single release apart', () => {
    expect(isLockstepSaved(JSON.parse(JSON.stringify(saved)) as LockstepSaved)).toBe(true);
    expect(isLockstepSaved(each[0]!)).toBe(false);
    expect(isLockstepSaved({ ...each[0]!, lockstep: [each[0]!, { functionName: 'x' }] } as never)).toBe(
      false,
    );
    expect(describeSavedLockstep(saved)).toMatchObject({
      short: 'alias live of 3 functions',
      previous: 'their previous versions (orders 6, billing 6, stock 6)',
    });
  });

  it('gives a hook the first function’s fields and every function', () => {
    expect(lockstepHookContext(saved)).toEqual({
      target: 'lambda-alias',
      function: 'orders',
      alias: 'live',
      currentVersion: '6',
      targetVersion: '7',
      functions: FUNCTIONS.map((fn) => ({ function: fn, currentVersion: '6', targetVersion: '7' })),
    });
  });
});

describe('lockstepSubject', () => {
  it('has each function’s metric queries on its own versions, for the analysis', () => {
    const subject = lockstepSubject(
      { functions: FUNCTIONS.map((functionName) => ({ functionName, version: '7' })), alias: 'live' },
      {
        region: 'us-east-1',
        environment: 'prod',
        sides: {
          previous: '6',
          target: '7',
          each: [
            { previous: '6', target: '7' },
            { previous: '3', target: '4' },
            { previous: '11', target: '12' },
          ],
        },
      },
    );
    expect(subject.name).toBe('orders+billing+stock:live');
    expect(subject.commentKey).toBe('lambda/orders+billing+stock/live/prod');
    expect(subject.members?.map((m) => m.name)).toEqual(['orders:live', 'billing:live', 'stock:live']);
    expect(subject.members?.[1]?.metrics?.canary).toContainEqual({ Name: 'ExecutedVersion', Value: '4' });
    expect(subject.members?.[2]?.metrics?.baseline).toEqual([
      { Name: 'FunctionName', Value: 'stock' },
      { Name: 'Resource', Value: 'stock:live' },
      { Name: 'ExecutedVersion', Value: '11' },
    ]);
    // The report's own canary-versus-baseline table is the first function's.
    expect(subject.metrics?.about).toBe('versions 6 and 7 on orders:live');
  });
});
