// Every bad input, and every release Lambda would refuse, fails the step with a message naming
// the problem, and leaves the local cloud's log of writes empty.
import { formatMarker } from '../src/marker.js';
import { startTestCloud, type TestCloud } from './local-cloud-env.js';
import { newRunnerContext, runStep } from './runner.js';
import { ALIAS, ERRORS_ALARM, FUNCTION, lambdaScenario, releaseInputs } from './scenarios.js';
import type { Scenario } from '../sim/control-client.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(async () => {
  await t.cloud.close();
});

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
    expected: /ResourceNotFoundException.*check the name and the region/,
  },
  {
    name: 'unknown alias',
    inputs: { alias: 'canary' },
    expected: /Could not read alias canary of function orders: ResourceNotFoundException/,
  },
  {
    name: 'version that does not exist',
    inputs: { version: '9' },
    expected: /Could not read version 9 of function orders: ResourceNotFoundException/,
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
