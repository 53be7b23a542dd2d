// Every bad input, and every release Lambda would refuse, fails the step with a message naming
// the problem, and leaves the local cloud's log of writes empty.
import { createServer, type AddressInfo } from 'node:net';
import { formatMarker } from '../src/marker.js';
import { escapeMarkdown } from '../src/report/escape.js';
import { useTestCloud } from './local-cloud-env.js';
import { newRunnerContext, runStep } from './runner.js';
import { ALIAS, ERRORS_ALARM, FUNCTION, lambdaScenario, releaseInputs } from './scenarios.js';
import type { Scenario } from '../sim/control-client.js';

const t = useTestCloud();

const theirMarker = formatMarker({
  state: 'shifting',
  run: 'acme/shop#1.1',
  from: '1',
  to: '2',
  weight: 10,
  plan: 'x',
  started: 't',
  by: 'mona',
});

/** The standard scenario with version 2 already published (and, optionally, changed). */
function withVersion2(v2: Record<string, unknown> = {}, alias: Record<string, unknown> = {}): Scenario {
  const s = lambdaScenario();
  const fn = s.functions![0]!;
  fn.versions = [...fn.versions!, { code: 'v2', ...v2 }];
  fn.aliases = [{ name: ALIAS, version: '1', ...alias }];
  return s;
}

interface Case {
  name: string;
  inputs: Record<string, string>;
  expected: RegExp;
  scenario?: Scenario;
  env?: Record<string, string>;
}

