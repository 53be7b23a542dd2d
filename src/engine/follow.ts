// The engine in follow mode, for a target that moves its own traffic (a CodeDeploy deployment):
// on the same fixed poll grid as the direct engine it looks at the target and reads every gate;
// each weight the service applies becomes a step of the record. A failing gate, the timeout or
// cancellation stops the target with rollback; the service failing or stopping on its own is
// followed through its rollback deployment to the end.
//
// A gate's `holdStep` (the analysis asking for more time) cannot hold anything here: the service
// keeps its own schedule. It is said once per step (the `hold-ignored` event) and the gate goes on
// being read, so that a verdict that arrives late still stops the deployment.
import { trafficStepCount, type Plan } from './plan.js';
import {
  abortReason,
  DEFAULT_MAX_CONSECUTIVE_GATE_ERRORS,
  errorMessage,
  gateReader,
  nextGridPoint,
  raceAbort,
  seconds,
} from './polling.js';
import { graceAfter, HURRIED_ROLLBACK_ATTEMPT_MS } from './rollout.js';
import type {
  Clock,
  FollowedRecord,
  FollowedTarget,
  Gate,
  GateContext,
  Observation,
  Outcome,
  RolloutEvent,
  RolloutOptions,
  RolloutRecord,
  StepRecord,
} from './types.js';

export interface FollowDeps {
  target: FollowedTarget;
  gates: Gate[];
  clock: Clock;
  /** Aborting it (SIGINT/SIGTERM) stops the target with rollback; its reason becomes the report's. */
  signal: AbortSignal;
  onEvent?: (event: RolloutEvent) => void;
}

/** The options that mean something when the service keeps the schedule (no resume, no hooks of ours). */
export interface FollowOptions extends Pick<
  RolloutOptions,
  'pollIntervalMs' | 'timeoutMs' | 'maxConsecutiveGateErrors'
> {
  /** How long a stop may go on once the job is being cancelled (default HURRIED_STOP_MS). */
  stopGraceMs?: number;
}

/**
 * How long a stop may go on once the job is being cancelled: as long as the direct engine's
 * three hurried rollback attempts, so the job still ends within the runner's grace.
 */
export const HURRIED_STOP_MS = 3 * HURRIED_ROLLBACK_ATTEMPT_MS;
const STOP_ATTEMPTS = 3;
const STOP_RETRY_DELAY_MS = 300;
/**
 * How long the service's own rollback is followed once the deployment failed: past it, the
 * report says the rollback had not ended, and the post step looks again.
 */
export const ROLLBACK_FOLLOW_MS = 15 * 60_000;

/** How a look ended the watch: the service ended it, or we must stop it. */
type WatchEnd = { kind: 'ended'; seen: Observation } | { kind: 'stop'; reason: string };

