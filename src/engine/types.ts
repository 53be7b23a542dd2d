// The rollout engine's vocabulary. Nothing here knows about AWS or GitHub.
import type { GateDetail } from '../gates/detail.js';
import type { Plan } from './plan.js';

/** Time source and sleeper; a fake one lets a 30-minute plan run in milliseconds. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export type GateStatus = 'pass' | 'fail' | 'pending' | 'error';

export interface GateReading {
  gate: string;
  status: GateStatus;
  /** One line a person can read: "2 alarms OK", "errors-high is ALARM: Threshold Crossed ...". */
  summary: string;
  at: number;
  /** Structured detail, tagged by the gate's kind, for the report and the JSON report. */
  detail?: GateDetail;
  /**
   * The gate's verdict on the step is not in yet (its metrics arrive late, or it extends an
   * inconclusive step): the engine keeps the step's weight past its hold until the gate stops
   * asking, or `until` (absolute, epoch ms), whichever comes first. `why` goes into the log.
   */
  holdStep?: { until: number; why: string };
}

/** Where the rollout is, for a gate that judges a step as a whole (the analysis). */
export interface GateContext {
  /** Index of the step in the plan. */
  index: number;
  /** Percent of traffic on the new version in this step. */
  weight: number;
  /** When the step's weight was set (epoch ms). */
  startedAt: number;
  /** When the step's hold ends (absolute, epoch ms); later polls are the gate's own extension. */
  endsAt: number;
  /** Whether the promotion comes next: the last chance to judge both versions side by side. */
  last: boolean;
}

/** A check read every poll interval; any `fail` rolls the release back. */
export interface Gate {
  readonly name: string;
  read(signal: AbortSignal, context: GateContext): Promise<GateReading>;
}

/** Whatever carries the traffic: a Lambda alias, an API Gateway stage, a CodeDeploy deployment. */
export interface TrafficTarget {
  /** e.g. "alias live of function orders (6 → 7)". */
  readonly description: string;
  /**
   * Route `weight` percent (0 < weight < 100) to the new version. `signal` abandons the call on
   * cancellation; the write may still land, and `rollback` must then take it back.
   */
  setWeight(weight: number, context: StepContext, signal: AbortSignal): Promise<void>;
  /** All traffic to the new version, nothing split. */
  promote(): Promise<void>;
  /**
   * Keeps the current split and marks it as left on purpose (`command: start`), for a later run's
   * promote or rollback; `context` is the step it stays at.
   */
  leaveSplit(weight: number, context: StepContext): Promise<void>;
  /**
   * Read back after promotion. Throws ConcurrentChangeError when the target is not fully on the
   * new version (someone changed it since), any other error when it cannot be read.
   */
  verify(): Promise<void>;
  /** All traffic back to the previous version, nothing split; `signal` bounds one attempt. */
  rollback(reason: string, signal?: AbortSignal): Promise<void>;
  /** A target made of several (a lockstep release's functions): each one's sides and where it is now. */
  parts?(): TargetPart[];
}

/** One part of a composite target, for the report's row: "billing, 3 → 4, now on version 3". */
export interface TargetPart {
  name: string;
  previous: string;
  target: string;
  /** Where it is as far as the run knows: "version 3", "20% on version 4", "changed by someone else: ...". */
  now: string;
}

export interface StepContext {
  /** Index of the step in the plan. */
  index: number;
  /** Traffic steps in the plan (the final 100% is the promotion). */
  count: number;
  /** When this step's hold ends (absolute, epoch ms), for the target's marker. */
  endsAt?: number;
}

/** Thrown by a target when someone else changed it meanwhile: the engine must not fight over it. */
export class ConcurrentChangeError extends Error {
  constructor(
    message: string,
    /** What the target looked like when we found the change, for the report. */
    readonly found: string,
  ) {
    super(message);
    this.name = 'ConcurrentChangeError';
  }
}

/** The run was cancelled while a target's call or wait was under way; `stage` says how far it got. */
export class CancelledError extends Error {
  constructor(signal: AbortSignal, stage = '') {
    super(`${typeof signal.reason === 'string' ? signal.reason : 'cancelled'}${stage ? ` ${stage}` : ''}`);
    this.name = 'CancelledError';
  }
}

/** Thrown by a target when its write was refused outright, so that nothing changed. */
export class WriteRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WriteRefusedError';
  }
}

/** `started`: the plan stopped after the steps asked for (`command: start`), the split left on purpose. */
export type Outcome = 'promoted' | 'started' | 'rolled-back' | 'failed';

/** When a traffic hook runs: before any traffic moves, or after the promotion's read-back. */
export type HookPhase = 'pre-traffic' | 'post-traffic';

/** What a hook answered: `passed`, or `failed` with the reason (a function error, a Failed status). */
export interface HookResult {
  status: 'passed' | 'failed';
  /** The hook's answer as it came (the report trims and escapes it). */
  answer?: string;
  /** Why it failed, in one line. */
  error?: string;
}

/** A check run once at a phase of the rollout (a Lambda function the user names). */
export interface Hook {
  /** What the report calls it: the function's name or ARN. */
  readonly name: string;
  /** `signal` aborts on cancellation or when the hook's time is up: the hook then gives up. */
  run(signal: AbortSignal): Promise<HookResult>;
}

/** One hook's run, for the report: `timed-out` and `error` (not invoked, unreadable) fail too. */
export interface HookRecord {
  phase: HookPhase;
  function: string;
  status: 'passed' | 'failed' | 'timed-out' | 'error' | 'cancelled';
  answer?: string;
  startedAt: number;
  durationMs: number;
  error?: string;
}

