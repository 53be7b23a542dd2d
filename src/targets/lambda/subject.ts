// How an alias release describes itself to the report: its names, the alias's console page, the
// AWS/Lambda metrics of each version on the alias, and the sticky comment's key.
import type { ReportSubject, Sides } from '../definition.js';
import type { LambdaInputs } from './inputs.js';

/** The name from a function name or ARN: CloudWatch's FunctionName dimension and the console use it. */
export function functionNameOf(nameOrArn: string): string {
  return /:function:([^:]+)/.exec(nameOrArn)?.[1] ?? nameOrArn;
}

function aliasConsoleUrl(region: string, functionName: string, alias: string): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/lambda/home?region=${r}#/functions/${encodeURIComponent(functionNameOf(functionName))}/aliases/${encodeURIComponent(alias)}`;
}

export function aliasSubject(
  inputs: Pick<LambdaInputs, 'functionName' | 'alias'>,
  context: { region: string; environment?: string; sides?: Sides },
): ReportSubject {
  const { functionName, alias } = inputs;
  const name = functionNameOf(functionName);
  const subject: ReportSubject = {
    name: `${functionName}:${alias}`,
    unit: 'version',
    rows: [
      { label: 'Function', text: functionName, note: context.region },
      { label: 'Alias', text: alias, url: aliasConsoleUrl(context.region, functionName, alias) },
    ],
    commentKey: ['lambda', name, alias, context.environment ?? ''].join('/'),
    fileSlug: `${name}-${alias}`,
    payload: { function: functionName, alias },
  };
  const sides = context.sides;
  if (sides) {
    // Lambda tells the two versions sharing an alias apart by the ExecutedVersion dimension.
    const on = (version: string) => [
      { Name: 'FunctionName', Value: name },
      { Name: 'Resource', Value: `${name}:${alias}` },
      { Name: 'ExecutedVersion', Value: version },
    ];
    subject.metrics = {
      namespace: 'AWS/Lambda',
      requests: 'Invocations',
      errors: 'Errors',
      latency: 'Duration',
      baseline: on(sides.previous),
      canary: on(sides.target),
      history: [
        { Name: 'FunctionName', Value: name },
        { Name: 'Resource', Value: `${name}:${alias}` },
      ],
      labels: { requests: 'Invocations', errors: 'Errors', latency: 'duration' },
      source: `AWS/Lambda per ExecutedVersion on ${functionName}:${alias}`,
      caveat: 'Lambda publishes metrics per minute and late, so the last minute may be incomplete.',
      about: `versions ${sides.previous} and ${sides.target} on ${name}:${alias}`,
    };
  }
  return subject;
}
