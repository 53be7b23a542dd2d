// The rollout marker: the lock and the record a target keeps next to its routing (a Lambda alias's
// Description, an API Gateway stage's description), written in the same call as the traffic change
// so that the two never disagree. It is target-neutral: `from` and `to` are whatever the target
// routes between (versions for Lambda, deployment ids for API Gateway). It carries what a later
// step needs (the plan's steps, the current step and its deadline), so no one parses a strategy again.
import { createHash } from 'node:crypto';
import { DEFAULT_TIMEOUT_MARGIN_MS, planDurationMs, type PlanStep } from './engine/plan.js';

/**
 * `started`: the split was left on purpose by `command: start`, for a later `promote` or `rollback`
 * (no run is moving it: neither the post step nor another run's liveness guess treats it as running).
 */
export type MarkerState = 'shifting' | 'started' | 'promoted' | 'rolled-back';

export interface RolloutMarker {
  state: MarkerState;
  /** Identifies the run, job and leg: "owner/repo#runId.attempt/job~nonce". */
  run: string;
  /** What the traffic comes from and goes to (versions, deployment ids). */
  from: string;
  to: string;
  /** Percent on the new side that this write set. */
  weight: number;
  /** The plan's display name. */
  plan: string;
  /** ISO time the rollout started. */
  started: string;
  /** Who started it (the GitHub actor). */
  by: string;
  /** The plan's steps; dropped, last of the detail, when the marker would not fit. */
  steps?: PlanStep[];
  /** Index in `steps` of the step this write belongs to. */
  step?: number;
  /** When that step's hold ends (epoch ms, to the second). */
  stepEndsAt?: number;
  /** A lockstep release's functions, as releaseMembership says them; absent for one function alone. */
  members?: string;
}

/** What the rollout is, as written into every marker it leaves. */
export interface RolloutIdentity {
  run: string;
  plan: string;
  started: string;
  by: string;
  /** The plan's steps, for a later run to tell how long this one may last. */
  steps?: PlanStep[];
  /** A lockstep release's functions (releaseMembership), so that a command naming only some is refused. */
  members?: string;
}

const PREFIX = 'serverless-canary:';
/** Lambda's limit on an alias Description, the tightest of the targets'. */
export const MAX_DESCRIPTION = 256;
/** GitHub-hosted runners end a job after 6 hours: the longest any run can still be moving traffic. */
export const JOB_LIMIT_MS = 6 * 60 * 60_000;

interface Compact {
  s: MarkerState;
  r: string;
  f: string;
  t: string;
  w: number;
  p: string;
  at: string;
  by: string;
  /** Steps as [weight, hold in seconds]. */
  ps?: [number, number][];
  i?: number;
  /** Step deadline, epoch seconds. */
  d?: number;
  /** Lockstep membership: "count:hash". */
  m?: string;
}

export function formatMarker(marker: RolloutMarker): string {
  const compact: Compact = {
    s: marker.state,
    r: marker.run,
    f: marker.from,
    t: marker.to,
    w: marker.weight,
    p: marker.plan,
    at: marker.started,
    by: marker.by,
  };
  if (marker.steps) compact.ps = marker.steps.map((s) => [s.weight, s.holdMs / 1000]);
  if (marker.step !== undefined) compact.i = marker.step;
  if (marker.stepEndsAt !== undefined) compact.d = Math.ceil(marker.stepEndsAt / 1000);
  if (marker.members !== undefined) compact.m = marker.members;
  const text = () => PREFIX + JSON.stringify(compact);
  const over = () => text().length - MAX_DESCRIPTION;
  // Over the limit, give up detail in this order; never cut the JSON itself, nor the run id (its
  // owner compares it with its own; main.ts keeps it short enough). Without the steps, a later run
  // falls back to the job limit to tell whether this one may still be running.
  const shorteners: (() => void)[] = [
    () => (compact.p = shorten(compact.p, over())),
    () => (compact.by = shorten(compact.by, over())),
    () => delete compact.ps,
  ];
  for (const shortenNext of shorteners) {
    if (over() <= 0) break;
    shortenNext();
  }
  if (over() > 0) {
    throw new Error(
      `The rollout marker does not fit in an alias description (${text().length} > ${MAX_DESCRIPTION} characters).`,
    );
  }
  return text();
}

/**
 * A lockstep release's functions, short enough for every marker: their count and a hash of the
 * names (in any order, as concurrent runs may list them), "5:1a2b3c4d".
 */
export function releaseMembership(functionNames: string[]): string {
  const names = [...functionNames].sort().join('\n');
  return `${functionNames.length}:${createHash('sha256').update(names).digest('hex').slice(0, 8)}`;
}

/** How many functions a membership counts. */
export function membershipCount(members: string): number {
  return Number.parseInt(members, 10);
}

function shorten(value: string, over: number): string {
  if (over <= 0) return value;
  return value.length > over + 1 ? `${value.slice(0, value.length - over - 1)}…` : '';
}

export function parseMarker(description: string | undefined): RolloutMarker | undefined {
  if (!description?.startsWith(PREFIX)) return undefined;
  try {
    const c = JSON.parse(description.slice(PREFIX.length)) as Partial<Compact>;
    if (!c.s || !c.r || !c.f || !c.t || typeof c.w !== 'number') return undefined;
    const marker: RolloutMarker = {
      state: c.s,
      run: c.r,
      from: c.f,
      to: c.t,
      weight: c.w,
      plan: c.p ?? '',
      started: c.at ?? '',
      by: c.by ?? '',
    };
    const steps = parseSteps(c.ps);
    if (steps) marker.steps = steps;
    if (typeof c.i === 'number') marker.step = c.i;
    if (typeof c.d === 'number') marker.stepEndsAt = c.d * 1000;
    if (typeof c.m === 'string') marker.members = c.m;
    return marker;
  } catch {
    return undefined;
  }
}

function parseSteps(steps: unknown): PlanStep[] | undefined {
  if (!Array.isArray(steps)) return undefined;
  const parsed = steps.map((s: unknown) =>
    Array.isArray(s) && typeof s[0] === 'number' && typeof s[1] === 'number'
      ? { weight: s[0], holdMs: s[1] * 1000 }
      : undefined,
  );
  return parsed.every((s) => s !== undefined) ? parsed : undefined;
}

/**
 * The latest time the run that wrote `marker` can still be moving traffic: its plan plus the
 * default timeout margin, or the job limit when the marker carries no steps; 0 without a start.
 */
export function mayStillRunUntil(marker: RolloutMarker): number {
  const started = Date.parse(marker.started);
  if (Number.isNaN(started)) return 0;
  if (!marker.steps) return started + JOB_LIMIT_MS;
  return started + planDurationMs({ steps: marker.steps }) + DEFAULT_TIMEOUT_MARGIN_MS;
}

export function describeMarker(marker: RolloutMarker): string {
  return `run ${marker.run} by ${marker.by || 'unknown'} (${marker.from} → ${marker.to}, ${marker.state} at ${marker.weight}%, started ${marker.started})`;
}
