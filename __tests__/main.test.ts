// The whole run() against mocked AWS clients: inputs from INPUT_* as the runner sets them,
// outputs and state through the runner's files, time from a fake clock.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  InvokeCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileCommand } from './support/file-commands.js';
import { run, runEntry } from '../src/main.js';
import type { PlanStep } from '../src/engine/plan.js';
import { formatMarker, parseMarker } from '../src/marker.js';
import { parseStrategy } from '../src/strategy.js';
import { FakeClock } from './support/fake-clock.js';
import { testClients } from './support/clients.js';

const lambdaMock = mockClient(LambdaClient);
const cwMock = mockClient(CloudWatchClient);

/** A tiny alias model: RevisionId-checked updates, as Lambda does them. */
interface AliasModel {
  FunctionVersion: string;
  weights: Record<string, number>;
  RevisionId: string;
  Description: string;
  writes: number;
}

let alias: AliasModel;
let alarmState: (now: number) => string;
let failEmptyRouting: boolean;
let files: { output: string; state: string; summary: string };
let clock: FakeClock;
const savedEnv = { ...process.env };

/**
 * The runner's INPUT_* variables. Most tests here are about something else than the analysis,
 * whose metrics these mocks do not serve: it is off unless a test says `analysis`.
 */
function setInputs(inputs: Record<string, string>) {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
  for (const [name, value] of Object.entries({ analysis: 'off', ...inputs }))
    process.env[`INPUT_${name.toUpperCase()}`] = value;
}

/** The usual release, version 7 of orders on its alias, with `more` inputs. */
const setRelease = (more: Record<string, string> = {}) =>
  setInputs({ 'function-name': 'orders', version: '7', ...more });

