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
    // Default timeout: 5 minutes of holds, the analysis's 3-minute wait for the last step's
    // metrics (3 one-minute periods), its 10-minute extension, and the 10-minute margin.
    expect(inputs.timeoutMs).toBe((5 + 3 + 10 + 10) * 60_000);
    expect(inputs.analysis).toEqual({
      maxErrorRateIncreasePoints: 0,
      maxLatencyIncreasePercent: 25,
      minInvocations: 100,
      confidence: 0.99,
      onInconclusive: 'extend',
      maxExtensionMs: 10 * 60_000,
      periodSeconds: 60,
    });
    expect(inputs.warnings).toEqual([]);
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
      'a comma between functions',
      { 'function-name': 'a,b' },
      /"a,b" has a comma; give one function name or ARN a line/,
    ],
    [
      'a function named twice in lockstep',
      { 'function-name': 'a\nb\narn:aws:lambda:eu-west-1:123456789012:function:a' },
      /Input "function-name": "arn:aws:lambda:eu-west-1:123456789012:function:a" named more than once/,
    ],
    [
      'more functions than a lockstep release moves',
      { 'function-name': Array.from({ length: 26 }, (_, i) => `fn${i}`).join('\n') },
      /^Input "function-name" names 26 functions; a lockstep release moves at most 25, .*Accepted: 1 to 25 function names, one a line/,
    ],
    [
      'fewer versions than functions',
      { 'function-name': 'a\nb\nc', version: '4\n5' },
      /Input "version" has 2 lines but input "function-name" names 3 functions/,
    ],
    [
      'one version number for several functions',
      { 'function-name': 'a\nb', version: '4' },
      /Input "version" has 1 line but input "function-name" names 2 functions/,
    ],
    [
      'a bad version in lockstep',
      { 'function-name': 'a\nb', version: '4\nlatest' },
      /Input "version": "latest" is not a version/,
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

  it('reads several functions (blank lines ignored) with a version each, in order', () => {
    const inputs = readInputs(
      reader({ 'function-name': 'orders\n\n  billing \nstock\n', version: '3\n7\n\n12' }),
      env,
    );
    expect(inputs.targetInputs).toMatchObject({
      functionName: 'orders',
      version: '3',
      functions: [
        { functionName: 'orders', version: '3' },
        { functionName: 'billing', version: '7' },
        { functionName: 'stock', version: '12' },
      ],
    });
  });

  it('publishes each function of a lockstep release with one "publish" line, or none', () => {
    for (const version of ['publish', '']) {
      const inputs = readInputs(reader({ 'function-name': 'orders\nbilling', version }), env);
      expect(inputs.targetInputs).toMatchObject({
        functions: [
          { functionName: 'orders', version: 'publish' },
          { functionName: 'billing', version: 'publish' },
        ],
      });
    }
  });

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

describe('the analysis inputs', () => {
  const read = (more: Record<string, string>) =>
    readInputs(reader({ 'function-name': 'orders', ...more }), env);

  it('reads every analysis input', () => {
    const inputs = read({
      analysis: 'on',
      'max-error-rate-increase': '0.5pp',
      'max-latency-increase': '40',
      'min-invocations': '250',
      'analysis-confidence': '0.995',
      'on-inconclusive': 'fail',
      'max-extension': '2m',
      'metric-period': '5s',
    });
    expect(inputs.analysis).toEqual({
      maxErrorRateIncreasePoints: 0.5,
      maxLatencyIncreasePercent: 40,
      minInvocations: 250,
      confidence: 0.995,
      onInconclusive: 'fail',
      maxExtensionMs: 2 * 60_000,
      periodSeconds: 5,
    });
    // on-inconclusive fail: no extension in the default timeout, only the 15 s wait (3 periods of 5 s).
    expect(inputs.timeoutMs).toBe(5 * 60_000 + 15_000 + 10 * 60_000);
  });

  it.each([
    ['off', undefined],
    ['OFF', undefined],
    ['false', undefined],
    ['True', 0.99],
    ['On', 0.99],
  ])('reads analysis: %s', (text, confidence) => {
    expect(read({ analysis: text }).analysis?.confidence).toBe(confidence);
  });

  it('leaves the analysis out of the default timeout when off', () => {
    expect(read({ analysis: 'off' }).timeoutMs).toBe(15 * 60_000);
  });

  it.each([
    ['0', 0],
    ['0.5', 0.5],
    ['2 pp', 2],
    ['99.9', 99.9],
  ])('reads max-error-rate-increase: %s as percentage points', (text, points) => {
    expect(read({ 'max-error-rate-increase': text }).analysis?.maxErrorRateIncreasePoints).toBe(points);
  });

  it.each([
    ['25%', 25],
    ['0', 0],
    ['12.5 %', 12.5],
    ['300', 300],
  ])('reads max-latency-increase: %s as percent', (text, percent) => {
    expect(read({ 'max-latency-increase': text }).analysis?.maxLatencyIncreasePercent).toBe(percent);
  });

  it.each([
    ['99%', 0.99],
    ['0.9', 0.9],
    ['50%', 0.5],
    ['99.99%', 0.9999],
    ['0.9999', 0.9999],
  ])('reads analysis-confidence: %s', (text, confidence) => {
    expect(read({ 'analysis-confidence': text }).analysis?.confidence).toBeCloseTo(confidence, 10);
  });

  it.each([
    ['1s', 1],
    ['10s', 10],
    ['30s', 30],
    ['1m', 60],
    ['5m', 300],
  ])('reads metric-period: %s', (text, seconds) => {
    expect(read({ 'metric-period': text }).analysis?.periodSeconds).toBe(seconds);
  });

  const refused: [string, Record<string, string>, string][] = [
    [
      'analysis',
      { analysis: 'yes' },
      'Input "analysis": "yes" is not accepted. Accepted: "on" (the default) or "off" (also true or false).',
    ],
    [
      'an error-rate increase in percent',
      { 'max-error-rate-increase': '1%' },
      'Input "max-error-rate-increase": "1%" has a "%", which reads as a relative increase; this input is in absolute percentage points (1% against 1.5% is 0.5 points): write "1" or "1pp". Accepted: percentage points from 0 up to (not including) 100, such as "0" (the default: any increase the test is sure of), "0.5" or "0.5pp".',
    ],
    [
      'a negative error-rate increase',
      { 'max-error-rate-increase': '-1' },
      'Input "max-error-rate-increase": "-1" is not accepted. Accepted: percentage points from 0 up to (not including) 100, such as "0" (the default: any increase the test is sure of), "0.5" or "0.5pp".',
    ],
    [
      'an error-rate increase of 100 points',
      { 'max-error-rate-increase': '100' },
      'Input "max-error-rate-increase": "100" is not accepted. Accepted: percentage points from 0 up to (not including) 100, such as "0" (the default: any increase the test is sure of), "0.5" or "0.5pp".',
    ],
    [
      'a latency increase in words',
      { 'max-latency-increase': 'a quarter' },
      'Input "max-latency-increase": "a quarter" is not accepted. Accepted: a percentage of 0 or more, such as "25%" (the default) or "50".',
    ],
    [
      'zero min-invocations',
      { 'min-invocations': '0' },
      'Input "min-invocations": "0" is not accepted. Accepted: a whole number of 1 or more, such as "100" (the default): the invocations each version needs before the analysis can pass it.',
    ],
    [
      'fractional min-invocations',
      { 'min-invocations': '10.5' },
      'Input "min-invocations": "10.5" is not accepted. Accepted: a whole number of 1 or more, such as "100" (the default): the invocations each version needs before the analysis can pass it.',
    ],
    [
      'a bare confidence of 99',
      { 'analysis-confidence': '99' },
      'Input "analysis-confidence": "99" is not accepted (did you mean "99%"?). Accepted: from 50% to 99.99%, as "99%" (the default) or "0.99".',
    ],
    [
      'a confidence of 100%',
      { 'analysis-confidence': '100%' },
      'Input "analysis-confidence": "100%" is not accepted. Accepted: from 50% to 99.99%, as "99%" (the default) or "0.99".',
    ],
    [
      'a confidence under 50%',
      { 'analysis-confidence': '0.4' },
      'Input "analysis-confidence": "0.4" is not accepted. Accepted: from 50% to 99.99%, as "99%" (the default) or "0.99".',
    ],
    [
      'on-inconclusive',
      { 'on-inconclusive': 'retry' },
      'Input "on-inconclusive": "retry" is not accepted. Accepted: "extend" (hold the last step longer, up to max-extension; the default), "fail" (roll back) or "pass" (promote).',
    ],
    [
      'max-extension without a unit',
      { 'max-extension': '10' },
      'Input "max-extension": "10" is not a duration: a bare number is ambiguous; add a unit, as in "10s" or "10m". Accepted: a number with s, m or h, such as "30s", "10m" or "1h".',
    ],
    [
      'a metric period CloudWatch has not',
      { 'metric-period': '90s' },
      'Input "metric-period": "90s" is not a CloudWatch period. Accepted: 1s, 5s, 10s, 30s or a whole number of minutes, such as "1m" (the default; AWS/Lambda and AWS/ApiGateway publish per minute).',
    ],
    [
      'a timeout that leaves no time for the verdict',
      { timeout: '7m' },
      `Input "timeout": "7m" leaves no time for the analysis's verdict: the strategy holds 5m, and the analysis waits up to 3m for the last step's metrics (metric-period 1m). Give more than 8m (e.g. "28m"), leave it empty for the plan, the analysis's allowance plus 10m, or set analysis: off.`,
    ],
  ];

  it.each(refused)('refuses %s, naming the input, the value and what is accepted', (_label, bad, message) => {
    expect(problemsOf({ 'function-name': 'orders', ...bad })).toEqual([message]);
  });

  it('checks the analysis inputs even when analysis is off', () => {
    expect(problemsOf({ 'function-name': 'orders', analysis: 'off', 'metric-period': '2s' })).toEqual([
      expect.stringMatching(/^Input "metric-period": "2s" is not a CloudWatch period/),
    ]);
  });

  it('lists every analysis problem with the others', () => {
    const problems = problemsOf({
      'function-name': 'orders',
      'poll-interval': 'often',
      'min-invocations': 'many',
      'on-inconclusive': 'wait',
    });
    expect(problems.map((p) => /^Input "([^"]+)"/.exec(p)?.[1])).toEqual([
      'poll-interval',
      'min-invocations',
      'on-inconclusive',
    ]);
  });

  it('accepts a timeout that leaves the verdict wait but not the whole extension, with a warning', () => {
    const inputs = read({ timeout: '10m' });
    expect(inputs.timeoutMs).toBe(10 * 60_000);
    expect(inputs.warnings).toEqual([
      "The timeout of 10m is shorter than the strategy's 5m plus 3m for the last step's metrics (metric-period 1m) and up to 10m of extension (max-extension): an inconclusive last step rolls back at the timeout rather than after its full extension.",
    ]);
  });

  it('has no warning for a timeout that leaves the whole allowance, nor with analysis off', () => {
    expect(read({ timeout: '18m' }).warnings).toEqual([]);
    expect(read({ timeout: '6m', analysis: 'off' })).toMatchObject({ timeoutMs: 6 * 60_000, warnings: [] });
  });

  it('does not warn about an extension that on-inconclusive fail never takes', () => {
    expect(read({ timeout: '9m', 'on-inconclusive': 'fail' }).warnings).toEqual([]);
  });
});

