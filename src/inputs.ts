// Every input is read and validated here, once, before anything touches AWS. All problems are
// reported together; each message names the input, quotes the value and says what is accepted.
import { analysisAllowanceMs, describeAllowance, readAnalysisInputs } from './analysis-inputs.js';
import { DurationError, formatDuration, parseDuration } from './duration.js';
import { DEFAULT_TIMEOUT_MARGIN_MS, planDurationMs, type Plan } from './engine/plan.js';
import type { AnalysisSettings } from './gates/analysis.js';
import { collectProblems } from './input-problems.js';
import { checkJobLimit, type TimeoutSource } from './job-limit.js';
import { checkResolution, parseStrategy, type WeightResolution } from './strategy.js';
import { deploymentConfigFor } from './targets/codedeploy/config.js';
import { readEngineInputs, type EngineInputs } from './targets/codedeploy/inputs.js';
import { MAX_ALARMS } from './targets/codedeploy/aws.js';
import type { InputReader, TargetInputsRead } from './targets/definition.js';
import {
  DEFAULT_TARGET,
  foreignInputProblems,
  parseTarget,
  targetDefinition,
  type TargetKind,
} from './targets/registry.js';

import type { ExistingSplitPolicy } from './targets/definition.js';

export type { ExistingSplitPolicy };

/** What this run does: see parseCommand. */
export type Command = 'deploy' | 'start' | 'promote' | 'rollback' | 'status';

export interface ActionInputs {
  /** The `command` input: a whole release, or one phase of a release split across jobs. */
  command: Command;
  /** The `target` input: which definition (src/targets/registry.ts) moves the traffic. */
  target: TargetKind;
  /** The target's own inputs, as its definition read them (opaque here). */
  targetInputs: unknown;
  plan: Plan;
  alarms: string[];
  /** The analysis gate's settings; undefined with `analysis: off`. */
  analysis: AnalysisSettings | undefined;
  /** Accepted but doubtful (a timeout that cuts the analysis's extension short): logged at the start. */
  warnings: string[];
  ignoreFiringAlarms: boolean;
  pollIntervalMs: number;
  /** The rollout's limit; for promote, 0 until the remaining plan is known (`timeoutFor`). */
  timeoutMs: number;
  /** What the timeout is made from, for promote's check of the plan that start left. */
  timing: TimingInputs;
  onExistingSplit: ExistingSplitPolicy;
  dryRun: boolean;
  region: string;
  jobSummary: boolean;
  /** Empty when none was given (or the runner left the default expression unevaluated). */
  githubToken: string;
  prComment: boolean;
  deploymentEnvironment?: string;
  environmentUrl?: string;
  /** The traffic hooks (Lambda functions, optionally qualified) and how long each may take. */
  hooks: HookInputs;
  /** Who moves the traffic: the action (`direct`), or a CodeDeploy deployment it follows. */
  engine: EngineInputs;
  /** false: return once the CodeDeploy deployment is created (`result: started`). */
  wait: boolean;
}

export interface HookInputs {
  preTraffic?: string;
  postTraffic?: string;
  timeoutMs: number;
}

export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : listProblems(problems));
    this.name = 'InputError';
  }
}

/**
 * "3 problems found:" and one a line. Problems, not inputs: some are of no one input (credentials
 * that expire too soon, a look-up that failed).
 */
export function listProblems(problems: string[]): string {
  const count = problems.length === 1 ? 'One problem' : `${problems.length} problems`;
  return `${count} found:\n- ${problems.join('\n- ')}`;
}

export type { InputReader };

const DEFAULTS = {
  command: 'deploy',
  target: DEFAULT_TARGET,
  strategy: 'Canary10Percent5Minutes',
  'poll-interval': '5s',
  'on-existing-split': 'fail',
  'hook-timeout': '5m',
} as const;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const MIN_POLL_MS = 1_000;
const MAX_POLL_MS = 5 * 60_000;
/** A synchronous invocation lasts at most Lambda's own 15-minute limit. */
const MIN_HOOK_TIMEOUT_MS = 1_000;
const MAX_HOOK_TIMEOUT_MS = 15 * 60_000;
/** A function name, partial or full ARN, with an optional version or alias: Invoke's own pattern. */
const HOOK_FUNCTION =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const MAX_HOOK_FUNCTION_CHARS = 170;

