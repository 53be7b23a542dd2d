import { runRollout, type RolloutDeps } from '../../src/engine/rollout.js';
import {
  ConcurrentChangeError,
  WriteRefusedError,
  type Gate,
  type GateContext,
  type GateReading,
  type Hook,
  type HookResult,
  type RolloutEvent,
  type RolloutOptions,
  type TrafficTarget,
} from '../../src/engine/types.js';
import type { Plan } from '../../src/engine/plan.js';
import { parseStrategy } from '../../src/strategy.js';
import { FakeClock } from '../support/fake-clock.js';

const MINUTE = 60_000;

/** A 30-minute plan: 10% for 10m, 30% for 10m, 60% for 10m, then 100%. */
const thirtyMinutes: Plan = {
  name: '10%:10m, 30%:10m, 60%:10m',
  steps: [
    { weight: 10, holdMs: 10 * MINUTE },
    { weight: 30, holdMs: 10 * MINUTE },
    { weight: 60, holdMs: 10 * MINUTE },
    { weight: 100, holdMs: 0 },
  ],
};

class RecordingTarget implements TrafficTarget {
  readonly description = 'test target';
  calls: string[] = [];
  constructor(
    private clock: FakeClock,
    private behaviour: {
      callMs?: number;
      failSetWeightAt?: number;
      concurrentAt?: number;
      rollbackFailures?: number;
      verifyFails?: boolean;
    } = {},
  ) {}
  async setWeight(weight: number): Promise<void> {
    this.clock.advance(this.behaviour.callMs ?? 0);
    this.calls.push(`weight ${weight}`);
    if (this.behaviour.concurrentAt === weight)
      throw new ConcurrentChangeError('alias changed by someone else', 'version 9');
    if (this.behaviour.failSetWeightAt === weight) throw new Error('boom');
  }
  async promote(): Promise<void> {
    this.clock.advance(this.behaviour.callMs ?? 0);
    this.calls.push('promote');
  }
  async leaveSplit(weight: number): Promise<void> {
    this.calls.push(`leave ${weight}`);
  }
  async verify(): Promise<void> {
    this.calls.push('verify');
    if (this.behaviour.verifyFails) throw new Error('alias unreadable');
  }
  async rollback(reason: string): Promise<void> {
    this.calls.push(`rollback: ${reason}`);
    if ((this.behaviour.rollbackFailures ?? 0) > 0) {
      this.behaviour.rollbackFailures!--;
      throw new Error('rollback write failed');
    }
  }
}

/** A gate that answers from a function of the time since the start. */
function gateAt(
  clock: FakeClock,
  start: number,
  status: (elapsedMs: number) => GateReading['status'],
): Gate & { reads: number[] } {
  const reads: number[] = [];
  return {
    name: 'alarms',
    reads,
    async read() {
      const elapsed = clock.now() - start;
      reads.push(elapsed);
      const s = status(elapsed);
      return {
        gate: 'alarms',
        status: s,
        summary: s === 'fail' ? 'errors-high is ALARM' : 'all OK',
        at: clock.now(),
      };
    },
  };
}

function setup(behaviour: ConstructorParameters<typeof RecordingTarget>[1] = {}) {
  const clock = new FakeClock();
  const start = clock.now();
  const target = new RecordingTarget(clock, behaviour);
  const controller = new AbortController();
  const events: RolloutEvent[] = [];
  /** Runs a plan against this set-up's target, clock and signal, recording every event. */
  const run = (
    gates: Gate[],
    plan = thirtyMinutes,
    rolloutOptions: RolloutOptions = options,
    hooks?: RolloutDeps['hooks'],
  ) =>
    runRollout(plan, rolloutOptions, {
      target,
      gates,
      clock,
      signal: controller.signal,
      onEvent: (e) => events.push(e),
      hooks,
    });
  return { clock, start, target, controller, events, run };
}

const options = { pollIntervalMs: 5_000, timeoutMs: 45 * MINUTE };

