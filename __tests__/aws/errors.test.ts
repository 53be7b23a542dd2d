// What awsCall says when AWS cannot be reached: which service, at which URL and from where that
// URL came, and what to check; and the hints for what AWS itself answered.
import { awsCall, endpointHint } from '../../src/aws/errors.js';

const lambdaCall = {
  doing: 'read alias live of function orders',
  iamAction: 'lambda:GetAlias',
  region: 'eu-west-1',
};
const cloudwatchCall = { ...lambdaCall, iamAction: 'cloudwatch:DescribeAlarms' };

/** A failed connection as Node reports it: a plain Error with a system code. */
function systemError(code: string, message: string) {
  return Object.assign(new Error(message), { code });
}

describe('an endpoint that cannot be reached', () => {
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it("names the regional default when no endpoint is configured, and says to check the region and the runner's network", async () => {
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL_LAMBDA;
    await expect(
      awsCall(lambdaCall, () =>
        Promise.reject(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND lambda.eu-west-1.amazonaws.com')),
      ),
    ).rejects.toThrow(
      'Could not read alias live of function orders: ENOTFOUND: getaddrinfo ENOTFOUND lambda.eu-west-1.amazonaws.com ' +
        "(hint: Lambda at https://lambda.eu-west-1.amazonaws.com could not be reached: its host name did not resolve (DNS); check the region (eu-west-1) and the runner's network (proxy, firewall, DNS))",
    );
  });

  it('names the per-service variable before the general one, as the SDK reads them', () => {
    const env = { AWS_ENDPOINT_URL: 'http://all:1', AWS_ENDPOINT_URL_LAMBDA: 'http://lambda:2' };
    expect(endpointHint('the connection was refused', lambdaCall, env)).toBe(
      'Lambda at http://lambda:2 (from AWS_ENDPOINT_URL_LAMBDA) could not be reached: the connection was refused; check that the URL is right and that the endpoint is running, or unset AWS_ENDPOINT_URL_LAMBDA to use AWS',
    );
    expect(endpointHint('the connection was refused', cloudwatchCall, env)).toMatch(
      /^CloudWatch at http:\/\/all:1 \(from AWS_ENDPOINT_URL\) could not be reached/,
    );
    expect(endpointHint('it did not answer in time', cloudwatchCall, {})).toMatch(
      /^CloudWatch at https:\/\/monitoring\.eu-west-1\.amazonaws\.com could not be reached: it did not answer in time;/,
    );
  });

  it.each([
    ['ECONNREFUSED', 'the connection was refused'],
    ['EAI_AGAIN', 'its host name did not resolve (DNS)'],
    ['ETIMEDOUT', 'it did not answer in time'],
    ['ECONNRESET', 'the connection failed'],
  ])('tells %s apart', async (code, why) => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    const error = await awsCall(lambdaCall, () => Promise.reject(systemError(code, `connect ${code}`))).catch(
      (e: unknown) => e as Error,
    );
    expect(error.message).toContain(
      `(hint: Lambda at http://127.0.0.1:9 (from AWS_ENDPOINT_URL) could not be reached: ${why};`,
    );
  });

  it("keeps AWS's own answers apart from connection failures", async () => {
    const denied = Object.assign(new Error('no'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(awsCall(lambdaCall, () => Promise.reject(denied))).rejects.toThrow(
      /lack the IAM permission lambda:GetAlias/,
    );
  });
});