/** What the inputs say, with every problem found; an input with a problem holds its fallback. */
export interface ParsedInputs {
  inputs: ActionInputs;
  problems: string[];
  /** Whether `name` was read without a problem, so that checks against AWS may rely on it. */
  valid: (name: string) => boolean;
}

export function readInputs(
  read: InputReader,
  env: NodeJS.ProcessEnv = process.env,
  /** The weights to check the plan against; by default, the chosen target's. */
  resolution?: WeightResolution,
): ActionInputs {
  const parsed = parseInputs(read, env, resolution);
  if (parsed.problems.length > 0) throw new InputError(parsed.problems);
  return parsed.inputs;
}

/** Reads every input, collecting all the problems rather than stopping at the first. */
export function parseInputs(
  read: InputReader,
  env: NodeJS.ProcessEnv = process.env,
  resolution?: WeightResolution,
): ParsedInputs {
  const { problems, check, valid } = collectProblems();
  const value = (name: string, fallback = '') => read(name).trim() || fallback;

  const command = check(
    'command',
    () => parseCommand(value('command', DEFAULTS.command)),
    DEFAULTS.command as Command,
  );
  const target = check('target', () => parseTarget(value('target', DEFAULTS.target)), DEFAULTS.target);
  const definition = targetDefinition(target);
  problems.push(...foreignInputProblems(target, read));
  // The target reads its own inputs first (their problems come first); it needs the region.
  const found = findRegion(value('region'), env);
  const own: TargetInputsRead<unknown> = definition.readInputs(read, {
    region: found.problem ? '' : found.region,
    regionFrom: found.from,
    regionValid: !found.problem,
  });
  problems.push(...own.problems);
  const weights = resolution ?? definition.weights;
  const strategyText = value('strategy', DEFAULTS.strategy);
  const plan = check(
    'strategy',
    () => {
      const parsed = parseStrategy(strategyText);
      checkResolution(strategyText, parsed, weights);
      return parsed;
    },
    undefined,
  );
  if (plan && command === 'start' && plan.steps.every((s) => s.weight >= 100)) {
    problems.push(
      `Input "strategy": "${strategyText}" has no traffic step for "command: start" to leave split. Accepted: a plan with a step below 100%, such as "Canary10Percent5Minutes" (AllAtOnce belongs to promote, to finish at once).`,
    );
  }
  const alarms = check('alarms', () => parseAlarms(read('alarms')), []);
  const pollIntervalMs = check(
    'poll-interval',
    () => parsePollInterval(value('poll-interval', DEFAULTS['poll-interval'])),
    5_000,
  );
  const analysis = readAnalysisInputs(value, check);
  const hooks = readHookInputs(value, check);
  const warnings: string[] = [];
  const warn = (warning: string) => warnings.push(warning);
  const timing: TimingInputs = { timeoutText: value('timeout'), strategyText, analysis, hooks };
  // promote runs only what start left of the plan: its timeout and job limit are checked against
  // that, once the marker says where the release stands (split-phase.ts); here only the syntax.
  const timeoutMs =
    command === 'promote'
      ? check(
          'timeout',
          () => (timing.timeoutText ? parseDurationInput('timeout', timing.timeoutText) : 0),
          0,
        )
      : timeoutFor(command === 'start' && plan ? firstStepOf(plan) : plan, timing, {
          command,
          env,
          warn,
          check,
        });
  const onExistingSplit = check(
    'on-existing-split',
    () =>
      oneOf('on-existing-split', value('on-existing-split', DEFAULTS['on-existing-split']), [
        'fail',
        'rollback',
        'resume',
      ] as const),
    'fail',
  );
  const boolean = (name: string, fallback: boolean) =>
    check(name, () => parseBoolean(name, value(name, String(fallback))), fallback);
  const dryRun = boolean('dry-run', false);
  const ignoreFiringAlarms = boolean('ignore-firing-alarms', false);
  const jobSummary = boolean('job-summary', true);
  const region = check(
    'region',
    () => {
      if (found.problem) throw new Error(found.problem);
      return found.region;
    },
    '',
  );
  const prComment = boolean('pr-comment', true);
  const deploymentEnvironment = check(
    'deployment-environment',
    () => parseEnvironment(value('deployment-environment')),
    undefined,
  );
  const environmentUrl = check(
    'environment-url',
    () => parseEnvironmentUrl(value('environment-url')),
    undefined,
  );

  const engineRead = readEngineInputs(read, {
    target,
    command,
    onExistingSplit: value('on-existing-split', DEFAULTS['on-existing-split']),
  });
  problems.push(...engineRead.problems);
  if (engineRead.engine.kind === 'codedeploy') {
    // What CodeDeploy cannot run is refused with the inputs, before any write.
    if (plan) check('strategy', () => deploymentConfigFor(plan), undefined);
    if (alarms.length > MAX_ALARMS) {
      problems.push(
        `Input "alarms": ${alarms.length} alarms, but a CodeDeploy deployment watches at most ${MAX_ALARMS}; combine them into a composite alarm, or use "engine: direct".`,
      );
    }
    if (ignoreFiringAlarms && alarms.length > 0) {
      problems.push(
        'Input "ignore-firing-alarms": "true" cannot apply to "engine: codedeploy": CodeDeploy stops a deployment at once on any of its alarms in ALARM. Leave the firing alarm out of "alarms" for this release, or use "engine: direct".',
      );
    }
  }

  const inputs: ActionInputs = {
    command,
    target,
    targetInputs: own.inputs,
    // A strategy with a problem stands as all at once, for the checks of the other inputs only.
    plan: plan ?? { name: '', steps: [{ weight: 100, holdMs: 0 }] },
    alarms,
    analysis,
    warnings,
    ignoreFiringAlarms,
    pollIntervalMs,
    timeoutMs,
    timing,
    onExistingSplit,
    dryRun,
    region,
    jobSummary,
    githubToken: parseToken(value('github-token')),
    prComment,
    deploymentEnvironment,
    environmentUrl,
    hooks,
    engine: engineRead.engine,
    wait: engineRead.wait,
  };
  return {
    inputs,
    problems,
    valid: (name) => valid(name) && own.valid(name) && engineRead.valid(name),
  };
}

