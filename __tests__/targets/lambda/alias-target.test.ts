import {
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { runRollout } from '../../../src/engine/rollout.js';
import { ConcurrentChangeError, WriteRefusedError, type Gate } from '../../../src/engine/types.js';
import { formatMarker, parseMarker } from '../../../src/marker.js';
import { parseStrategy } from '../../../src/strategy.js';
import {
  CancelledError,
  checkVersionsCompatible,
  functionInputProblems,
  LambdaAliasTarget,
  publishVersion,
  readAlias,
  toFraction,
  waitForFunctionUpdated,
} from '../../../src/targets/lambda/alias-target.js';
import {
  prepareLambdaRelease,
  stageOf,
  type LambdaReleaseInputs,
} from '../../../src/targets/lambda/preflight.js';
import { FakeClock } from '../../support/fake-clock.js';

const lambdaMock = mockClient(LambdaClient);
const ref = { functionName: 'orders', alias: 'live', region: 'us-east-1' };
const STEP = { index: 0, count: 2 };
const NOT_CANCELLED = new AbortController().signal;
const identity = {
  run: 'acme/shop#42.1',
  plan: 'canary 10% 5m',
  started: '2026-11-22T12:00:00.000Z',
  by: 'octocat',
};

function preconditionFailed() {
  return Object.assign(new Error('The Revision Id provided does not match the latest Revision Id.'), {
    name: 'PreconditionFailedException',
    $metadata: { httpStatusCode: 412 },
  });
}

/** Every UpdateAlias answers a new RevisionId, as Lambda does. */
function revisions() {
  let n = 1;
  lambdaMock.on(UpdateAliasCommand).callsFake(() => ({ RevisionId: `rev-${++n}` }));
}

function updates() {
  return lambdaMock.commandCalls(UpdateAliasCommand).map((c) => c.args[0].input);
}

function newTarget(): LambdaAliasTarget {
  return new LambdaAliasTarget(new LambdaClient({ region: 'us-east-1' }), ref, '6', '7', identity, 'rev-1');
}

/** The Description a run leaves while it holds 10% on `to`. */
function shiftingMarker(run: string, to: string): string {
  return formatMarker({
    state: 'shifting',
    run,
    from: '6',
    to,
    weight: 10,
    plan: 'x',
    started: 'y',
    by: 'z',
  });
}

beforeEach(() => lambdaMock.reset());

/** The alias with 10% on version 7, as a landed write leaves it: its revision and marker. */
const splitAt10 = (RevisionId: string, Description: string) => ({
  FunctionVersion: '6',
  RoutingConfig: { AdditionalVersionWeights: { '7': 0.1 } },
  RevisionId,
  Description,
});

describe('LambdaAliasTarget', () => {
  it('sends every UpdateAlias with the last RevisionId, the weights and the marker', async () => {
    revisions();
    lambdaMock.on(GetAliasCommand).resolves({
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-4',
    });
    const target = newTarget();
    await target.setWeight(10, STEP, NOT_CANCELLED);
    await target.setWeight(30, STEP, NOT_CANCELLED);
    await target.promote();
    await target.verify();

    const calls = updates();
    expect(
      calls.map((c) => [c.FunctionVersion, c.RoutingConfig?.AdditionalVersionWeights, c.RevisionId]),
    ).toEqual([
      ['6', { '7': 0.1 }, 'rev-1'],
      ['6', { '7': 0.3 }, 'rev-2'],
      ['7', {}, 'rev-3'],
    ]);
    expect(calls.every((c) => c.FunctionName === 'orders' && c.Name === 'live')).toBe(true);
    const markers = calls.map((c) => parseMarker(c.Description));
    expect(markers.map((m) => [m?.state, m?.weight, m?.run, m?.from, m?.to])).toEqual([
      ['shifting', 10, 'acme/shop#42.1', '6', '7'],
      ['shifting', 30, 'acme/shop#42.1', '6', '7'],
      ['promoted', 100, 'acme/shop#42.1', '6', '7'],
    ]);
    expect(calls.every((c) => (c.Description ?? '').length <= 256)).toBe(true);
  });

  it('rolls back to the previous version with empty routing', async () => {
    revisions();
    const target = newTarget();
    await target.setWeight(10, STEP, NOT_CANCELLED);
    await target.rollback('alarm');
    const last = updates().at(-1)!;
    expect(last).toMatchObject({
      FunctionVersion: '6',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-2',
    });
    expect(parseMarker(last.Description)?.state).toBe('rolled-back');
  });

  it('on a 412 re-reads the alias, never retries, and reports what it found', async () => {
    lambdaMock.on(UpdateAliasCommand).rejects(preconditionFailed());
    lambdaMock
      .on(GetAliasCommand)
      .resolves({ FunctionVersion: '9', RevisionId: 'rev-x', Description: 'manual hotfix' });
    const target = newTarget();
    const error = await target.setWeight(10, STEP, NOT_CANCELLED).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentChangeError);
    expect((error as ConcurrentChangeError).found).toBe('all traffic on version 9');
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(1);
    expect(lambdaMock.commandCalls(GetAliasCommand)).toHaveLength(1);
  });

  it('a 412 on a write that had landed (a retried request) is taken as done', async () => {
    lambdaMock.on(UpdateAliasCommand).rejects(preconditionFailed());
    const landed = shiftingMarker(identity.run, '7');
    lambdaMock.on(GetAliasCommand).resolves(splitAt10('rev-2', landed));
    const target = newTarget();
    await target.setWeight(10, STEP, NOT_CANCELLED);
    // The next write uses the RevisionId found on re-reading.
    lambdaMock.on(UpdateAliasCommand).resolves({ RevisionId: 'rev-3' });
    await target.setWeight(30, STEP, NOT_CANCELLED);
    expect(updates().map((u) => u.RevisionId)).toEqual(['rev-1', 'rev-2']);
    // The same re-read showing a different weight is someone else's change.
    lambdaMock.on(UpdateAliasCommand).rejects(preconditionFailed());
    await expect(target.setWeight(50, STEP, NOT_CANCELLED)).rejects.toBeInstanceOf(ConcurrentChangeError);
  });

  it('a write whose answer was lost is done when the alias shows it, and an error when it does not', async () => {
    const lost = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
    lambdaMock.on(UpdateAliasCommand).rejects(lost);
    const landed = shiftingMarker(identity.run, '7');
    lambdaMock.on(GetAliasCommand).resolvesOnce(splitAt10('rev-2', landed));
    const target = newTarget();
    await target.setWeight(10, STEP, NOT_CANCELLED);
    expect(target.lastRevisionId).toBe('rev-2');
    // The next one did not land: the alias still shows 10%, so the lost answer is an error.
    lambdaMock.on(GetAliasCommand).resolves(splitAt10('rev-2', landed));
    await expect(target.setWeight(30, STEP, NOT_CANCELLED)).rejects.toThrow(/TimeoutError: socket hang up/);
  });

  it('a rollback after a 412 takes back its own write when the alias still shows it', async () => {
    // Our 10% write landed but its answer was lost: the alias holds our marker at rev-9.
    lambdaMock.on(UpdateAliasCommand, { RevisionId: 'rev-1' }).rejects(preconditionFailed());
    lambdaMock.on(UpdateAliasCommand, { RevisionId: 'rev-9' }).resolves({ RevisionId: 'rev-10' });
    const ours = shiftingMarker(identity.run, '7');
    lambdaMock.on(GetAliasCommand).resolves(splitAt10('rev-9', ours));
    const target = newTarget();
    await target.rollback('cancelled');
    expect(updates().map((u) => u.RevisionId)).toEqual(['rev-1', 'rev-9']);
  });

  it('a rollback after a 412 does not fight another actor', async () => {
    lambdaMock.on(UpdateAliasCommand).rejects(preconditionFailed());
    const theirs = shiftingMarker('acme/shop#43.1', '8');
    lambdaMock.on(GetAliasCommand).resolves({
      FunctionVersion: '6',
      RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } },
      RevisionId: 'rev-9',
      Description: theirs,
    });
    const target = newTarget();
    await expect(target.rollback('cancelled')).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect(updates()).toHaveLength(1);
  });

  it('verify fails when the alias is still split after promotion', async () => {
    lambdaMock.on(GetAliasCommand).resolves({
      FunctionVersion: '6',
      RoutingConfig: { AdditionalVersionWeights: { '7': 0.5 } },
      RevisionId: 'r',
    });
    const target = newTarget();
    await expect(target.verify()).rejects.toThrow('expected all traffic on version 7');
  });

  it('verify reads again when a read fails, and calls a changed alias a concurrent change', async () => {
    const unreadable = Object.assign(new Error('Service unavailable'), {
      name: 'ServiceException',
      $metadata: { httpStatusCode: 503 },
    });
    lambdaMock
      .on(GetAliasCommand)
      .rejectsOnce(unreadable)
      .rejectsOnce(unreadable)
      .resolves({ FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: 'r' });
    const target = newTarget();
    await target.verify();
    expect(lambdaMock.commandCalls(GetAliasCommand)).toHaveLength(3);

    lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '9', RevisionId: 'r' });
    const changed = await target.verify().catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(ConcurrentChangeError);
    expect((changed as ConcurrentChangeError).found).toBe('all traffic on version 9');
  });

  it('wraps AccessDenied with the missing IAM action, as a write refused (nothing changed)', async () => {
    lambdaMock.on(UpdateAliasCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: lambda:UpdateAlias'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const target = newTarget();
    await expect(target.setWeight(10, STEP, NOT_CANCELLED)).rejects.toThrow(
      /Could not set 10% on version 7 of alias live of function orders: AccessDeniedException: .*lack the IAM permission lambda:UpdateAlias/,
    );
    await expect(target.setWeight(10, STEP, NOT_CANCELLED)).rejects.toBeInstanceOf(WriteRefusedError);
    // A 5xx may have been carried out: not a refusal.
    lambdaMock.on(UpdateAliasCommand).rejects(
      Object.assign(new Error('Service unavailable'), {
        name: 'ServiceException',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const maybe = await target.setWeight(10, STEP, NOT_CANCELLED).catch((e: unknown) => e);
    expect(maybe).not.toBeInstanceOf(WriteRefusedError);
  });

  it('reads a split alias', async () => {
    lambdaMock.on(GetAliasCommand).resolves({
      FunctionVersion: '6',
      RoutingConfig: { AdditionalVersionWeights: { '7': 0.25 } },
      RevisionId: 'r1',
    });
    const state = await readAlias(new LambdaClient({ region: 'us-east-1' }), ref);
    expect(state).toMatchObject({
      functionVersion: '6',
      split: { version: '7', weight: 25 },
      revisionId: 'r1',
    });
  });
});

describe('rollout against the alias', () => {
  it('rolls back when the alarm gate fails, with the RevisionId chain intact', async () => {
    revisions();
    const clock = new FakeClock();
    const start = clock.now();
    const gate: Gate = {
      name: 'alarms',
      async read() {
        const firing = clock.now() - start >= 7 * 60_000;
        return {
          gate: 'alarms',
          status: firing ? 'fail' : 'pass',
          summary: firing ? 'errors is ALARM' : 'ok',
          at: clock.now(),
        };
      },
    };
    const target = newTarget();
    const plan = {
      name: 'linear',
      steps: [5, 25, 50].map((weight) => ({ weight, holdMs: 5 * 60_000 })).concat({ weight: 100, holdMs: 0 }),
    };
    const record = await runRollout(
      plan,
      { pollIntervalMs: 5_000, timeoutMs: 60 * 60_000 },
      { target, gates: [gate], clock, signal: new AbortController().signal },
    );
    expect(record.outcome).toBe('rolled-back');
    expect(
      updates().map((u) => [u.FunctionVersion, u.RoutingConfig?.AdditionalVersionWeights, u.RevisionId]),
    ).toEqual([
      ['6', { '7': 0.05 }, 'rev-1'],
      ['6', { '7': 0.25 }, 'rev-2'],
      ['6', {}, 'rev-3'],
    ]);
  });
});

describe('waiting for the function', () => {
  it("says in our words that the last update failed, instead of the waiter's raw result", async () => {
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: { State: 'Active', LastUpdateStatus: 'Failed', LastUpdateStatusReason: 'bad zip' },
    });
    await expect(
      waitForFunctionUpdated(new LambdaClient({ region: 'us-east-1' }), ref, undefined, 2),
    ).rejects.toThrow(
      /^Function orders was still updating after 2s, or its last update failed \(LastUpdateStatus\); wait for the update to finish \(or fix it\) and run again \(answers seen: .*"LastUpdateStatusReason":"bad zip".*\)\.$/,
    );
  });

  it('names a missing IAM permission that kept the waiter waiting', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(
      Object.assign(new Error('not authorized to perform: lambda:GetFunction'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(
      waitForFunctionUpdated(new LambdaClient({ region: 'us-east-1' }), ref, undefined, 2),
    ).rejects.toThrow(
      /\(answers seen: 403: not authorized to perform: lambda:GetFunction ×\d; the credentials lack the IAM permission lambda:GetFunction\)\.$/,
    );
  });
});

describe('version compatibility', () => {
  const base = {
    Version: '6',
    Role: 'arn:aws:iam::1:role/a',
    DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:1:dlq' },
  };
  it('accepts the same role and dead-letter queue', () => {
    expect(() => checkVersionsCompatible(ref, base, { ...base, Version: '7' })).not.toThrow();
  });
  it('names a different role', () => {
    expect(() =>
      checkVersionsCompatible(ref, base, { ...base, Version: '7', Role: 'arn:aws:iam::1:role/b' }),
    ).toThrow(
      /execution role differs: version 6 uses arn:aws:iam::1:role\/a, version 7 uses arn:aws:iam::1:role\/b/,
    );
  });
  it('names a different dead-letter queue, including none', () => {
    expect(() => checkVersionsCompatible(ref, base, { Version: '7', Role: base.Role })).toThrow(
      /dead-letter queue differs: version 6 uses arn:aws:sqs:us-east-1:1:dlq, version 7 uses none/,
    );
  });
});

describe('toFraction', () => {
  it('turns percents into fractions without float noise', () => {
    expect([10, 30, 0.5, 33.3333, 0.0001].map(toFraction)).toEqual([0.1, 0.3, 0.005, 0.333333, 0.000001]);
  });

  it('never rounds a weight away: one finer than the alias routes is refused', () => {
    expect(() => toFraction(0.00001)).toThrow(
      'The weight 0.00001% is finer than a Lambda alias can route (steps of 0.0001%).',
    );
    expect(() => toFraction(12.34565)).toThrow(/finer than a Lambda alias can route/);
  });
});

function notFound(message: string) {
  return Object.assign(new Error(message), {
    name: 'ResourceNotFoundException',
    $metadata: { httpStatusCode: 404 },
  });
}

describe('functionInputProblems', () => {
  const lambda = () => new LambdaClient({ region: 'us-east-1' });
  const fnRef = { functionName: 'orders', region: 'us-east-1' };
  const denied = (action: string) =>
    Object.assign(new Error(`not authorized to perform ${action}`), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
  /** A function with $LATEST, without version 99. */
  const withoutVersion99 = () => {
    lambdaMock
      .on(GetFunctionConfigurationCommand, { Qualifier: '99' })
      .rejects(notFound('Function not found: arn:aws:lambda:us-east-1:123456789012:function:orders:99'));
    lambdaMock.on(GetFunctionConfigurationCommand, { Qualifier: '$LATEST' }).resolves({ Version: '$LATEST' });
  };

  it('finds nothing wrong with a version that exists', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Version: '7' });
    expect(await functionInputProblems(lambda(), fnRef, { version: '7' })).toEqual([]);
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: 'orders', Qualifier: '7' },
    ]);
  });

  it('says a version does not exist and names the latest published one, reading every page', async () => {
    withoutVersion99();
    lambdaMock
      .on(ListVersionsByFunctionCommand)
      .resolvesOnce({
        Versions: [{ Version: '$LATEST' }, { Version: '3' }, { Version: '12' }],
        NextMarker: 'p2',
      })
      .resolvesOnce({ Versions: [{ Version: '9' }] });
    expect(await functionInputProblems(lambda(), fnRef, { version: '99' })).toEqual([
      'Input "version": version 99 of function orders does not exist; the latest published version is 12. Give a published version number, or "publish" to publish the current code.',
    ]);
    expect(lambdaMock.commandCalls(ListVersionsByFunctionCommand).map((c) => c.args[0].input.Marker)).toEqual(
      [undefined, 'p2'],
    );
  });

  it('still says the version does not exist when listing the versions (for the latest) is denied', async () => {
    withoutVersion99();
    lambdaMock.on(ListVersionsByFunctionCommand).rejects(denied('lambda:ListVersionsByFunction'));
    expect(await functionInputProblems(lambda(), fnRef, { version: '99' })).toEqual([
      'Input "version": version 99 of function orders does not exist. Give a published version number, or "publish" to publish the current code.',
    ]);
  });

  it('says when the function has no published version at all', async () => {
    lambdaMock
      .on(GetFunctionConfigurationCommand, { Qualifier: '1' })
      .rejects(notFound('Function not found'));
    lambdaMock.on(GetFunctionConfigurationCommand, { Qualifier: '$LATEST' }).resolves({});
    lambdaMock.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: '$LATEST' }] });
    expect((await functionInputProblems(lambda(), fnRef, { version: '1' }))[0]).toMatch(
      /version 1 of function orders does not exist; it has no published version yet\./,
    );
  });

  it('tells a missing function from a missing version, whatever the version input', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).rejects(notFound('Function not found'));
    const missing =
      'Input "function-name": function orders does not exist in us-east-1. Check the name (it is case-sensitive) and the region.';
    expect(await functionInputProblems(lambda(), fnRef, { version: 'publish' })).toEqual([missing]);
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand)[0]!.args[0].input.Qualifier).toBe(
      '$LATEST',
    );
    expect(await functionInputProblems(lambda(), fnRef, { version: '99' })).toEqual([missing]);
    // The version input had a problem of its own: the function is still checked.
    expect(await functionInputProblems(lambda(), fnRef, {})).toEqual([missing]);
  });

  it('says an alias does not exist, naming some that do, alongside a missing version', async () => {
    withoutVersion99();
    lambdaMock.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: '4' }] });
    lambdaMock.on(GetAliasCommand).rejects(notFound('Alias not found'));
    lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'prod' }, { Name: 'staging' }] });
    expect(await functionInputProblems(lambda(), fnRef, { version: '99', alias: 'live' })).toEqual([
      'Input "version": version 99 of function orders does not exist; the latest published version is 4. Give a published version number, or "publish" to publish the current code.',
      'Input "alias": alias live of function orders does not exist; its aliases include "prod", "staging". Create the alias on the version in service first (the release moves an existing alias).',
    ]);
    expect(lambdaMock.commandCalls(GetAliasCommand)[0]!.args[0].input).toEqual({
      FunctionName: 'orders',
      Name: 'live',
    });
  });

  it('still says the alias does not exist when listing the aliases is denied', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({});
    lambdaMock.on(GetAliasCommand).rejects(notFound('Alias not found'));
    lambdaMock.on(ListAliasesCommand).rejects(denied('lambda:ListAliases'));
    expect(await functionInputProblems(lambda(), fnRef, { version: 'publish', alias: 'live' })).toEqual([
      'Input "alias": alias live of function orders does not exist. Create the alias on the version in service first (the release moves an existing alias).',
    ]);
  });

  it("throws what is not the inputs' fault (a denied call), rather than blaming them", async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).rejects(denied('lambda:GetFunctionConfiguration'));
    await expect(functionInputProblems(lambda(), fnRef, { version: '7' })).rejects.toThrow(
      /lack the IAM permission lambda:GetFunctionConfiguration/,
    );
  });
});

