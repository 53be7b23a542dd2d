import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';

export const USER_AGENT = 'serverless-canary/0.1.0';

export interface AwsClients {
  lambda: LambdaClient;
  cloudwatch: CloudWatchClient;
}

/**
 * One configuration for every client: the SDK's standard retries (throttling and 5xx), and
 * timeouts so that a hung connection cannot hold a rollout or a rollback. Endpoints come from
 * the SDK's own AWS_ENDPOINT_URL_* variables.
 */
export function createClients(region: string): AwsClients {
  const config = {
    region,
    maxAttempts: 5,
    retryMode: 'standard',
    customUserAgent: USER_AGENT,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  };
  return { lambda: new LambdaClient(config), cloudwatch: new CloudWatchClient(config) };
}