export async function followRollout(
  plan: Plan,
  options: FollowOptions,
  deps: FollowDeps,
): Promise<RolloutRecord> {
  const { target, clock, signal } = deps;
  const emit = deps.onEvent ?? (() => {});
  const startedAt = clock.now();
  const timeoutAt = startedAt + options.timeoutMs;
  const count = trafficStepCount(plan);
  const steps: StepRecord[] = [];
  const followed: FollowedRecord = { id: target.id, state: 'running', phase: '', events: [] };
  const observeLimit = options.maxConsecutiveGateErrors ?? DEFAULT_MAX_CONSECUTIVE_GATE_ERRORS;
  const readGates = gateReader({
    gates: deps.gates,
    clock,
    signal,
    emit,
    count,
    maxConsecutiveErrors: options.maxConsecutiveGateErrors,
  });
  let current: StepRecord | undefined;
  let promoting = false;
  let last: Observation | undefined;
  /** Gates whose `holdStep` was already said for the current step. */
  let holdsSaid = new Set<string>();

  const finish = (outcome: Outcome, reason: string, rollback?: RolloutRecord['rollback']): RolloutRecord => {
    endStep();
    const record: RolloutRecord = {
      plan,
      startedAt,
      endedAt: clock.now(),
      outcome,
      reason,
      steps,
      rollback,
      followed,
    };
    emit({ type: 'finished', record });
    return record;
  };

  const endStep = () => {
    if (!current) return;
    current.endedAt = clock.now();
    emit({ type: 'step-finished', step: current });
    current = undefined;
  };

  /** Keeps what the look says for the record, and tells the log when anything changed. */
  const note = (seen: Observation) => {
    followed.state = seen.state;
    followed.phase = seen.phase;
    if (seen.events) followed.events = seen.events;
    if (seen.reason !== undefined) followed.error = seen.reason;
    if (seen.rollback) followed.rollback = { ...seen.rollback };
    const changed =
      !last ||
      last.weight !== seen.weight ||
      last.state !== seen.state ||
      last.phase !== seen.phase ||
      last.rollback?.state !== seen.rollback?.state;
    last = seen;
    if (changed) emit({ type: 'observed', observation: seen, at: clock.now() });
  };

  /** A weight the service applied that differs from the current step's starts a step (0 and 100 are none). */
  const track = (weight: number) => {
    if (current?.weight === weight) return;
    endStep();
    if (weight >= 100 && !promoting) {
      promoting = true;
      emit({ type: 'promoting' });
    }
    if (weight <= 0 || weight >= 100) return;
    const index = planIndexFor(plan, weight);
    current = {
      index,
      weight,
      plannedHoldMs: plan.steps[index]?.holdMs ?? 0,
      startedAt: clock.now(),
      readings: [],
    };
    steps.push(current);
    holdsSaid = new Set();
    emit({ type: 'step-started', step: current, count });
  };

  /** The analysis judges the observed step as the plan's step it stands for. */
  const contextOf = (step: StepRecord): GateContext => ({
    index: step.index,
    weight: step.weight,
    startedAt: step.startedAt,
    endsAt: step.startedAt + step.plannedHoldMs,
    last: !plan.steps.slice(step.index + 1).some((s) => s.weight < 100),
  });

  /** One look at the target; an unreadable one is tolerated a few times in a row, like a gate. */
  let observeErrors = 0;
  const look = async (): Promise<Observation | { stop: string } | undefined> => {
    try {
      const seen = await raceAbort(target.observe(signal), signal);
      if (!seen) return { stop: abortReason(signal) };
      observeErrors = 0;
      // A service that keeps weights as fractions (CodeDeploy's 0.07) would otherwise show
      // 7.000000000000001% and start a step for each rounding.
      return { ...seen, weight: Math.round(seen.weight * 100) / 100 };
    } catch (error) {
      if (signal.aborted) return { stop: abortReason(signal) };
      observeErrors++;
      if (observeErrors >= observeLimit)
        return {
          stop: `${target.description} could not be read ${observeErrors} times in a row: ${errorMessage(error)}`,
        };
      return undefined;
    }
  };

  /** Polls until the service ends the deployment, or a gate, the timeout or cancellation must stop it. */
  const watch = async (): Promise<WatchEnd> => {
    for (;;) {
      if (signal.aborted) return { kind: 'stop', reason: abortReason(signal) };
      const seen = await look();
      if (seen && 'stop' in seen) return { kind: 'stop', reason: seen.stop };
      if (seen) {
        // The step moves first, so that the log says what it saw inside the step it belongs to.
        if (seen.state === 'running') track(seen.weight);
        else if (seen.state === 'succeeded') track(100);
        else endStep();
        note(seen);
        if (seen.state !== 'running') return { kind: 'ended', seen };
      }
      if (current) {
        const { stop, holds } = await readGates(current, contextOf(current));
        if (stop) return { kind: 'stop', reason: stop.reason };
        for (const reading of holds ?? []) sayHold(current, reading.gate, reading.holdStep!.why);
      }
      const now = clock.now();
      if (now >= timeoutAt)
        return { kind: 'stop', reason: `timeout reached after ${seconds(now - startedAt)}` };
      // Polls sit on a fixed grid from the start, so slow looks do not push later ones.
      const nextPoll = nextGridPoint(startedAt, now, options.pollIntervalMs);
      await clock.sleep(Math.min(nextPoll, timeoutAt) - now, signal);
    }
  };

  const sayHold = (step: StepRecord, gate: string, why: string) => {
    if (holdsSaid.has(gate)) return;
    holdsSaid.add(gate);
    emit({ type: 'hold-ignored', step, gate, why });
  };

  /** The service failed or stopped it: its reason, and its rollback deployment followed to the end. */
  const serviceEnded = async (seen: Observation): Promise<RolloutRecord> => {
    const reason = `${target.description} ${seen.state === 'failed' ? 'failed' : 'was stopped'}: ${seen.reason ?? 'no reason given'}`;
    endStep();
    followed.endedBy = 'service';
    emit({ type: 'rolling-back', reason });
    const rollbackStarted = clock.now();
    const final = await followRollback(seen);
    return settle(reason, rollbackStarted, final.seen, final.error);
  };

  /** Looks again until the service's rollback deployment ends (or cancellation, errors or the limit). */
  const followRollback = async (seen: Observation): Promise<{ seen: Observation; error?: string }> => {
    const from = clock.now();
    const until = from + ROLLBACK_FOLLOW_MS;
    observeErrors = 0;
    let latest = seen;
    while (latest.rollback?.state === 'running') {
      const now = clock.now();
      if (now >= until) return { seen: latest, error: `still running after ${seconds(now - from)}` };
      await clock.sleep(Math.min(nextGridPoint(from, now, options.pollIntervalMs), until) - now, signal);
      const next = signal.aborted ? undefined : await look();
      if (signal.aborted) return { seen: latest, error: `stopped following it: ${abortReason(signal)}` };
      if (next && 'stop' in next) return { seen: latest, error: next.stop };
      if (next) note((latest = next));
    }
    return { seen: latest };
  };

  /** We stop it: a failing gate, the timeout, cancellation, a target that cannot be read. */
  const stopWith = async (reason: string): Promise<RolloutRecord> => {
    endStep();
    followed.endedBy = 'action';
    emit({ type: 'rolling-back', reason });
    const rollbackStarted = clock.now();
    // Not abandoned by the cancellation itself, only a grace after it: the stop makes the target safe.
    const grace = graceAfter(signal, options.stopGraceMs ?? HURRIED_STOP_MS);
    let lastError = 'no answer';
    for (let attempt = 1; attempt <= STOP_ATTEMPTS; attempt++) {
      try {
        const seen = await raceAbort(target.stop(reason, grace), grace);
        if (!seen) {
          lastError = 'no answer within the grace after the cancellation';
          break;
        }
        note(seen);
        return settle(reason, rollbackStarted, seen);
      } catch (error) {
        lastError = errorMessage(error);
        if (grace.aborted) break;
        // Once the job is being cancelled, no pauses: the grace is short.
        if (attempt < STOP_ATTEMPTS && !signal.aborted)
          await clock.sleep(STOP_RETRY_DELAY_MS * attempt, grace);
      }
    }
    return finish('failed', `${reason}; then the stop failed: ${lastError}`, {
      reason,
      startedAt: rollbackStarted,
      endedAt: clock.now(),
      completed: false,
      error: lastError,
    });
  };

  /**
   * How it ended after a stop or the service's own failure: rolled back when the traffic is surely
   * on the previous version (the rollback deployment succeeded, or none and nothing on the new one).
   */
  const settle = (
    reason: string,
    rollbackStarted: number,
    seen: Observation,
    error?: string,
  ): RolloutRecord => {
    const problem = error ?? notBack(seen);
    const rollback = {
      reason,
      startedAt: rollbackStarted,
      endedAt: clock.now(),
      completed: problem === undefined,
    };
    if (problem === undefined) return finish('rolled-back', reason, rollback);
    const what = seen.rollback ? `the rollback deployment ${seen.rollback.id}` : 'the rollback';
    return finish('failed', `${reason}; then ${what} did not complete: ${problem}`, {
      ...rollback,
      error: problem,
    });
  };

  const ended = await watch();
  if (ended.kind === 'stop') return stopWith(ended.reason);
  if (ended.seen.state === 'succeeded') {
    const ran = steps.length;
    return finish(
      'promoted',
      `all traffic on the new version after ${ran} traffic step${ran === 1 ? '' : 's'}`,
    );
  }
  return serviceEnded(ended.seen);
}

/**
 * Why the traffic is not surely back on the previous version, or undefined when it is: the one
 * answer to "is it rolled back?" (the CodeDeploy commands use it too).
 */
export function notBack(seen: Observation): string | undefined {
  if (seen.state === 'running') return `it is still ${seen.phase || 'running'}`;
  if (seen.state === 'succeeded') return 'it had already succeeded: all traffic is on the new version';
  if (seen.rollback) return seen.rollback.state === 'succeeded' ? undefined : `it is ${seen.rollback.state}`;
  return seen.weight === 0 ? undefined : `${seen.weight}% of the traffic is still on the new version`;
}

/**
 * The plan's step an observed weight stands for: the step of that weight, else the last one below
 * it (the service may step differently from the plan's words), else the first.
 */
export function planIndexFor(plan: Plan, weight: number): number {
  const exact = plan.steps.findIndex((s) => s.weight === weight && s.weight < 100);
  if (exact >= 0) return exact;
  const below = plan.steps.findLastIndex((s) => s.weight < weight && s.weight < 100);
  return Math.max(0, below);
}
