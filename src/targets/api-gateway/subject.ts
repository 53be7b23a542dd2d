// How a stage canary describes itself to the report: names, deployment ids, console links, the
// sticky comment's key, and the AWS/ApiGateway metric queries for the canary and the base, as
// plain data for report/metrics.ts to read in one GetMetricData call.

export interface StageMetricQuery {
  /** Unique within the subject, a lowercase start (GetMetricData's Id rule). */
  id: string;
  role: 'baseline' | 'canary';
  measure: 'requests' | 'errors5xx' | 'errors4xx' | 'latencyP50' | 'latencyP99';
  namespace: 'AWS/ApiGateway';
  metricName: 'Count' | '5XXError' | '4XXError' | 'Latency';
  dimensions: { name: string; value: string }[];
  stat: 'Sum' | 'p50' | 'p99';
  unit: 'count' | 'ms';
}

export interface StageReportSubject {
  kind: 'api-gateway-stage';
  /** e.g. "stage prod of REST API orders (a1b2c3d4e5)". */
  title: string;
  restApiId: string;
  apiName: string;
  stage: string;
  region: string;
  baseDeploymentId: string;
  canaryDeploymentId?: string;
  links: { label: string; url: string }[];
  commentKey: string;
  metrics: StageMetricQuery[];
}

export interface StageSubjectInput {
  restApiId: string;
  apiName: string;
  stage: string;
  region: string;
  baseDeploymentId: string;
  canaryDeploymentId?: string;
  canaryMetricsStage: string;
}

export function stageReportSubject(input: StageSubjectInput): StageReportSubject {
  return {
    kind: 'api-gateway-stage',
    title: `stage ${input.stage} of REST API ${input.apiName} (${input.restApiId})`,
    restApiId: input.restApiId,
    apiName: input.apiName,
    stage: input.stage,
    region: input.region,
    baseDeploymentId: input.baseDeploymentId,
    canaryDeploymentId: input.canaryDeploymentId,
    links: [
      {
        label: `Stage ${input.stage} in the API Gateway console`,
        url: stageConsoleUrl(input.restApiId, input.region),
      },
    ],
    commentKey: `api-gateway/${input.region}/${input.restApiId}/${input.stage}`,
    metrics: stageMetricQueries(input.apiName, input.stage, input.canaryMetricsStage),
  };
}

/** The console's stages page of the API (the current console's form). */
export function stageConsoleUrl(restApiId: string, region: string): string {
  const id = encodeURIComponent(restApiId);
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/apigateway/main/apis/${id}/stages?api=${id}&region=${r}`;
}

const MEASURES: Pick<StageMetricQuery, 'measure' | 'metricName' | 'stat' | 'unit'>[] = [
  { measure: 'requests', metricName: 'Count', stat: 'Sum', unit: 'count' },
  { measure: 'errors5xx', metricName: '5XXError', stat: 'Sum', unit: 'count' },
  { measure: 'errors4xx', metricName: '4XXError', stat: 'Sum', unit: 'count' },
  { measure: 'latencyP50', metricName: 'Latency', stat: 'p50', unit: 'ms' },
  { measure: 'latencyP99', metricName: 'Latency', stat: 'p99', unit: 'ms' },
];

/**
 * Canary and base side by side, under {ApiName, Stage}: the base is the stage's own name, the
 * canary's Stage value is `canaryMetricsStage` (believed to be "<stage>/Canary"; an input, since
 * AWS does not document it).
 */
export function stageMetricQueries(
  apiName: string,
  stage: string,
  canaryMetricsStage: string,
): StageMetricQuery[] {
  const roles = { baseline: stage, canary: canaryMetricsStage } as const;
  return (Object.keys(roles) as (keyof typeof roles)[]).flatMap((role) =>
    MEASURES.map((m) => ({
      ...m,
      id: `${role}_${m.measure.toLowerCase()}`,
      role,
      namespace: 'AWS/ApiGateway' as const,
      dimensions: [
        { name: 'ApiName', value: apiName },
        { name: 'Stage', value: roles[role] },
      ],
    })),
  );
}
