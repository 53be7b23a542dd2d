// A lockstep release outside the engine, against a mocked Lambda: the post step's decision and
// target from every alias's marker, the saved state read back, and the subject with each
// function's own metric queries.
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { formatMarker, parseMarker, releaseMembership, type RolloutMarker } from '../../../src/marker.js';
import type { AwsClients } from '../../../src/aws/clients.js';
import {
  describeSavedLockstep,
  inspectLockstep,
  isLockstepSaved,
  lockstepHookContext,
  lockstepSubject,
  prepareLockstep,
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

/** GetAlias answers, per function: version 6 split 10% (or `weight`) to 7 with `marker`, or as given. */
function aliases(
  byFunction: Record<string, { marker?: RolloutMarker; version?: string; split?: boolean; weight?: number }>,
) {
  lambdaMock.reset();
  for (const [fn, a] of Object.entries(byFunction)) {
    lambdaMock.on(GetAliasCommand, { FunctionName: fn }).resolves({
      FunctionVersion: a.version ?? '6',
      RoutingConfig: a.split === false ? {} : { AdditionalVersionWeights: { '7': (a.weight ?? 10) / 100 } },
      Description: a.marker ? formatMarker(a.marker) : 'by hand',
      RevisionId: `rev-${fn}`,
    });
  }
  lambdaMock.on(UpdateAliasCommand).callsFake((input: { FunctionName: string }) => ({
    RevisionId: `rev-${input.FunctionName}-2`,
  }));
}

/** Every function's version config: same role, so any two versions may share an alias. */
function versions() {
  lambdaMock
    .on(GetFunctionConfigurationCommand)
    .callsFake((input: { Qualifier: string }) => ({ Version: input.Qualifier, Role: 'role' }));
}

/** Preflight of a lockstep release of FUNCTIONS to version 7, on a split found as `onExistingSplit` says. */
function prepare(onExistingSplit: 'resume' | 'rollback') {
  return prepareLockstep(
    {
      functionName: 'orders',
      alias: 'live',
      version: '7',
      functions: FUNCTIONS.map((functionName) => ({ functionName, version: '7' })),
    },
    {
      aws: { lambda } as AwsClients,
      settings: {
        region: 'us-east-1',
        plan: { name: 'p', steps: [10, 50, 100].map((weight) => ({ weight, holdMs: 60_000 })) },
        onExistingSplit,
        dryRun: false,
      },
      identity: { run, plan: 'p', started: new Date().toISOString(), by: 'me' },
      signal: new AbortController().signal,
    },
  );
}

describe('prepareLockstep', () => {
  it('refuses, before any write, a split left by a lockstep release of other functions', async () => {
    const five = { ...ours, run: 'acme/shop#7.1', state: 'started' as const };
    const marker = { ...five, members: releaseMembership([...FUNCTIONS, 'mail', 'search']) };
    aliases({ orders: { marker }, billing: { marker }, stock: { marker } });
    versions();
    await expect(prepare('rollback')).rejects.toThrow(
      'function orders: Alias live of orders is split by a lockstep release of 5 functions (run acme/shop#7.1), not of the 3 functions named',
    );
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('counts a resumed split as moved, so that a rollback takes every alias back', async () => {
    aliases({ orders: {}, billing: {}, stock: {} });
    versions();
    const outcome = await prepare('resume');
    if (outcome.kind !== 'release') throw new Error(`expected a release, got ${outcome.kind}`);
    expect(outcome.firstStep).toBe(1);
    // The first resumed write is what fails (throttled): the engine rolls back what was split.
    await outcome.target.rollback('the first resumed write failed');
    const written = lambdaMock.commandCalls(UpdateAliasCommand).map((c) => c.args[0].input);
    expect(written.map((w) => [w.FunctionName, w.FunctionVersion])).toEqual(FUNCTIONS.map((fn) => [fn, '6']));
    expect(outcome.target.parts?.().map((p) => p.now)).toEqual(Array(3).fill('version 6'));
    // Every marker names the release's functions, for a later command to check.
    const members = written.map((w) => parseMarker(w.Description)?.members);
    expect(members).toEqual(Array(3).fill(releaseMembership(FUNCTIONS)));
    expect(members[0]).toMatch(/^3:[0-9a-f]{8}$/);
  });
});

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
      why: 'the main step stopped with the lockstep release under way (billing still split by this release)',
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

  it('rolls every alias back when they ended differently (a rollback that did not complete everywhere)', async () => {
    const promoted = {
      marker: { ...ours, state: 'promoted' as const, weight: 100 },
      version: '7',
      split: false,
    };
    aliases({
      orders: promoted,
      billing: { marker: { ...ours, state: 'rolled-back', weight: 0 }, split: false },
      stock: promoted,
    });
    const restored = await restoreLockstep(lambda, saved, 'us-east-1', run);
    expect(restored.decision).toEqual({
      action: 'rollback',
      why: "the main step stopped with the lockstep release's functions ended differently (orders promoted, billing rolled back, stock promoted)",
    });
    await restored.target.rollback('the main step did not finish');
    const written = lambdaMock.commandCalls(UpdateAliasCommand).map((c) => c.args[0].input);
    expect(written.map((w) => [w.FunctionName, w.FunctionVersion])).toEqual(FUNCTIONS.map((fn) => [fn, '6']));
  });

  describe("after a promote job (another run than start's)", () => {
    const promoteRun = 'acme/shop#50.1';
    const continued: LockstepSaved = { ...saved, release: run };
    const left = { marker: { ...ours, state: 'started' as const } };

    it('rolls back the aliases it had not reached yet, still on start’s split, with those it moved', async () => {
      const moved = { marker: { ...ours, run: promoteRun, weight: 50 }, weight: 50 };
      aliases({ orders: moved, billing: moved, stock: left });
      const restored = await restoreLockstep(lambda, continued, 'us-east-1', promoteRun);
      expect(restored.decision).toEqual({
        action: 'rollback',
        why: 'the main step stopped with the lockstep release under way (orders, billing, stock still split by this release)',
      });
      await restored.target.rollback('the main step did not finish');
      const written = lambdaMock.commandCalls(UpdateAliasCommand).map((c) => c.args[0].input);
      expect(written.map((w) => [w.FunctionName, w.FunctionVersion])).toEqual(
        FUNCTIONS.map((fn) => [fn, '6']),
      );
    });

    it('rolls back a promotion it had not finished: start’s splits with it', async () => {
      const promoted = {
        marker: { ...ours, run: promoteRun, state: 'promoted' as const, weight: 100 },
        version: '7',
        split: false,
      };
      aliases({ orders: promoted, billing: left, stock: left });
      const restored = await restoreLockstep(lambda, continued, 'us-east-1', promoteRun);
      expect(restored.decision.action).toBe('rollback');
      expect(restored.target.parts?.().map((p) => p.name)).toEqual(FUNCTIONS);
    });

    it('leaves start’s splits alone when it wrote none of them (a later promote may continue)', async () => {
      aliases({ orders: left, billing: left, stock: left });
      const restored = await restoreLockstep(lambda, continued, 'us-east-1', promoteRun);
      expect(restored.decision.action).toBe('nothing');
    });

    it('leaves an alias changed since start alone, though its marker is start’s', async () => {
      const moved = { marker: { ...ours, run: promoteRun, weight: 50 }, weight: 50 };
      aliases({ orders: moved, billing: moved, stock: { ...left, weight: 30 } });
      const restored = await restoreLockstep(lambda, continued, 'us-east-1', promoteRun);
      expect(restored.target.parts?.().map((p) => p.name)).toEqual(['orders', 'billing']);
    });
  });

  it('gives a later command (another run) every function to move', async () => {
    const left = { marker: { ...ours, state: 'started' as const } };
    aliases({ orders: left, billing: left, stock: left });
    const restored = await restoreLockstep(lambda, saved, 'us-east-1', 'acme/shop#50.1');
    expect(restored.target.parts?.().map((p) => p.name)).toEqual(FUNCTIONS);
    // Each alias is moved back with the revision the restore read, to its previous version alone.
    await restored.target.rollback('command: rollback');
    const writes = lambdaMock.commandCalls(UpdateAliasCommand).map((c) => c.args[0].input);
    expect(
      writes.map((w) => [
        w.FunctionName,
        w.FunctionVersion,
        w.RevisionId,
        w.RoutingConfig?.AdditionalVersionWeights,
      ]),
    ).toEqual(FUNCTIONS.map((fn) => [fn, '6', `rev-${fn}`, {}]));
  });
});

describe('inspectLockstep', () => {
  it('saves the run of the release’s start, so that the post step of a promote job knows its aliases', async () => {
    const inspection = await inspectLockstep(
      {
        functionName: 'orders',
        alias: 'live',
        version: '7',
        functions: FUNCTIONS.map((functionName) => ({ functionName, version: '7' })),
      },
      async (f) => ({
        label: f.functionName,
        live: { on: '6', split: { to: '7', weight: 10 } },
        marker: { ...ours, state: 'started' },
        saved: each.find((s) => s.functionName === f.functionName),
      }),
    );
    expect((inspection.saved as LockstepSaved).release).toBe(run);
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
