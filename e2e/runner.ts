// Runs the bundled action the way the GitHub runner does: a `node` child process (Node 24, as
// action.yml declares) with INPUT_* variables (defaults from action.yml included), file commands
// for outputs, state and the job summary, an event payload, and for the post step the saved
// state as STATE_* variables.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { readFileCommand } from '../__tests__/support/file-commands.js';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

interface ActionYaml {
  runs: { using: string; main: string; post: string };
  inputs: Record<string, { default?: string }>;
}

export const actionYaml = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionYaml;

/** The Node the runner would use: action.yml says node24, and the `node` package provides it. */
export function node24(): string {
  if (actionYaml.runs.using !== 'node24')
    throw new Error(`action.yml runs.using is ${actionYaml.runs.using}`);
  return require.resolve('node/bin/node');
}

/** The job's GITHUB_TOKEN as the runner would pass it; the local cloud accepts any token. */
export const JOB_TOKEN = 'ghs_jobtoken0000000000000000000000000000';

export interface RunnerContext {
  dir: string;
  /** The inputs the main step ran with. */
  inputs?: Record<string, string>;
  outputPath: string;
  statePath: string;
  summaryPath: string;
  eventPath: string;
}

export function newRunnerContext(
  event: object = { ref: 'refs/heads/main', repository: { full_name: 'acme/shop' } },
): RunnerContext {
  const dir = mkdtempSync(join(tmpdir(), 'runner-'));
  const ctx = {
    dir,
    outputPath: join(dir, 'output'),
    statePath: join(dir, 'state'),
    summaryPath: join(dir, 'summary.md'),
    eventPath: join(dir, 'event.json'),
  };
  for (const path of [ctx.outputPath, ctx.statePath, ctx.summaryPath]) writeFileSync(path, '');
  writeFileSync(ctx.eventPath, JSON.stringify(event));
  return ctx;
}

export interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

export interface StepOptions {
  step: 'main' | 'post';
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  ctx: RunnerContext;
}

/** Starts a step; `done` resolves when the process exits. */
export function startStep(options: StepOptions): { child: ChildProcess; done: Promise<StepResult> } {
  const { ctx } = options;
  // The runner gives the post step the same inputs as the main step.
  const inputs = options.inputs ?? ctx.inputs;
  if (options.step === 'main') ctx.inputs = options.inputs;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? ctx.dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'release',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: ctx.dir,
    GITHUB_OUTPUT: ctx.outputPath,
    GITHUB_STATE: ctx.statePath,
    GITHUB_STEP_SUMMARY: ctx.summaryPath,
    GITHUB_EVENT_PATH: ctx.eventPath,
    RUNNER_TEMP: ctx.dir,
    ...options.env,
  };
  // The runner passes every declared input, with its default when the workflow does not set it,
  // and evaluates expressions in defaults: `${{ github.token }}` becomes the job's token.
  for (const [name, spec] of Object.entries(actionYaml.inputs)) {
    const value = inputs?.[name] ?? (spec.default ?? '').replace(/\$\{\{\s*github\.token\s*\}\}/g, JOB_TOKEN);
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  if (options.step === 'post') {
    for (const [name, value] of Object.entries(readFileCommand(ctx.statePath))) env[`STATE_${name}`] = value;
  }
  const script = join(root, options.step === 'main' ? actionYaml.runs.main : actionYaml.runs.post);
  const child = spawn(node24(), [script], { env, cwd: ctx.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<StepResult>((resolveDone) => {
    child.on('close', (code, signal) =>
      resolveDone({
        code,
        signal,
        stdout,
        stderr,
        outputs: readFileCommand(ctx.outputPath),
        state: readFileCommand(ctx.statePath),
        summary: readFileSync(ctx.summaryPath, 'utf8'),
      }),
    );
  });
  return { child, done };
}

export function runStep(options: StepOptions): Promise<StepResult> {
  return startStep(options).done;
}

/** Resolves once the child has printed `text` (its stdout is still collected by the runner). */
export function printed(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolvePrinted) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (!seen.includes(text)) return;
      child.stdout!.off('data', onData);
      resolvePrinted();
    };
    child.stdout!.on('data', onData);
  });
}
