// The one place that publishes the report: the job summary, the JSON report, the sticky
// pull-request comment and GitHub Deployments. Every problem here is a warning; the rollout's
// result never depends on reporting.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../engine/rollout.js';
import { StickyComment, type RunEvent } from './comment.js';
import { DeploymentReporter, finalDeploymentState, RELEASE_FIELD } from './deployments.js';
import { createGitHub, repoOf, type GitHub, type ReportLog } from './github.js';
import type { ReportSubject } from '../targets/definition.js';
import { runUrl, type ReleaseReport } from './model.js';
import { renderWithin } from './render.js';
import { lastAnalysisReading } from './analysis.js';

/** GitHub's limit for one step's job summary. */
export const MAX_SUMMARY_BYTES = 1024 * 1024;
/** How long the end of the run waits for GitHub before giving up on the comment and deployment. */
const GITHUB_TIMEOUT_MS = 10_000;

export interface ReportingSettings {
  jobSummary: boolean;
  prComment: boolean;
  /** Empty when none was given. */
  githubToken: string;
  deploymentEnvironment?: string;
  environmentUrl?: string;
}

/** Only the reporting settings of a larger object (the inputs): the Reporter is given no more. */
export function reportingSettings(from: ReportingSettings): ReportingSettings {
  const { jobSummary, prComment, githubToken, deploymentEnvironment, environmentUrl } = from;
  return { jobSummary, prComment, githubToken, deploymentEnvironment, environmentUrl };
}

export interface ReporterDeps {
  env: NodeJS.ProcessEnv;
  log: ReportLog;
  githubTimeoutMs?: number;
  /** The post step's view of a deployment the main step created. */
  deployment?: { existingId?: number; onCreated?: (id: number) => void };
  createGitHub?: (token: string, env: NodeJS.ProcessEnv, signal: AbortSignal, log?: ReportLog) => GitHub;
}

export interface Published {
  commentUrl?: string;
  /** Path of the JSON report. */
  reportPath?: string;
  /** Whether the comment and the deployment status were written (or not wanted) in time. */
  settled: boolean;
}

/** How long finish waits for GitHub: a cancelled job is killed seconds after the signal. */
export interface GitHubBudget {
  timeoutMs?: number;
  /** The job's cancellation: once it fires (before or during the wait), at most `hurriedMs` more. */
  cancel?: AbortSignal;
  hurriedMs?: number;
}

export class Reporter {
  private readonly requests = new AbortController();
  private readonly comment?: StickyComment;
  private readonly deployment?: DeploymentReporter;

  constructor(
    private readonly settings: ReportingSettings,
    subject: Pick<ReportSubject, 'commentKey'>,
    private readonly deps: ReporterDeps,
  ) {
    const { env, log } = deps;
    if (!settings.prComment && !settings.deploymentEnvironment) return;
    const repo = repoOf(env);
    if (!repo) {
      log.info('GITHUB_REPOSITORY is not set (a local run?): no pull-request comment or deployment.');
      return;
    }
    if (!settings.githubToken) {
      log.warning(
        'No github-token: the pull-request comment and the deployment status are skipped. Pass `github-token` ' +
          "(default: the job's GITHUB_TOKEN) with `permissions: pull-requests: write` (and `deployments: write` for deployment-environment).",
      );
      return;
    }
    const github = (deps.createGitHub ?? createGitHub)(settings.githubToken, env, this.requests.signal, log);
    if (settings.prComment) {
      this.comment = new StickyComment(github, repo, readEvent(env), subject.commentKey, log);
    }
    if (settings.deploymentEnvironment) {
      this.deployment = new DeploymentReporter(
        github,
        repo,
        {
          environment: settings.deploymentEnvironment,
          environmentUrl: settings.environmentUrl,
          ref: env.GITHUB_SHA || env.GITHUB_REF || 'HEAD',
          logUrl: runUrl(env),
          onCreated: deps.deployment?.onCreated,
        },
        log,
        deps.deployment?.existingId,
      );
    }
  }

  /** A later phase of a split release: its statuses go to the deployment `start` created. */
  continueRelease(release: string): void {
    this.deployment?.continueRelease(release);
  }

  /** Traffic is about to move: the deployment starts and the comment appears. Returns at once. */
  rolloutStarted(report: ReleaseReport, release: string): void {
    this.deployment?.start(
      `${report.subject.name} ${report.previousVersion} → ${report.targetVersion} by ${report.plan?.name ?? ''}`,
      {
        ...report.subject.payload,
        previousVersion: report.previousVersion ?? '',
        targetVersion: report.targetVersion ?? '',
        [RELEASE_FIELD]: release,
      },
    );
    this.progress(report);
  }