describe('cancellation in preflight', () => {
  const lambda = () => new LambdaClient({ region: 'us-east-1' });
  const inputs: LambdaReleaseInputs = {
    functionName: 'orders',
    alias: 'live',
    region: 'us-east-1',
    version: 'publish',
    plan: parseStrategy('AllAtOnce'),
    onExistingSplit: 'fail',
    dryRun: false,
  };

  beforeEach(() => {
    lambdaMock.reset();
    lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '6', RevisionId: 'rev-1' });
    lambdaMock.on(GetFunctionConfigurationCommand).callsFake((i) => ({ Version: i.Qualifier, Role: 'r' }));
    lambdaMock.on(PublishVersionCommand).resolves({ Version: '7' });
  });

  it('abandons the wait for a code update at once, and publishes nothing', async () => {
    const cancellation = new AbortController();
    // The update never settles; the signal comes while the waiter waits.
    lambdaMock.on(GetFunctionCommand).callsFake(() => {
      setTimeout(() => cancellation.abort('cancelled by SIGTERM'), 10);
      return { Configuration: { State: 'Active', LastUpdateStatus: 'InProgress' } };
    });
    const preparing = prepareLambdaRelease(lambda(), inputs, identity, cancellation.signal);
    await expect(preparing).rejects.toBeInstanceOf(CancelledError);
    await expect(preparing).rejects.toThrow('cancelled by SIGTERM before any change to the alias');
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(0);
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('passes the signal to every read', async () => {
    lambdaMock
      .on(GetFunctionCommand)
      .resolves({ Configuration: { State: 'Active', LastUpdateStatus: 'Successful' } });
    lambdaMock.on(PublishVersionCommand).resolves({ Version: '7' });
    lambdaMock
      .on(GetFunctionConfigurationCommand)
      .callsFake((i) => ({ Version: i.Qualifier, Role: 'r', State: 'Active' }));
    const signal = new AbortController().signal;
    await prepareLambdaRelease(lambda(), inputs, identity, signal);
    // Every read and write preflight makes itself (the SDK's own waiter polls take no options).
    const calls = [
      ...lambdaMock.commandCalls(GetAliasCommand),
      ...lambdaMock
        .commandCalls(GetFunctionConfigurationCommand)
        .filter((c) => c.args[0].input.Qualifier !== '7'),
      ...lambdaMock.commandCalls(PublishVersionCommand),
    ];
    expect(calls).toHaveLength(4);
    for (const call of calls) expect((call.args as unknown[])[1]).toMatchObject({ abortSignal: signal });
  });

  it('says which version it published when cancelled while that version becomes active', async () => {
    const cancellation = new AbortController();
    lambdaMock
      .on(GetFunctionCommand)
      .resolves({ Configuration: { State: 'Active', LastUpdateStatus: 'Successful' } });
    lambdaMock.on(GetFunctionConfigurationCommand).callsFake((i: { Qualifier?: string }) => {
      if (i.Qualifier !== '7') return { Version: i.Qualifier, Role: 'r' };
      setTimeout(() => cancellation.abort('cancelled by SIGTERM'), 10);
      return { Version: '7', State: 'Pending' };
    });
    await expect(prepareLambdaRelease(lambda(), inputs, identity, cancellation.signal)).rejects.toThrow(
      'cancelled by SIGTERM after publishing version 7, before any change to the alias',
    );
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('does not abandon the write that returns an old split to one version when SIGTERM comes during it', async () => {
    const cancellation = new AbortController();
    lambdaMock.on(GetAliasCommand).resolves({
      FunctionVersion: '6',
      RevisionId: 'rev-1',
      RoutingConfig: { AdditionalVersionWeights: { '5': 0.1 } },
    });
    // The signal comes while UpdateAlias is on its way; the write still lands.
    lambdaMock.on(UpdateAliasCommand).callsFake(async () => {
      cancellation.abort('cancelled by SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { RevisionId: 'rev-2', FunctionVersion: '6' };
    });
    const preparing = prepareLambdaRelease(
      lambda(),
      { ...inputs, version: '7', onExistingSplit: 'rollback' },
      identity,
      cancellation.signal,
    );
    await expect(preparing).rejects.toThrow(
      'cancelled by SIGTERM after returning alias live to version 6, before the first step of this release',
    );
    const write = lambdaMock.commandCalls(UpdateAliasCommand)[0]!;
    expect(write.args[0].input).toMatchObject({
      FunctionVersion: '6',
      RoutingConfig: { AdditionalVersionWeights: {} },
    });
    const writeSignal = (write.args as unknown[])[1] as { abortSignal: AbortSignal };
    expect(writeSignal.abortSignal).not.toBe(cancellation.signal);
    expect(writeSignal.abortSignal.aborted).toBe(false);
  });

  it('checks the signal before publishing', async () => {
    const cancellation = new AbortController();
    cancellation.abort('cancelled by SIGINT');
    await expect(publishVersion(lambda(), ref, cancellation.signal)).rejects.toThrow('cancelled by SIGINT');
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(0);
  });
});

describe('stageOf: where a cancellation found the release', () => {
  it('says what preflight changed, and what was under way', () => {
    expect(stageOf({ changes: [] })).toBe('before any change to the alias');
    expect(stageOf({ changes: ['publishing version 7'] })).toBe(
      'after publishing version 7, before any change to the alias',
    );
    expect(stageOf({ changes: [], underWay: 'publishing a version (perhaps done)' })).toBe(
      'after publishing a version (perhaps done), before any change to the alias',
    );
    // A write to the alias under way: not "before any change to the alias".
    expect(
      stageOf({
        changes: [],
        underWay: 'returning alias live to version 6 (perhaps done)',
        aliasWritten: true,
      }),
    ).toBe('after returning alias live to version 6 (perhaps done), before the first step of this release');
    expect(
      stageOf({ changes: ['returning alias live to version 6', 'publishing version 7'], aliasWritten: true }),
    ).toBe(
      'after returning alias live to version 6 and publishing version 7, before the first step of this release',
    );
  });
});
