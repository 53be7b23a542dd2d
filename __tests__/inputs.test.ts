import { InputError, parseInputs, readInputs } from '../src/inputs.js';

const env = { AWS_REGION: 'eu-west-1' };

function reader(inputs: Record<string, string>) {
  return (name: string) => inputs[name] ?? '';
}

function problemsOf(inputs: Record<string, string>, environment: NodeJS.ProcessEnv = env): string[] {
  try {
    readInputs(reader(inputs), environment);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems;
  }
  throw new Error('expected the inputs to be refused');
}

describe('readInputs', () => {
  it('applies the defaults', () => {
    const inputs = readInputs(reader({ 'function-name': 'orders' }), env);
    expect(inputs).toMatchObject({
      target: 'lambda-alias',
      targetInputs: { functionName: 'orders', alias: 'live', version: 'publish' },
      alarms: [],
      pollIntervalMs: 5_000,
      onExistingSplit: 'fail',
      dryRun: false,
      ignoreFiringAlarms: false,
      jobSummary: true,
      region: 'eu-west-1',
    });
    expect(inputs.plan.name).toBe('Canary10Percent5Minutes');
    // Default timeout: 5 minutes of holds plus 10.
    expect(inputs.timeoutMs).toBe(15 * 60_000);
  });

  it('reads every input', () => {
    const inputs = readInputs(
      reader({
        'function-name': 'arn:aws:lambda:us-east-1:123456789012:function:orders',
        alias: 'prod_2',
        version: '17',
        strategy: 'linear 20% every 2m',
        alarms: 'errors-high, latency-p99\n composite-health,errors-high',
        'poll-interval': '10s',
        timeout: '1h',
        'on-existing-split': 'resume',
        'dry-run': 'true',
        'ignore-firing-alarms': 'True',
        'job-summary': 'false',
        region: 'us-east-1',
        target: 'lambda-alias',
      }),
      {},
    );
    expect(inputs).toMatchObject({
      target: 'lambda-alias',
      targetInputs: {
        functionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
        alias: 'prod_2',
        version: '17',
      },
      alarms: ['errors-high', 'latency-p99', 'composite-health'],
      pollIntervalMs: 10_000,
      timeoutMs: 3_600_000,
      onExistingSplit: 'resume',
      dryRun: true,
      ignoreFiringAlarms: true,
      jobSummary: false,
      region: 'us-east-1',
    });
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    ['missing function-name', { 'function-name': '  ' }, /^Input "function-name" is required/],
    [
      'bad function name',
      { 'function-name': 'my function' },
      /Input "function-name": "my function" is not a Lambda function name or ARN/,
    ],
    [
      'qualified ARN',
      { 'function-name': 'arn:aws:lambda:us-east-1:123456789012:function:orders:live' },
      /includes a qualifier \(live\)/,
    ],
    [
      'several functions',
      { 'function-name': 'a\nb' },
      /lockstep release of several functions is not supported yet/,
    ],
    ['numeric alias', { alias: '123' }, /Input "alias": "123" is not a valid alias name/],
    ['alias with a dot', { alias: 'v1.2' }, /Input "alias": "v1.2"/],
    ['$LATEST version', { version: '$LATEST' }, /Input "version": "\$LATEST" cannot receive alias traffic/],
    ['version zero', { version: '0' }, /Input "version": "0" is not a version/],
    [
      'version word',
      { version: 'latest' },
      /Input "version": "latest" is not a version. Accepted: "publish"/,
    ],
    ['strategy', { strategy: 'canary 10%' }, /strategy/],
    ['poll interval too short', { 'poll-interval': '500ms' }, /Input "poll-interval"/],
    ['poll interval too long', { 'poll-interval': '10m' }, /Input "poll-interval": "10m" is out of range/],
    ['poll interval without unit', { 'poll-interval': '5' }, /Input "poll-interval": "5" is not a duration/],
    [
      'timeout shorter than the plan',
      { timeout: '3m' },
      /Input "timeout": "3m" is shorter than the strategy's own 5m/,
    ],
    ['timeout nonsense', { timeout: 'soon' }, /Input "timeout": "soon" is not a duration/],
    [
      'on-existing-split',
      { 'on-existing-split': 'ignore' },
      /Input "on-existing-split": "ignore" is not accepted. Accepted: "fail", "rollback", "resume"/,
    ],
    ['dry-run', { 'dry-run': 'yes' }, /Input "dry-run": "yes" is not a boolean/],
    ['job-summary', { 'job-summary': '1' }, /Input "job-summary": "1" is not a boolean/],
    ['ignore-firing-alarms', { 'ignore-firing-alarms': 'sometimes' }, /Input "ignore-firing-alarms"/],
    ['region', { region: 'Frankfurt' }, /Input "region": "Frankfurt" is not an AWS region/],
    ['alarm name too long', { alarms: 'x'.repeat(256) }, /Input "alarms": .* is not an alarm name/],
  ];

  it.each(refused)('refuses %s, naming the input', (_label, bad, message) => {
    const problems = problemsOf({ 'function-name': 'orders', ...bad });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('refuses a missing region when the environment has none', () => {
    expect(problemsOf({ 'function-name': 'orders' }, {})).toEqual([
      'Input "region" is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set: give a region such as "us-east-1".',
    ]);
  });

  it('names where a bad region came from, in the order the SDK looks', () => {
    const bad = (from: string) =>
      `The ${from} environment variable: "mars-1" is not an AWS region. Accepted: a region code such as "us-east-1" or "eu-west-2".`;
    expect(problemsOf({ 'function-name': 'orders' }, { AWS_DEFAULT_REGION: 'mars-1' })).toEqual([
      bad('AWS_DEFAULT_REGION'),
    ]);
    expect(
      problemsOf({ 'function-name': 'orders' }, { AWS_REGION: 'mars-1', AWS_DEFAULT_REGION: 'eu-west-1' }),
    ).toEqual([bad('AWS_REGION')]);
    expect(
      problemsOf({ 'function-name': 'orders', region: 'mars-1' }, { AWS_REGION: 'eu-west-1' })[0],
    ).toMatch(/^Input "region": "mars-1" is not an AWS region/);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ alias: '1', version: 'x', 'dry-run': 'maybe' });
    expect(problems.map((p) => /Input "([a-z-]+)"/.exec(p)?.[1])).toEqual([
      'function-name',
      'alias',
      'version',
      'dry-run',
    ]);
  });

  describe('a function ARN must be of the region', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:orders';

    it('refuses an ARN of another region than the "region" input, naming both', () => {
      expect(problemsOf({ 'function-name': arn, region: 'us-east-1' })).toEqual([
        'Input "function-name": the ARN "arn:aws:lambda:eu-west-1:123456789012:function:orders" is of a function in eu-west-1, but the region is us-east-1 (from the "region" input); ' +
          'Lambda in us-east-1 cannot reach a function in eu-west-1. Set "region: eu-west-1", or give the ARN of the function in us-east-1.',
      ]);
    });

    it('says when the region came from the environment', () => {
      expect(problemsOf({ 'function-name': arn }, { AWS_REGION: 'us-east-1' })[0]).toMatch(
        /but the region is us-east-1 \(from AWS_REGION\)/,
      );
      expect(problemsOf({ 'function-name': arn }, { AWS_DEFAULT_REGION: 'ap-south-1' })[0]).toMatch(
        /but the region is ap-south-1 \(from AWS_DEFAULT_REGION\)/,
      );
    });

    it('accepts an ARN of the region, and a partial ARN (which names no region)', () => {
      expect(readInputs(reader({ 'function-name': arn }), env).targetInputs).toMatchObject({
        functionName: arn,
      });
      const partial = '123456789012:function:orders';
      expect(
        readInputs(reader({ 'function-name': partial }), { AWS_REGION: 'us-east-1' }).targetInputs,
      ).toMatchObject({ functionName: partial });
    });
  });

  describe('weights the target cannot route', () => {
    it('refuses a weight finer than a Lambda alias routes, quoting the strategy', () => {
      expect(problemsOf({ 'function-name': 'orders', strategy: '0.00001%:5m' })).toEqual([
        'Input "strategy": "0.00001%:5m": the weight 0.00001% is finer than a Lambda alias can route (steps of 0.0001%); give weights in whole steps of 0.0001%, such as 0.0001%.',
      ]);
    });

    it('accepts the finest step a Lambda alias routes, and writes exactly it', () => {
      const inputs = readInputs(
        reader({ 'function-name': 'orders', strategy: '0.0001%:1m, 12.3456%:1m' }),
        env,
      );
      expect(inputs.plan.steps.map((s) => s.weight)).toEqual([0.0001, 12.3456, 100]);
    });

    it("checks against the target's own resolution", () => {
      const wholePercent = { target: 'a whole-percent router', stepPercent: 1 };
      const problems = (() => {
        try {
          readInputs(reader({ 'function-name': 'orders', strategy: '2.5%:1m' }), env, wholePercent);
        } catch (error) {
          return (error as InputError).problems;
        }
        return [];
      })();
      expect(problems).toEqual([
        'Input "strategy": "2.5%:1m": the weight 2.5% is finer than a whole-percent router can route (steps of 1%); give weights in whole steps of 1%, such as 2% or 3%.',
      ]);
    });
  });

  describe('parseInputs', () => {
    it('says which inputs were read without a problem, so that AWS checks rely only on those', () => {
      const parsed = parseInputs(reader({ 'function-name': 'orders', version: 'x', strategy: 'nope' }), env);
      expect(parsed.problems).toHaveLength(2);
      expect(parsed.valid('version')).toBe(false);
      expect(parsed.valid('strategy')).toBe(false);
      expect(parsed.valid('function-name')).toBe(true);
      expect(parsed.valid('region')).toBe(true);
      expect(parsed.inputs).toMatchObject({ targetInputs: { functionName: 'orders' }, region: 'eu-west-1' });
    });
  });

  describe('the target input', () => {
    it('refuses a target that is not one, naming those accepted', () => {
      expect(problemsOf({ 'function-name': 'orders', target: 'lambda' })).toEqual([
        'Input "target": "lambda" is not a target. Accepted: "lambda-alias", "api-gateway-stage" (default "lambda-alias").',
      ]);
    });
  });
});
