// The engine in follow mode against a scripted target (what the service shows, by time since
// the start) on the fake clock: the weights it applies become steps, gates stop it with rollback,
// its own failures are followed through its rollback deployment.
import {
  followRollout,
  planIndexFor,
  ROLLBACK_FOLLOW_MS,
  type FollowOptions,
} from '../../src/engine/follow.js';
import type { Plan } from '../../src/engine/plan.js';
import type {
  FollowedTarget,
  Gate,
  GateContext,
  GateReading,
  Observation,
  RolloutEvent,
} from '../../src/engine/types.js';
import { FakeClock } from '../support/fake-clock.js';

const MINUTE = 60_000;
const POLL = 5_000;

const canary: Plan = {
  name: 'Canary10Percent10Minutes',
  steps: [
    { weight: 10, holdMs: 10 * MINUTE },
    { weight: 100, holdMs: 0 },
  ],
};

const linear: Plan = {
  name: 'linear 25% every 2m',
  steps: [
    { weight: 25, holdMs: 2 * MINUTE },
    { weight: 50, holdMs: 2 * MINUTE },
    { weight: 75, holdMs: 2 * MINUTE },
    { weight: 100, holdMs: 0 },
  ],
};

/** What the service shows from `at` (ms since the start) on; `error` makes that look throw. */
type ScriptLine = { at: number; error?: string } & Partial<Observation>;

const running = (weight: number, phase = 'AllowTraffic InProgress'): Partial<Observation> => ({
  weight,
  state: 'running',
  phase,
});

/** The canary CodeDeploy runs: the pre-traffic hook, 10% for 10 minutes, 100%, the post-traffic hook. */
const canaryScript: ScriptLine[] = [
  { at: 0, ...running(0, 'BeforeAllowTraffic InProgress') },
  { at: 1 * MINUTE, ...running(10) },
  { at: 11 * MINUTE, ...running(100, 'AfterAllowTraffic InProgress') },
  {
    at: 12 * MINUTE,
    weight: 100,
    state: 'succeeded',
    phase: 'Succeeded',
    events: [
      { name: 'BeforeAllowTraffic', status: 'Succeeded' },
      { name: 'AllowTraffic', status: 'Succeeded' },
      { name: 'AfterAllowTraffic', status: 'Succeeded' },
    ],
  },
];

const stoppedAndRolledBack: Observation = {
  weight: 0,
  state: 'stopped',
  phase: 'Stopped',
  reason: 'DEPLOYMENT_STOPPED: stopped by the action',
  rollback: { id: 'd-ROLLBACK', state: 'succeeded' },
};

class ScriptedTarget implements FollowedTarget {
  readonly description = 'deployment d-FOLLOWED';
  readonly id = 'd-FOLLOWED';
  /** When each look and stop came, in ms since the start. */
  looks: number[] = [];
  stops: { at: number; reason: string; signal: AbortSignal }[] = [];
  /** Each stop's answer in turn (an Error is thrown); the last one repeats. */
  stopAnswers: (Observation | Error | 'hang')[] = [stoppedAndRolledBack];
  /** Each look advances the clock by this much (a slow service). */
  lookMs = 0;
  /** Called at each look with the time since the start (to cancel at a given moment). */
  onLook: (elapsed: number) => void = () => {};

  constructor(
    private clock: FakeClock,
    private start: number,
    private script: ScriptLine[],
  ) {}

  async observe(): Promise<Observation> {
    const elapsed = this.clock.now() - this.start;
    this.looks.push(elapsed);
    this.onLook(elapsed);
    this.clock.advance(this.lookMs);
    const line = this.script.findLast((l) => l.at <= elapsed)!;
    if (line.error) throw new Error(line.error);
    const { at: _at, error: _error, ...seen } = line;
    return { weight: 0, state: 'running', phase: '', ...seen };
  }

  stop(reason: string, signal: AbortSignal): Promise<Observation> {
    this.stops.push({ at: this.clock.now() - this.start, reason, signal });
    const answer = this.stopAnswers.length > 1 ? this.stopAnswers.shift()! : this.stopAnswers[0]!;
    if (answer === 'hang')
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new Error('the wait was abandoned'))),
      );
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }
}

