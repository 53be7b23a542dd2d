// The rollout's events as the Actions log shows them, through the real engine and the real log:
// one line per poll that says where the release is, balanced groups, and a reason said by no one
// but the step's failure annotation (which main.ts writes at the end).
import { jest } from '@jest/globals';
import { workflowCommands } from './support/workflow-commands.js';
import { followRollout } from '../src/engine/follow.js';
import { runRollout } from '../src/engine/rollout.js';
import type {
  FollowedTarget,
  Gate,
  GateStatus,
  Observation,
  RolloutRecord,
  TrafficTarget,
} from '../src/engine/types.js';
import { createLog } from '../src/log.js';
import { rolloutLogger } from '../src/rollout-log.js';
import type { Plan } from '../src/engine/plan.js';
import { FakeClock } from './support/fake-clock.js';
import { analysisDetail, analysisSubjectReading } from './support/report-fixtures.js';

const plan: Plan = {
  name: '10%:20s, 50%:20s',
  steps: [
    { weight: 10, holdMs: 20_000 },
    { weight: 50, holdMs: 20_000 },
    { weight: 100, holdMs: 0 },
  ],
};
const ALARM_WORDS = 'errors-high is ALARM: Threshold Crossed: 7 errors';

let written: string[];
beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

const logLines = () => written.join('').split('\n').slice(0, -1);

interface Release {
  /** The gate's status from the time since the start. */
  status?: (elapsedMs: number) => GateStatus;
  failSetWeightAt?: number;
  cancelAtMs?: number;
}

async function release(options: Release = {}): Promise<RolloutRecord> {
  const clock = new FakeClock();
  const start = clock.now();
  const controller = new AbortController();
  const gate: Gate = {
    name: 'alarms',
    async read() {
      const elapsed = clock.now() - start;
      if (options.cancelAtMs !== undefined && elapsed >= options.cancelAtMs)
        controller.abort('cancelled by SIGTERM');
      const status = options.status?.(elapsed) ?? 'pass';
      return {
        gate: 'alarms',
        status,
        summary: status === 'fail' ? ALARM_WORDS : '1 alarm(s): 1 OK',
        at: clock.now(),
      };
    },
  };
  const target: TrafficTarget = {
    description: 'alias live of function orders (6 → 7)',
    async setWeight(weight) {
      if (weight === options.failSetWeightAt) throw new Error('ServiceException: Service unavailable');
    },
    async promote() {},
    async leaveSplit() {},
    async verify() {},
    async rollback() {
      clock.advance(120);
    },
  };
  return runRollout(
    plan,
    { pollIntervalMs: 5_000, timeoutMs: 10 * 60_000 },
    { target, gates: [gate], clock, signal: controller.signal, onEvent: rolloutLogger(createLog()) },
  );
}

/** Every `endgroup` closes an open group, and none is left open. */
function expectBalancedGroups(): void {
  let open = false;
  for (const command of workflowCommands(written.join(''))) {
    if (command.name === 'group') {
      expect(open).toBe(false);
      open = true;
    }
    if (command.name === 'endgroup') {
      expect(open).toBe(true);
      open = false;
    }
  }
  expect(open).toBe(false);
}

describe('the rollout log', () => {
  it('shows one line per poll: step k of n, weight, time left in the step, what each gate said', async () => {
    const record = await release();
    expect(record.outcome).toBe('promoted');
    const polls = logLines().filter((line) => /^Step \d of \d · /.test(line));
    // Polls at 0, 5, 10, 15 and 20 s of each 20 s step: one line each.
    expect(polls).toHaveLength(record.steps.reduce((n, s) => n + s.readings.length, 0));
    expect(polls.slice(0, 5)).toEqual([
      'Step 1 of 2 · 10% · 20s left · alarms: pass (1 alarm(s): 1 OK)',
      'Step 1 of 2 · 10% · 15s left · alarms: pass (1 alarm(s): 1 OK)',
      'Step 1 of 2 · 10% · 10s left · alarms: pass (1 alarm(s): 1 OK)',
      'Step 1 of 2 · 10% · 5s left · alarms: pass (1 alarm(s): 1 OK)',
      'Step 1 of 2 · 10% · 0s left · alarms: pass (1 alarm(s): 1 OK)',
    ]);
    expect(polls[5]).toBe('Step 2 of 2 · 50% · 20s left · alarms: pass (1 alarm(s): 1 OK)');
    // The group header and the poll lines count the same steps: traffic steps, not the 100%.
    const groups = workflowCommands(written.join('')).filter((c) => c.name === 'group');
    expect(groups.map((g) => g.data.split(':')[0])).toEqual(['Step 1 of 2', 'Step 2 of 2']);
    // No timestamp of its own: the runner's is the one.
    for (const line of polls) expect(line).not.toMatch(/\d:\d\d/);
    expect(logLines().slice(-2)).toEqual([
      'Promoting: all traffic to the new version.',
      'Rollout promoted after 40s.',
    ]);
    expectBalancedGroups();
  });

  it("a rollback after a failed poll: the gate's words once, the reason left to the failure, no warning", async () => {
    const record = await release({ status: (elapsed) => (elapsed >= 25_000 ? 'fail' : 'pass') });
    expect(record.outcome).toBe('rolled-back');
    const text = written.join('');
    expect(text.split(ALARM_WORDS)).toHaveLength(2);
    expect(text).toContain('Step 2 of 2 · 50% · 15s left · alarms: fail (' + ALARM_WORDS + ')');
    expect(text).not.toContain(record.reason);
    expect(workflowCommands(text).filter((c) => !['group', 'endgroup'].includes(c.name))).toEqual([]);
    expect(logLines().slice(-3)).toEqual([
      'Rolling back: all traffic to the previous version.',
      'Rollback completed in 120ms.',
      'Rollout rolled-back after 25.12s.',
    ]);
    expectBalancedGroups();
  });

  it('a rollback inside a step (its write failed) closes that step group once', async () => {
    const record = await release({ failSetWeightAt: 50 });
    expect(record.outcome).toBe('rolled-back');
    expect(workflowCommands(written.join('')).map((c) => c.name)).toEqual([
      'group',
      'endgroup',
      'group',
      'endgroup',
    ]);
    expect(written.join('')).not.toContain('Service unavailable');
    expectBalancedGroups();
  });

  it('a cancellation mid-step: balanced groups, and the reason not repeated', async () => {
    const record = await release({ cancelAtMs: 10_000 });
    expect(record.reason).toBe('cancelled by SIGTERM');
    expect(written.join('')).not.toContain('SIGTERM');
    expectBalancedGroups();
  });
});

