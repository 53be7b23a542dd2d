// One AWS client configuration for the whole action: the region, the SDK's standard retries,
// timeouts, and a user agent that names the workflow run, so CloudTrail shows which run made
// each change.
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';

export const ACTION_NAME = 'serverless-canary';
export const ACTION_VERSION = '0.1.0';

export interface AwsClients {
  lambda: LambdaClient;
  cloudwatch: CloudWatchClient;
  /** REST APIs (v1), whose stages have canaries. */
  apigateway: APIGatewayClient;
  /** HTTP and WebSocket APIs (v2): only to tell such an id apart from a REST API's. */
  apigatewayv2: ApiGatewayV2Client;
  /** engine: codedeploy, which creates, follows and stops deployments of the alias. */
  codedeploy: CodeDeployClient;
}

/** A user agent's extra `name/value` pairs; the SDK escapes what a header may not carry. */
export type UserAgentPairs = [string, string][];

/**
 * The action, and the repository, run and attempt it runs for, as user-agent metadata
 * (`md/github-repository#acme%2Fshop md/github-run#4242 md/github-run-attempt#1`).
 * The repository is URI-encoded, since the SDK would turn its "/" into "-".
 */
export function runUserAgent(env: NodeJS.ProcessEnv): UserAgentPairs {
  const pairs: UserAgentPairs = [[ACTION_NAME, ACTION_VERSION]];
  const add = (name: string, value: string | undefined) => {
    if (value) pairs.push([`md/${name}`, encodeURIComponent(value)]);
  };
  add('github-repository', env.GITHUB_REPOSITORY);
  add('github-run', env.GITHUB_RUN_ID);
  add('github-run-attempt', env.GITHUB_RUN_ATTEMPT);
  return pairs;
}

/**
 * One configuration for every client: the SDK's standard retries (throttling and 5xx), and
 * timeouts so that a hung connection cannot hold a rollout or a rollback. Endpoints come from
 * the SDK's own AWS_ENDPOINT_URL_* variables.
 */
export function createClients(region: string, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const config = {
    region,
    maxAttempts: 5,
    retryMode: 'standard',
    customUserAgent: runUserAgent(env),
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  };
  return {
    lambda: new LambdaClient(config),
    cloudwatch: new CloudWatchClient(config),
    apigateway: new APIGatewayClient(config),
    apigatewayv2: new ApiGatewayV2Client(config),
    codedeploy: new CodeDeployClient(config),
  };
}
