// The Lambda traffic hook: how an answer is judged, and the invocation (RequestResponse, the
// payload, the hook's own request timeout, a failed call as the awsCall wrapper words it).
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { hookPayload, hookRun, judgeAnswer, lambdaHook } from '../../src/hooks/lambda-hook.js';
import { parseStrategy } from '../../src/strategy.js';

const lambdaMock = mockClient(LambdaClient);
beforeEach(() => lambdaMock.reset());

describe('judgeAnswer', () => {
  it.each([
    ['{"status":"Succeeded"}'],
    ['{"status":"succeeded","checked":3}'],
    ['null'],
    [''],
    ['"ok"'],
    ['{"checked":3}'],
  ])('passes %s', (answer) => {
    expect(judgeAnswer(answer)).toEqual({ status: 'passed', answer });
  });

  it('fails a Failed status, with the reason it gives', () => {
    expect(judgeAnswer('{"status":"Failed","reason":"orders table not migrated"}')).toMatchObject({
      status: 'failed',
      error: 'answered status Failed: orders table not migrated',
    });
    expect(judgeAnswer('{"status":"FAILED"}').error).toBe('answered status Failed');
  });

  it('fails any other status: a hook that means to pass says Succeeded or nothing', () => {
    expect(judgeAnswer('{"status":"Skipped"}')).toMatchObject({
      status: 'failed',
      error: 'answered status "Skipped", which is neither "Succeeded" nor "Failed"',
    });
    expect(judgeAnswer('{"status":true}').status).toBe('failed');
  });

  it('fails an answer that is not JSON', () => {
    expect(judgeAnswer('<html>')).toMatchObject({ status: 'failed', error: 'its answer is not JSON' });
  });

  it("fails a function error, with Lambda's error message, whatever the answer", () => {
    const answer = '{"errorType":"TypeError","errorMessage":"x is undefined","trace":[]}';
    expect(judgeAnswer(answer, 'Unhandled')).toEqual({
      status: 'failed',
      answer,
      error: 'function error (Unhandled): TypeError: x is undefined',
    });
    expect(judgeAnswer('{"status":"Succeeded"}', 'Handled').status).toBe('failed');
  });
});

describe('lambdaHook', () => {
  const payload = () =>
    hookPayload(
      'pre-traffic',
      { target: 'lambda-alias', function: 'orders', alias: 'live', currentVersion: '6', targetVersion: '7' },
      parseStrategy('canary 10% 5m'),
      hookRun({
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_RUN_ID: '42',
        GITHUB_SHA: 'abc',
        GITHUB_ACTOR: 'octocat',
      }),
    );
  const hook = () =>
    lambdaHook(new LambdaClient({ region: 'us-east-1' }), {
      functionName: 'checks:live',
      phase: 'pre-traffic',
      region: 'us-east-1',
      timeoutMs: 120_000,
      payload,
    });

  it('invokes the function synchronously with the payload and judges its answer', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: new TextEncoder().encode('{"status":"Failed"}') as never,
    });
    const result = await hook().run(new AbortController().signal);
    expect(result).toEqual({
      status: 'failed',
      answer: '{"status":"Failed"}',
      error: 'answered status Failed',
    });
    const input = lambdaMock.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'checks:live', InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({
      phase: 'pre-traffic',
      target: 'lambda-alias',
      function: 'orders',
      alias: 'live',
      currentVersion: '6',
      targetVersion: '7',
      plan: {
        name: 'canary 10% 5m',
        steps: [
          { weight: 10, holdSeconds: 300 },
          { weight: 100, holdSeconds: 0 },
        ],
      },
      run: { repository: 'acme/shop', runId: '42', sha: 'abc', actor: 'octocat' },
    });
  });

  it("throws a failed call in the wrapper's words, with the IAM action to add", async () => {
    lambdaMock.on(InvokeCommand).rejects(
      Object.assign(new Error('denied'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(hook().run(new AbortController().signal)).rejects.toThrow(
      /^Could not invoke the pre-traffic hook checks:live: AccessDeniedException: denied \(hint: the credentials lack the IAM permission lambda:InvokeFunction/,
    );
  });
});
