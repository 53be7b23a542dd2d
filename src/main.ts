// run(): inputs validated once → the target's definition → the command's release (deploy.ts for
// deploy and start, split-phase.ts for promote, rollback and status) → the report published. The
// one place that fails the step. It knows targets only through the registry.
import * as core from '@actions/core';
import { abortText, addMetrics, rolloutIdentity, warnIfUnwatched, type ReleaseContext } from './phases.js';
import { deployOrStart } from './deploy.js';
import { splitPhase, type SplitCommand } from './split-phase.js';
import { createClients, type AwsClients } from './aws/clients.js';
import { followedEngine } from './engines.js';
import { log } from './log.js';
import { systemClock } from './engine/clock.js';
import { errorMessage } from './engine/rollout.js';
import type { Clock } from './engine/types.js';
import { InputError, listProblems, type ActionInputs, type Command } from './inputs.js';
import { newReport, type ReleaseReport, type Result } from './report/model.js';
import { Reporter, reportingSettings } from './report/publish.js';
import { writeRefusalSummary } from './report/refusal.js';
import { DEPLOYMENT_KEY, REPORTED_KEY } from './state.js';
import { DEFAULT_TARGET, findTarget, targetDefinition } from './targets/registry.js';
import { UNWATCHED_TITLE } from './unwatched.js';
import { validateInputs } from './validation.js';

const CANCELLED_GITHUB_TIMEOUT_MS = 2_000;

export interface RunDeps {
  clients?: (region: string) => AwsClients;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Where cancellation comes from; by default SIGINT and SIGTERM of this process. */
  cancellation?: AbortController;
  /** How long the end of the run waits for GitHub (comment, deployment status). */
  githubTimeoutMs?: number;
}

/** Whether the run was cancelled: the entry then exits at once (see index.ts). */
export interface RunOutcome {
  cancelled: boolean;
}

export async function run(deps: RunDeps = {}): Promise<RunOutcome> {
  const env = deps.env ?? process.env;
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const cancellation = deps.cancellation ?? cancelOnSignals();
  const signal = cancellation.signal;

  let inputs: ActionInputs;
  let clients: AwsClients;
  try {
    ({ inputs, clients } = await validateInputs(
      (name) => core.getInput(name),
      env,
      deps.clients ?? createClients,
      signal,
      startedAt,
    ));
  } catch (error) {
    await refuse(error, env, signal);
    return { cancelled: signal.aborted };
  }

  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  const definition = targetDefinition(inputs.target);
  const subject = definition.subject(inputs.targetInputs, {
    region: inputs.region,
    environment: inputs.deploymentEnvironment,
  });
  const report = newReport(inputs, subject, env);
  report.analysis = inputs.analysis;
  const reporter = new Reporter(reportingSettings(inputs), subject, {
    env,
    log,
    githubTimeoutMs: deps.githubTimeoutMs,
    // Kept for the post step, which finishes the deployment when this step cannot.
    deployment: { onCreated: (id) => core.saveState(DEPLOYMENT_KEY, String(id)) },
  });
  try {
    const context = { inputs, definition, report, reporter, clients, clock, env, signal };
    await release(context);
  } catch (error) {
    report.result = 'failed';
    report.reason = errorMessage(error);
  } finally {
    report.durationSeconds = Math.round((clock.now() - startedAt) / 1000);
    await publish(report, reporter, signal);
  }
  return { cancelled: signal.aborted };
}

function isSplitCommand(command: Command): command is SplitCommand {
  return command === 'promote' || command === 'rollback' || command === 'status';
}

/** The command's release: by the engine the inputs chose when it moves the traffic itself, else the action's own. */
function release(context: ReleaseContext): Promise<void> {
  const { inputs, report, clients, signal } = context;
  const engine = followedEngine(inputs.engine.kind);
  if (!engine)
    return isSplitCommand(inputs.command) ? splitPhase(context, inputs.command) : deployOrStart(context);
  // Before preflight the metric queries are not known: the analysis is taken to have them.
  if (inputs.command === 'deploy' || inputs.command === 'promote') warnIfUnwatched(report, inputs, true);
  return engine.release({
    ...context,
    identity: rolloutIdentity(inputs.plan, context.env, context.clock),
    addMetrics: (record) => addMetrics(report, clients, record, signal),
  });
}