function parseAlarms(text: string): string[] {
  const names = text
    .split(/[,\n]/)
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
  const bad = names.filter((n) => n.length > 255 || hasControlCharacter(n));
  if (bad.length > 0) {
    throw new Error(
      `Input "alarms": ${bad.map((n) => `"${n.slice(0, 40)}"`).join(', ')} is not an alarm name (1 to 255 printable characters). Separate names with commas or new lines.`,
    );
  }
  return [...new Set(names)];
}

function parsePollInterval(text: string): number {
  const ms = parseDurationInput('poll-interval', text);
  if (ms < MIN_POLL_MS || ms > MAX_POLL_MS) {
    throw new Error(
      `Input "poll-interval": "${text}" is out of range. Accepted: from 1s to 5m (default 5s).`,
    );
  }
  return ms;
}

function readHookInputs(
  value: (name: string, fallback?: string) => string,
  check: <T>(name: string, parse: () => T, fallback: T) => T,
): HookInputs {
  const hook = (name: string) => check(name, () => parseHookFunction(name, value(name)), undefined);
  return {
    preTraffic: hook('pre-traffic-hook'),
    postTraffic: hook('post-traffic-hook'),
    timeoutMs: check(
      'hook-timeout',
      () => parseHookTimeout(value('hook-timeout', DEFAULTS['hook-timeout'])),
      5 * 60_000,
    ),
  };
}

function parseHookFunction(name: string, text: string): string | undefined {
  if (!text) return undefined;
  if (text.length <= MAX_HOOK_FUNCTION_CHARS && HOOK_FUNCTION.test(text)) return text;
  throw new Error(
    `Input "${name}": ${JSON.stringify(text.slice(0, 80))} is not a Lambda function. Accepted: a function name or ARN, optionally with a version or alias, such as "release-checks", "release-checks:live" or "arn:aws:lambda:us-east-1:123456789012:function:release-checks".`,
  );
}

function parseHookTimeout(text: string): number {
  const ms = parseDurationInput('hook-timeout', text);
  if (ms < MIN_HOOK_TIMEOUT_MS || ms > MAX_HOOK_TIMEOUT_MS) {
    throw new Error(
      `Input "hook-timeout": "${text}" is out of range. Accepted: from 1s to 15m, Lambda's longest invocation (default 5m).`,
    );
  }
  return ms;
}

/**
 * The time the hooks may take, each its hook-timeout: outside the timeout's own count (from the
 * first weight change), but in the default, so that the credentials' check covers them.
 */
