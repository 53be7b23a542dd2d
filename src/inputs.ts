// Every input is read and validated here, once, before anything touches AWS. All problems are
// reported together; each message names the input, quotes the value and says what is accepted.
import { DurationError, formatDuration, parseDuration } from './duration.js';
import {
  checkResolution,
  parseStrategy,
  planDurationMs,
  type Plan,
  type WeightResolution,
} from './strategy.js';
import { LAMBDA_ALIAS_WEIGHTS } from './targets/lambda-alias.js';

export type ExistingSplitPolicy = 'fail' | 'rollback' | 'resume';

export interface ActionInputs {
  functionName: string;
  alias: string;
  /** `publish`, or a published version number. */
  version: 'publish' | string;
  plan: Plan;
  alarms: string[];
  ignoreFiringAlarms: boolean;
  pollIntervalMs: number;
  timeoutMs: number;
  onExistingSplit: ExistingSplitPolicy;
  dryRun: boolean;
  region: string;
  jobSummary: boolean;
  /** Empty when none was given (or the runner left the default expression unevaluated). */
  githubToken: string;
  prComment: boolean;
  deploymentEnvironment?: string;
  environmentUrl?: string;
}

export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} inputs are invalid:\n- ${problems.join('\n- ')}`,
    );
    this.name = 'InputError';
  }
}

/** Reads one input as the runner passes it; returns '' when unset. */
export type InputReader = (name: string) => string;

const DEFAULTS = {
  alias: 'live',
  version: 'publish',
  strategy: 'Canary10Percent5Minutes',
  'poll-interval': '5s',
  'on-existing-split': 'fail',
} as const;

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const FUNCTION_ARN =
  /^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:([A-Za-z0-9_-]{1,64})(:[^:]+)?$/;
const ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const MIN_POLL_MS = 1_000;
/** The default timeout is the plan's holds plus this, for slow calls and the final checks. */
export const DEFAULT_TIMEOUT_MARGIN_MS = 10 * 60_000;
const MAX_POLL_MS = 5 * 60_000;

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
  resolution: WeightResolution = LAMBDA_ALIAS_WEIGHTS,
): ActionInputs {
  const parsed = parseInputs(read, env, resolution);
  if (parsed.problems.length > 0) throw new InputError(parsed.problems);
  return parsed.inputs;
}

/** Reads every input, collecting all the problems rather than stopping at the first. */
export function parseInputs(
  read: InputReader,
  env: NodeJS.ProcessEnv = process.env,
  resolution: WeightResolution = LAMBDA_ALIAS_WEIGHTS,
): ParsedInputs {
  const problems: string[] = [];
  const invalid = new Set<string>();
  const value = (name: string, fallback = '') => read(name).trim() || fallback;
  /** Runs the parser of input `name`; a thrown message becomes a problem and the fallback is used. */
  const check = <T>(name: string, parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      invalid.add(name);
      return fallback;
    }
  };

  const functionName = check('function-name', () => parseFunctionName(value('function-name')), '');
  const alias = check('alias', () => parseAlias(value('alias', DEFAULTS.alias)), DEFAULTS.alias);
  const version = check('version', () => parseVersion(value('version', DEFAULTS.version)), 'publish');
  const strategyText = value('strategy', DEFAULTS.strategy);
  const plan = check(
    'strategy',
    () => {
      const parsed = parseStrategy(strategyText);
      checkResolution(strategyText, parsed, resolution);
      return parsed;
    },
    undefined,
  );
  const alarms = check('alarms', () => parseAlarms(read('alarms')), []);
  const pollIntervalMs = check(
    'poll-interval',
    () => parsePollInterval(value('poll-interval', DEFAULTS['poll-interval'])),
    5_000,
  );
  const timeoutMs = check('timeout', () => parseTimeout(value('timeout'), plan), 0);
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
  const region = check('region', () => parseRegion(value('region'), env), '');
  if (!invalid.has('function-name') && !invalid.has('region')) {
    check(
      'function-name',
      () => checkArnRegion(functionName, region, regionSource(value('region'), env)),
      undefined,
    );
  }
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

  const inputs: ActionInputs = {
    functionName,
    alias,
    version,
    // A strategy with a problem stands as all at once, for the checks of the other inputs only.
    plan: plan ?? { name: '', steps: [{ weight: 100, holdMs: 0 }] },
    alarms,
    ignoreFiringAlarms,
    pollIntervalMs,
    timeoutMs,
    onExistingSplit,
    dryRun,
    region,
    jobSummary,
    githubToken: parseToken(value('github-token')),
    prComment,
    deploymentEnvironment,
    environmentUrl,
  };
  return { inputs, problems, valid: (name) => !invalid.has(name) };
}

/** The region a function ARN names, or undefined for a plain name or a partial ARN. */
export function arnRegion(functionName: string): string | undefined {
  return /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):/.exec(functionName)?.[1];
}

/** Lambda answers a call in one region only for functions of that region: refuse the mismatch up front. */
function checkArnRegion(functionName: string, region: string, from: string): void {
  const inArn = arnRegion(functionName);
  if (inArn === undefined || inArn === region) return;
  throw new Error(
    `Input "function-name": the ARN "${functionName}" is of a function in ${inArn}, but the region is ${region} (from ${from}); ` +
      `Lambda in ${region} cannot reach a function in ${inArn}. Set "region: ${inArn}", or give the ARN of the function in ${region}.`,
  );
}

function parseFunctionName(text: string): string {
  if (!text) {
    throw new Error(
      'Input "function-name" is required: give the function\'s name (e.g. "orders-api") or its ARN.',
    );
  }
  if (/[\n,]/.test(text)) {
    throw new Error(
      `Input "function-name": "${text}" names several functions; a lockstep release of several functions is not supported yet, give one name or ARN.`,
    );
  }
  if (FUNCTION_NAME.test(text)) return text;
  const arn = FUNCTION_ARN.exec(text);
  if (arn && !arn[3]) return text;
  if (arn?.[3]) {
    throw new Error(
      `Input "function-name": "${text}" includes a qualifier (${arn[3].slice(1)}); give the unqualified function name or ARN, and the alias in the "alias" input.`,
    );
  }
  throw new Error(
    `Input "function-name": "${text}" is not a Lambda function name or ARN. Accepted: 1 to 64 letters, digits, "-" or "_" (e.g. "orders-api"), or an ARN such as "arn:aws:lambda:us-east-1:123456789012:function:orders-api".`,
  );
}

function parseAlias(text: string): string {
  if (ALIAS.test(text) && text !== '$LATEST') return text;
  throw new Error(
    `Input "alias": "${text}" is not a valid alias name. Accepted: 1 to 128 letters, digits, "-" or "_", not all digits (e.g. "live").`,
  );
}

function parseVersion(text: string): string {
  if (text === 'publish') return text;
  if (/^\$LATEST$/i.test(text)) {
    throw new Error(
      'Input "version": "$LATEST" cannot receive alias traffic in a weighted split; Lambda routes only to published versions. Use "publish" to publish the current code, or a version number.',
    );
  }
  if (/^[1-9]\d{0,9}$/.test(text)) return text;
  throw new Error(
    `Input "version": "${text}" is not a version. Accepted: "publish" (default) or a published version number such as "7".`,
  );
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

function parseTimeout(text: string, plan: Plan | undefined): number {
  const planned = plan ? planDurationMs(plan) : 0;
  if (!text) return planned + DEFAULT_TIMEOUT_MARGIN_MS;
  const ms = parseDurationInput('timeout', text);
  if (plan && ms <= planned) {
    throw new Error(
      `Input "timeout": "${text}" is shorter than the strategy's own ${formatDuration(planned)}; give more than that (e.g. "${formatDuration(planned + DEFAULT_TIMEOUT_MARGIN_MS)}"), or leave it empty for the plan plus 10m.`,
    );
  }
  return ms;
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

/** Where the region came from, as parseRegion found it. */
function regionSource(regionInput: string, env: NodeJS.ProcessEnv): string {
  if (regionInput) return 'the "region" input';
  return env.AWS_REGION ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
}

function parseRegion(text: string, env: NodeJS.ProcessEnv): string {
  const region = text || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
  if (!region) {
    throw new Error(
      'Input "region" is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set: give a region such as "us-east-1".',
    );
  }
  if (!REGION.test(region)) {
    const from = text ? 'Input "region"' : 'The AWS_REGION environment variable';
    throw new Error(
      `${from}: "${region}" is not an AWS region. Accepted: a region code such as "us-east-1" or "eu-west-2".`,
    );
  }
  return region;
}
