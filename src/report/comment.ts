// The sticky pull-request comment: one per target, found again by a hidden marker written by the
// token's own user, created once and then edited. Updates are coalesced and written in the
// background: a slow or refusing GitHub never holds the rollout.
import {
  BackgroundQueue,
  describeGitHubError,
  httpStatusOf,
  isPermissionError,
  type GitHub,
  type Repo,
  type ReportLog,
} from './github.js';

/** GitHub refuses comment bodies longer than this many characters. */
export const MAX_COMMENT_CHARS = 65_536;

const PERMISSION_HINT =
  'Give the job `permissions: pull-requests: write` (a pull request from a fork gets a read-only token; ' +
  'the report is still in the job summary).';

/** The hidden line that marks our comment for one target; encoded so that nothing can end it. */
export function commentMarker(key: string): string {
  return `<!-- serverless-canary:${encodeURIComponent(key)} -->`;
}

/** The event that started the run, as far as the comment cares. */
export interface RunEvent {
  name: string;
  payload: Record<string, unknown>;
  sha?: string;
}

/** Pull requests to comment on: the event's own, or those a pushed commit belongs to. */
async function pullRequestsFor(github: GitHub, repo: Repo, event: RunEvent): Promise<number[]> {
  const payload = event.payload as {
    pull_request?: { number?: number };
    issue?: { number?: number; pull_request?: unknown };
  };
  if (typeof payload.pull_request?.number === 'number') return [payload.pull_request.number];
  if (payload.issue?.pull_request && typeof payload.issue.number === 'number') return [payload.issue.number];
  if (event.name === 'push' && event.sha) {
    const pulls = await github.paginate(github.rest.repos.listPullRequestsAssociatedWithCommit, {
      ...repo,
      commit_sha: event.sha,
      per_page: 100,
    });
    return pulls.map((p) => p.number);
  }
  return [];
}

/**
 * Whose comments are ours: the token's user, or, for an installation token (the job's
 * GITHUB_TOKEN, a GitHub App's), which GET /user refuses, any bot: the marker then decides.
 * Other failures are thrown, so that the next update asks again.
 */
type Author = { login: string } | { anyBot: true };

async function authorOf(github: GitHub): Promise<Author> {
  try {
    return { login: (await github.rest.users.getAuthenticated()).data.login };
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 401 || status === 403) return { anyBot: true };
    throw error;
  }
}

function isBy(author: Author, user: { login?: string; type?: string } | null | undefined): boolean {
  return 'login' in author ? user?.login === author.login : user?.type === 'Bot';
}

interface Written {
  id: number;
  url: string;
  body: string;
}

export class StickyComment {
  private readonly queue = new BackgroundQueue();
  private readonly marker: string;
  private latest?: string;
  private pulls?: number[];
  private author?: Author;
  private readonly comments = new Map<number, Written>();
  private disabled = false;
  private warned = false;

  constructor(
    private readonly github: GitHub,
    private readonly repo: Repo,
    private readonly event: RunEvent,
    key: string,
    private readonly log: ReportLog,
  ) {
    this.marker = commentMarker(key);
  }

  /** Whether a rendered report of this length fits in the comment with its marker. */
  fits(rendered: string): boolean {
    return this.marker.length + 1 + rendered.length <= MAX_COMMENT_CHARS;
  }

  /** Queues `rendered` as the comment's new body; returns at once. Only the newest body is written. */
  update(rendered: string): void {
    if (this.disabled) return;
    this.latest = `${this.marker}\n${rendered}`;
    this.queue.push(() => this.writeLatest());
  }

  /** Waits up to `timeoutMs` for the queued writes; false when they did not finish. */
  settle(timeoutMs: number): Promise<boolean> {
    return this.queue.settle(timeoutMs);
  }

  /** Resolves when the queued writes have finished. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The first pull request's comment, once written or found. */
  get url(): string | undefined {
    return [...this.comments.values()][0]?.url;
  }

  private async writeLatest(): Promise<void> {
    const body = this.latest;
    if (this.disabled || body === undefined) return;
    try {
      this.pulls ??= await pullRequestsFor(this.github, this.repo, this.event);
      if (this.pulls.length === 0) {
        this.disabled = true;
        this.log.info(`No pull request for this ${this.event.name} event: no comment.`);
        return;
      }
      this.author ??= await authorOf(this.github);
      for (const pull of this.pulls) await this.upsert(pull, body);
    } catch (error) {
      this.fail(error);
    }
  }

  private async upsert(pull: number, body: string): Promise<void> {
    const known = this.comments.get(pull) ?? (await this.find(pull));
    if (known?.body === body) {
      this.comments.set(pull, known);
      return;
    }
    const { data } = known
      ? await this.github.rest.issues
          .updateComment({ ...this.repo, comment_id: known.id, body })
          // Deleted meanwhile (by a person): write it anew rather than give up on the report.
          .catch((error: unknown) => {
            if (httpStatusOf(error) !== 404) throw error;
            return this.github.rest.issues.createComment({ ...this.repo, issue_number: pull, body });
          })
      : await this.github.rest.issues.createComment({ ...this.repo, issue_number: pull, body });
    this.comments.set(pull, { id: data.id, url: data.html_url, body });
    // Now we know who we write as.
    if (data.user?.login) this.author = { login: data.user.login };
  }

  /** Our earlier comment on the pull request (a rerun's, or an earlier job's), if any. */
  private async find(pull: number): Promise<Written | undefined> {
    const comments = await this.github.paginate(this.github.rest.issues.listComments, {
      ...this.repo,
      issue_number: pull,
      per_page: 100,
    });
    const author = this.author ?? { anyBot: true };
    const ours = comments.find((c) => isBy(author, c.user) && c.body?.startsWith(this.marker));
    return ours ? { id: ours.id, url: ours.html_url, body: ours.body ?? '' } : undefined;
  }

  private fail(error: unknown): void {
    if (isPermissionError(error)) {
      this.disabled = true;
      this.log.warning(
        `Could not write the pull-request comment (${describeGitHubError(error)}). ${PERMISSION_HINT}`,
      );
      return;
    }
    // Transient (network, 5xx): say it once; the next update tries again.
    if (this.warned) return;
    this.warned = true;
    this.log.warning(`Could not write the pull-request comment: ${describeGitHubError(error)}`);
  }
}