/** A gate that answers from the time since the start, and keeps what it was asked about. */
function gateAt(
  clock: FakeClock,
  start: number,
  answer: (elapsedMs: number) => Pick<GateReading, 'status'> & Partial<GateReading>,
): Gate & { reads: number[]; contexts: GateContext[] } {
  const reads: number[] = [];
  const contexts: GateContext[] = [];
  return {
    name: 'alarms',
    reads,
    contexts,
    async read(_signal, context) {
      reads.push(clock.now() - start);
      contexts.push(context);
      const said = answer(clock.now() - start);
      return {
        gate: 'alarms',
        summary: said.status === 'fail' ? 'errors-high is ALARM' : 'all OK',
        at: clock.now(),
        ...said,
      };
    },
  };
}

const passing = (clock: FakeClock, start: number) => gateAt(clock, start, () => ({ status: 'pass' }));

const options: FollowOptions = { pollIntervalMs: POLL, timeoutMs: 30 * MINUTE };

function scenario(script: ScriptLine[]) {
  const clock = new FakeClock();
  const start = clock.now();
  const target = new ScriptedTarget(clock, start, script);
  const controller = new AbortController();
  const events: RolloutEvent[] = [];
  /** Follows the scripted target with these gates, recording every event. */
  const run = (gates: Gate[], plan = canary, followOptions: FollowOptions = options) =>
    followRollout(plan, followOptions, {
      target,
      gates,
      clock,
      signal: controller.signal,
      onEvent: (e) => events.push(e),
    });
  const types = () => events.map((e) => e.type).filter((t) => t !== 'gate-read' && t !== 'observed');
  return { clock, start, target, controller, events, run, types };
}

