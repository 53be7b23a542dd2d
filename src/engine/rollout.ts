// The rollout state machine: the pre-traffic hook, then set a weight, hold until an absolute
// deadline while reading the gates, then the next step; promote, read back, the post-traffic hook.
// Any failing gate or hook, the timeout or cancellation rolls back (before any write: nothing to).
import { formatDuration } from '../duration.js';
import { type Plan, trafficStepCount } from './plan.js';
import {
  abortReason,
  errorMessage,
  gateReader,
  nextGridPoint,
  raceAbort,
  seconds,
  type Stop,
} from './polling.js';
import {
  ConcurrentChangeError,
  WriteRefusedError,
  type Clock,
  type Gate,
  type GateContext,
  type Hook,
  type HookPhase,
  type HookRecord,
  type Outcome,
  type RolloutEvent,
  type RolloutOptions,
  type RolloutRecord,
  type StepRecord,
  type TrafficTarget,
} from './types.js';

// Other modules take these from here, where they were first.
export { errorMessage };

export interface RolloutDeps {
  target: TrafficTarget;
  gates: Gate[];
  clock: Clock;
  /** Aborting it (SIGINT/SIGTERM) rolls back at once; its reason becomes the report's reason. */
  signal: AbortSignal;
  onEvent?: (event: RolloutEvent) => void;
  /** Run once each: `before` ahead of the first write, `after` once the promotion is read back. */
  hooks?: { before?: Hook; after?: Hook };
}

/** A hook's time when the options give none: the `hook-timeout` input's default. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;
/** How much of a hook's answer the record keeps (the report shows less). */
const HOOK_ANSWER_CHARS = 2_000;

const ROLLBACK_ATTEMPTS = 3;
const ROLLBACK_RETRY_DELAY_MS = 300;
/**
 * Each rollback attempt's limit (write and re-read) once the job is being cancelled: three, and
 * the report's bounded wait for GitHub, fit in the runner's ten seconds between signal and kill.
 */
export const HURRIED_ROLLBACK_ATTEMPT_MS = 2_000;

/**
 * A signal for a write that takes traffic back: not aborted by the cancellation itself, only
 * `graceMs` after it (at once cancelled or later), so that SIGTERM cannot abandon the write
 * that makes the target safe, and the job still ends within the runner's grace.
 */
export function graceAfter(cancel: AbortSignal, graceMs = HURRIED_ROLLBACK_ATTEMPT_MS): AbortSignal {
  const controller = new AbortController();
  const start = () => setTimeout(() => controller.abort(cancel.reason), graceMs).unref();
  if (cancel.aborted) start();
  else cancel.addEventListener('abort', start, { once: true });
  return controller.signal;
}

