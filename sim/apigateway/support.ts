/** Shared set-up of the API Gateway tests: a cloud, the SDK clients and metric look-ups. */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { testCloud, type TestCloud } from '../testing.js';

export interface ApiGatewayTestCloud extends TestCloud {
  apigw: APIGatewayClient;
  apigwv2: ApiGatewayV2Client;
}

export async function apiGatewayCloud(): Promise<ApiGatewayTestCloud> {
  const t = await testCloud({ metricPeriodSeconds: 1, maxAttempts: 1 });
  const apigw = new APIGatewayClient(t.clientConfig);
  const apigwv2 = new ApiGatewayV2Client(t.clientConfig);
  return {
    ...t,
    apigw,
    apigwv2,
    close: async () => {
      apigw.destroy();
      apigwv2.destroy();
      await t.close();
    },
  };
}

/** The sum of an AWS/ApiGateway metric of one Stage dimension value over the last ten minutes. */
export async function stageMetricSum(
  t: TestCloud,
  apiName: string,
  stage: string,
  metricName: string,
): Promise<number> {
  const now = Date.now();
  const r = await t.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 600_000),
      EndTime: new Date(now + 60_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApiGateway',
              MetricName: metricName,
              Dimensions: [
                { Name: 'ApiName', Value: apiName },
                { Name: 'Stage', Value: stage },
              ],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    }),
  );
  return (r.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0);
}