export interface StepRecord {
  index: number;
  weight: number;
  plannedHoldMs: number;
  startedAt: number;
  endedAt?: number;
  readings: GateReading[];
}

export interface RolloutRecord {
  plan: Plan;
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
  reason: string;
  steps: StepRecord[];
  /** The traffic hooks that ran, in order (none when none were given). */
  hooks?: HookRecord[];
  /**
   * Set when a rollback was attempted: when, why and whether it completed. A followed rollout
   * has one too when the service rolled back on its own (its alarm, a failed hook).
   */
  rollback?: { reason: string; startedAt: number; endedAt: number; completed: boolean; error?: string };
  /** Set when the rollout followed a target that moves its own traffic (follow.ts). */
  followed?: FollowedRecord;
}

/** Where a target that moves its own traffic is: `running` until it ends one of three ways. */
export type FollowedState = 'running' | 'succeeded' | 'failed' | 'stopped';

/** One of the service's lifecycle events (CodeDeploy's BeforeAllowTraffic, AllowTraffic, ...) as last seen. */
export interface LifecycleEvent {
  name: string;
  /** The service's own word for it, e.g. Pending, InProgress, Succeeded, Failed, Skipped. */
  status: string;
  /** Epoch ms. */
  startedAt?: number;
  endedAt?: number;
  /** The service's diagnostics when it failed (error code and message), as it gave them. */
  message?: string;
}

/** A deployment the service runs to take traffic back (CodeDeploy's rollback deployment). */
export interface FollowedRollback {
  id: string;
  state: FollowedState;
}

/** What a target that moves its own traffic shows when looked at. */
export interface Observation {
  /**
   * Percent of the traffic on the new version now (0..100), as the traffic is routed (the
   * alias), not as the deployment planned it.
   */
  weight: number;
  state: FollowedState;
  /** Where it is, in words for the log: "AllowTraffic InProgress". */
  phase: string;
  /** Its lifecycle events as seen now, in order. */
  events?: LifecycleEvent[];
  /** Once failed or stopped: the service's error code and message, e.g. "ALARM_ACTIVE: ...". */
  reason?: string;
  /** The deployment that takes the traffic back, once the service started one. */
  rollback?: FollowedRollback;
}

/**
 * A target that moves its own traffic on its own schedule (a CodeDeploy deployment, already
 * created): the follow engine looks at it every poll and stops it when a gate fails.
 */
export interface FollowedTarget {
  /** e.g. "CodeDeploy deployment d-ABC123 of orders:live (6 → 7)". */
  readonly description: string;
  /** The deployment's id, for the record and the report. */
  readonly id?: string;
  /** One look: throws when it cannot be read (counted like an unreadable gate). */
  observe(signal: AbortSignal): Promise<Observation>;
  /**
   * Stops it with rollback, then waits until the traffic is back on the previous version (the
   * rollback deployment ended), and returns the last look. `signal` ends the wait (the job is
   * being killed): then resolve with the last look or throw. Called again after it threw, it must
   * find the deployment already stopped and only wait. A deployment that has already ended is
   * not an error: return how it ended.
   */
  stop(reason: string, signal: AbortSignal): Promise<Observation>;
}

/** What a followed rollout saw of the service, for the report. */
export interface FollowedRecord {
  /** The deployment's id (the target's). */
  id?: string;
  /** The last state and phase seen. */
  state: FollowedState;
  phase: string;
  /** The lifecycle events as last seen. */
  events: LifecycleEvent[];
  /** Why the service failed or stopped it, in its words (error code and message). */
  error?: string;
  /** The rollback deployment, as last seen. */
  rollback?: FollowedRollback;
  /**
   * Who ended it when it did not succeed: the service on its own (its alarm, a failed hook, a
   * manual stop), or the action (a gate, the timeout, cancellation, a target it could not read).
   */
  endedBy?: 'service' | 'action';
}

export type RolloutEvent =
  | {
      type: 'step-started';
      step: StepRecord;
      /** Traffic steps in the plan (trafficStepCount). */ count: number;
    }
  | {
      type: 'gate-read';
      step: StepRecord;
      /** Traffic steps in the plan (trafficStepCount), as in step-started. */
      count: number;
      readings: GateReading[];
      /** When this poll's readings were in. */
      at: number;
      /** When the step's hold ends (absolute, as the engine keeps it). */
      endsAt: number;
    }
  | { type: 'step-finished'; step: StepRecord }
  | { type: 'promoting' }
  | { type: 'hook-started'; phase: HookPhase; function: string; timeoutMs: number }
  | { type: 'hook-finished'; hook: HookRecord }
  | { type: 'rolling-back'; reason: string }
  /** Follow mode: the service's state, phase or weight changed since the last look. */
  | { type: 'observed'; observation: Observation; at: number }
  /**
   * Follow mode: a gate asked to keep the step past its hold (`holdStep`), which the service
   * will not do; said once per step and gate.
   */
  | { type: 'hold-ignored'; step: StepRecord; gate: string; why: string }
  | { type: 'finished'; record: RolloutRecord };

export interface RolloutOptions {
  pollIntervalMs: number;
  /** Hard limit from the start; reaching it rolls back. */
  timeoutMs: number;
  /** Consecutive unreadable polls (after the SDK's own retries) tolerated before rolling back. */
  maxConsecutiveGateErrors?: number;
  /** Start from this step index (resume of an existing split). */
  firstStep?: number;
  /** Stop after holding this step index and leave the split (`command: start`) instead of promoting. */
  lastStep?: number;
  /** How long each traffic hook may take before it counts as failed (default 5 minutes). */
  hookTimeoutMs?: number;
}