const cases: Case[] = [
  {
    name: 'missing function-name',
    inputs: { 'function-name': '' },
    expected: /Input "function-name" is required/,
  },
  {
    name: 'function name with a space',
    inputs: { 'function-name': 'my orders' },
    expected: /Input "function-name": "my orders"/,
  },
  {
    name: 'qualified ARN',
    inputs: { 'function-name': `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION}:live` },
    expected: /includes a qualifier/,
  },
  { name: 'all-digit alias', inputs: { alias: '2024' }, expected: /Input "alias": "2024"/ },
  {
    name: '$LATEST as the version',
    inputs: { version: '$LATEST' },
    expected: /Input "version": "\$LATEST" cannot receive alias traffic/,
  },
  { name: 'a word as the version', inputs: { version: 'newest' }, expected: /Input "version": "newest"/ },
  {
    name: 'incomplete canary',
    inputs: { strategy: 'canary 10%' },
    expected: /Input "strategy": "canary 10%"/,
  },
  { name: 'decreasing steps', inputs: { strategy: '50%:1m, 25%:1m' }, expected: /Input "strategy"/ },
  {
    name: 'unknown CodeDeploy name',
    inputs: { strategy: 'Canary10Percent7Minutes' },
    expected: /Input "strategy"/,
  },
  { name: 'poll interval of zero', inputs: { 'poll-interval': '0s' }, expected: /Input "poll-interval"/ },
  {
    name: 'timeout under the plan',
    inputs: { strategy: 'canary 10% 5m', timeout: '2m' },
    expected: /Input "timeout": "2m" is shorter/,
  },
  {
    name: 'a 7-hour plan, longer than a GitHub-hosted job may run',
    inputs: { strategy: '10%:7h' },
    expected:
      /^Input "strategy": "10%:7h" needs longer than one job may run: its default timeout \("timeout" is empty: the strategy's 7h of holds and a 10m margin\) comes to 7h10m, and GitHub stops a job on a GitHub-hosted runner after 6h, .*"command: start" .* "command: promote"/,
  },
  {
    name: 'a timeout longer than a GitHub-hosted job may run',
    inputs: { timeout: '6h30m' },
    expected: /^Input "timeout": "6h30m" is longer than one job may run: .*after 6h/,
  },
  {
    name: 'a command that is no command',
    inputs: { command: 'resume' },
    expected: /^Input "command": "resume" is not a command\. Accepted: "deploy" /,
  },
  {
    name: 'unknown split policy',
    inputs: { 'on-existing-split': 'force' },
    expected: /Input "on-existing-split": "force"/,
  },
  { name: 'dry-run not a boolean', inputs: { 'dry-run': 'maybe' }, expected: /Input "dry-run": "maybe"/ },
  { name: 'region not a region', inputs: { region: 'mars-1' }, expected: /Input "region": "mars-1"/ },
  {
    name: 'unknown alarm',
    inputs: { alarms: `${ERRORS_ALARM}, no-such-alarm` },
    expected: /alarm\(s\) not found in us-east-1: "no-such-alarm"/,
  },
  {
    name: 'unknown function',
    inputs: { 'function-name': 'no-such-function' },
    expected:
      /^Input "function-name": function no-such-function does not exist in us-east-1\. Check the name/,
  },
  {
    name: 'unknown function, with a version number',
    inputs: { 'function-name': 'no-such-function', version: '3' },
    expected: /^Input "function-name": function no-such-function does not exist in us-east-1\./,
  },
  {
    name: 'a function ARN of another region',
    inputs: { 'function-name': `arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION}` },
    expected:
      /^Input "function-name": the ARN "arn:aws:lambda:eu-west-1:123456789012:function:orders" is of a function in eu-west-1, but the region is us-east-1 \(from AWS_REGION\)/,
  },
  {
    name: 'a weight finer than a Lambda alias routes',
    inputs: { strategy: '0.00001%:5m' },
    expected:
      /^Input "strategy": "0\.00001%:5m": the weight 0\.00001% is finer than a Lambda alias can route \(steps of 0\.0001%\); give weights in whole steps of 0\.0001%, such as 0\.0001%\.$/,
  },
  {
    name: 'alarms written as a YAML list',
    inputs: { alarms: `- ${ERRORS_ALARM}\n- orders-latency` },
    expected:
      /^Input "alarms": 2 alarm\(s\) not found in us-east-1: "- orders-live-errors" \(a YAML list item\? the input is one string: one name a line or comma-separated, without YAML's "- "; did you mean "orders-live-errors"\?\), "- orders-latency" \(a YAML list item\?/,
  },
  {
    name: 'a typo in an alarm name',
    inputs: { alarms: 'orders-live-erors' },
    expected: /not found in us-east-1: "orders-live-erors" \(did you mean "orders-live-errors"\?\)/,
  },
  {
    name: 'unknown alias',
    inputs: { alias: 'canary' },
    expected:
      /^Input "alias": alias canary of function orders does not exist; its aliases include "live"\. Create the alias/,
  },
  {
    name: 'version that does not exist',
    inputs: { version: '99' },
    scenario: withVersion2(),
    expected:
      /^Input "version": version 99 of function orders does not exist; the latest published version is 2\. Give a published version number, or "publish"/,
  },
  {
    name: 'alarm already firing',
    inputs: {},
    scenario: (() => {
      const s = lambdaScenario({ rate: 0 });
      s.alarms![0]!.StateValue = 'ALARM';
      s.alarms![0]!.StateReason = 'Threshold Crossed: 5 errors';
      s.alarms![0]!.TreatMissingData = 'ignore';
      return s;
    })(),
    expected: /already in ALARM before the release: "orders-live-errors" \(Threshold Crossed: 5 errors\)/,
  },
  {
    name: 'new version with another execution role',
    inputs: { version: '2' },
    scenario: withVersion2({ role: 'arn:aws:iam::123456789012:role/other' }),
    expected: /execution role differs: version 1 uses .*lambda-role, version 2 uses .*role\/other/,
  },
  {
    name: 'new code with another dead-letter queue',
    inputs: {},
    scenario: (() => {
      const s = lambdaScenario();
      s.functions![0]!.latest = { code: 'v2', deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:dlq' };
      return s;
    })(),
    expected: /dead-letter queue differs: version 1 uses none, version \$LATEST uses .*:dlq/,
  },
  {
    name: 'alias already split by another run',
    inputs: { version: '2' },
    scenario: withVersion2({}, { weights: { '2': 0.1 }, description: theirMarker }),
    expected: /already split: 90% on version 1, 10% on version 2; .*run acme\/shop#1\.1 by mona/,
  },
  {
    name: 'credentials expiring before the plan ends',
    inputs: { strategy: 'Canary10Percent30Minutes' },
    env: { AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() + 10 * 60_000).toISOString() },
    expected: /credentials expire at .* before the rollout's timeout \(40m from now\)/,
  },
];

describe('refused before the first write', () => {
  it('has a table of at least fifteen cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('$name', async ({ inputs, expected, scenario, env }) => {
    await t.control.loadScenario(scenario ?? lambdaScenario());
    await t.control.clearWrites();
    const result = await runStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs(inputs),
      env: { ...t.env, ...env },
    });
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('failed');
    expect(result.outputs.reason).toMatch(expected);
    expect(result.stdout).toContain('::error::');
    expect(await t.control.writes()).toEqual([]);
  });
});