export async function runRollout(
  plan: Plan,
  options: RolloutOptions,
  deps: RolloutDeps,
): Promise<RolloutRecord> {
  const { target, clock, signal } = deps;
  const emit = deps.onEvent ?? (() => {});
  const startedAt = clock.now();
  /** From the first weight change, as the `timeout` input says: set once the pre-traffic hook passed. */
  let timeoutAt = startedAt + options.timeoutMs;
  const steps: StepRecord[] = [];
  const firstStep = options.firstStep ?? 0;
  /** Whether a gate kept the last step past its hold: later deadlines move by as much. */
  let heldPastDeadline = false;
  // "Step k of n" counts traffic steps, in every event that says it.
  const count = trafficStepCount(plan);
  /** Whether a write has been attempted: before that, stopping needs no rollback. */
  let changed = firstStep > 0;

  const hooks: HookRecord[] = [];

  const finish = (outcome: Outcome, reason: string, rollback?: RolloutRecord['rollback']): RolloutRecord => {
    const record: RolloutRecord = { plan, startedAt, endedAt: clock.now(), outcome, reason, steps, rollback };
    if (deps.hooks?.before || deps.hooks?.after) record.hooks = hooks;
    emit({ type: 'finished', record });
    return record;
  };

  const cancelled = (): Stop | undefined =>
    signal.aborted ? { kind: 'abort', reason: abortReason(signal) } : undefined;

  const readGates = gateReader({
    gates: deps.gates,
    clock,
    signal,
    emit,
    count,
    maxConsecutiveErrors: options.maxConsecutiveGateErrors,
  });

  /**
   * Holds the current step until `context.endsAt`, reading the gates every poll interval, and
   * past it while a gate asks (its verdict awaits late metrics), never past the timeout.
   */
  const hold = async (step: StepRecord, context: GateContext): Promise<Stop | undefined> => {
    const deadline = context.endsAt;
    const grid = clock.now();
    for (;;) {
      const before = cancelled();
      if (before) return before;
      const { stop, holdUntil, unreadable } = await readGates(step, context);
      if (stop) return stop;
      const now = clock.now();
      if (now >= timeoutAt)
        return {
          kind: 'abort',
          reason: `timeout reached after ${seconds(now - (timeoutAt - options.timeoutMs))}`,
        };
      // Past the hold, a gate that could not be read has given no verdict: read it again (the
      // limit of unreadable polls in a row still rolls back), rather than promote unjudged.
      const wakeAt =
        now < deadline ? deadline : (holdUntil ?? (unreadable ? now + options.pollIntervalMs : undefined));
      if (wakeAt === undefined || now >= wakeAt) return undefined;
      if (now >= deadline) heldPastDeadline = true;
      // Polls sit on a fixed grid from the step's start, so slow reads do not push later ones.
      const nextPoll = nextGridPoint(grid, now, options.pollIntervalMs);
      await clock.sleep(Math.min(nextPoll, wakeAt, timeoutAt) - now, signal);
    }
  };

  /**
   * Runs one hook within the hook timeout; returns a Stop when it failed, timed out, could not
   * be run, or the job was cancelled meanwhile. Its record is kept whatever happened.
   */
  const runHook = async (phase: HookPhase, hook: Hook): Promise<Stop | undefined> => {
    const timeoutMs = options.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
    emit({ type: 'hook-started', phase, function: hook.name, timeoutMs });
    const hookStarted = clock.now();
    const timer = AbortSignal.timeout(timeoutMs);
    const hookSignal = AbortSignal.any([signal, timer]);
    const record: HookRecord = {
      phase,
      function: hook.name,
      status: 'passed',
      startedAt: hookStarted,
      durationMs: 0,
    };
    try {
      const result = await raceAbort(hook.run(hookSignal), hookSignal);
      if (result?.answer !== undefined) record.answer = result.answer.slice(0, HOOK_ANSWER_CHARS);
      record.status = result?.status ?? 'passed';
      if (result?.error) record.error = result.error;
    } catch (error) {
      record.status = 'error';
      record.error = errorMessage(error);
    }
    record.durationMs = clock.now() - hookStarted;
    // An answer after the hook's time is up is too late, whatever it says.
    if (signal.aborted) {
      record.status = 'cancelled';
      record.error = abortReason(signal);
    } else if (timer.aborted || record.durationMs > timeoutMs) {
      record.status = 'timed-out';
      record.error = `no answer within the hook timeout of ${formatDuration(timeoutMs)}`;
    }
    hooks.push(record);
    emit({ type: 'hook-finished', hook: record });
    if (record.status === 'cancelled') return { kind: 'abort', reason: record.error! };
    if (record.status === 'passed') return undefined;
    const what = { failed: 'failed', 'timed-out': 'timed out', error: 'could not be run' }[record.status];
    return {
      kind: 'abort',
      reason: `${phase} hook ${hook.name} ${what}: ${record.error ?? 'no reason given'}`,
    };
  };

  const runSteps = async (): Promise<Stop | undefined> => {
    // Deadlines are absolute from the first step (after the pre-traffic hook), so a slow call
    // shortens a hold, never the plan.
    let deadline = clock.now();
    timeoutAt = deadline + options.timeoutMs;
    for (let index = firstStep; index < plan.steps.length; index++) {
      const planned = plan.steps[index]!;
      if (planned.weight >= 100 || (options.lastStep !== undefined && index > options.lastStep)) break;
      const step: StepRecord = {
        index,
        weight: planned.weight,
        plannedHoldMs: planned.holdMs,
        startedAt: clock.now(),
        readings: [],
      };
      const before = cancelled();
      if (before) return before;
      steps.push(step);
      emit({ type: 'step-started', step, count });
      try {
        await target.setWeight(planned.weight, { index, count, endsAt: deadline + planned.holdMs }, signal);
        changed = true;
      } catch (error) {
        // Refused outright, the write changed nothing; otherwise it may have landed (an answer
        // lost, a call abandoned on cancellation) and the rollback takes back whatever did.
        if (!(error instanceof WriteRefusedError)) changed = true;
        return cancelled() ?? stopFor(error, `setting the weight to ${planned.weight}%`);
      }
      deadline += planned.holdMs;
      const last = !plan.steps.slice(index + 1).some((s) => s.weight < 100);
      const context = { index, weight: planned.weight, startedAt: step.startedAt, endsAt: deadline, last };
      heldPastDeadline = false;
      const stop = await hold(step, context);
      step.endedAt = clock.now();
      // A gate's extension lengthens the plan on purpose; a slow call still only shortens a hold.
      if (heldPastDeadline) deadline = step.endedAt;
      emit({ type: 'step-finished', step });
      if (stop) return stop;
    }
    return cancelled();
  };

  const rollBack = async (reason: string): Promise<RolloutRecord> => {
    emit({ type: 'rolling-back', reason });
    const rollbackStarted = clock.now();
    let lastError: unknown;
    for (let attempt = 1; attempt <= ROLLBACK_ATTEMPTS; attempt++) {
      // Once the job is being cancelled it is killed about ten seconds after the signal: short
      // attempts, no pauses (also when the signal comes during a rollback for another reason).
      const hurried = signal.aborted;
      try {
        await target.rollback(reason, hurried ? AbortSignal.timeout(HURRIED_ROLLBACK_ATTEMPT_MS) : undefined);
        return finish('rolled-back', reason, {
          reason,
          startedAt: rollbackStarted,
          endedAt: clock.now(),
          completed: true,
        });
      } catch (error) {
        lastError = error;
        // Another actor owns the target now: retrying would fight it.
        if (error instanceof ConcurrentChangeError) break;
        if (attempt < ROLLBACK_ATTEMPTS && !signal.aborted)
          await clock.sleep(ROLLBACK_RETRY_DELAY_MS * attempt, signal);
      }
    }
    const message = errorMessage(lastError);
    return finish('failed', `${reason}; then the rollback failed: ${message}`, {
      reason,
      startedAt: rollbackStarted,
      endedAt: clock.now(),
      completed: false,
      error: message,
    });
  };

  /** `command: start`: the split stays, marked as left on purpose; a failed mark is taken back. */
  const leaveSplit = async (step: StepRecord): Promise<RolloutRecord> => {
    const endsAt = step.startedAt + step.plannedHoldMs;
    try {
      await target.leaveSplit(step.weight, { index: step.index, count, endsAt });
    } catch (error) {
      const failure = stopFor(error, 'leaving the split');
      if (failure.kind === 'concurrent') return finish('failed', failure.reason);
      return rollBack(failure.reason);
    }
    return finish(
      'started',
      `the split is left at ${step.weight}% after step ${step.index + 1} of ${count} passed its gates, for a later promote or rollback`,
    );
  };

  const before = deps.hooks?.before;
  const refused = before ? await runHook('pre-traffic', before) : undefined;
  const stop = refused ?? (await runSteps());
  if (stop?.kind === 'concurrent') return finish('failed', stop.reason);
  if (stop && !changed) return finish('failed', `${stop.reason}; nothing was changed`);
  if (stop) return rollBack(stop.reason);
  const left = steps.at(-1);
  if (options.lastStep !== undefined && left) return leaveSplit(left);

  emit({ type: 'promoting' });
  try {
    await target.promote();
  } catch (error) {
    const failure = stopFor(error, 'promoting');
    if (failure.kind === 'concurrent') return finish('failed', failure.reason);
    return rollBack(failure.reason);
  }
  try {
    await target.verify();
  } catch (error) {
    // The promotion was written: a failed read-back is no reason to undo a healthy release.
    const failure = stopFor(error, 'verifying the promotion');
    return finish('failed', `promoted, but ${failure.reason}`);
  }
  // The promotion's last check: failing (or the job cancelled meanwhile), it is taken back.
  const after = deps.hooks?.after;
  const rejected = after ? await runHook('post-traffic', after) : undefined;
  if (rejected) return rollBack(rejected.reason);
  // The steps that ran before the promotion: the final 100% is the promotion itself.
  const ran = steps.length;
  return finish(
    'promoted',
    `all traffic on the new version after ${ran} traffic step${ran === 1 ? '' : 's'}`,
  );
}

function stopFor(error: unknown, doing: string): Stop {
  if (error instanceof ConcurrentChangeError) {
    return { kind: 'concurrent', reason: `${error.message} (while ${doing}); found ${error.found}` };
  }
  return { kind: 'abort', reason: `failed while ${doing}: ${errorMessage(error)}` };
}