describe('the analysis in the log', () => {
  const oneStep: Plan = {
    name: '10%:15s',
    steps: [
      { weight: 10, holdMs: 15_000 },
      { weight: 100, holdMs: 0 },
    ],
  };
  const subject = (canaryErrors: number) =>
    analysisSubjectReading({
      canary: { invocations: 298, errors: canaryErrors, latencyMs: 41.3 },
      baseline: { invocations: 2702, errors: 27, latencyMs: 39.7 },
      judged: 5,
      errorVerdict: canaryErrors > 8 ? 'fail' : 'pass',
      latencyVerdict: 'pass',
    });

  /** Alarms and the analysis; the analysis holds the last step 10 s past its end, or fails at `failAtMs`. */
  async function analysed(failAtMs?: number): Promise<RolloutRecord> {
    const clock = new FakeClock();
    const start = clock.now();
    const alarms: Gate = {
      name: 'alarms',
      read: async () => ({ gate: 'alarms', status: 'pass', summary: '1 alarm(s): 1 OK', at: clock.now() }),
    };
    const analysis: Gate = {
      name: 'analysis',
      async read() {
        const elapsed = clock.now() - start;
        if (failAtMs !== undefined && elapsed >= failAtMs) {
          const detail = analysisDetail('fail', [subject(14)]);
          return {
            gate: 'analysis',
            status: 'fail',
            summary: 'orders:live: error rate above',
            at: clock.now(),
            detail,
          };
        }
        const waiting = elapsed >= 15_000 && elapsed < 25_000;
        return {
          gate: 'analysis',
          status: waiting ? 'pending' : 'pass',
          summary: 'the gate’s own words, not shown',
          at: clock.now(),
          detail: analysisDetail(waiting ? 'waiting' : 'pass', [subject(3)]),
          holdStep: waiting
            ? { until: start + 25_000, why: "waiting for the last step's metrics until 12:00:20 UTC" }
            : undefined,
        };
      },
    };
    const target: TrafficTarget = {
      description: 'alias live of function orders (6 → 7)',
      async setWeight() {},
      async promote() {},
      async leaveSplit() {},
      async verify() {},
      async rollback() {},
    };
    return runRollout(
      oneStep,
      { pollIntervalMs: 5_000, timeoutMs: 10 * 60_000 },
      {
        target,
        gates: [alarms, analysis],
        clock,
        signal: new AbortController().signal,
        onEvent: rolloutLogger(createLog()),
      },
    );
  }

  it("gives its verdict and both sides' counts on each poll's one line, and until when it holds the step", async () => {
    const record = await analysed();
    expect(record.outcome).toBe('promoted');
    const polls = logLines().filter((line) => line.startsWith('Step 1 of 1 · '));
    const evidence = 'canary 3/298 errors, baseline 27/2,702 errors; latency +4.0%';
    expect(polls).toEqual([
      `Step 1 of 1 · 10% · 15s left · alarms: pass (1 alarm(s): 1 OK) · analysis: pass (${evidence})`,
      `Step 1 of 1 · 10% · 10s left · alarms: pass (1 alarm(s): 1 OK) · analysis: pass (${evidence})`,
      `Step 1 of 1 · 10% · 5s left · alarms: pass (1 alarm(s): 1 OK) · analysis: pass (${evidence})`,
      `Step 1 of 1 · 10% · 0s left · alarms: pass (1 alarm(s): 1 OK) · analysis: waiting (${evidence}) · waiting for the last step's metrics until 12:00:20 UTC`,
      `Step 1 of 1 · 10% · 0s left · alarms: pass (1 alarm(s): 1 OK) · analysis: waiting (${evidence}) · waiting for the last step's metrics until 12:00:20 UTC`,
      `Step 1 of 1 · 10% · 0s left · alarms: pass (1 alarm(s): 1 OK) · analysis: pass (${evidence})`,
    ]);
    expect(written.join('')).not.toContain('the gate’s own words');
    expectBalancedGroups();
  });

  it('a failing analysis says fail with its numbers on the poll line, and the reason is left to the failure', async () => {
    const record = await analysed(5_000);
    expect(record.outcome).toBe('rolled-back');
    expect(logLines()).toContain(
      'Step 1 of 1 · 10% · 10s left · alarms: pass (1 alarm(s): 1 OK) · analysis: fail (canary 14/298 errors, baseline 27/2,702 errors; latency +4.0%)',
    );
    expect(written.join('')).not.toContain(record.reason);
    expectBalancedGroups();
  });
});