describe('the hook inputs', () => {
  const read = (more: Record<string, string>) =>
    readInputs(reader({ 'function-name': 'orders', analysis: 'off', ...more }), env);

  it('has no hooks by default, and a 5-minute hook timeout', () => {
    expect(read({}).hooks).toEqual({ preTraffic: undefined, postTraffic: undefined, timeoutMs: 5 * 60_000 });
  });

  it.each([
    'release-checks',
    'release-checks:live',
    'release-checks:7',
    'release-checks:$LATEST',
    '123456789012:function:release-checks',
    'arn:aws:lambda:us-east-1:123456789012:function:release-checks:live',
  ])('accepts %s as a hook function', (name) => {
    expect(read({ 'pre-traffic-hook': name, 'post-traffic-hook': name }).hooks).toMatchObject({
      preTraffic: name,
      postTraffic: name,
    });
  });

  it("adds each hook's timeout to the default timeout (the credentials must last through them)", () => {
    // 5 minutes of holds, 10 of margin, and two hooks of 2 minutes.
    expect(read({ 'pre-traffic-hook': 'a', 'post-traffic-hook': 'b', 'hook-timeout': '2m' }).timeoutMs).toBe(
      (5 + 10 + 4) * 60_000,
    );
    expect(read({ 'post-traffic-hook': 'b', 'hook-timeout': '2m' }).timeoutMs).toBe((5 + 10 + 2) * 60_000);
  });

  it('refuses a hook that is not a function name, and a hook timeout out of range, naming each input', () => {
    expect(
      problemsOf({
        'function-name': 'orders',
        'pre-traffic-hook': 'checks; rm -rf',
        'post-traffic-hook': 'arn:aws:s3:::bucket',
        'hook-timeout': '0s',
      }),
    ).toEqual([
      expect.stringMatching(
        /^Input "pre-traffic-hook": "checks; rm -rf" is not a Lambda function\. Accepted: a function name or ARN/,
      ),
      expect.stringMatching(/^Input "post-traffic-hook": "arn:aws:s3:::bucket" is not a Lambda function\./),
      'Input "hook-timeout": "0s" is out of range. Accepted: from 1s to 15m, Lambda\'s longest invocation (default 5m).',
    ]);
    expect(problemsOf({ 'function-name': 'orders', 'hook-timeout': 'soon' })).toEqual([
      expect.stringMatching(/^Input "hook-timeout": "soon" is not a duration/),
    ]);
  });
});

