// What the comment and the Deployments reporters share: one Octokit for the run, the repository,
// how a GitHub error reads, and a background queue so that reporting never holds the rollout.
import { getOctokit } from '@actions/github';
import { defaults } from '@actions/github/lib/utils';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type GitHub = ReturnType<typeof getOctokit>;

export interface Repo {
  owner: string;
  repo: string;
}

/** Where reporting problems go: warnings, never failures. */
export interface ReportLog {
  info(message: string): void;
  warning(message: string): void;
}

/** Retries of a 5xx, after 0.5 s then 2 s: the end of the run waits for GitHub about ten seconds. */
const SERVER_ERROR_RETRIES = 2;
const RETRY_BASE_MS = 500;
/** A rate limit that lifts later than this is not waited for: reporting must not hold the job. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 30;

/**
 * An Octokit for GITHUB_API_URL (GitHub Enterprise, the local cloud), keeping @actions/github's
 * proxy support, with Octokit's own retry (5xx) and throttling (GitHub's pacing of writes, and its
 * primary and secondary rate limits) plugins; `signal` aborts whatever is still in flight when the
 * run ends.
 */
export function createGitHub(
  token: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  log?: ReportLog,
): GitHub {
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number,
    ) => {
      const waits = retryCount < 1 && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS;
      log?.warning(
        `GitHub's ${kind} rate limit was hit on ${options.method ?? ''} ${options.url ?? ''}; ` +
          (waits ? `retrying in ${retryAfter} s.` : 'not retrying: the report may be incomplete.'),
      );
      return waits;
    };
  return getOctokit(
    token,
    {
      baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
      request: { ...defaults.request, signal },
      retry: { retries: SERVER_ERROR_RETRIES, retryAfterBaseValue: RETRY_BASE_MS },
      throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
    },
    retry,
    throttling,
  );
}

export function repoOf(env: NodeJS.ProcessEnv): Repo | undefined {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return owner && repo ? { owner, repo } : undefined;
}

export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** 401, 403 and 404 on our own repository: the token may not do this, and retrying will not help. */
export function isPermissionError(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === 401 || status === 403 || status === 404;
}

export function describeGitHubError(error: unknown): string {
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return status ? `HTTP ${status}: ${message}` : message;
}

/**
 * Runs tasks one after another in the background: `push` never waits, and a failing task does
 * not stop the next. `settle` waits for what is queued, up to a time limit.
 */
export class BackgroundQueue {
  private tail: Promise<void> = Promise.resolve();

  push(task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch(() => {});
  }

  /** Resolves when everything queued so far has finished (failures included). */
  idle(): Promise<void> {
    return this.tail;
  }

  /** True when everything queued finished within `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = this.tail.then(() => true as const);
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
