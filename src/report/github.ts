// What the comment and the Deployments reporters share: one Octokit for the run, the repository,
// how a GitHub error reads, and a background queue so that reporting never holds the rollout.
import { getOctokit } from '@actions/github';
import { defaults } from '@actions/github/lib/utils';

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

/**
 * An Octokit for GITHUB_API_URL (GitHub Enterprise, the local cloud), keeping @actions/github's
 * proxy support; `signal` aborts whatever is still in flight when the run ends.
 */
export function createGitHub(token: string, env: NodeJS.ProcessEnv, signal: AbortSignal): GitHub {
  return getOctokit(token, {
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    request: { ...defaults.request, signal },
  });
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
