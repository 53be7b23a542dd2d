// GitHub Deployments for `deployment-environment`: one deployment per rollout, then its statuses
// in order (in_progress, then success or failure), so the repository's Environments page shows
// what is live and how it got there. Written in the background, like the comment.
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

  /** Creates the deployment and marks it in progress; returns at once. */
  start(description: string, payload: Record<string, string>): void {
    this.queue.push(async () => {
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

function shorten(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}