describe('a followed deployment in the log', () => {
  const canary: Plan = {
    name: 'canary 10% 20s',
    steps: [
      { weight: 10, holdMs: 20_000 },
      { weight: 100, holdMs: 0 },
    ],
  };
  const alarmReason = 'ALARM_ACTIVE: One or more alarms have been activated';

  /** Follows a deployment that shows `script` (from its time since the start) through the real log. */
  async function followed(
    script: { at: number; seen: Observation }[],
    hold?: string,
  ): Promise<RolloutRecord> {
    const clock = new FakeClock();
    const start = clock.now();
    const gate: Gate = {
      name: 'analysis',
      read: async () => ({
        gate: 'analysis',
        status: 'pending',
        summary: 'waiting',
        at: clock.now(),
        ...(hold ? { holdStep: { until: clock.now() + 60_000, why: hold } } : {}),
      }),
    };
    const target: FollowedTarget = {
      description: 'deployment d-FOLLOWED',
      observe: async () => script.findLast((l) => l.at <= clock.now() - start)!.seen,
      stop: async () => ({ weight: 0, state: 'stopped', phase: 'Stopped' }),
    };
    return followRollout(
      canary,
      { pollIntervalMs: 5_000, timeoutMs: 10 * 60_000 },
      {
        target,
        gates: [gate],
        clock,
        signal: new AbortController().signal,
        onEvent: rolloutLogger(createLog()),
      },
    );
  }

  it('says each change the service shows, inside the step it belongs to, and that a hold is not kept', async () => {
    const record = await followed(
      [
        { at: 0, seen: { weight: 0, state: 'running', phase: 'BeforeAllowTraffic InProgress' } },
        { at: 5_000, seen: { weight: 10, state: 'running', phase: 'AllowTraffic InProgress' } },
        { at: 25_000, seen: { weight: 100, state: 'succeeded', phase: 'Succeeded' } },
      ],
      'waiting for the last period',
    );
    expect(record.outcome).toBe('promoted');
    const lines = logLines().filter((l) => !/^Step 1 of 1 · /.test(l));
    expect(lines).toEqual([
      'Deployment running: BeforeAllowTraffic InProgress · 0% on the new version',
      '::group::Step 1 of 1: 10%25 of traffic for 20s',
      'Deployment running: AllowTraffic InProgress · 10% on the new version',
      'Step 1: analysis asks to hold the step (waiting for the last period); the deployment keeps its own schedule, so the gate is only read on.',
      '::endgroup::',
      'Promoting: all traffic to the new version.',
      'Deployment succeeded: Succeeded · 100% on the new version',
      'Rollout promoted after 25s.',
    ]);
    expectBalancedGroups();
  });

  it("the service's own failure: its rollback deployment followed, the reason left to the failure annotation", async () => {
    const failed = (rollback: 'running' | 'succeeded', weight: number): Observation => ({
      weight,
      state: 'failed',
      phase: 'Failed',
      reason: alarmReason,
      rollback: { id: 'd-ROLLBACK', state: rollback },
    });
    const record = await followed([
      { at: 0, seen: { weight: 10, state: 'running', phase: 'AllowTraffic InProgress' } },
      { at: 10_000, seen: failed('running', 10) },
      { at: 20_000, seen: failed('succeeded', 0) },
    ]);
    expect(record.outcome).toBe('rolled-back');
    expect(written.join('')).not.toContain(alarmReason);
    expect(logLines().slice(-5)).toEqual([
      'Deployment failed: Failed · 10% on the new version · rollback deployment d-ROLLBACK running',
      'Rolling back: all traffic to the previous version.',
      'Deployment failed: Failed · 0% on the new version · rollback deployment d-ROLLBACK succeeded',
      'Rollback completed in 10s.',
      'Rollout rolled-back after 20s.',
    ]);
    expectBalancedGroups();
  });
});
