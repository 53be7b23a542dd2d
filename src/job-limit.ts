// GitHub stops a job after a fixed time, whatever runs in it. A release whose timeout is longer
// could be cut off mid-rollout, its traffic left split with no step left to roll it back; so it is
// refused before any write, with the way to hold a long step between jobs instead.
import { formatDuration } from './duration.js';

/** What one job may run on a GitHub-hosted runner. */
export const GITHUB_HOSTED_JOB_LIMIT_MS = 6 * 3_600_000;
/** What one job may run on a self-hosted runner. */
export const SELF_HOSTED_JOB_LIMIT_MS = 5 * 24 * 3_600_000;
/** A job's `timeout-minutes` when the workflow sets none, on either kind of runner. */
export const DEFAULT_TIMEOUT_MINUTES = 360;

export interface JobLimit {
  limitMs: number;
  /** The limit as GitHub states it ("6h", "5 days"). */
  limitText: string;
  /** How the message names the runner and its limit. */
  runner: string;
  selfHosted: boolean;
}

/** The runner sets RUNNER_ENVIRONMENT; without it (a local run) the stricter GitHub-hosted limit. */
export function jobLimit(env: NodeJS.ProcessEnv): JobLimit {
  if (env.RUNNER_ENVIRONMENT === 'self-hosted') {
    return {
      limitMs: SELF_HOSTED_JOB_LIMIT_MS,
      limitText: '5 days',
      runner: 'a self-hosted runner',
      selfHosted: true,
    };
  }
  return {
    limitMs: GITHUB_HOSTED_JOB_LIMIT_MS,
    limitText: '6h',
    runner: 'a GitHub-hosted runner',
    selfHosted: false,
  };
}

/** How the timeout came about, for the message. */
export interface TimeoutSource {
  /** The `timeout` input as given; empty when the default was computed. */
  text: string;
  /** The `strategy` input as given. */
  strategy: string;
  /** What the default is made of, in words ("the strategy's 7h of holds ... and a 10m margin"). */
  made: string;
  /** The shortest explicit timeout accepted (the holds, plus the analysis's wait when on). */
  shortestMs: number;
}

export const SPLIT_ACROSS_JOBS =
  'split the release across jobs: "command: start" moves the first step\'s traffic and ends the job, ' +
  'and a later job (after an approval, a schedule or a manual dispatch) runs "command: promote" to check the gates and go on';
/** For start, which runs only the first step: the split it leaves needs no job to last. */
const SHORTER_FIRST_STEP =
  'give the first step a shorter hold: the split "command: start" leaves stays, with no job running, until a later job runs "command: promote"';

/**
 * Throws when the timeout is longer than one job may run; on a self-hosted runner, warns when it is
 * longer than a job's default `timeout-minutes`, which the action cannot see.
 */
export function checkJobLimit(
  timeoutMs: number,
  source: TimeoutSource,
  env: NodeJS.ProcessEnv,
  warn: (warning: string) => void,
  /** start runs the first step only; deploy and promote the plan (what start left of it). */
  command: 'deploy' | 'start' | 'promote' = 'deploy',
): void {
  const limit = jobLimit(env);
  const fix = command === 'start' ? SHORTER_FIRST_STEP : SPLIT_ACROSS_JOBS;
  if (timeoutMs > limit.limitMs) throw new Error(overLimitMessage(timeoutMs, source, limit, fix));
  const defaultMs = DEFAULT_TIMEOUT_MINUTES * 60_000;
  if (limit.selfHosted && timeoutMs > defaultMs) {
    warn(
      `The rollout may last up to ${formatDuration(timeoutMs)} (its timeout), longer than a job's default timeout-minutes (${DEFAULT_TIMEOUT_MINUTES}): set timeout-minutes on this job above ${Math.ceil(timeoutMs / 60_000)} plus the time of its other steps, or GitHub cancels the job mid-rollout.`,
    );
  }
}

function overLimitMessage(timeoutMs: number, source: TimeoutSource, limit: JobLimit, fix: string): string {
  const stopped = `GitHub stops a job on ${limit.runner} after ${limit.limitText}, which would leave the traffic split`;
  const shorter =
    source.shortestMs < limit.limitMs
      ? `a timeout of ${limit.limitText} or less${source.shortestMs > 0 ? ` (more than ${formatDuration(source.shortestMs)})` : ''}`
      : '';
  if (source.text) {
    const lower = shorter ? `give ${shorter}, or ` : '';
    return `Input "timeout": "${source.text}" is longer than one job may run: ${stopped}. To hold the release longer, ${lower}${fix}.`;
  }
  return (
    `Input "strategy": "${source.strategy}" needs longer than one job may run: its default timeout ("timeout" is empty: ${source.made}) comes to ${formatDuration(timeoutMs)}, and ${stopped}. ` +
    `To hold the release that long, ${fix}; or choose a shorter strategy${shorter ? `, or give ${shorter}` : ''}.`
  );
}