describe('rollout engine', () => {
  it('runs a 30-minute plan with a fake clock and promotes', async () => {
    const { clock, start, target, events, run } = setup();
    const gate = gateAt(clock, start, () => 'pass');
    const wall = Date.now();
    const record = await run([gate]);
    expect(Date.now() - wall).toBeLessThan(2_000);
    expect(record.outcome).toBe('promoted');
    expect(target.calls).toEqual(['weight 10', 'weight 30', 'weight 60', 'promote', 'verify']);
    expect(record.endedAt - start).toBe(30 * MINUTE);
    // The final 100% is the promotion, not a traffic step.
    expect(record.reason).toBe('all traffic on the new version after 3 traffic steps');
    expect(events.flatMap((e) => (e.type === 'step-started' ? [e.count] : []))).toEqual([3, 3, 3]);
    // 10 minutes at 5 s is 120 intervals: 121 reads per step (start and deadline included).
    expect(record.steps.map((s) => s.readings.length)).toEqual([121, 121, 121]);
    expect(gate.reads[1]! - gate.reads[0]!).toBe(5_000);
    expect(events.map((e) => e.type).filter((t) => t !== 'gate-read')).toEqual([
      'step-started',
      'step-finished',
      'step-started',
      'step-finished',
      'step-started',
      'step-finished',
      'promoting',
      'finished',
    ]);
  });

  it('counts a canary promotion as one traffic step', async () => {
    const { clock, start, target, run } = setup();
    const record = await run([gateAt(clock, start, () => 'pass')], parseStrategy('Canary10Percent5Minutes'));
    expect(target.calls).toEqual(['weight 10', 'promote', 'verify']);
    expect(record.reason).toBe('all traffic on the new version after 1 traffic step');
  });

  describe('a gate that holds the step past its hold (late metrics, an extension)', () => {
    /** Asks to hold the last step until `releaseAt` (elapsed), bounded by `until`; records contexts. */
    const holdingGate = (clock: FakeClock, start: number, releaseAt: number, until: number) => {
      const contexts: GateContext[] = [];
      const gate: Gate = {
        name: 'analysis',
        async read(_signal, context) {
          contexts.push(context);
          const elapsed = clock.now() - start;
          const holding = context.last && clock.now() >= context.endsAt && elapsed < releaseAt;
          return {
            gate: 'analysis',
            status: holding ? 'pending' : 'pass',
            summary: holding ? 'waiting' : 'ok',
            at: clock.now(),
            holdStep: holding ? { until: start + until, why: 'waiting for metrics' } : undefined,
          };
        },
      };
      return { gate, contexts };
    };

    it('keeps the last step until the gate stops asking, then promotes', async () => {
      const { clock, start, target, run } = setup();
      const { gate, contexts } = holdingGate(clock, start, 33 * MINUTE, 40 * MINUTE);
      const record = await run([gate]);
      expect(record.outcome).toBe('promoted');
      expect(target.calls).toEqual(['weight 10', 'weight 30', 'weight 60', 'promote', 'verify']);
      expect(record.steps[2]!.endedAt! - start).toBe(33 * MINUTE);
      // Only the last step says so, and every context carries the step's own hold.
      expect(
        contexts.filter((c) => c.last).every((c) => c.index === 2 && c.endsAt === start + 30 * MINUTE),
      ).toBe(true);
      expect(contexts.some((c) => c.index === 0 && !c.last && c.weight === 10)).toBe(true);
    });

    it("stops holding at the gate's own bound even when it keeps asking", async () => {
      const { clock, start, run } = setup();
      const { gate } = holdingGate(clock, start, Infinity, 32 * MINUTE);
      const record = await run([gate]);
      expect(record.outcome).toBe('promoted');
      expect(record.steps[2]!.endedAt! - start).toBe(32 * MINUTE);
    });

    it('never holds past the timeout', async () => {
      const { clock, start, target, run } = setup();
      const { gate } = holdingGate(clock, start, Infinity, 60 * MINUTE);
      const record = await run([gate], thirtyMinutes, { ...options, timeoutMs: 35 * MINUTE });
      expect(record.outcome).toBe('rolled-back');
      expect(record.reason).toMatch(/^timeout reached after 21\d\ds$/);
      expect(target.calls.at(-1)).toMatch(/^rollback: timeout/);
    });

    it('reads a gate again rather than promote when it cannot be read past the hold', async () => {
      const { clock, start, target, run } = setup();
      let failures = 0;
      const gate: Gate = {
        name: 'analysis',
        async read(_signal, context) {
          // Unreadable for two polls at the last step's end, then a verdict.
          if (context.last && clock.now() >= context.endsAt && failures < 2) {
            failures++;
            throw new Error('GetMetricData throttled');
          }
          return { gate: 'analysis', status: 'pass', summary: 'ok', at: clock.now() };
        },
      };
      const record = await run([gate]);
      expect(record.outcome).toBe('promoted');
      expect(failures).toBe(2);
      expect(record.steps[2]!.endedAt! - start).toBe(30 * MINUTE + 2 * options.pollIntervalMs);
      expect(target.calls.slice(-2)).toEqual(['promote', 'verify']);
    });

    it('moves later deadlines by an extension of an earlier step', async () => {
      const { clock, start, run } = setup();
      let first = true;
      const gate: Gate = {
        name: 'analysis',
        async read(_signal, context) {
          const holding = first && context.index === 0 && clock.now() >= context.endsAt;
          if (holding && clock.now() - start >= 12 * MINUTE) first = false;
          return {
            gate: 'analysis',
            status: 'pass',
            summary: 'ok',
            at: clock.now(),
            holdStep: holding && first ? { until: start + 12 * MINUTE, why: 'extending' } : undefined,
          };
        },
      };
      const record = await run([gate]);
      expect(record.steps[0]!.endedAt! - start).toBe(12 * MINUTE);
      // The second step keeps its full ten minutes.
      expect(record.steps[1]!.endedAt! - record.steps[0]!.endedAt!).toBe(10 * MINUTE);
    });
  });

  it('keeps absolute deadlines when every call is slow', async () => {
    const { clock, start, run } = setup({ callMs: 7_000 });
    const slowGate: Gate = {
      name: 'slow',
      async read() {
        clock.advance(1_300);
        return { gate: 'slow', status: 'pass', summary: 'ok', at: clock.now() };
      },
    };
    const record = await run([slowGate]);
    expect(record.outcome).toBe('promoted');
    // Step k ends within one slow read of start + 10k minutes: slowness never accumulates.
    record.steps.forEach((step, k) => {
      expect(step.endedAt! - start).toBeGreaterThanOrEqual((k + 1) * 10 * MINUTE);
      expect(step.endedAt! - start).toBeLessThanOrEqual((k + 1) * 10 * MINUTE + 1_300);
    });
    // Only the promote call itself comes after the planned end.
    expect(record.endedAt - start).toBeLessThanOrEqual(30 * MINUTE + 1_300 + 7_000);
  });

  it('rolls back on the first failing gate reading, within one poll interval', async () => {
    const { clock, start, target, run } = setup();
    const gate = gateAt(clock, start, (elapsed) => (elapsed >= 12 * MINUTE + 2_000 ? 'fail' : 'pass'));
    const record = await run([gate]);
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('gate alarms failed: errors-high is ALARM');
    expect(target.calls).toEqual([
      'weight 10',
      'weight 30',
      'rollback: gate alarms failed: errors-high is ALARM',
    ]);
    expect(record.rollback?.startedAt).toBe(start + 12 * MINUTE + 5_000);
    expect(record.rollback?.completed).toBe(true);
  });

  it('rolls back at once when the signal aborts during a hold', async () => {
    const { clock, target, controller, run } = setup();
    const gate: Gate = {
      name: 'alarms',
      async read() {
        if (target.calls.includes('weight 30')) controller.abort('cancelled by SIGTERM');
        return { gate: 'alarms', status: 'pass', summary: 'ok', at: clock.now() };
      },
    };
    const record = await run([gate]);
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('cancelled by SIGTERM');
    expect(target.calls).toEqual(['weight 10', 'weight 30', 'rollback: cancelled by SIGTERM']);
  });

  it('does not wait for a hanging gate read once cancelled', async () => {
    const { target, controller, run } = setup();
    const hanging: Gate = { name: 'hang', read: () => new Promise(() => {}) };
    const running = run([hanging]);
    await new Promise((r) => setTimeout(r, 10));
    controller.abort('cancelled by SIGINT');
    const record = await running;
    expect(record.outcome).toBe('rolled-back');
    expect(target.calls).toEqual(['weight 10', 'rollback: cancelled by SIGINT']);
  });

  it('rolls back when the timeout is reached', async () => {
    const { clock, start, target, run } = setup();
    const gate = gateAt(clock, start, () => 'pass');
    const record = await run([gate], thirtyMinutes, { pollIntervalMs: 5_000, timeoutMs: 15 * MINUTE });
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toMatch(/^timeout reached after 900s/);
    expect(target.calls.slice(0, 2)).toEqual(['weight 10', 'weight 30']);
  });

  it('tolerates unreadable gates twice, rolls back on the third in a row', async () => {
    const { clock, start, run } = setup();
    let n = 0;
    const flaky: Gate = {
      name: 'alarms',
      async read() {
        n++;
        // Reads 2 and 3 fail, then 4 succeeds (tolerated); 10, 11, 12 fail in a row.
        if ([2, 3, 10, 11, 12].includes(n)) throw new Error('ThrottlingException');
        return { gate: 'alarms', status: 'pass', summary: 'ok', at: clock.now() };
      },
    };
    const record = await run([flaky]);
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('gate alarms could not be read 3 times in a row: ThrottlingException');
    expect(record.rollback?.startedAt).toBe(start + 11 * 5_000);
  });

  it('stops without rolling back when another actor changed the target', async () => {
    const { clock, start, target, run } = setup({ concurrentAt: 30 });
    const record = await run([gateAt(clock, start, () => 'pass')]);
    expect(record.outcome).toBe('failed');
    expect(record.reason).toContain('alias changed by someone else');
    expect(record.reason).toContain('found version 9');
    expect(target.calls).toEqual(['weight 10', 'weight 30']);
    expect(record.rollback).toBeUndefined();
  });

  it('rolls back when setting a weight fails', async () => {
    const { clock, start, run } = setup({ failSetWeightAt: 30 });
    const record = await run([gateAt(clock, start, () => 'pass')]);
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('failed while setting the weight to 30%: boom');
  });

  it('retries a failing rollback and reports when it never succeeds', async () => {
    const retried = setup({ rollbackFailures: 2, failSetWeightAt: 10 });
    const ok = await runRollout(thirtyMinutes, options, {
      target: retried.target,
      gates: [],
      clock: retried.clock,
      signal: retried.controller.signal,
    });
    expect(ok.outcome).toBe('rolled-back');
    expect(retried.target.calls.filter((c) => c.startsWith('rollback'))).toHaveLength(3);

    const broken = setup({ rollbackFailures: 5, failSetWeightAt: 10 });
    const failed = await runRollout(thirtyMinutes, options, {
      target: broken.target,
      gates: [],
      clock: broken.clock,
      signal: broken.controller.signal,
    });
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toBe(
      'failed while setting the weight to 10%: boom; then the rollback failed: rollback write failed',
    );
    expect(failed.rollback?.completed).toBe(false);
  });

  it('reports a promotion it cannot read back as failed, without undoing it', async () => {
    const { clock, target, controller } = setup({ verifyFails: true });
    const record = await runRollout({ name: 'AllAtOnce', steps: [{ weight: 100, holdMs: 0 }] }, options, {
      target,
      gates: [],
      clock,
      signal: controller.signal,
    });
    expect(record.outcome).toBe('failed');
    expect(record.reason).toBe('promoted, but failed while verifying the promotion: alias unreadable');
    expect(target.calls).toEqual(['promote', 'verify']);
  });

  it('abandons an in-flight weight change on cancellation and rolls back at once, with short attempts', async () => {
    const { clock, controller } = setup();
    const calls: string[] = [];
    const rollbackSignals: (AbortSignal | undefined)[] = [];
    let failures = 2;
    const target: TrafficTarget = {
      description: 'hanging target',
      setWeight: (weight, _context, signal) =>
        new Promise((_resolve, reject) => {
          calls.push(`weight ${weight}`);
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
      promote: async () => {},
      leaveSplit: async () => {},
      verify: async () => {},
      rollback: async (_reason, signal) => {
        calls.push('rollback');
        rollbackSignals.push(signal);
        if (failures-- > 0) throw new Error('slow endpoint');
      },
    };
    const start = clock.now();
    const running = runRollout(thirtyMinutes, options, {
      target,
      gates: [],
      clock,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 10));
    controller.abort('cancelled by SIGINT');
    const record = await running;
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('cancelled by SIGINT');
    expect(calls).toEqual(['weight 10', 'rollback', 'rollback', 'rollback']);
    // Each attempt is bounded, and no pause is taken between them.
    expect(rollbackSignals.every((s) => s instanceof AbortSignal)).toBe(true);
    expect(clock.now()).toBe(start);
  });

  it('changes nothing when cancelled before the first write', async () => {
    const { target, controller, run } = setup();
    controller.abort('cancelled by SIGTERM');
    const record = await run([]);
    expect(record.outcome).toBe('failed');
    expect(record.reason).toBe('cancelled by SIGTERM; nothing was changed');
    expect(target.calls).toEqual([]);
  });

  it('a first write refused outright changes nothing, so nothing is rolled back', async () => {
    const { clock, controller } = setup();
    const calls: string[] = [];
    const target: TrafficTarget = {
      description: 'refusing target',
      setWeight: async () => {
        calls.push('setWeight');
        throw new WriteRefusedError('AccessDeniedException: lambda:UpdateAlias');
      },
      promote: async () => {},
      leaveSplit: async () => {},
      verify: async () => {},
      rollback: async () => {
        calls.push('rollback');
      },
    };
    const record = await runRollout(thirtyMinutes, options, {
      target,
      gates: [],
      clock,
      signal: controller.signal,
    });
    expect(record.outcome).toBe('failed');
    expect(record.reason).toBe(
      'failed while setting the weight to 10%: AccessDeniedException: lambda:UpdateAlias; nothing was changed',
    );
    expect(calls).toEqual(['setWeight']);
  });

  it('a cancelled resume still rolls back the split it found', async () => {
    const { target, controller, run } = setup();
    controller.abort('cancelled by SIGTERM');
    const record = await run([], thirtyMinutes, { ...options, firstStep: 1 });
    expect(record.outcome).toBe('rolled-back');
    expect(target.calls).toEqual(['rollback: cancelled by SIGTERM']);
  });

  it('resumes from a later step', async () => {
    const { clock, start, target, run } = setup();
    const record = await run([gateAt(clock, start, () => 'pass')], thirtyMinutes, {
      ...options,
      firstStep: 2,
    });
    expect(record.outcome).toBe('promoted');
    expect(target.calls).toEqual(['weight 60', 'promote', 'verify']);
    expect(record.endedAt - start).toBe(10 * MINUTE);
    // Only the steps this run made count.
    expect(record.reason).toBe('all traffic on the new version after 1 traffic step');
  });
});

describe('traffic hooks', () => {
  /** A hook that takes `takesMs` of the fake clock, notes its run among the target's calls, and answers `result`. */
  const hook = (
    name: string,
    target: RecordingTarget,
    clock: FakeClock,
    result: HookResult | (() => Promise<HookResult>),
    takesMs = 0,
  ): Hook & { signals: AbortSignal[] } => {
    const signals: AbortSignal[] = [];
    return {
      name,
      signals,
      async run(signal) {
        signals.push(signal);
        target.calls.push(`hook ${name}`);
        clock.advance(takesMs);
        return typeof result === 'function' ? result() : result;
      },
    };
  };
  const passed: HookResult = { status: 'passed', answer: '{"status":"Succeeded"}' };

  it('runs the pre-traffic hook before the first write and the post-traffic hook after the read-back; the plan starts after the first', async () => {
    const { clock, start, target, events, run } = setup();
    const before = hook('pre', target, clock, passed, 90_000);
    const after = hook('post', target, clock, passed, 30_000);
    const record = await run([gateAt(clock, start, () => 'pass')], thirtyMinutes, options, { before, after });
    expect(record.outcome).toBe('promoted');
    expect(target.calls).toEqual([
      'hook pre',
      'weight 10',
      'weight 30',
      'weight 60',
      'promote',
      'verify',
      'hook post',
    ]);
    // The slow hook shortens no hold: every step keeps its 10 minutes.
    expect(record.steps.map((s) => s.endedAt! - s.startedAt)).toEqual([
      10 * MINUTE,
      10 * MINUTE,
      10 * MINUTE,
    ]);
    expect(record.endedAt - start).toBe(90_000 + 30 * MINUTE + 30_000);
    expect(record.hooks).toEqual([
      {
        phase: 'pre-traffic',
        function: 'pre',
        status: 'passed',
        answer: passed.answer,
        startedAt: start,
        durationMs: 90_000,
      },
      expect.objectContaining({
        phase: 'post-traffic',
        function: 'post',
        status: 'passed',
        durationMs: 30_000,
      }),
    ]);
    const kinds = events.map((e) => e.type).filter((t) => t.startsWith('hook'));
    expect(kinds).toEqual(['hook-started', 'hook-finished', 'hook-started', 'hook-finished']);
    expect(events[0]).toEqual({
      type: 'hook-started',
      phase: 'pre-traffic',
      function: 'pre',
      timeoutMs: 5 * MINUTE,
    });
  });

  it('a failing pre-traffic hook ends the release with no write to the target', async () => {
    const { clock, start, target, run } = setup();
    const before = hook('pre', target, clock, {
      status: 'failed',
      answer: '{"status":"Failed"}',
      error: 'answered status Failed',
    });
    const after = hook('post', target, clock, passed);
    const record = await run([gateAt(clock, start, () => 'pass')], thirtyMinutes, options, { before, after });
    expect(record.outcome).toBe('failed');
    expect(record.reason).toBe('pre-traffic hook pre failed: answered status Failed; nothing was changed');
    expect(target.calls).toEqual(['hook pre']);
    expect(record.rollback).toBeUndefined();
    expect(record.hooks).toEqual([
      expect.objectContaining({ status: 'failed', error: 'answered status Failed' }),
    ]);
  });

  it('a pre-traffic hook that cannot be invoked fails the same way, with the error', async () => {
    const { clock, start, target, run } = setup();
    const before = hook('pre', target, clock, () =>
      Promise.reject(new Error('Could not invoke: AccessDenied')),
    );
    const record = await run([gateAt(clock, start, () => 'pass')], thirtyMinutes, options, { before });
    expect(record.reason).toBe(
      'pre-traffic hook pre could not be run: Could not invoke: AccessDenied; nothing was changed',
    );
    expect(target.calls).toEqual(['hook pre']);
    expect(record.hooks![0]).toMatchObject({ status: 'error', error: 'Could not invoke: AccessDenied' });
  });

  it('a failing post-traffic hook rolls the promotion back', async () => {
    const { clock, start, target, run } = setup();
    const after = hook('post', target, clock, {
      status: 'failed',
      error: 'function error (Unhandled): boom',
    });
    const record = await run([gateAt(clock, start, () => 'pass')], thirtyMinutes, options, { after });
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('post-traffic hook post failed: function error (Unhandled): boom');
    expect(target.calls.slice(-3)).toEqual(['verify', 'hook post', `rollback: ${record.reason}`]);
    expect(record.rollback).toMatchObject({ completed: true });
  });

  it('an answer later than hook-timeout (on the fake clock) is a timeout, whatever it says', async () => {
    const { clock, start, target, run } = setup();
    const before = hook('pre', target, clock, passed, 6 * MINUTE);
    const record = await run([gateAt(clock, start, () => 'pass')], thirtyMinutes, options, { before });
    expect(record.reason).toBe(
      'pre-traffic hook pre timed out: no answer within the hook timeout of 5m; nothing was changed',
    );
    expect(record.hooks![0]).toMatchObject({ status: 'timed-out', durationMs: 6 * MINUTE });
  });

  it('a hook that never answers is abandoned at hook-timeout: its signal aborts', async () => {
    const { clock, start, target, run } = setup();
    // Never resolves: only the engine's own timer can end it.
    const before = hook('pre', target, clock, () => new Promise<HookResult>(() => {}));
    const record = await run(
      [gateAt(clock, start, () => 'pass')],
      thirtyMinutes,
      { ...options, hookTimeoutMs: 20 },
      {
        before,
      },
    );
    expect(record.hooks![0]).toMatchObject({ status: 'timed-out' });
    expect(before.signals[0]!.aborted).toBe(true);
    expect(target.calls).toEqual(['hook pre']);
  });

  it('cancelled during the post-traffic hook, the promotion is rolled back', async () => {
    const { clock, start, target, controller, run } = setup();
    const after = hook('post', target, clock, () => {
      controller.abort('cancelled by SIGTERM');
      return new Promise<HookResult>(() => {});
    });
    const record = await run([gateAt(clock, start, () => 'pass')], thirtyMinutes, options, { after });
    expect(record.outcome).toBe('rolled-back');
    expect(record.reason).toBe('cancelled by SIGTERM');
    expect(target.calls.at(-1)).toBe('rollback: cancelled by SIGTERM');
    expect(record.hooks![0]).toMatchObject({ status: 'cancelled' });
  });

  it('counts the timeout from the first weight change, not from the pre-traffic hook', async () => {
    const { clock, start, target, run } = setup();
    const before = hook('pre', target, clock, passed, 4 * MINUTE);
    const record = await run(
      [gateAt(clock, start, () => 'pass')],
      thirtyMinutes,
      { ...options, timeoutMs: 31 * MINUTE, hookTimeoutMs: 5 * MINUTE },
      {
        before,
      },
    );
    expect(record.outcome).toBe('promoted');
  });
});