/** What start runs of a plan: its steps up to the first traffic step, which it holds and leaves. */
function firstStepOf(plan: Plan): Plan {
  const first = plan.steps.findIndex((s) => s.weight < 100);
  return { ...plan, steps: plan.steps.slice(0, first + 1) };
}

/** What a rollout's timeout is made from: the inputs as given, and the allowances for the gates and hooks. */
export interface TimingInputs {
  /** The `timeout` input as given; empty for the default. */
  timeoutText: string;
  strategyText: string;
  analysis: AnalysisSettings | undefined;
  hooks: HookInputs;
}

type Check = ReturnType<typeof collectProblems>['check'];

/**
 * The timeout for running `plan` (given, or the default made from it) and, for a plan that moves
 * traffic in this job, the job limit it must meet: a problem goes to `check` under the input at
 * fault, and the result is then 0.
 */
export function timeoutFor(
  plan: Plan | undefined,
  timing: TimingInputs,
  how: { command: Command; env: NodeJS.ProcessEnv; warn: (warning: string) => void; check: Check },
): number {
  const { timeoutText, strategyText, analysis, hooks } = timing;
  const hooksMs = hookAllowanceMs(hooks);
  const timeoutMs = how.check(
    'timeout',
    () => parseTimeout(timeoutText, plan, analysis, hooksMs, how.warn),
    0,
  );
  // A timeout refused above is not checked again; a default too long is the strategy's doing.
  // rollback and status move no plan: no job limit to meet.
  const command = how.command;
  if (timeoutMs > 0 && (command === 'deploy' || command === 'start' || command === 'promote')) {
    const source = timeoutSource(timeoutText, strategyText, plan, analysis, hooksMs);
    how.check(
      timeoutText ? 'timeout' : 'strategy',
      () => checkJobLimit(timeoutMs, source, how.env, how.warn, command),
      undefined,
    );
  }
  return timeoutMs;
}

function hookAllowanceMs(hooks: HookInputs): number {
  return [hooks.preTraffic, hooks.postTraffic].filter(Boolean).length * hooks.timeoutMs;
}

/**
 * The default: the holds, the analysis's allowance (its wait for the last step's metrics and any
 * extension) and a margin. An explicit timeout must leave the holds and that wait: shorter, every
 * release would roll back at the end while waiting for the verdict. One that cuts an extension
 * short is accepted with a warning (an inconclusive step then rolls back at the timeout).
 */
function parseTimeout(
  text: string,
  plan: Plan | undefined,
  analysis: AnalysisSettings | undefined,
  hooksMs: number,
  warn: (warning: string) => void,
): number {
  const planned = plan ? planDurationMs(plan) : 0;
  const { waitMs, extensionMs } = analysisAllowanceMs(analysis);
  const fallback = planned + waitMs + extensionMs + hooksMs + DEFAULT_TIMEOUT_MARGIN_MS;
  if (!text) return fallback;
  const ms = parseDurationInput('timeout', text);
  const empty = `leave it empty for the plan${analysis ? ", the analysis's allowance" : ''}${hooksMs > 0 ? ", the hooks' time" : ''} plus 10m`;
  if (plan && ms <= planned) {
    throw new Error(
      `Input "timeout": "${text}" is shorter than the strategy's own ${formatDuration(planned)}; give more than that (e.g. "${formatDuration(fallback)}"), or ${empty}.`,
    );
  }
  if (plan && analysis && ms <= planned + waitMs) {
    throw new Error(
      `Input "timeout": "${text}" leaves no time for the analysis's verdict: the strategy holds ${formatDuration(planned)}, and the analysis waits up to ${describeAllowance({ ...analysis, onInconclusive: 'fail' })}. Give more than ${formatDuration(planned + waitMs)} (e.g. "${formatDuration(fallback)}"), ${empty}, or set analysis: off.`,
    );
  }
  if (plan && analysis && extensionMs > 0 && ms < planned + waitMs + extensionMs) {
    warn(
      `The timeout of ${formatDuration(ms)} is shorter than the strategy's ${formatDuration(planned)} plus ${describeAllowance(analysis)}: an inconclusive last step rolls back at the timeout rather than after its full extension.`,
    );
  }
  return ms;
}

