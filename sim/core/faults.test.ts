import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { rejection, testCloud, type TestCloud } from '../testing.js';

let t: TestCloud;
let once: { lambda: LambdaClient; cloudwatch: CloudWatchClient };

beforeAll(async () => {
  t = await testCloud();
  once = {
    lambda: new LambdaClient({ ...t.clientConfig, maxAttempts: 1 }),
    cloudwatch: new CloudWatchClient({ ...t.clientConfig, maxAttempts: 1 }),
  };
});
afterAll(async () => {
  once.lambda.destroy();
  once.cloudwatch.destroy();
  await t.close();
});
beforeEach(async () => {
  await t.control.reset();
  await t.control.loadScenario({
    functions: [
      {
        name: 'orders',
        versions: [{ version: '1' }, { version: '2' }],
        aliases: [{ name: 'live', version: '1' }],
      },
    ],
  });
  await t.control.clearWrites();
});

const getAlias = (c: LambdaClient) => c.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }));

it('throttles Lambda with 429 TooManyRequestsException and Retry-After; the SDK retries', async () => {
  await t.control.setFaults({ lambda: { throttle: 1, limit: 1, retryAfterSeconds: 0.05 } });
  expect(await rejection(getAlias(once.lambda))).toMatchObject({
    name: 'TooManyRequestsException',
    status: 429,
  });
  await t.control.setFaults({ lambda: { throttle: 1, limit: 2, retryAfterSeconds: 0.05 } });
  const r = await getAlias(t.lambda);
  expect(r.$metadata.attempts).toBe(3);
});

it('throttles CloudWatch with 400 Throttling; the SDK retries', async () => {
  await t.control.setFaults({ cloudwatch: { throttle: 1, limit: 1 } });
  const e = await rejection(once.cloudwatch.send(new DescribeAlarmsCommand({})));
  expect(e.status).toBe(400);
  expect(['Throttling', 'ThrottlingException']).toContain(e.name);
  await t.control.setFaults({ cloudwatch: { throttle: 1, limit: 1 } });
  const r = await t.cloudwatch.send(new DescribeAlarmsCommand({}));
  expect(r.$metadata.attempts).toBe(2);
});

it('answers 5xx (ServiceException, InternalServiceFault) that the SDK retries', async () => {
  await t.control.setFaults({ lambda: { error5xx: 1, limit: 1 }, cloudwatch: { error5xx: 1, limit: 1 } });
  expect(await rejection(getAlias(once.lambda))).toMatchObject({ name: 'ServiceException', status: 500 });
  expect(await rejection(once.cloudwatch.send(new DescribeAlarmsCommand({})))).toMatchObject({
    name: 'InternalServiceFault',
    status: 500,
  });
  await t.control.setFaults({ lambda: { error5xx: 1, limit: 1 } });
  expect((await getAlias(t.lambda)).$metadata.attempts).toBe(2);
});

it('drops connections, which the SDK retries', async () => {
  await t.control.setFaults({ lambda: { drop: 1, limit: 1 } });
  const r = await getAlias(t.lambda);
  expect(r.$metadata.attempts).toBe(2);
});

it('carries out a request and then loses its answer (dropAfter): a retry with the old RevisionId gets 412', async () => {
  const { RevisionId } = await getAlias(t.lambda);
  await t.control.setFaults({ lambda: { dropAfter: 1, operations: ['UpdateAlias'], limit: 1 } });
  const error = await rejection(
    t.lambda.send(
      new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '2', RevisionId }),
    ),
  );
  // The first attempt landed; the SDK's retry then found the alias changed.
  expect(error).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
  expect((await getAlias(t.lambda)).FunctionVersion).toBe('2');
});

it('slows answers down', async () => {
  await t.control.setFaults({ lambda: { delayMs: 200 } });
  const start = Date.now();
  await getAlias(t.lambda);
  expect(Date.now() - start).toBeGreaterThanOrEqual(190);
});

it('limits faults to named operations and logs faulted writes with their status', async () => {
  await t.control.setFaults({ lambda: { throttle: 1, operations: ['UpdateAlias'], limit: 1 } });
  await getAlias(once.lambda);
  await t.lambda.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '2' }));
  expect((await t.control.writes()).map((w) => [w.operation, w.status])).toEqual([
    ['UpdateAlias', 429],
    ['UpdateAlias', 200],
  ]);
});

it('is reproducible from the seed', async () => {
  const run = async (): Promise<number[]> => {
    await t.control.reset({ seed: 42 });
    await t.control.loadScenario({
      seed: 42,
      functions: [
        { name: 'orders', versions: [{ version: '1' }], aliases: [{ name: 'live', version: '1' }] },
      ],
      faults: { lambda: { throttle: 0.5 } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        await getAlias(once.lambda).then(
          () => 200,
          (e: { $metadata: { httpStatusCode: number } }) => e.$metadata.httpStatusCode,
        ),
      );
    }
    return statuses;
  };
  const a = await run();
  expect(await run()).toEqual(a);
  expect(a).toContain(429);
  expect(a).toContain(200);
});
