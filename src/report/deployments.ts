// GitHub Deployments for `deployment-environment`: one deployment per release, then its statuses
// in order (in_progress, then success or failure), so the repository's Environments page shows
// what is live and how it got there. A release split across jobs keeps the one deployment `start`
// created: promote and rollback find it by the release's run id in its payload. Written in the
// background, like the comment.
import {
  BackgroundQueue,
  describeGitHubError,
  isPermissionError,
  type GitHub,
  type Repo,
  type ReportLog,
} from './github.js';
import type { Result } from './model.js';

const PERMISSION_HINT = 'Give the job `permissions: deployments: write`.';
/** GitHub's limit for a status description. */
const MAX_DESCRIPTION = 140;
/** How many of the environment's newest deployments a later phase looks through for its release's. */
const DEPLOYMENTS_SEARCHED = 100;
/** The payload field that names the release (its run id, as the marker records it). */
export const RELEASE_FIELD = 'release';

export interface DeploymentSettings {
  environment: string;
  environmentUrl?: string;
  /** The commit (or ref) deployed. */
  ref: string;
  /** The workflow run, shown as the status's log. */
  logUrl?: string;
  /** Told the new deployment's id, so the post step can finish it after a crash. */
  onCreated?: (id: number) => void;
}

type FinalState = 'success' | 'failure';

export function finalDeploymentState(result: Result): FinalState | undefined {
  if (result === 'promoted') return 'success';
  if (result === 'rolled-back' || result === 'failed') return 'failure';
  return undefined;
}

export class DeploymentReporter {
  private readonly queue = new BackgroundQueue();
  private id?: number;
  private disabled = false;

  constructor(
    private readonly github: GitHub,
    private readonly repo: Repo,
    private readonly settings: DeploymentSettings,
    private readonly log: ReportLog,
    /** A deployment the main step created, when the post step reports its end. */
    existingId?: number,
  ) {
    this.id = existingId;
  }

  /**
   * A later phase of a release split across jobs (promote, rollback): its statuses go to the
   * deployment the release's `start` created, when GitHub still lists it; otherwise this phase
   * creates its own. Returns at once.
   */
  continueRelease(release: string): void {
    this.queue.push(async () => {
      try {
        const { data } = await this.github.rest.repos.listDeployments({
          ...this.repo,
          environment: this.settings.environment,
          per_page: DEPLOYMENTS_SEARCHED,
        });
        const found = data.find((d) => releaseOf(d.payload) === release);
        if (!found) {
          this.log.info(
            `No GitHub deployment of release ${release} in environment ${this.settings.environment}: this phase creates its own.`,
          );
          return;
        }
        this.id = found.id;
        this.settings.onCreated?.(found.id);
      } catch (error) {
        // Without the list this phase creates its own deployment; a refusal turns them off.
        if (isPermissionError(error)) this.fail(error);
        else
          this.log.warning(
            `Could not find the GitHub deployment of release ${release} (${describeGitHubError(error)}); this phase creates its own.`,
          );
      }
    });
  }

  /**
   * Creates the deployment (unless a later phase found its release's) and marks it in progress;
   * returns at once.
   */
  start(description: string, payload: Record<string, string>): void {
    this.queue.push(async () => {
      if (this.id !== undefined) return this.status('in_progress', description);
      try {
        const { data } = await this.github.rest.repos.createDeployment({
          ...this.repo,
          ref: this.settings.ref,
          environment: this.settings.environment,
          auto_merge: false,
          required_contexts: [],
          description: shorten(description),
          payload,
        });
        if (!('id' in data))
          throw new Error(`GitHub did not create the deployment: ${data.message ?? 'no reason given'}`);
        this.id = data.id;
        this.settings.onCreated?.(data.id);
      } catch (error) {
        this.fail(error);
        return;
      }
      await this.status('in_progress', description);
    });
  }

  /** The final status, after whatever is still queued. */
  finish(state: FinalState, description: string): void {
    this.queue.push(() => this.status(state, description));
  }

  settle(timeoutMs: number): Promise<boolean> {
    return this.queue.settle(timeoutMs);
  }

  /** Resolves when the queued writes have finished. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async status(state: 'in_progress' | FinalState, description: string): Promise<void> {
    if (this.disabled || this.id === undefined) return;
    try {
      await this.github.rest.repos.createDeploymentStatus({
        ...this.repo,
        deployment_id: this.id,
        state,
        description: shorten(description),
        ...(this.settings.logUrl ? { log_url: this.settings.logUrl } : {}),
        ...(this.settings.environmentUrl ? { environment_url: this.settings.environmentUrl } : {}),
      });
    } catch (error) {
      // Only a refusal says the next status would fail too; a 5xx (after Octokit's retries) is
      // one lost status, and the final one must still be tried.
      if (isPermissionError(error)) this.fail(error);
      else
        this.log.warning(
          `Could not set the ${state} status of the GitHub deployment for environment ${this.settings.environment} (${describeGitHubError(error)}); later statuses are still sent.`,
        );
    }
  }

  /** Turns Deployments off for the rest of the run: the token may not use them, or none was made. */
  private fail(error: unknown): void {
    if (this.disabled) return;
    this.disabled = true;
    const hint = isPermissionError(error) ? ` ${PERMISSION_HINT}` : '';
    this.log.warning(
      `Could not report to GitHub Deployments for environment ${this.settings.environment} (${describeGitHubError(error)}).${hint}`,
    );
  }
}

/** The release a deployment's payload names; GitHub gives the payload back as an object or as JSON text. */
function releaseOf(payload: unknown): string | undefined {
  let value = payload;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const release = (value as Record<string, unknown>)[RELEASE_FIELD];
  return typeof release === 'string' ? release : undefined;
}

function shorten(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}