describe("a self-hosted runner's longer job limit", () => {
  it("lets a dry run of a 7-hour plan through, warning about the job's timeout-minutes", async () => {
    await t.control.loadScenario(lambdaScenario());
    await t.control.clearWrites();
    const result = await runStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs({ strategy: '10%:7h', 'dry-run': 'true' }),
      env: { ...t.env, RUNNER_ENVIRONMENT: 'self-hosted' },
    });
    expect(result.code).toBe(0);
    expect(result.outputs.result).toBe('dry-run');
    expect(result.stdout).toContain(
      "::warning title=Timeout::The rollout may last up to 7h10m (its timeout), longer than a job's default timeout-minutes (360): set timeout-minutes on this job above 430",
    );
    expect(await t.control.writes()).toEqual([]);
  });
});

describe('every problem at once', () => {
  // Syntax and what only AWS can tell (a missing alarm, a missing version) together, in one error.
  const inputs = releaseInputs({
    strategy: 'canary 10%',
    'poll-interval': '0s',
    alarms: 'orders-live-erors',
    version: '99',
  });
  const problems = [
    /^Input "strategy": "canary 10%" is not a strategy/,
    /^Input "poll-interval": "0s"/,
    /^Input "version": version 99 of function orders does not exist; the latest published version is 1\./,
    /^Input "alarms": 1 alarm\(s\) not found in us-east-1: "orders-live-erors" \(did you mean "orders-live-errors"\?\)/,
  ];

  it('are listed in one error, and each in the job summary, escaped', async () => {
    await t.control.loadScenario(lambdaScenario());
    await t.control.clearWrites();
    const result = await runStep({ step: 'main', ctx: newRunnerContext(), inputs, env: t.env });
    expect(result.code).toBe(1);
    const listed = result.outputs.reason!.split('\n- ');
    expect(listed[0]).toBe('4 problems found:');
    expect(listed.slice(1)).toEqual(problems.map((p) => expect.stringMatching(p)));
    const bullets = result.summary.split('\n').filter((line) => line.startsWith('- '));
    expect(bullets).toEqual(listed.slice(1).map((p) => `- ${escapeMarkdown(p)}`));
    expect(result.summary).toContain('the release did not start and nothing was changed');
    expect(await t.control.writes()).toEqual([]);
  });

  it('write no job summary with job-summary: false', async () => {
    await t.control.loadScenario(lambdaScenario());
    const result = await runStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: { ...inputs, 'job-summary': 'false' },
      env: t.env,
    });
    expect(result.outputs.reason).toMatch(/^4 problems found:/);
    expect(result.summary).toBe('');
  });
});

describe('an endpoint that cannot be reached', () => {
  it('is named, with where its URL came from and what to check', async () => {
    const port = await closedPort();
    const result = await runStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs(),
      env: { ...t.env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` },
    });
    expect(result.code).toBe(1);
    expect(result.outputs.reason).toMatch(
      new RegExp(
        `\\(hint: Lambda at http://127\\.0\\.0\\.1:${port} \\(from AWS_ENDPOINT_URL\\) could not be reached: the connection was refused; check that the URL is right and that the endpoint is running, or unset AWS_ENDPOINT_URL to use AWS\\)`,
      ),
    );
    expect(result.outputs.reason).not.toContain('see the AWS message above');
    expect(result.summary).toContain(
      escapeMarkdown(`Lambda at http://127.0.0.1:${port} (from AWS_ENDPOINT_URL)`),
    );
  });
});

/** A local port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
