import {
  parseStageInputs,
  readPercent,
  STAGE_CANARY_WEIGHTS,
  toPercentTraffic,
} from '../../../src/targets/api-gateway/inputs.js';
import { checkResolution, parseStrategy } from '../../../src/strategy.js';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const valid = { 'rest-api-id': 'a1b2c3d4e5', stage: 'prod' };

function problemsOf(values: Record<string, string>): string[] {
  return parseStageInputs(reader(values)).problems;
}

describe('parseStageInputs', () => {
  it('reads the inputs with their defaults', () => {
    expect(parseStageInputs(reader(valid))).toEqual({
      inputs: {
        restApiId: 'a1b2c3d4e5',
        stage: 'prod',
        deploymentId: undefined,
        stageVariables: {},
        useStageCache: false,
        canaryMetricsStage: 'prod/Canary',
      },
      problems: [],
    });
  });

  it('reads every input given', () => {
    const result = parseStageInputs(
      reader({
        ...valid,
        'deployment-id': 'abc123',
        'canary-stage-variables': 'lambdaAlias=canary\n\n  url = https://x.example.com/a?b=c&d=e  \n',
        'use-stage-cache': 'true',
        'canary-metrics-stage': 'prod/Canary-metrics',
      }),
    );
    expect(result.inputs).toEqual({
      restApiId: 'a1b2c3d4e5',
      stage: 'prod',
      deploymentId: 'abc123',
      stageVariables: { lambdaAlias: 'canary', url: 'https://x.example.com/a?b=c&d=e' },
      useStageCache: true,
      canaryMetricsStage: 'prod/Canary-metrics',
    });
  });

  const scenarios: [string, Record<string, string>, RegExp][] = [
    ['rest-api-id missing', { stage: 'prod' }, /^Input "rest-api-id" is required .*ten letters and digits/],
    [
      'rest-api-id a name',
      { ...valid, 'rest-api-id': 'orders-api' },
      /^Input "rest-api-id": "orders-api" is not a REST API id\. Accepted: .*"a1b2c3d4e5"/,
    ],
    ['stage missing', { 'rest-api-id': 'a1b2c3d4e5' }, /^Input "stage" is required/],
    [
      'stage with a slash',
      { ...valid, stage: 'prod/v2' },
      /^Input "stage": "prod\/v2" is not a stage name\. Accepted: 1 to 128 letters, digits, "-" or "_"/,
    ],
    [
      'deployment-id with spaces',
      { ...valid, 'deployment-id': 'abc 123' },
      /^Input "deployment-id": "abc 123" is not a deployment id\. Accepted:/,
    ],
    [
      'a variable line without "="',
      { ...valid, 'canary-stage-variables': 'lambdaAlias' },
      /^Input "canary-stage-variables": "lambdaAlias" has no "=" \(write KEY=value\)\. Accepted: one KEY=value a line/,
    ],
    [
      'a variable name with "-"',
      { ...valid, 'canary-stage-variables': 'lambda-alias=canary' },
      /"lambda-alias=canary": the name "lambda-alias" may have only letters, digits and "_"/,
    ],
    [
      'a variable value with a space',
      { ...valid, 'canary-stage-variables': 'greeting=hello world' },
      /"greeting=hello world": the value "hello world" may have only letters, digits and -\._~:\/\?#&=,/,
    ],
    [
      'an empty variable value',
      { ...valid, 'canary-stage-variables': 'alias=' },
      /the value "" may have only/,
    ],
    ['a variable given twice', { ...valid, 'canary-stage-variables': 'a=1\na=2' }, /"a" is given twice/],
    [
      'use-stage-cache not a boolean',
      { ...valid, 'use-stage-cache': 'yes' },
      /^Input "use-stage-cache": "yes" is not a boolean\. Accepted: true or false \(default false\)\.$/,
    ],
    [
      'canary-metrics-stage with a control character',
      { ...valid, 'canary-metrics-stage': 'prod\u0007' },
      /^Input "canary-metrics-stage": "prod\\u0007" is not a CloudWatch dimension value\. Accepted: .*default "prod\/Canary"/,
    ],
  ];
  it.each(scenarios)('refuses %s, naming the input and what is accepted', (_name, values, message) => {
    const problems = problemsOf(values);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('reports every problem at once, and no inputs', () => {
    const result = parseStageInputs(
      reader({ 'rest-api-id': 'x', stage: 'a b', 'use-stage-cache': 'maybe', 'canary-stage-variables': 'k' }),
    );
    expect(result.inputs).toBeUndefined();
    expect(result.problems.map((p) => /^Input "([^"]+)"/.exec(p)?.[1])).toEqual([
      'rest-api-id',
      'stage',
      'canary-stage-variables',
      'use-stage-cache',
    ]);
  });
});

describe('percentTraffic resolution', () => {
  it('writes tenths of a percent as API Gateway patch strings', () => {
    expect([5, 25, 10.5, 0.1, 99.9, 0].map(toPercentTraffic)).toEqual([
      '5',
      '25',
      '10.5',
      '0.1',
      '99.9',
      '0',
    ]);
    // Float noise from a linear plan (3 × 0.1) is the same tenth.
    expect(toPercentTraffic(0.30000000000000004)).toBe('0.3');
  });

  it('refuses a weight finer than a tenth, or out of range, rather than rounding it', () => {
    expect(() => toPercentTraffic(0.05)).toThrow(
      'The weight 0.05% is not one a stage canary can take (0 to 100 in steps of 0.1%).',
    );
    expect(() => toPercentTraffic(100.1)).toThrow(/not one a stage canary can take/);
  });

  it('is the resolution the strategy is checked against', () => {
    expect(() => checkResolution('5%:1m', parseStrategy('5%:1m'), STAGE_CANARY_WEIGHTS)).not.toThrow();
    expect(() => checkResolution('0.25%:1m', parseStrategy('0.25%:1m'), STAGE_CANARY_WEIGHTS)).toThrow(
      /the weight 0\.25% is finer than an API Gateway stage canary can route \(steps of 0\.1%\).*0\.2% or 0\.3%/,
    );
  });

  it('reads percentTraffic back to the same resolution', () => {
    expect([10.5, 25.000000001, undefined].map(readPercent)).toEqual([10.5, 25, 0]);
  });
});