beforeEach(() => {
  lambdaMock.reset();
  cwMock.reset();
  clock = new FakeClock();
  alias = { FunctionVersion: '6', weights: {}, RevisionId: 'r1', Description: '', writes: 0 };
  alarmState = () => 'OK';
  failEmptyRouting = false;
  const dir = mkdtempSync(join(tmpdir(), 'main-test-'));
  files = { output: join(dir, 'output'), state: join(dir, 'state'), summary: join(dir, 'summary') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  Object.assign(process.env, {
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '77',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    AWS_REGION: 'us-east-1',
  });
  process.exitCode = undefined;

  lambdaMock.on(GetAliasCommand).callsFake(() => ({
    FunctionVersion: alias.FunctionVersion,
    RoutingConfig: { AdditionalVersionWeights: alias.weights },
    RevisionId: alias.RevisionId,
    Description: alias.Description,
  }));
  lambdaMock.on(UpdateAliasCommand).callsFake((input) => {
    if (failEmptyRouting && Object.keys(input.RoutingConfig?.AdditionalVersionWeights ?? {}).length === 0) {
      throw Object.assign(new Error('Service unavailable'), {
        name: 'ServiceException',
        $metadata: { httpStatusCode: 503 },
      });
    }
    if (input.RevisionId !== alias.RevisionId) {
      throw Object.assign(new Error('The Revision Id provided does not match'), {
        name: 'PreconditionFailedException',
        $metadata: { httpStatusCode: 412 },
      });
    }
    alias.writes++;
    alias.FunctionVersion = input.FunctionVersion;
    alias.weights = input.RoutingConfig?.AdditionalVersionWeights ?? {};
    alias.Description = input.Description ?? '';
    alias.RevisionId = `r${alias.writes + 1}`;
    return { RevisionId: alias.RevisionId };
  });
  lambdaMock
    .on(GetFunctionCommand)
    .resolves({ Configuration: { State: 'Active', LastUpdateStatus: 'Successful' } });
  lambdaMock.on(PublishVersionCommand).resolves({ Version: '7' });
  lambdaMock.on(GetFunctionConfigurationCommand).callsFake((input) => ({
    Version: input.Qualifier,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    Role: 'arn:aws:iam::123456789012:role/orders',
  }));
  cwMock.on(DescribeAlarmsCommand).callsFake(() => ({
    MetricAlarms: [
      {
        AlarmName: 'errors',
        StateValue: alarmState(clock.now()),
        StateReason: 'Threshold Crossed: 3 errors',
      },
    ],
  }));
});

afterAll(() => {
  process.env = savedEnv;
  process.exitCode = undefined;
});

const deps = () => ({
  clock,
  cancellation: new AbortController(),
  clients: () => testClients(),
});

const outputs = () => readFileCommand(files.output);
/** The marker another run (acme/shop#70.1, by mona) leaves while it holds 10% on version 5. */
const theirMarker = (plan: string, started: string, steps?: PlanStep[]) =>
  formatMarker({
    state: 'shifting',
    run: 'acme/shop#70.1',
    from: '6',
    to: '5',
    weight: 10,
    plan,
    started,
    by: 'mona',
    // A run records its plan's steps, by which others tell how long it may still be running.
    steps,
  });
/** What the step prints (the runner's log), until restored. */
function captureStdout() {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  return { text: () => chunks.join(''), restore: () => spy.mockRestore() };
}
const weightsWritten = () =>
  lambdaMock
    .commandCalls(UpdateAliasCommand)
    .map((c) => [c.args[0].input.FunctionVersion, c.args[0].input.RoutingConfig?.AdditionalVersionWeights]);

describe('the end of the run', () => {
  it('marks the report done only when GitHub got it: a silent GitHub leaves it to the post step', async () => {
    expect.hasAssertions();
    // A GitHub that takes requests and never answers them.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      process.env.GITHUB_API_URL = `http://127.0.0.1:${port}`;
      process.env.GITHUB_EVENT_NAME = 'push';
      process.env.GITHUB_SHA = 'c'.repeat(40);
      setInputs({ 'function-name': 'orders', strategy: 'AllAtOnce', 'github-token': 'ghs_test' });
      await run({ ...deps(), githubTimeoutMs: 50 });
      expect(outputs().result).toBe('promoted');
      expect(readFileCommand(files.state).finished).toBe('true');
      expect(readFileCommand(files.state).reported).toBeUndefined();
    } finally {
      delete process.env.GITHUB_API_URL;
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('marks the report done when everything reached its place', async () => {
    setInputs({ 'function-name': 'orders', strategy: 'AllAtOnce' });
    await run(deps());
    expect(readFileCommand(files.state).reported).toBe('true');
  });
});

describe('a refusal', () => {
  it('a cancellation after problems were found keeps them, and says it was cancelled', async () => {
    const d = deps();
    lambdaMock.on(GetFunctionConfigurationCommand, { Qualifier: '99' }).callsFake(() => {
      d.cancellation.abort('cancelled by SIGTERM');
      throw Object.assign(new Error('Function not found'), {
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 404 },
      });
    });
    setInputs({ 'function-name': 'orders', version: '99', 'dry-run': 'maybe' });
    await run(d);
    const reason = outputs().reason!;
    expect(reason).toMatch(
      /^cancelled by SIGTERM before any change[^;]*; before that, 2 problems found:\n- /,
    );
    expect(reason).toMatch(/\n- Input "version": version 99 of function orders does not exist/);
    expect(reason).toMatch(/\n- Input "dry-run"/);
    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toContain('## Serverless Canary: Cancelled before any change');
    expect(summary).toContain('2 problems were found before it');
  });
});

describe('runEntry', () => {
  it('an unexpected error after a cancellation still says cancelled, so that the step exits at once', async () => {
    const cancellation = new AbortController();
    const outcome = await runEntry(cancellation, () => {
      cancellation.abort('cancelled by SIGTERM');
      return Promise.reject(new Error('boom'));
    });
    expect(outcome).toEqual({ cancelled: true });
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
    expect(await runEntry(new AbortController(), () => Promise.reject(new Error('boom')))).toEqual({
      cancelled: false,
    });
  });
});

describe('run()', () => {
  it('publishes, shifts by the plan, promotes, and reports', async () => {
    setInputs({ 'function-name': 'orders', strategy: 'linear 25% every 1m', alarms: 'errors' });
    await run(deps());
    expect(outputs()).toMatchObject({ result: 'promoted', 'previous-version': '6', 'target-version': '7' });
    expect(weightsWritten()).toEqual([
      ['6', { '7': 0.25 }],
      ['6', { '7': 0.5 }],
      ['6', { '7': 0.75 }],
      ['7', {}],
    ]);
    expect(process.exitCode).toBeUndefined();
    expect(readFileCommand(files.state).finished).toBe('true');
    expect(JSON.parse(readFileCommand(files.state).rollout!)).toMatchObject({
      target: 'lambda-alias',
      saved: { functionName: 'orders', alias: 'live', previousVersion: '6', targetVersion: '7' },
      run: expect.stringMatching(/^acme\/shop#77\.1~[0-9a-f]{6}$/),
    });
    expect(readFileSync(files.summary, 'utf8')).toContain('Promoted');
    // One DescribeAlarms with the inputs (do they exist?), one for preflight (are they firing?),
    // then one per poll: 13 polls a minute-long step at 5 s.
    expect(cwMock.commandCalls(DescribeAlarmsCommand)).toHaveLength(2 + 3 * 13);
  });

  it('with the longest repository and job names, the run id it saves is the one the alias shows', async () => {
    process.env.GITHUB_REPOSITORY = `${'o'.repeat(39)}/${'r'.repeat(100)}`;
    process.env.GITHUB_JOB = 'j'.repeat(100);
    setRelease({ strategy: 'canary 10% 1m' });
    try {
      await run(deps());
    } finally {
      process.env.GITHUB_REPOSITORY = 'acme/shop';
      delete process.env.GITHUB_JOB;
    }
    const saved = JSON.parse(readFileCommand(files.state).rollout!) as { run: string };
    const written = lambdaMock
      .commandCalls(UpdateAliasCommand)
      .map((c) => parseMarker(c.args[0].input.Description)?.run);
    expect(written).toEqual([saved.run, saved.run]);
    expect(saved.run.length).toBeLessThanOrEqual(100);
  });

  it('rolls back when the alarm fires, fails the step, and names the alarm and its reason', async () => {
    const start = clock.now();
    alarmState = (now) => (now - start > 90_000 ? 'ALARM' : 'OK');
    setInputs({ 'function-name': 'orders', strategy: 'linear 25% every 1m', alarms: 'errors' });
    await run(deps());
    expect(outputs().result).toBe('rolled-back');
    expect(outputs().reason).toBe('gate alarms failed: errors is ALARM: Threshold Crossed: 3 errors');
    expect(weightsWritten()).toEqual([
      ['6', { '7': 0.25 }],
      ['6', { '7': 0.5 }],
      ['6', {}],
    ]);
    expect(parseMarker(alias.Description)?.state).toBe('rolled-back');
    expect(process.exitCode).toBe(1);
  });

  it('leaves the post step to finish a rollback that failed', async () => {
    const start = clock.now();
    alarmState = (now) => (now - start > 30_000 ? 'ALARM' : 'OK');
    // Lambda answers every write that would empty the routing (the rollback) with a 503.
    failEmptyRouting = true;
    setInputs({ 'function-name': 'orders', strategy: 'canary 10% 5m', alarms: 'errors' });
    await run(deps());
    expect(outputs().result).toBe('failed');
    expect(outputs().reason).toMatch(/^gate alarms failed: .*; then the rollback failed/);
    expect(alias).toMatchObject({ FunctionVersion: '6', weights: { '7': 0.1 } });
    expect(readFileCommand(files.state).rollout).toBeDefined();
    expect(readFileCommand(files.state).finished).toBeUndefined();
  });

  it('a publish that finds no change is no-change, not an error, and writes nothing', async () => {
    lambdaMock.on(PublishVersionCommand).resolves({ Version: '6' });
    setInputs({ 'function-name': 'orders' });
    await run(deps());
    expect(outputs()).toMatchObject({ result: 'no-change', 'previous-version': '6', 'target-version': '6' });
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    expect(process.exitCode).toBeUndefined();
  });

  it('dry-run checks everything and writes nothing, not even a publish', async () => {
    setInputs({ 'function-name': 'orders', alarms: 'errors', 'dry-run': 'true' });
    await run(deps());
    expect(outputs()).toMatchObject({ result: 'dry-run', 'previous-version': '6', 'target-version': '' });
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(0);
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    // Nothing for the post step to look at.
    expect(readFileCommand(files.state).rollout).toBeUndefined();
  });

  it('a dry run shows its whole plan in the summary and the log, one line per step', async () => {
    setInputs({
      'function-name': 'orders',
      alarms: 'errors',
      strategy: '10%:5m, 50%:10m',
      'dry-run': 'true',
    });
    const log = captureStdout();
    try {
      await run(deps());
    } finally {
      log.restore();
    }
    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toContain('| Before | — | — | — | — | PublishVersion of orders:');
    expect(summary).toContain(
      '| 1 of 2 | 10% | +0s | +5m | alarms | UpdateAlias live: 10% on the new version, 90% on version 6 |',
    );
    expect(summary).toContain(
      '| 2 of 2 | 50% | +5m | +15m | alarms | UpdateAlias live: 50% on the new version, 50% on version 6 |',
    );
    expect(summary).toContain(
      '| Promote | 100% | +15m | — | — | UpdateAlias live: all traffic on the new version, the split removed |',
    );
    // The default timeout: the holds plus ten minutes.
    expect(summary).toContain('**Timeout:** 25m from the start');
    expect(summary).toContain('**Gates:** alarms errors, read every 5s at every step');
    expect(log.text()).toContain(
      '  Step 1 of 2: 10% from +0s to +5m: UpdateAlias live: 10% on the new version, 90% on version 6; gates: alarms\n',
    );
    expect(log.text()).toContain(
      '  Promote at +15m: UpdateAlias live: all traffic on the new version, the split removed\n',
    );
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('a dry run over a split it would clear, or resume, shows that in its plan', async () => {
    alias.weights = { '7': 0.3 };
    setRelease({
      'on-existing-split': 'rollback',
      'dry-run': 'true',
    });
    await run(deps());
    expect(readFileSync(files.summary, 'utf8')).toContain(
      '| Before | — | — | — | — | UpdateAlias live: clear the split left on it \\(30% on version 7\\), all traffic back on version 6 |',
    );
    writeFileSync(files.summary, '');
    setRelease({
      strategy: '10%:5m, 50%:10m',
      'on-existing-split': 'resume',
      'dry-run': 'true',
    });
    await run(deps());
    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toContain(
      '| 1 of 2 | 10% | — | — | — | skipped: resumed: the alias already sends 30% to version 7 |',
    );
    expect(summary).toContain(
      '| 2 of 2 | 50% | +0s | +10m | **none** | UpdateAlias live: 50% on version 7, 50% on version 6 |',
    );
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('refuses an alias already split by default, naming the run that left it, and writes nothing', async () => {
    alias.weights = { '5': 0.1 };
    alias.Description = theirMarker('x', 't');
    setRelease();
    await run(deps());
    expect(outputs().result).toBe('failed');
    expect(outputs().reason).toMatch(
      /already split: 90% on version 6, 10% on version 5; .*run acme\/shop#70.1 by mona/,
    );
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('on-existing-split: rollback clears the old split first, then releases', async () => {
    alias.weights = { '5': 0.1 };
    setRelease({
      'on-existing-split': 'rollback',
      strategy: 'AllAtOnce',
    });
    await run(deps());
    expect(outputs().result).toBe('promoted');
    expect(weightsWritten()).toEqual([
      ['6', {}],
      ['7', {}],
    ]);
  });

  it('on-existing-split never takes over a split whose run may still be running', async () => {
    const marker = (startedMinutesAgo: number) =>
      theirMarker(
        'canary 10% 5m',
        new Date(clock.now() - startedMinutesAgo * 60_000).toISOString(),
        parseStrategy('canary 10% 5m').steps,
      );
    // Started 3 minutes ago with a 5-minute plan: it may still be holding.
    alias.weights = { '5': 0.1 };
    alias.Description = marker(3);
    setRelease({
      'on-existing-split': 'rollback',
      strategy: 'AllAtOnce',
    });
    await run(deps());
    expect(outputs().result).toBe('failed');
    expect(outputs().reason).toMatch(
      /split by run acme\/shop#70\.1 .*may still be running \(its plan and timeout end by /,
    );
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);

    // Started an hour ago: that run is gone, and the split is cleared as asked.
    alias.Description = marker(60);
    writeFileSync(files.output, '');
    await run(deps());
    expect(outputs().result).toBe('promoted');
    expect(readFileSync(files.summary, 'utf8')).toContain('which is no longer running');
  });

  /** A split found at `weight` percent on version 7, resumed with `strategy` (and `more` inputs). */
  const resume = (weight: number, strategy: string, more: Record<string, string> = {}) => {
    alias.weights = { '7': weight / 100 };
    setRelease({ 'on-existing-split': 'resume', strategy, ...more });
    return run(deps());
  };

  it('on-existing-split: resume continues from the step after the current weight', async () => {
    await resume(25, '10%:1m, 25%:1m, 50%:1m');
    expect(outputs().result).toBe('promoted');
    expect(weightsWritten()).toEqual([
      ['6', { '7': 0.5 }],
      ['7', {}],
    ]);
  });

  it("on-existing-split: resume skips the pre-traffic hook: the split's traffic moved already", async () => {
    await resume(25, '10%:1m, 25%:1m, 50%:1m', { 'pre-traffic-hook': 'orders-check' });
    expect(outputs().result).toBe('promoted');
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(readFileSync(files.summary, 'utf8')).toContain('hook did not run: the release resumed a split');
  });

  it('on-existing-split: resume of a split already at 100% goes straight to promotion', async () => {
    await resume(100, 'canary 10% 1m');
    expect(outputs().result).toBe('promoted');
    expect(weightsWritten()).toEqual([['7', {}]]);
  });

  it('refuses versions with different execution roles before any write', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).callsFake((input) => ({
      Version: input.Qualifier,
      State: 'Active',
      Role: `arn:aws:iam::123456789012:role/orders-${input.Qualifier}`,
    }));
    setRelease();
    await run(deps());
    expect(outputs().reason).toMatch(
      /execution role differs: version 6 uses .*orders-6, version 7 uses .*orders-7/,
    );
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('checks the new code against the old version before publishing anything', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).callsFake((input) => ({
      Version: input.Qualifier,
      State: 'Active',
      Role: 'arn:aws:iam::123456789012:role/orders',
      DeadLetterConfig:
        input.Qualifier === '$LATEST'
          ? { TargetArn: 'arn:aws:sqs:us-east-1:123456789012:new-dlq' }
          : undefined,
    }));
    setInputs({ 'function-name': 'orders' });
    await run(deps());
    expect(outputs().reason).toMatch(
      /dead-letter queue differs: version 6 uses none, version \$LATEST uses .*new-dlq/,
    );
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(0);
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('stops without fighting when someone else changes the alias mid-rollout', async () => {
    setRelease({ strategy: 'canary 10% 1m', alarms: 'errors' });
    const start = clock.now();
    alarmState = (now) => {
      // A person points the alias at version 9 by hand, 30 s in.
      if (now - start >= 30_000 && alias.FunctionVersion !== '9') {
        Object.assign(alias, {
          FunctionVersion: '9',
          weights: {},
          RevisionId: 'manual',
          Description: 'hotfix',
        });
      }
      return 'OK';
    };
    await run(deps());
    expect(outputs().result).toBe('failed');
    expect(outputs().reason).toMatch(/was changed by someone else .*found all traffic on version 9/);
    expect(alias.FunctionVersion).toBe('9');
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(2);
  });

  it('refuses credentials that expire before the timeout, when a late rollback would still need them', async () => {
    // 30 minutes of holds fit in 35 minutes of credentials; the default timeout of 40 does not.
    setInputs({ 'function-name': 'orders', strategy: 'Canary10Percent30Minutes' });
    await run({
      ...deps(),
      env: { ...process.env, AWS_CREDENTIAL_EXPIRATION: new Date(clock.now() + 35 * 60_000).toISOString() },
    });
    expect(outputs().reason).toMatch(
      /credentials expire at .* before the rollout's timeout \(40m from now\)/,
    );
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  it('a cancellation mid-rollout rolls back before returning', async () => {
    const d = deps();
    const start = clock.now();
    alarmState = (now) => {
      if (now - start >= 20_000) d.cancellation.abort('cancelled by SIGTERM');
      return 'OK';
    };
    setRelease({ strategy: 'canary 10% 5m', alarms: 'errors' });
    await run(d);
    expect(outputs()).toMatchObject({ result: 'rolled-back', reason: 'cancelled by SIGTERM' });
    expect(alias).toMatchObject({ FunctionVersion: '6', weights: {} });
  });
});

describe('the analysis and nothing watching', () => {
  /** The JSON report the run wrote (the `report` output). */
  const jsonReport = () => JSON.parse(readFileSync(outputs().report!, 'utf8')) as Record<string, unknown>;
  const UNWATCHED_OFF =
    'Nothing watched this release: no alarms were given and analysis is off, so it would have been promoted whatever the new version did.';
  const warnings = (text: string) => text.split('\n').filter((l) => l.startsWith('::warning'));

  async function runLogged(): Promise<string> {
    const log = captureStdout();
    try {
      await run(deps());
    } finally {
      log.restore();
    }
    return log.text();
  }

  it('says nothing watched a release without alarms and with analysis off, at the start and at the end', async () => {
    setInputs({ 'function-name': 'orders', strategy: 'canary 10% 1m', analysis: 'off' });
    const text = await runLogged();
    expect(outputs().result).toBe('promoted');
    const unwatched = warnings(text).filter((l) => l.includes('Nothing watched'));
    expect(unwatched).toEqual([
      `::warning title=Nothing watched this release::${UNWATCHED_OFF}`,
      `::warning title=Nothing watched this release::${UNWATCHED_OFF}`,
    ]);
    // The first before the first write, the second after the result is known.
    expect(text.indexOf(UNWATCHED_OFF)).toBeLessThan(text.indexOf('Releasing alias live'));
    expect(text.lastIndexOf(UNWATCHED_OFF)).toBeGreaterThan(text.indexOf('Promoted'));
    expect(jsonReport()).toMatchObject({ unwatched: UNWATCHED_OFF });
    expect(jsonReport().analysis).toBeUndefined();
  });

  it('says it in a dry run too', async () => {
    setRelease({ analysis: 'off', 'dry-run': 'true' });
    const text = await runLogged();
    expect(outputs().result).toBe('dry-run');
    expect(warnings(text)).toContain(`::warning title=Nothing watched this release::${UNWATCHED_OFF}`);
    expect(jsonReport()).toMatchObject({ unwatched: UNWATCHED_OFF });
  });

  it('does not say it when an alarm watches, analysis off', async () => {
    setInputs({ 'function-name': 'orders', strategy: 'canary 10% 1m', alarms: 'errors', analysis: 'off' });
    const text = await runLogged();
    expect(outputs().result).toBe('promoted');
    expect(text).not.toContain('Nothing watched');
    expect(jsonReport().unwatched).toBeUndefined();
  });

  it('puts the analysis settings in a dry run plan and in the report, and says nothing of unwatched', async () => {
    setRelease({
      'dry-run': 'true',
      analysis: 'on',
      'min-invocations': '50',
      'metric-period': '10s',
    });
    const text = await runLogged();
    expect(outputs().result).toBe('dry-run');
    const settings = {
      maxErrorRateIncreasePoints: 0,
      maxLatencyIncreasePercent: 25,
      minInvocations: 50,
      confidence: 0.99,
      onInconclusive: 'extend',
      maxExtensionMs: 600_000,
      periodSeconds: 10,
    };
    expect(jsonReport()).toMatchObject({ analysis: settings, releasePlan: { analysis: settings } });
    expect(text).not.toContain('Nothing watched');
  });

  it('says nothing watched when the analysis, the only gate, judged nothing before the promotion', async () => {
    // All at once: no step in which the analysis could read anything.
    setInputs({ 'function-name': 'orders', strategy: 'AllAtOnce', analysis: 'on' });
    const text = await runLogged();
    expect(outputs().result).toBe('promoted');
    const sentence =
      'Nothing watched this release: no alarms were given and the analysis read nothing, so it was promoted whatever the new version did.';
    // Not at the start (the analysis was on), once at the end.
    expect(warnings(text).filter((l) => l.includes('Nothing watched'))).toEqual([
      `::warning title=Nothing watched this release::${sentence}`,
    ]);
    expect(jsonReport()).toMatchObject({ unwatched: sentence });
  });

  it('logs a timeout that cuts the extension short as a warning at the start', async () => {
    setRelease({ 'dry-run': 'true', analysis: 'on', timeout: '10m' });
    const text = await runLogged();
    expect(warnings(text)).toContain(
      "::warning title=Timeout::The timeout of 10m is shorter than the strategy's 5m plus 3m for the last step's metrics (metric-period 1m) and up to 10m of extension (max-extension): an inconclusive last step rolls back at the timeout rather than after its full extension.",
    );
  });
});

describe('split-phase commands (mocked alias)', () => {
  /** The alias as `start` leaves it: 10% on version 7, its marker at step 0 of 10%:1m, 50%:1m. */
  const leftByStart = () => {
    alias.weights = { '7': 0.1 };
    alias.Description = formatMarker({
      state: 'started',
      run: 'acme/shop#70.1/release~abcdef',
      from: '6',
      to: '7',
      weight: 10,
      plan: '10%:1m, 50%:1m',
      started: new Date(clock.now() - 120_000).toISOString(),
      by: 'mona',
      steps: parseStrategy('10%:1m, 50%:1m').steps,
      step: 0,
      stepEndsAt: clock.now() - 60_000,
    });
  };
  const inputs = (command: string, more: Record<string, string> = {}) =>
    setInputs({ 'function-name': 'orders', command, strategy: '10%:1m, 50%:1m', alarms: 'errors', ...more });

  it('start holds the first step, then leaves the split marked started, and the run is finished', async () => {
    inputs('start');
    await run(deps());
    expect(outputs()).toMatchObject({
      result: 'started',
      command: 'start',
      weight: '10',
      'target-version': '7',
    });
    expect(weightsWritten()).toEqual([
      ['6', { '7': 0.1 }],
      ['6', { '7': 0.1 }],
    ]);
    expect(parseMarker(alias.Description)).toMatchObject({ state: 'started', weight: 10, step: 0 });
    expect(readFileCommand(files.state).finished).toBe('true');
    expect(process.exitCode).toBeUndefined();
  });

  it('promote with a firing alarm rolls back before moving on, in one write', async () => {
    leftByStart();
    alarmState = () => 'ALARM';
    inputs('promote');
    await run(deps());
    expect(outputs().result).toBe('rolled-back');
    expect(outputs().reason).toBe(
      'gate alarms failed before promoting: errors is ALARM: Threshold Crossed: 3 errors',
    );
    expect(weightsWritten()).toEqual([['6', {}]]);
    expect(parseMarker(alias.Description)).toMatchObject({ state: 'rolled-back', from: '6', to: '7' });
  });

  it('promote with the gates passing goes on at 50%, then promotes; no publish', async () => {
    leftByStart();
    inputs('promote', { version: '7' });
    await run(deps());
    expect(outputs()).toMatchObject({ result: 'promoted', 'previous-version': '6', 'target-version': '7' });
    expect(weightsWritten()).toEqual([
      ['6', { '7': 0.5 }],
      ['7', {}],
    ]);
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(0);
    // The new markers keep the release's plan and start, written by this run.
    expect(parseMarker(alias.Description)).toMatchObject({
      state: 'promoted',
      by: 'mona',
      run: /^acme\/shop#77\.1~/,
    });
  });

  it('rollback of a promoted release is refused, and nothing is written', async () => {
    leftByStart();
    alias.FunctionVersion = '7';
    alias.weights = {};
    alias.Description = formatMarker({ ...parseMarker(alias.Description)!, state: 'promoted', weight: 100 });
    inputs('rollback');
    await run(deps());
    expect(outputs().result).toBe('failed');
    expect(outputs().reason).toMatch(
      /^refused to roll back alias live of function orders: .* already promoted/,
    );
    expect(alias.writes).toBe(0);
    expect(process.exitCode).toBe(1);
  });

  it('status reads the split and writes nothing', async () => {
    leftByStart();
    inputs('status');
    await run(deps());
    expect(outputs()).toMatchObject({ result: 'in-progress', weight: '10', command: 'status' });
    expect(alias.writes).toBe(0);
    expect(readFileSync(files.summary, 'utf8')).toContain('| Command | status |');
  });
});