/** The parts of the timeout, for the message that refuses one longer than a job may run. */
function timeoutSource(
  text: string,
  strategy: string,
  plan: Plan | undefined,
  analysis: AnalysisSettings | undefined,
  hooksMs: number,
): TimeoutSource {
  const plannedMs = plan ? planDurationMs(plan) : 0;
  const { waitMs, extensionMs } = analysisAllowanceMs(analysis);
  const parts = [
    `the strategy's ${formatDuration(plannedMs)} of holds`,
    ...(analysis ? [`the analysis's ${formatDuration(waitMs)} wait for the last step's metrics`] : []),
    ...(extensionMs > 0 ? [`up to ${formatDuration(extensionMs)} of extension`] : []),
    ...(hooksMs > 0 ? [`the hooks' ${formatDuration(hooksMs)} (hook-timeout each)`] : []),
    `a ${formatDuration(DEFAULT_TIMEOUT_MARGIN_MS)} margin`,
  ];
  const made = `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  // Without a plan (its strategy refused) there is no shortest timeout to suggest.
  return { text, strategy, made, shortestMs: plan ? plannedMs + waitMs : 0 };
}

const COMMANDS: Record<Command, string> = {
  deploy: 'the whole release in this job; the default',
  start: 'the first step, then the split is left for a later promote',
  promote: 'checks the gates and finishes the release left by start',
  rollback: 'takes the release left by start back',
  status: 'reports the release in progress and changes nothing',
};

function parseCommand(text: string): Command {
  if (Object.hasOwn(COMMANDS, text)) return text as Command;
  const accepted = Object.entries(COMMANDS).map(([name, what]) => `"${name}" (${what})`);
  throw new Error(`Input "command": "${text}" is not a command. Accepted: ${accepted.join('; ')}.`);
}

function parseDurationInput(name: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    const reason = error instanceof DurationError ? `: ${error.reason}` : '';
    throw new Error(
      `Input "${name}": "${text}" is not a duration${reason}. Accepted: a number with s, m or h, such as "5s", "2m", "1h30m".`,
    );
  }
}

function parseBoolean(name: string, text: string): boolean {
  // The YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts them.
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  throw new Error(`Input "${name}": "${text}" is not a boolean. Accepted: true or false.`);
}

function oneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === text);
  if (found) return found;
  throw new Error(
    `Input "${name}": "${text}" is not accepted. Accepted: ${allowed.map((a) => `"${a}"`).join(', ')}.`,
  );
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20);
}

/** An unevaluated `${{ github.token }}` (a local run of action.yml's default) is no token. */
function parseToken(text: string): string {
  return text.startsWith('${{') ? '' : text;
}

function parseEnvironment(text: string): string | undefined {
  if (!text) return undefined;
  if (text.length > 255 || hasControlCharacter(text)) {
    throw new Error(
      `Input "deployment-environment": ${JSON.stringify(text.slice(0, 40))} is not an environment name. Accepted: 1 to 255 printable characters, such as "production".`,
    );
  }
  return text;
}

function parseEnvironmentUrl(text: string): string | undefined {
  if (!text) return undefined;
  if (/^https?:\/\/[^\s]+$/i.test(text)) return text;
  throw new Error(
    `Input "environment-url": "${text}" is not a URL. Accepted: an http(s) URL such as "https://orders.example.com".`,
  );
}

/** A region and where it came from, for every message that names it. */
interface FoundRegion {
  region: string;
  /** 'the "region" input', 'AWS_REGION' or 'AWS_DEFAULT_REGION'. */
  from: string;
  /** Why it cannot be used, when it cannot. */
  problem?: string;
}

/** Where the region is looked for, first found wins (as the AWS SDK's own order). */
function regionSources(text: string, env: NodeJS.ProcessEnv): [from: string, value: string | undefined][] {
  return [
    ['the "region" input', text],
    ['AWS_REGION', env.AWS_REGION],
    ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION],
  ];
}

function findRegion(text: string, env: NodeJS.ProcessEnv): FoundRegion {
  const found = regionSources(text, env).find(([, value]) => value);
  if (!found) {
    return {
      region: '',
      from: 'the "region" input',
      problem:
        'Input "region" is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set: give a region such as "us-east-1".',
    };
  }
  const [from, region] = found as [string, string];
  if (REGION.test(region)) return { region, from };
  const subject = text ? 'Input "region"' : `The ${from} environment variable`;
  return {
    region,
    from,
    problem: `${subject}: "${region}" is not an AWS region. Accepted: a region code such as "us-east-1" or "eu-west-2".`,
  };
}
