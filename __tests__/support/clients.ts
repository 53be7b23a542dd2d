// The action's AWS clients for unit tests: plain SDK clients in us-east-1, which the tests'
// aws-sdk-client-mock mocks answer (they mock the client classes, so any instance).
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsClients } from '../../src/aws/clients.js';

export function testClients(region = 'us-east-1'): AwsClients {
  return {
    lambda: new LambdaClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    apigateway: new APIGatewayClient({ region }),
    apigatewayv2: new ApiGatewayV2Client({ region }),
    codedeploy: new CodeDeployClient({ region }),
  };
}
