// What both engines do the same way on every poll: read every gate (an unreadable gate tolerated
// a few times in a row), step along a fixed grid of absolute poll times, and give up waiting on a
// call once the job is cancelled. The direct engine (rollout.ts) and the follow engine (follow.ts)
// differ only in who moves the traffic.
import type { Clock, Gate, GateContext, GateReading, RolloutEvent, StepRecord } from './types.js';

/** Why the rollout must stop: a rollback (`abort`), or a stop without touching the target. */
export type Stop = { kind: 'abort'; reason: string } | { kind: 'concurrent'; reason: string };

/** Unreadable polls in a row tolerated when the options say nothing. */
export const DEFAULT_MAX_CONSECUTIVE_GATE_ERRORS = 3;

export interface GateReaderDeps {
  gates: Gate[];
  clock: Clock;
  signal: AbortSignal;
  emit: (event: RolloutEvent) => void;
  /** Traffic steps in the plan, for the gate-read event. */
  count: number;
  maxConsecutiveErrors?: number;
}

/** One poll's verdict: a Stop, or how long a gate asks to keep the step (the latest `holdStep.until`). */
export interface GateVerdict {
  stop?: Stop;
  holdUntil?: number;
  /** The reading of each gate that asked to hold the step, for the follow engine's log. */
  holds?: GateReading[];
  unreadable?: boolean;
}

/**
 * Reads every gate once per call into the step's readings; a failing gate, or one unreadable
 * `maxConsecutiveErrors` polls in a row, is a Stop. The error count runs across steps.
 */
export function gateReader(
  deps: GateReaderDeps,
): (step: StepRecord, context: GateContext) => Promise<GateVerdict> {
  const { gates, clock, signal, emit, count } = deps;
  const limit = deps.maxConsecutiveErrors ?? DEFAULT_MAX_CONSECUTIVE_GATE_ERRORS;
  let gateErrors = 0;
  return async (step, context) => {
    const readings = await raceAbort(
      Promise.all(gates.map((gate) => readGate(gate, signal, clock, context))),
      signal,
    );
    if (!readings) return { stop: { kind: 'abort', reason: abortReason(signal) } };
    step.readings.push(...readings);
    emit({ type: 'gate-read', step, count, readings, at: clock.now(), endsAt: context.endsAt });
    const failed = readings.find((r) => r.status === 'fail');
    if (failed) return { stop: { kind: 'abort', reason: `gate ${failed.gate} failed: ${failed.summary}` } };
    const unreadable = readings.find((r) => r.status === 'error');
    gateErrors = unreadable ? gateErrors + 1 : 0;
    if (unreadable && gateErrors >= limit) {
      return {
        stop: {
          kind: 'abort',
          reason: `gate ${unreadable.gate} could not be read ${gateErrors} times in a row: ${unreadable.summary}`,
        },
      };
    }
    const holds = readings.filter((r) => r.holdStep !== undefined);
    return {
      holdUntil: holds.length > 0 ? Math.max(...holds.map((r) => r.holdStep!.until)) : undefined,
      holds,
      unreadable: unreadable !== undefined,
    };
  };
}

/** The first poll time of the grid (`from`, then every `intervalMs`) after `now`. */
export function nextGridPoint(from: number, now: number, intervalMs: number): number {
  if (from > now) return from;
  return from + (Math.floor((now - from) / intervalMs) + 1) * intervalMs;
}

async function readGate(
  gate: Gate,
  signal: AbortSignal,
  clock: Clock,
  context: GateContext,
): Promise<GateReading> {
  try {
    return await gate.read(signal, context);
  } catch (error) {
    return { gate: gate.name, status: 'error', summary: errorMessage(error), at: clock.now() };
  }
}

/** Resolves with the promise's value, or `undefined` as soon as the signal aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  return reason instanceof Error ? reason.message : 'cancelled';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}