describe("GitHub's job limit", () => {
  const split =
    'split the release across jobs: "command: start" moves the first step\'s traffic and ends the job, ' +
    'and a later job (after an approval, a schedule or a manual dispatch) runs "command: promote" to check the gates and go on';
  const parsed = (inputs: Record<string, string>, environment: NodeJS.ProcessEnv = env) =>
    parseInputs(reader({ 'function-name': 'orders', ...inputs }), environment);

  it('refuses a strategy whose default timeout is longer than a GitHub-hosted job, with the computed total and the fix', () => {
    const { problems, valid } = parsed({ strategy: '10%:7h' });
    expect(problems).toEqual([
      `Input "strategy": "10%:7h" needs longer than one job may run: its default timeout ("timeout" is empty: the strategy's 7h of holds, the analysis's 3m wait for the last step's metrics, up to 10m of extension and a 10m margin) comes to 7h23m, and GitHub stops a job on a GitHub-hosted runner after 6h, which would leave the traffic split. ` +
        `To hold the release that long, ${split}; or choose a shorter strategy.`,
    ]);
    // So that no check relies on it (the credentials' expiry is checked against the timeout).
    expect(valid('strategy')).toBe(false);
  });

  it('counts only the holds and the margin with analysis off', () => {
    expect(parsed({ strategy: '10%:7h', analysis: 'off' }).problems).toEqual([
      expect.stringContaining(
        `its default timeout ("timeout" is empty: the strategy's 7h of holds and a 10m margin) comes to 7h10m`,
      ),
    ]);
  });

  it('refuses a plan under 6h whose allowance takes it over, and says which timeout would do', () => {
    expect(parsed({ strategy: '10%:5h55m' }).problems).toEqual([
      expect.stringMatching(
        /comes to 6h18m, .*; or choose a shorter strategy, or give a timeout of 6h or less \(more than 5h58m\)\.$/,
      ),
    ]);
  });

  it('refuses an explicit timeout over 6h, naming "timeout"', () => {
    const { problems, valid } = parsed({ strategy: '10%:5h', timeout: '7h' });
    expect(problems).toEqual([
      `Input "timeout": "7h" is longer than one job may run: GitHub stops a job on a GitHub-hosted runner after 6h, which would leave the traffic split. To hold the release longer, give a timeout of 6h or less (more than 5h3m), or ${split}.`,
    ]);
    expect(valid('timeout')).toBe(false);
    expect(valid('strategy')).toBe(true);
  });

  it('checks an explicit timeout even when the strategy has a problem of its own', () => {
    expect(parsed({ strategy: 'canary 10%', timeout: '7h' }).problems).toEqual([
      expect.stringMatching(/^Input "strategy": "canary 10%"/),
      `Input "timeout": "7h" is longer than one job may run: GitHub stops a job on a GitHub-hosted runner after 6h, which would leave the traffic split. To hold the release longer, give a timeout of 6h or less, or ${split}.`,
    ]);
  });

  it('offers no shorter timeout when the plan itself is over the limit', () => {
    expect(parsed({ strategy: '10%:7h', timeout: '8h' }).problems).toEqual([
      `Input "timeout": "8h" is longer than one job may run: GitHub stops a job on a GitHub-hosted runner after 6h, which would leave the traffic split. To hold the release longer, ${split}.`,
    ]);
  });

  it('accepts exactly 6h, and takes a runner that does not say what it is as GitHub-hosted', () => {
    expect(parsed({ strategy: '10%:5h', timeout: '6h' }).problems).toEqual([]);
    expect(
      parsed({ strategy: '10%:7h' }, { ...env, RUNNER_ENVIRONMENT: 'github-hosted' }).problems,
    ).toHaveLength(1);
    expect(parsed({ strategy: '10%:7h' }, { ...env, RUNNER_ENVIRONMENT: '' }).problems).toHaveLength(1);
  });

  it('lists the job limit with the other problems', () => {
    const { problems } = parsed({ strategy: '10%:7h', 'poll-interval': '0s', 'dry-run': 'maybe' });
    // In the order the inputs are read: the timeout (and so its limit) after the poll interval.
    expect(problems.map((p) => /^Input "([^"]+)"/.exec(p)?.[1])).toEqual([
      'poll-interval',
      'strategy',
      'dry-run',
    ]);
  });

  describe('on a self-hosted runner (RUNNER_ENVIRONMENT=self-hosted)', () => {
    const selfHosted = { ...env, RUNNER_ENVIRONMENT: 'self-hosted' };

    it("accepts up to 5 days, warning that the job's default timeout-minutes is 360", () => {
      const { problems, inputs } = parsed({ strategy: '10%:7h' }, selfHosted);
      expect(problems).toEqual([]);
      expect(inputs.timeoutMs).toBe((7 * 60 + 23) * 60_000);
      expect(inputs.warnings).toEqual([
        "The rollout may last up to 7h23m (its timeout), longer than a job's default timeout-minutes (360): set timeout-minutes on this job above 443 plus the time of its other steps, or GitHub cancels the job mid-rollout.",
      ]);
    });

    it('has no warning for a timeout within 360 minutes', () => {
      expect(parsed({ strategy: '10%:5h', timeout: '6h' }, selfHosted).inputs.warnings).toEqual([]);
    });

    it('refuses more than 5 days', () => {
      expect(parsed({ strategy: '10%:119h', timeout: '121h' }, selfHosted).problems).toEqual([
        `Input "timeout": "121h" is longer than one job may run: GitHub stops a job on a self-hosted runner after 5 days, which would leave the traffic split. To hold the release longer, give a timeout of 5 days or less (more than 119h3m), or ${split}.`,
      ]);
    });
  });
});