  /** A step changed: the comment follows, in the background. */
  progress(report: ReleaseReport): void {
    const comment = this.comment;
    if (!comment) return;
    // Called from the engine's events: whatever goes wrong here must not reach the rollout.
    try {
      comment.update(renderWithin(report, (text) => comment.fits(text)));
    } catch (error) {
      this.deps.log.warning(`Could not render the report for the comment: ${errorMessage(error)}`);
    }
  }

  /** At the end, whatever happened: every destination gets the final report. */
  async finish(report: ReleaseReport, budget: GitHubBudget = {}): Promise<Published> {
    const log = this.deps.log;
    if (this.settings.jobSummary) await this.writeSummary(report);
    const reportPath = await this.writeJson(report);

    // The deployment's final state first: GitHub's writes are paced a second apart, and when the
    // job is being killed the state matters more than the comment's last words.
    const state = finalDeploymentState(report.result);
    if (state) this.deployment?.finish(state, `${report.result}: ${report.reason}`);
    this.progress(report);
    const timeoutMs = budget.timeoutMs ?? this.deps.githubTimeoutMs ?? GITHUB_TIMEOUT_MS;
    const writes = Promise.all([this.comment?.idle(), this.deployment?.idle()]);
    const settled = await settleWithin(writes, timeoutMs, budget.cancel, budget.hurriedMs ?? timeoutMs);
    if (!settled) {
      log.warning('GitHub did not answer in time; the comment or deployment status may be out of date.');
    }
    this.requests.abort();
    return { reportPath, commentUrl: this.comment?.url, settled };
  }

  private async writeSummary(report: ReleaseReport): Promise<void> {
    const path = this.deps.env.GITHUB_STEP_SUMMARY;
    if (!path) {
      this.deps.log.warning('GITHUB_STEP_SUMMARY is not set (a local run?): no job summary written.');
      return;
    }
    // Rendering inside the try too: a failure here must not stop the comment and the deployment.
    try {
      await appendFile(
        path,
        renderWithin(report, (t) => Buffer.byteLength(t) < MAX_SUMMARY_BYTES),
      );
    } catch (error) {
      this.deps.log.warning(`Could not write the job summary: ${errorMessage(error)}`);
    }
  }

  /**
   * The whole record as JSON, for later steps (output `report`). Every reading keeps its detail;
   * `analysisVerdict` is the analysis's last one, so that a later step need not search for it.
   */
  private async writeJson(report: ReleaseReport): Promise<string | undefined> {
    const env = this.deps.env;
    const dir = join(env.RUNNER_TEMP || env.GITHUB_WORKSPACE || tmpdir(), 'serverless-canary');
    const path = join(dir, `report-${report.subject.fileSlug}.json`);
    try {
      await mkdir(dir, { recursive: true });
      const last = lastAnalysisReading(report.record?.steps ?? report.live?.steps ?? []);
      const analysisVerdict = last && {
        at: last.at,
        status: last.status,
        summary: last.summary,
        ...last.detail,
      };
      await writeFile(path, JSON.stringify({ schemaVersion: 1, ...report, analysisVerdict }, null, 2));
      return path;
    } catch (error) {
      this.deps.log.warning(`Could not write the JSON report to ${path}: ${errorMessage(error)}`);
      return undefined;
    }
  }
}

/**
 * True when `work` finishes first; false at `timeoutMs`, or `hurriedMs` after `cancel` fires
 * (at once or later), whichever comes first.
 */
export function settleWithin(
  work: Promise<unknown>,
  timeoutMs: number,
  cancel: AbortSignal | undefined,
  hurriedMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise<boolean>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const end = (settled: boolean) => {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', hurry);
      resolve(settled);
    };
    const waitUntil = (at: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => end(false), Math.max(0, at - Date.now()));
    };
    const hurry = () => waitUntil(Math.min(deadline, Date.now() + hurriedMs));
    waitUntil(deadline);
    if (cancel?.aborted) hurry();
    else cancel?.addEventListener('abort', hurry, { once: true });
    work.then(
      () => end(true),
      () => end(true),
    );
  });
}

function readEvent(env: NodeJS.ProcessEnv): RunEvent {
  let payload: Record<string, unknown> = {};
  try {
    if (env.GITHUB_EVENT_PATH)
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>;
  } catch {
    // An unreadable payload only means no pull request to comment on.
  }
  return { name: env.GITHUB_EVENT_NAME ?? '', payload, sha: env.GITHUB_SHA };
}
