// The stage target as the registry sees it: its report subject (names, console link, comment key,
// the AWS/ApiGateway queries preflight completes with the API's name) and its dry-run writes.
import { apiGatewayStage } from '../../../src/targets/api-gateway/definition.js';
import type { StageInputs } from '../../../src/targets/api-gateway/inputs.js';
import { stageConsoleUrl } from '../../../src/targets/api-gateway/subject.js';
import { parseStrategy } from '../../../src/strategy.js';
import { testClients } from '../../support/clients.js';
import { givenApi, identity, NOT_CANCELLED, REST_API_ID } from './scenario.js';

const inputs: StageInputs = {
  restApiId: REST_API_ID,
  stage: 'prod',
  stageVariables: {},
  useStageCache: false,
  canaryMetricsStage: 'prod/Canary',
};
const settings = {
  region: 'eu-west-1',
  plan: parseStrategy('10%:1m, 50%:1m'),
  onExistingSplit: 'fail' as const,
  dryRun: true,
};

describe('the stage target definition', () => {
  it('names the stage, links the console and keys one comment per stage and environment', () => {
    const subject = apiGatewayStage.subject(inputs, { region: 'eu-west-1', environment: 'production' });
    expect(subject).toMatchObject({
      name: `${REST_API_ID}/prod`,
      unit: 'deployment',
      commentKey: `api-gateway/eu-west-1/${REST_API_ID}/prod/production`,
      rows: [
        { label: 'REST API', text: REST_API_ID },
        { label: 'Stage', text: 'prod', url: stageConsoleUrl(REST_API_ID, 'eu-west-1') },
      ],
    });
    // Without the API's name (read by preflight) there is no ApiName dimension to query.
    expect(subject.metrics).toBeUndefined();
  });

  it("preflight completes the subject with the API's name: canary and base under {ApiName, Stage}", async () => {
    givenApi();
    const outcome = await apiGatewayStage.preflight(inputs, {
      aws: testClients('eu-west-1'),
      settings,
      environment: 'production',
      identity,
      signal: NOT_CANCELLED,
    });
    expect(outcome.kind).toBe('dry-run');
    const subject = outcome.kind === 'dry-run' ? outcome.subject : undefined;
    expect(subject?.name).toBe('orders/prod');
    expect(subject?.commentKey).toBe(`api-gateway/eu-west-1/${REST_API_ID}/prod/production`);
    expect(subject?.metrics).toMatchObject({
      namespace: 'AWS/ApiGateway',
      requests: 'Count',
      errors: '5XXError',
      latency: 'Latency',
      extraCounts: [{ metric: '4XXError', label: '4XX errors' }],
      baseline: [
        { Name: 'ApiName', Value: 'orders' },
        { Name: 'Stage', Value: 'prod' },
      ],
      canary: [
        { Name: 'ApiName', Value: 'orders' },
        { Name: 'Stage', Value: 'prod/Canary' },
      ],
    });
  });

  it("a dry run lists the first step's CreateDeployment, each step's UpdateStage and the promotion", async () => {
    givenApi();
    const outcome = await apiGatewayStage.preflight(inputs, {
      aws: testClients('eu-west-1'),
      settings,
      identity,
      signal: NOT_CANCELLED,
    });
    if (outcome.kind !== 'dry-run') throw new Error(`expected a dry run, got ${outcome.kind}`);
    expect(outcome.sides).toMatchObject({ previous: 'base01', targetUnknown: true });
    expect(outcome.writes.step(10)).toMatch(/^CreateDeployment: a new deployment .* at 10%/);
    expect(outcome.writes.step(50)).toBe(
      'UpdateStage: /canarySettings/percentTraffic "50" and the marker in /description',
    );
    expect(outcome.writes.promote).toMatch(/copy the canary's deploymentId .* then remove \/canarySettings/);
  });

  it("escapes the console link's parts", () => {
    expect(stageConsoleUrl('a&b', 'us-east-1')).toBe(
      'https://us-east-1.console.aws.amazon.com/apigateway/main/apis/a%26b/stages?api=a%26b&region=us-east-1',
    );
  });
});
