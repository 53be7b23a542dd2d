import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { rejection, sleep, testCloud, type TestCloud } from '../testing.js';

const ROLE = 'arn:aws:iam::123456789012:role/orders';
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/other';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:orders-dlq';

let t: TestCloud;

beforeAll(async () => {
  t = await testCloud({ updateSettleMs: 300 });
});
afterAll(async () => {
  await t.close();
});

beforeEach(async () => {
  await t.control.reset();
  await t.control.loadScenario({
    functions: [
      {
        name: 'orders',
        role: ROLE,
        versions: [
          { version: '1', code: 'v1' },
          { version: '2', code: 'v2' },
          { version: '3', code: 'v3', role: OTHER_ROLE },
          { version: '4', code: 'v4', deadLetterArn: DLQ },
        ],
        latest: { code: 'v2' },
        aliases: [{ name: 'live', version: '1' }],
      },
    ],
  });
  await t.control.clearWrites();
});

describe('alias rules, refused with the errors AWS answers', () => {
  const update = (input: Partial<ConstructorParameters<typeof UpdateAliasCommand>[0]>) =>
    t.lambda.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', ...input }));

  it('accepts a valid split and answers a new RevisionId', async () => {
    const before = await t.lambda.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }));
    const after = await update({
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } },
      RevisionId: before.RevisionId,
    });
    expect(after.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 });
    expect(after.RevisionId).not.toEqual(before.RevisionId);
    expect((await t.control.alias('orders', 'live')).RoutingConfig).toEqual({
      AdditionalVersionWeights: { '2': 0.1 },
    });
  });

  it('refuses more than one additional version (400 InvalidParameterValueException)', async () => {
    const e = await rejection(
      update({ RoutingConfig: { AdditionalVersionWeights: { '2': 0.1, '4': 0.1 } } }),
    );
    expect(e).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
  });

  it.each([1.5, -0.1])('refuses weight %p (400 ValidationException)', async (w) => {
    const e = await rejection(update({ RoutingConfig: { AdditionalVersionWeights: { '2': w } } }));
    expect(e).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(e.message).toContain('routingConfig.additionalVersionWeights');
  });

  it('accepts the weight bounds 0.0 and 1.0', async () => {
    await update({ RoutingConfig: { AdditionalVersionWeights: { '2': 0 } } });
    await update({ RoutingConfig: { AdditionalVersionWeights: { '2': 1 } } });
  });

  it('refuses $LATEST as the additional version (400 ValidationException)', async () => {
    const e = await rejection(update({ RoutingConfig: { AdditionalVersionWeights: { $LATEST: 0.1 } } }));
    expect(e).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  it('refuses $LATEST as the primary of a split (400 InvalidParameterValueException)', async () => {
    const e = await rejection(
      update({ FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }),
    );
    expect(e).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(e.message).toContain('$LATEST is not supported');
  });

  it('refuses a non-existent primary version (404 ResourceNotFoundException)', async () => {
    const e = await rejection(update({ FunctionVersion: '99' }));
    expect(e).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('refuses a non-existent additional version (404 ResourceNotFoundException)', async () => {
    const e = await rejection(update({ RoutingConfig: { AdditionalVersionWeights: { '99': 0.1 } } }));
    expect(e).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('refuses the primary version as the additional one (400 InvalidParameterValueException)', async () => {
    const e = await rejection(
      update({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } } }),
    );
    expect(e).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(e.message).toContain('already included in routing configuration');
  });

  it('refuses versions with different execution roles (400 InvalidParameterValueException)', async () => {
    const e = await rejection(update({ RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } } }));
    expect(e).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(e.message).toBe('Specified versions must be associated with the same execution role');
  });

  it('refuses versions with different dead-letter queues (400 InvalidParameterValueException)', async () => {
    const e = await rejection(update({ RoutingConfig: { AdditionalVersionWeights: { '4': 0.1 } } }));
    expect(e).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(e.message).toContain('dead letter queue');
  });

  it('refuses a stale RevisionId (412 PreconditionFailedException)', async () => {
    const e = await rejection(update({ FunctionVersion: '2', RevisionId: 'not-the-revision' }));
    expect(e).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
  });

  it('refuses a description over 256 characters (400 ValidationException)', async () => {
    await update({ Description: 'x'.repeat(256) });
    const e = await rejection(update({ Description: 'x'.repeat(257) }));
    expect(e).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  it('answers 404 for an unknown function or alias', async () => {
    expect(
      await rejection(t.lambda.send(new GetAliasCommand({ FunctionName: 'nope', Name: 'live' }))),
    ).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    });
    expect(await rejection(update({ Name: 'nope', FunctionVersion: '2' }))).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'Alias not found: arn:aws:lambda:us-east-1:123456789012:function:orders:nope',
    });
  });

  it('leaves the alias unchanged after every refusal', async () => {
    const before = await t.control.alias('orders', 'live');
    await rejection(update({ RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } } }));
    expect(await t.control.alias('orders', 'live')).toEqual(before);
  });

  it('validates alias names on create and refuses duplicates (409)', async () => {
    const create = (Name: string) =>
      t.lambda.send(new CreateAliasCommand({ FunctionName: 'orders', Name, FunctionVersion: '1' }));
    expect(await rejection(create('123'))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await rejection(create('bad name'))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await rejection(create('live'))).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    const created = await create('canary_1');
    expect(created.AliasArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:orders:canary_1');
  });

  it('accepts function ARNs as FunctionName', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
    const a = await t.lambda.send(new GetAliasCommand({ FunctionName: arn, Name: 'live' }));
    expect(a.FunctionVersion).toBe('1');
    const c = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${arn}:live` }));
    expect(c.Version).toBe('1');
  });

  it('answers as Lambda does for the ARN of a function in another region: not found, naming both regions', async () => {
    const elsewhere = 'arn:aws:lambda:eu-west-1:123456789012:function:orders';
    for (const call of [
      t.lambda.send(new GetAliasCommand({ FunctionName: elsewhere, Name: 'live' })),
      t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: elsewhere })),
      update({ FunctionName: elsewhere, FunctionVersion: '1' }),
    ]) {
      expect(await rejection(call)).toMatchObject({
        name: 'ResourceNotFoundException',
        status: 404,
        message: "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
      });
    }
    expect(await t.control.alias('orders', 'live')).toMatchObject({ FunctionVersion: '1' });
  });

  it('lists and deletes aliases', async () => {
    const list = await t.lambda.send(new ListAliasesCommand({ FunctionName: 'orders' }));
    expect(list.Aliases?.map((a) => a.Name)).toEqual(['live']);
    await t.lambda.send(new DeleteAliasCommand({ FunctionName: 'orders', Name: 'live' }));
    expect((await t.lambda.send(new ListAliasesCommand({ FunctionName: 'orders' }))).Aliases).toEqual([]);
  });
});

describe('versions and updates', () => {
  it('returns the existing latest version when code and configuration are unchanged', async () => {
    const first = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'orders' }));
    // $LATEST has code v2 but the newest version is 4 (different DLQ): a new version is made.
    expect(first.Version).toBe('5');
    const again = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'orders' }));
    expect(again.Version).toBe('5');
    const versions = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'orders' }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2', '3', '4', '5']);
  });

  it('lists versions page by page with Marker and MaxItems', async () => {
    const pages: string[][] = [];
    let marker: string | undefined;
    do {
      const page = await t.lambda.send(
        new ListVersionsByFunctionCommand({ FunctionName: 'orders', MaxItems: 2, Marker: marker }),
      );
      pages.push((page.Versions ?? []).map((v) => v.Version!));
      marker = page.NextMarker;
    } while (marker);
    expect(pages.flat()).toEqual(['$LATEST', '1', '2', '3', '4']);
    expect(pages.every((p) => p.length <= 2)).toBe(true);
  });

  it('settles UpdateFunctionCode: InProgress, publish refused with 409, then Successful', async () => {
    await t.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'orders', ZipFile: Buffer.from('new code') }),
    );
    const during = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'orders' }));
    expect(during.Configuration?.LastUpdateStatus).toBe('InProgress');
    expect(
      await rejection(t.lambda.send(new PublishVersionCommand({ FunctionName: 'orders' }))),
    ).toMatchObject({
      name: 'ResourceConflictException',
      status: 409,
    });
    await sleep(350);
    const after = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'orders' }));
    expect(after.LastUpdateStatus).toBe('Successful');
    const v = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'orders' }));
    expect(v.Version).toBe('5');
    expect(v.CodeSha256).toBe(after.CodeSha256);
  });

  it('UpdateFunctionConfiguration changes role and DLQ and settles too', async () => {
    const r = await t.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'orders',
        Role: OTHER_ROLE,
        DeadLetterConfig: { TargetArn: DLQ },
      }),
    );
    expect(r.Role).toBe(OTHER_ROLE);
    expect(r.DeadLetterConfig?.TargetArn).toBe(DLQ);
    expect(r.LastUpdateStatus).toBe('InProgress');
  });

  it('creates functions with the SDK', async () => {
    const f = await t.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'payments',
        Role: ROLE,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: Buffer.from('code') },
        Publish: true,
      }),
    );
    expect(f.FunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:payments');
    expect(f.State).toBe('Active');
    const versions = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'payments' }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
  });
});

describe('Invoke', () => {
  it('routes by weight and answers X-Amz-Executed-Version', async () => {
    await t.lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'orders',
        Name: 'live',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
      }),
    );
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const r = await t.lambda.send(
        new InvokeCommand({ FunctionName: 'orders', Qualifier: 'live', Payload: '{}' }),
      );
      counts[r.ExecutedVersion ?? '?'] = (counts[r.ExecutedVersion ?? '?'] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['1', '2']);
    expect(counts['2']).toBeGreaterThan(35);
    expect(counts['2']).toBeLessThan(85);
  });

  it('fails by the version error rate with X-Amz-Function-Error', async () => {
    await t.control.setBehavior('orders', '1', { errorRate: 1 });
    const r = await t.lambda.send(
      new InvokeCommand({ FunctionName: 'orders:live', Payload: '{"hook":true}' }),
    );
    expect(r.StatusCode).toBe(200);
    expect(r.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(r.Payload ?? []).toString())).toMatchObject({ errorType: 'Error' });
    const log = await t.control.invocations('orders');
    expect(log).toEqual([
      expect.objectContaining({
        qualifier: 'live',
        executedVersion: '1',
        error: true,
        payload: '{"hook":true}',
      }),
    ]);
  });

  it('answers a configured response', async () => {
    await t.control.setBehavior('orders', '1', { response: { status: 'Succeeded' } });
    const r = await t.lambda.send(new InvokeCommand({ FunctionName: 'orders', Qualifier: '1' }));
    expect(JSON.parse(Buffer.from(r.Payload ?? []).toString())).toEqual({ status: 'Succeeded' });
  });

  it('keeps a slow function (latencyMs) from answering until its latency is over: a caller giving up first gets nothing', async () => {
    await t.control.loadScenario({
      functions: [{ name: 'checks', versions: [{ response: { status: 'Succeeded' }, latencyMs: 3_000 }] }],
    });
    const invoke = (signal?: AbortSignal) =>
      t.lambda.send(new InvokeCommand({ FunctionName: 'checks:1', Payload: '{"phase":"pre-traffic"}' }), {
        abortSignal: signal,
      });
    // The caller's limit is far shorter than the latency: the answer cannot come first.
    await expect(invoke(AbortSignal.timeout(100))).rejects.toThrow(/abort/i);
    const log = await t.control.invocations('checks');
    expect(log).toEqual([expect.objectContaining({ qualifier: '1', payload: '{"phase":"pre-traffic"}' })]);
    await t.control.setBehavior('checks', '1', { latencyMs: 0 });
    const r = await invoke();
    expect(JSON.parse(Buffer.from(r.Payload ?? []).toString())).toEqual({ status: 'Succeeded' });
  });
});

describe('writes log', () => {
  it('records writes (also refused ones) and not reads', async () => {
    await t.lambda.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }));
    await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'orders' }));
    expect(await t.control.writes()).toEqual([]);
    await rejection(
      t.lambda.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '99' })),
    );
    await t.lambda.send(
      new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '2' }),
    );
    const writes = await t.control.writes();
    expect(writes.map((w) => [w.service, w.operation, w.target, w.status])).toEqual([
      ['lambda', 'UpdateAlias', 'orders:live', 404],
      ['lambda', 'UpdateAlias', 'orders:live', 200],
    ]);
    await t.control.clearWrites();
    expect(await t.control.writes()).toEqual([]);
  });
});