describe('follow engine', () => {
  it('follows a canary to its end: the weight the service applied is the step, gates read on the grid', async () => {
    const { clock, start, target, events, run, types } = scenario(canaryScript);
    const gate = passing(clock, start);
    const record = await run([gate]);
    expect(record.outcome).toBe('promoted');
    expect(record.reason).toBe('all traffic on the new version after 1 traffic step');
    expect(record.endedAt - start).toBe(12 * MINUTE);
    expect(record.steps).toHaveLength(1);
    expect(record.steps[0]).toMatchObject({
      index: 0,
      weight: 10,
      plannedHoldMs: 10 * MINUTE,
      startedAt: start + MINUTE,
      endedAt: start + 11 * MINUTE,
    });
    // Gates are read only while traffic is split: 10 minutes at 5 s.
    expect(gate.reads[0]).toBe(MINUTE);
    expect(gate.reads.at(-1)).toBe(11 * MINUTE - POLL);
    expect(record.steps[0]!.readings).toHaveLength(120);
    expect(gate.contexts[0]).toEqual({
      index: 0,
      weight: 10,
      startedAt: start + MINUTE,
      endsAt: start + 11 * MINUTE,
      last: true,
    });
    expect(target.looks.slice(0, 3)).toEqual([0, POLL, 2 * POLL]);
    expect(target.stops).toEqual([]);
    expect(types()).toEqual(['step-started', 'step-finished', 'promoting', 'finished']);
    // Each change the service showed, once.
    const seen = events.flatMap((e) =>
      e.type === 'observed' ? [`${e.observation.weight} ${e.observation.phase}`] : [],
    );
    expect(seen).toEqual([
      '0 BeforeAllowTraffic InProgress',
      '10 AllowTraffic InProgress',
      '100 AfterAllowTraffic InProgress',
      '100 Succeeded',
    ]);
    expect(record.followed).toEqual({
      id: 'd-FOLLOWED',
      state: 'succeeded',
      phase: 'Succeeded',
      events: canaryScript[3]!.events,
    });
    expect(record.rollback).toBeUndefined();
  });

  it('maps each weight of a linear deployment to its plan step', async () => {
    const { clock, start, run, events } = scenario([
      { at: 0, ...running(25) },
      { at: 2 * MINUTE, ...running(50) },
      { at: 4 * MINUTE, ...running(75) },
      { at: 6 * MINUTE, weight: 100, state: 'succeeded', phase: 'Succeeded' },
    ]);
    const gate = passing(clock, start);
    const record = await run([gate], linear);
    expect(record.outcome).toBe('promoted');
    expect(record.steps.map((s) => [s.index, s.weight, s.startedAt - start])).toEqual([
      [0, 25, 0],
      [1, 50, 2 * MINUTE],
      [2, 75, 4 * MINUTE],
    ]);
    expect(events.flatMap((e) => (e.type === 'step-started' ? [e.count] : []))).toEqual([3, 3, 3]);
    expect(gate.contexts.map((c) => c.last)).toContain(true);
    expect(gate.contexts.find((c) => c.index === 1)!.last).toBe(false);
    expect(gate.contexts.find((c) => c.index === 2)!.last).toBe(true);
  });

  it('takes a weight kept as a fraction as the whole percent it stands for', async () => {
    expect(0.07 * 100).not.toBe(7);
    const { clock, start, run } = scenario([
      { at: 0, ...running(0.07 * 100) },
      { at: MINUTE, ...running(7) },
      { at: 2 * MINUTE, weight: 100, state: 'succeeded', phase: 'Succeeded' },
    ]);
    const record = await run([passing(clock, start)]);
    expect(record.steps.map((s) => s.weight)).toEqual([7]);
  });

  it('a failing gate mid-canary stops the deployment with rollback at that poll', async () => {
    const { clock, start, target, run, types } = scenario(canaryScript);
    const gate = gateAt(clock, start, (elapsed) => ({ status: elapsed >= 5 * MINUTE ? 'fail' : 'pass' }));
    const record = await run([gate]);
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('gate alarms failed: errors-high is ALARM');
    expect(target.stops.map((s) => [s.at, s.reason])).toEqual([
      [5 * MINUTE, 'gate alarms failed: errors-high is ALARM'],
    ]);
    expect(record.rollback).toMatchObject({
      reason: record.reason,
      startedAt: start + 5 * MINUTE,
      completed: true,
    });
    expect(record.steps[0]!.endedAt).toBe(start + 5 * MINUTE);
    expect(record.followed).toMatchObject({
      state: 'stopped',
      rollback: { id: 'd-ROLLBACK', state: 'succeeded' },
    });
    expect(types()).toEqual(['step-started', 'step-finished', 'rolling-back', 'finished']);
  });

  describe('the service ending it on its own', () => {
    const alarmFailure: ScriptLine[] = [
      { at: 0, ...running(10) },
      {
        at: 3 * MINUTE,
        weight: 10,
        state: 'failed',
        phase: 'Failed',
        reason: 'ALARM_ACTIVE: One or more alarms have been activated',
        rollback: { id: 'd-ROLLBACK', state: 'running' },
      },
      {
        at: 4 * MINUTE,
        weight: 0,
        state: 'failed',
        phase: 'Failed',
        reason: 'ALARM_ACTIVE: One or more alarms have been activated',
        rollback: { id: 'd-ROLLBACK', state: 'succeeded' },
      },
    ];

    it('an alarm of its own: rolled back with its reason, its rollback deployment followed to the end', async () => {
      const { clock, start, target, run, types } = scenario(alarmFailure);
      const record = await run([passing(clock, start)]);
      expect(record.outcome).toBe('rolled-back');
      expect(record.reason).toBe(
        'deployment d-FOLLOWED failed: ALARM_ACTIVE: One or more alarms have been activated',
      );
      expect(target.stops).toEqual([]);
      expect(record.rollback).toEqual({
        reason: record.reason,
        startedAt: start + 3 * MINUTE,
        endedAt: start + 4 * MINUTE,
        completed: true,
      });
      expect(record.followed).toMatchObject({
        state: 'failed',
        error: 'ALARM_ACTIVE: One or more alarms have been activated',
        rollback: { id: 'd-ROLLBACK', state: 'succeeded' },
      });
      expect(record.endedAt).toBe(start + 4 * MINUTE);
      expect(types()).toEqual(['step-started', 'step-finished', 'rolling-back', 'finished']);
    });

    it('a rollback deployment that fails leaves the release failed, saying so', async () => {
      const script = [...alarmFailure];
      script[2] = { ...script[2]!, weight: 10, rollback: { id: 'd-ROLLBACK', state: 'failed' } };
      const { clock, start, run } = scenario(script);
      const record = await run([passing(clock, start)]);
      expect(record.outcome).toBe('failed');
      expect(record.reason).toBe(
        'deployment d-FOLLOWED failed: ALARM_ACTIVE: One or more alarms have been activated; then the rollback deployment d-ROLLBACK did not complete: it is failed',
      );
      expect(record.rollback).toMatchObject({ completed: false, error: 'it is failed' });
    });

    it('a failed pre-traffic hook: nothing moved, so nothing to take back, and its event kept', async () => {
      const events = [
        {
          name: 'BeforeAllowTraffic',
          status: 'Failed',
          message: 'ScriptFailed: the hook answered Failed',
          startedAt: 1,
          endedAt: 2,
        },
        { name: 'AllowTraffic', status: 'Skipped' },
      ];
      const { clock, start, run, types } = scenario([
        { at: 0, ...running(0, 'BeforeAllowTraffic InProgress') },
        {
          at: MINUTE,
          weight: 0,
          state: 'failed',
          phase: 'Failed',
          reason: 'HOOK_FAILED: hook failed',
          events,
        },
      ]);
      const gate = passing(clock, start);
      const record = await run([gate]);
      expect(record.outcome).toBe('rolled-back');
      expect(record.reason).toBe('deployment d-FOLLOWED failed: HOOK_FAILED: hook failed');
      expect(record.steps).toEqual([]);
      expect(gate.reads).toEqual([]);
      expect(record.followed!.events).toEqual(events);
      expect(record.rollback).toMatchObject({ completed: true });
      expect(types()).toEqual(['rolling-back', 'finished']);
    });

    it('stopped by someone else with traffic still split and no rollback: failed, with the weight', async () => {
      const { clock, start, run } = scenario([
        { at: 0, ...running(10) },
        {
          at: MINUTE,
          weight: 10,
          state: 'stopped',
          phase: 'Stopped',
          reason: 'DEPLOYMENT_STOPPED: by a user',
        },
      ]);
      const record = await run([passing(clock, start)]);
      expect(record.outcome).toBe('failed');
      expect(record.reason).toBe(
        'deployment d-FOLLOWED was stopped: DEPLOYMENT_STOPPED: by a user; then the rollback did not complete: 10% of the traffic is still on the new version',
      );
    });

    it('cancelled while its rollback runs: stops following and says the rollback had not ended', async () => {
      const script = alarmFailure.slice(0, 2);
      const { clock, start, controller, target, run } = scenario(script);
      const gate = passing(clock, start);
      // The failure is seen at 3 minutes; cancelled while the rollback is being followed.
      target.onLook = (elapsed) => {
        if (elapsed >= 3 * MINUTE + POLL) controller.abort('cancelled by SIGTERM');
      };
      const record = await run([gate]);
      expect(record.outcome).toBe('failed');
      expect(record.reason).toMatch(
        /^deployment d-FOLLOWED failed: ALARM_ACTIVE: .*; then the rollback deployment d-ROLLBACK did not complete: stopped following it: cancelled by SIGTERM$/,
      );
      expect(record.followed!.rollback).toEqual({ id: 'd-ROLLBACK', state: 'running' });
      expect(target.stops).toEqual([]);
      expect(target.looks.at(-1)).toBe(3 * MINUTE + POLL);
    });

    it('follows its rollback deployment for a bounded time only', async () => {
      const { clock, start, run } = scenario(alarmFailure.slice(0, 2));
      const record = await run([passing(clock, start)]);
      expect(record.outcome).toBe('failed');
      expect(record.reason).toMatch(/did not complete: still running after 900s$/);
      expect(record.endedAt - start).toBe(3 * MINUTE + ROLLBACK_FOLLOW_MS);
    });
  });

  describe('cancellation', () => {
    it('stops the deployment with rollback at once, with a signal that outlives the cancellation', async () => {
      const { clock, start, target, controller, run } = scenario(canaryScript);
      const gate = gateAt(clock, start, (elapsed) => {
        if (elapsed >= 2 * MINUTE) controller.abort('cancelled by SIGTERM');
        return { status: 'pass' };
      });
      const record = await run([gate]);
      expect(record.outcome).toBe('rolled-back');
      expect(record.reason).toBe('cancelled by SIGTERM');
      expect(target.stops.map((s) => [s.at, s.reason])).toEqual([[2 * MINUTE, 'cancelled by SIGTERM']]);
      // The stop may still land: its signal ends only a grace after the cancellation.
      expect(target.stops[0]!.signal.aborted).toBe(false);
      expect(gate.reads.at(-1)).toBe(2 * MINUTE);
    });

    it('gives up a stop that does not end within the grace, and says the rollback did not complete', async () => {
      const { clock, start, target, controller, run } = scenario(canaryScript);
      target.stopAnswers = ['hang'];
      controller.abort('cancelled by SIGINT');
      const record = await run([passing(clock, start)], canary, { ...options, stopGraceMs: 20 });
      expect(record.outcome).toBe('failed');
      expect(record.reason).toBe(
        'cancelled by SIGINT; then the stop failed: no answer within the grace after the cancellation',
      );
      expect(record.rollback).toMatchObject({ completed: false });
      expect(target.stops).toHaveLength(1);
      expect(target.stops[0]!.signal.aborted).toBe(true);
      // Cancelled before the first look: the deployment is stopped all the same (it exists).
      expect(target.looks).toEqual([]);
    });
  });

  it('stops the deployment with rollback when the timeout is reached', async () => {
    const { clock, start, target, run } = scenario([{ at: 0, ...running(10) }]);
    const record = await run([passing(clock, start)], canary, { ...options, timeoutMs: 8 * MINUTE });
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('timeout reached after 480s');
    expect(target.stops.map((s) => s.at)).toEqual([8 * MINUTE]);
  });

  it('tolerates a target that cannot be read twice, stops it on the third look in a row', async () => {
    const { clock, start, target, run } = scenario([
      { at: 0, ...running(10) },
      { at: MINUTE, error: 'Rate exceeded' },
      { at: MINUTE + 2 * POLL, ...running(10) },
      { at: 2 * MINUTE, error: 'Rate exceeded' },
    ]);
    const gate = passing(clock, start);
    const record = await run([gate]);
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('deployment d-FOLLOWED could not be read 3 times in a row: Rate exceeded');
    expect(target.stops.map((s) => s.at)).toEqual([2 * MINUTE + 2 * POLL]);
    // The gates are still read while the target cannot be, up to the look that stops it.
    expect(gate.reads.at(-1)).toBe(2 * MINUTE + POLL);
    expect(record.steps).toHaveLength(1);
  });

  it('retries a stop that failed, and reports one that never succeeds', async () => {
    const retried = scenario(canaryScript);
    retried.target.stopAnswers = [new Error('Throttling'), new Error('Throttling'), stoppedAndRolledBack];
    retried.controller.abort('cancelled by SIGTERM');
    const recovered = await retried.run([]);
    expect(recovered.outcome).toBe('rolled-back');
    expect(retried.target.stops).toHaveLength(3);

    const failing = scenario(canaryScript);
    failing.target.stopAnswers = [new Error('AccessDenied: not allowed to StopDeployment')];
    const gate = gateAt(failing.clock, failing.start, () => ({ status: 'fail' }));
    const record = await failing.run([gate]);
    expect(record.outcome).toBe('failed');
    expect(record.reason).toBe(
      'gate alarms failed: errors-high is ALARM; then the stop failed: AccessDenied: not allowed to StopDeployment',
    );
    expect(failing.target.stops).toHaveLength(3);
    expect(record.rollback).toMatchObject({
      completed: false,
      error: 'AccessDenied: not allowed to StopDeployment',
    });
  });

  it('a stop that finds the deployment already succeeded is not a rollback', async () => {
    const { clock, start, target, run } = scenario(canaryScript);
    target.stopAnswers = [{ weight: 100, state: 'succeeded', phase: 'Succeeded' }];
    const record = await run([gateAt(clock, start, () => ({ status: 'fail' }))]);
    expect(record.outcome).toBe('failed');
    expect(record.reason).toBe(
      'gate alarms failed: errors-high is ALARM; then the rollback did not complete: it had already succeeded: all traffic is on the new version',
    );
  });

  it('does not hold a step a gate asks to hold: says so once per step and reads the gate on', async () => {
    const { clock, start, events, run } = scenario(canaryScript);
    const gate = gateAt(clock, start, (elapsed) => ({
      status: 'pending',
      holdStep: { until: clock.now() + 5 * MINUTE, why: `waiting for late metrics (${elapsed})` },
    }));
    const record = await run([gate]);
    expect(record.outcome).toBe('promoted');
    expect(record.endedAt - start).toBe(12 * MINUTE);
    const ignored = events.filter((e) => e.type === 'hold-ignored');
    expect(ignored).toEqual([
      {
        type: 'hold-ignored',
        step: record.steps[0],
        gate: 'alarms',
        why: `waiting for late metrics (${MINUTE})`,
      },
    ]);
    expect(record.steps[0]!.readings).toHaveLength(120);
  });

  it('keeps the fixed grid when every look is slow', async () => {
    const { clock, start, target, run } = scenario(canaryScript);
    target.lookMs = 2_000;
    const gate = passing(clock, start);
    await run([gate]);
    expect(target.looks.slice(0, 4)).toEqual([0, POLL, 2 * POLL, 3 * POLL]);
    expect(gate.reads[0]).toBe(MINUTE + 2_000);
  });
});

describe('planIndexFor', () => {
  it('finds the step of the weight, else the last one below it, else the first', () => {
    expect(planIndexFor(linear, 50)).toBe(1);
    expect(planIndexFor(linear, 60)).toBe(1);
    expect(planIndexFor(linear, 90)).toBe(2);
    expect(planIndexFor(linear, 5)).toBe(0);
  });
});