describe('the command input', () => {
  it('accepts deploy, the default', () => {
    expect(parseInputs(reader({ 'function-name': 'orders', command: 'deploy' }), env).problems).toEqual([]);
    expect(parseInputs(reader({ 'function-name': 'orders' }), env).problems).toEqual([]);
  });

  it.each(['start', 'promote', 'rollback', 'status'])('accepts %s', (command) => {
    expect(parseInputs(reader({ 'function-name': 'orders', command }), env).inputs.command).toBe(command);
  });

  it('refuses a word that is no command, listing the commands', () => {
    expect(problemsOf({ 'function-name': 'orders', command: 'Deploy' })).toEqual([
      'Input "command": "Deploy" is not a command. Accepted: "deploy" (the whole release in this job; the default); "start" (the first step, then the split is left for a later promote); "promote" (checks the gates and finishes the release left by start); "rollback" (takes the release left by start back); "status" (reports the release in progress and changes nothing).',
    ]);
  });

  it('refuses start with a plan that has no traffic step to leave split', () => {
    expect(problemsOf({ 'function-name': 'orders', command: 'start', strategy: 'AllAtOnce' })).toEqual([
      'Input "strategy": "AllAtOnce" has no traffic step for "command: start" to leave split. Accepted: a plan with a step below 100%, such as "Canary10Percent5Minutes" (AllAtOnce belongs to promote, to finish at once).',
    ]);
  });

  it('holds start to the job limit for its first step only, which it holds before it leaves the split', () => {
    const inputs = (command: string, strategy: string) => ({ 'function-name': 'orders', command, strategy });
    // Six hours after the first step: too long for one job, not for start.
    expect(problemsOf(inputs('deploy', '10%:1h, 50%:6h'))).toHaveLength(1);
    const start = parseInputs(reader(inputs('start', '10%:1h, 50%:6h')), env);
    expect(start.problems).toEqual([]);
    expect(start.inputs.timeoutMs).toBeLessThan(2 * 3_600_000);
    // A first hold longer than a job: start itself would be cut off mid-step.
    const [problem] = problemsOf(inputs('start', '10%:7h'));
    expect(problem).toContain('longer than one job may run');
    expect(problem).toContain('give the first step a shorter hold');
  });

  it("leaves promote's timeout to the plan that start left, known once the marker is read", () => {
    const promote = parseInputs(
      reader({ 'function-name': 'orders', command: 'promote', strategy: '10%:7h' }),
      env,
    );
    expect(promote.problems).toEqual([]);
    expect(promote.inputs.timing.timeoutText).toBe('');
    expect(problemsOf({ 'function-name': 'orders', command: 'promote', timeout: 'soon' })).toEqual([
      expect.stringContaining('Input "timeout": "soon"'),
    ]);
  });
});