/** Inputs refused (or not checkable): outputs, a short job summary listing every problem, and the failure. */
async function refuse(error: unknown, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  const kind = signal.aborted ? 'cancelled' : error instanceof InputError ? 'refused' : 'failed';
  const untouched =
    findTarget(core.getInput('target').trim() || DEFAULT_TARGET)?.untouched ?? 'before any change';
  // Problems found before a cancellation are still the user's to fix: kept, after the cancellation.
  const found = error instanceof InputError ? error.problems : [];
  const cancelled = `${abortText(signal)} ${untouched}`;
  const reason =
    kind !== 'cancelled'
      ? errorMessage(error)
      : found.length > 0
        ? `${cancelled}; before that, ${listProblems(found)}`
        : cancelled;
  core.setOutput('result', 'failed');
  core.setOutput('reason', reason);
  const problems = kind === 'cancelled' ? [cancelled, ...found] : found.length > 0 ? found : [reason];
  if (summaryWanted()) {
    await writeRefusalSummary(kind, problems, env).catch((e: unknown) =>
      log.warning(`Could not write the job summary: ${errorMessage(e)}`),
    );
  }
  log.fail(kind === 'refused' ? reason : `Release failed: ${reason}`);
}

/** `job-summary` as the runner passes it; anything but false (a typo included) writes one. */
function summaryWanted(): boolean {
  return !['false', 'False', 'FALSE'].includes(core.getInput('job-summary').trim());
}

/** Outputs, the report (summary, comment, deployment, JSON), and the step's failure: whatever happened. */
async function publish(report: ReleaseReport, reporter: Reporter, signal: AbortSignal): Promise<void> {
  core.setOutput('result', report.result);
  core.setOutput('command', report.command ?? 'deploy');
  // A lockstep release's versions are comma-joined in the order of function-name (action.yml).
  const parts = report.parts;
  core.setOutput(
    'previous-version',
    parts ? parts.map((p) => p.previous).join(',') : (report.previousVersion ?? ''),
  );
  // A dry run of `version: publish` has no version yet: nothing for a later step to use.
  const target = parts ? parts.map((p) => p.target).join(',') : (report.targetVersion ?? '');
  core.setOutput('target-version', report.targetUnknown ? '' : target);
  core.setOutput('reason', report.reason);
  core.setOutput('duration-seconds', String(report.durationSeconds));
  // A cancelled job is killed seconds after the signal, even one that comes during the wait:
  // GitHub gets less time then.
  try {
    const published = await reporter.finish(report, {
      cancel: signal,
      hurriedMs: CANCELLED_GITHUB_TIMEOUT_MS,
    });
    // Only a report that reached everywhere is done: otherwise the post step finishes it.
    if (published.settled) core.saveState(REPORTED_KEY, 'true');
    core.setOutput('comment-url', published.commentUrl ?? '');
    core.setOutput('report', published.reportPath ?? '');
  } catch (error) {
    // A reporting bug must not change the release's result, which is decided below.
    log.warning(`Could not publish the report: ${errorMessage(error)}`);
  }
  const failures: Partial<Record<Result, string>> = {
    'rolled-back': `Rolled back: ${report.reason}`,
    failed: `Release failed: ${report.reason}`,
  };
  // Said again at the end, where the result is read.
  if (report.unwatched) log.warning(report.unwatched, UNWATCHED_TITLE);
  const failure = failures[report.result];
  if (failure) log.fail(failure);
  else log.info(`Result: ${report.result}: ${report.reason}`);
}

/**
 * The entry's run: an unexpected error fails the step on one safe line, and whether the run was
 * cancelled is the signal's word, not the path taken.
 */
export async function runEntry(
  cancellation: AbortController = cancelOnSignals(),
  runner: (deps: RunDeps) => Promise<RunOutcome> = run,
): Promise<RunOutcome> {
  try {
    return await runner({ cancellation });
  } catch (error) {
    log.fail(`Unexpected error: ${errorMessage(error)}`);
    return { cancelled: cancellation.signal.aborted };
  }
}

function cancelOnSignals(): AbortController {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    log.warning(
      `Received ${signal}: the job is being cancelled; a rollout in progress rolls back now.`,
      'Cancelled',
    );
    controller.abort(`cancelled by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}
