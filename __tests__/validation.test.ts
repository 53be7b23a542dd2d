// validateInputs: the syntax of the inputs and what AWS says of them (alarms, function, version),
// reported together in one InputError, before any write.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { InputError } from '../src/inputs.js';
import { validateInputs } from '../src/validation.js';
import { testClients } from './support/clients.js';

const lambdaMock = mockClient(LambdaClient);
const cwMock = mockClient(CloudWatchClient);
const env = { AWS_REGION: 'us-east-1' };
const clients = () => testClients();
const notFound = () =>
  Object.assign(new Error('Function not found'), {
    name: 'ResourceNotFoundException',
    $metadata: { httpStatusCode: 404 },
  });

function validate(inputs: Record<string, string>, environment: NodeJS.ProcessEnv = env) {
  return validateInputs(
    (name) => inputs[name] ?? '',
    environment,
    clients,
    new AbortController().signal,
    Date.parse('2026-11-22T12:00:00Z'),
  );
}

async function problemsOf(inputs: Record<string, string>, environment?: NodeJS.ProcessEnv) {
  const error = await validate(inputs, environment).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).problems;
}

beforeEach(() => {
  lambdaMock.reset();
  cwMock.reset();
  // Function orders has $LATEST and version 4; alias live, on version 4.
  lambdaMock.on(GetFunctionConfigurationCommand).rejects(notFound());
  lambdaMock.on(GetFunctionConfigurationCommand, { Qualifier: '$LATEST' }).resolves({ Version: '$LATEST' });
  lambdaMock.on(GetFunctionConfigurationCommand, { Qualifier: '4' }).resolves({ Version: '4' });
  lambdaMock.on(GetAliasCommand).resolves({ Name: 'live', FunctionVersion: '4', RevisionId: 'r1' });
  lambdaMock
    .on(ListVersionsByFunctionCommand)
    .resolves({ Versions: [{ Version: '$LATEST' }, { Version: '4' }] });
  cwMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'orders-errors' }] });
});

describe('validateInputs', () => {
  it('reports the syntax and what AWS says together, in the order of the inputs', async () => {
    const problems = await problemsOf({
      'function-name': 'orders',
      version: '9',
      strategy: 'canary 10%',
      alarms: 'orders-erors',
    });
    expect(problems.map((p) => /^Input "([a-z-]+)"/.exec(p)?.[1])).toEqual(['strategy', 'version', 'alarms']);
    expect(problems[1]).toMatch(
      /version 9 of function orders does not exist; the latest published version is 4\./,
    );
    expect(problems[2]).toMatch(/"orders-erors" \(did you mean "orders-errors"\?\)/);
  });

  it('checks the function and the alias even when the version input is wrong', async () => {
    lambdaMock.on(GetAliasCommand).rejects(notFound());
    lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'live' }] });
    const problems = await problemsOf({ 'function-name': 'orders', alias: 'lve', version: 'newest' });
    expect(problems.map((p) => /^Input "([a-z-]+)"/.exec(p)?.[1])).toEqual(['version', 'alias']);
    expect(problems[1]).toMatch(
      /^Input "alias": alias lve of function orders does not exist; its aliases include "live"\./,
    );
    lambdaMock.on(GetFunctionConfigurationCommand).rejects(notFound());
    expect((await problemsOf({ 'function-name': 'nope', version: 'newest' }))[1]).toMatch(
      /^Input "function-name": function nope does not exist in us-east-1\./,
    );
  });

  it('asks AWS nothing about an input that is already wrong, nor in a region that is not one', async () => {
    await problemsOf({
      'function-name': 'orders',
      version: 'newest',
      alarms: 'orders-errors',
      region: 'Frankfurt',
    });
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(cwMock.calls()).toHaveLength(0);
  });

  it('checks that each hook function exists, with the other problems, and names the input', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(notFound());
    lambdaMock.on(GetFunctionCommand, { FunctionName: 'checks:live' }).resolves({});
    const problems = await problemsOf({
      'function-name': 'orders',
      version: '4',
      'pre-traffic-hook': 'checks:live',
      'post-traffic-hook': 'smoke-tset',
      'hook-timeout': '20m',
    });
    expect(problems).toEqual([
      'Input "hook-timeout": "20m" is out of range. Accepted: from 1s to 15m, Lambda\'s longest invocation (default 5m).',
      expect.stringMatching(
        /^Input "post-traffic-hook": the function "smoke-tset" was not found in us-east-1\./,
      ),
    ]);
    expect(lambdaMock.commandCalls(GetFunctionCommand).map((c) => c.args[0].input.FunctionName)).toEqual([
      'checks:live',
      'smoke-tset',
    ]);
  });

  it('returns the inputs and the clients when everything checks out', async () => {
    const { inputs } = await validate({ 'function-name': 'orders', version: '4', alarms: 'orders-errors' });
    expect(inputs).toMatchObject({
      targetInputs: { functionName: 'orders', version: '4' },
      alarms: ['orders-errors'],
    });
  });

  it('throws a failed look-up as itself, or lists it with the problems found', async () => {
    cwMock.on(DescribeAlarmsCommand).rejects(
      Object.assign(new Error('denied'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(validate({ 'function-name': 'orders', alarms: 'orders-errors' })).rejects.toThrow(
      /^Could not read the state of alarms orders-errors: AccessDeniedException/,
    );
    const problems = await problemsOf({
      'function-name': 'orders',
      alarms: 'orders-errors',
      'dry-run': 'maybe',
    });
    expect(problems).toHaveLength(2);
    expect(problems[1]).toMatch(
      /^Not every input could be checked against AWS: Could not read the state of alarms/,
    );
  });
});
