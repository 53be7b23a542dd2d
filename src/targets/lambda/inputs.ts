// The Lambda alias target's own inputs: function-name, alias and version, read and checked here
// (syntax only; the function and version are looked up with the other AWS checks). Several
// function names (one a line) make a lockstep release, each with its own version or all `publish`.
import { collectProblems } from '../../input-problems.js';
import type { InputContext, InputReader, TargetInputsRead } from '../definition.js';

/** One function of the release and the version it moves its alias to. */
export interface FunctionRelease {
  /** A function name or unqualified ARN. */
  functionName: string;
  /** `publish`, or a published version number. */
  version: 'publish' | string;
}

export interface LambdaInputs {
  /** The first function's name or unqualified ARN (the only one, outside a lockstep release). */
  functionName: string;
  alias: string;
  /** The first function's `publish` or version number. */
  version: 'publish' | string;
  /** Every function in input order: one, or several moved in lockstep on the same alias. */
  functions: FunctionRelease[];
}

/** Whether the inputs name several functions, released in lockstep. */
export const isLockstep = (inputs: Pick<LambdaInputs, 'functions'>): boolean => inputs.functions.length > 1;

/** The inputs that belong to this target; any other target refuses them. */
export const LAMBDA_INPUT_NAMES = ['function-name', 'alias', 'version'] as const;

const DEFAULT_ALIAS = 'live';

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const FUNCTION_ARN =
  /^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:([A-Za-z0-9_-]{1,64})(:[^:]+)?$/;
const ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;

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
  if (text.includes(',')) {
    throw new Error(
      `Input "function-name": "${text}" has a comma; give one function name or ARN a line (several lines release the functions in lockstep).`,
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

/** The non-blank lines of an input, trimmed. */
function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * The most functions one lockstep release moves: a cancelled job is killed seconds after the
 * signal, and its rollback writes only 10 a second (Lambda's control-plane rate).
 */
export const MAX_LOCKSTEP_FUNCTIONS = 25;

/** Every function named (one a line); a function named twice, or too many, is refused. */
function parseFunctionNames(text: string): string[] {
  const lines = linesOf(text);
  if (lines.length <= 1) return [parseFunctionName(lines[0] ?? '')];
  if (lines.length > MAX_LOCKSTEP_FUNCTIONS) {
    throw new Error(
      `Input "function-name" names ${lines.length} functions; a lockstep release moves at most ${MAX_LOCKSTEP_FUNCTIONS}, so that a cancelled job can still take every alias back before it is killed. Accepted: 1 to ${MAX_LOCKSTEP_FUNCTIONS} function names, one a line; release more functions in several releases.`,
    );
  }
  const names = lines.map(parseFunctionName);
  const seen = new Set<string>();
  const twice = names.filter((name) => {
    const key = functionKey(name);
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
  if (twice.length > 0) {
    throw new Error(
      `Input "function-name": ${twice.map((n) => `"${n}"`).join(', ')} named more than once; name each function of a lockstep release once.`,
    );
  }
  return names;
}

/** The function a name or ARN designates, for telling duplicates apart. */
function functionKey(nameOrArn: string): string {
  return /:function:([^:]+)/.exec(nameOrArn)?.[1] ?? nameOrArn;
}

/** One version a function, in the same order, or one `publish` for all. */
function parseVersions(text: string, functions: number): string[] {
  const lines = linesOf(text);
  if (lines.length === 0) return Array<string>(functions).fill('publish');
  if (lines.length === 1 && lines[0] === 'publish') return Array<string>(functions).fill('publish');
  if (lines.length !== functions) {
    throw new Error(
      `Input "version" has ${lines.length} line${lines.length === 1 ? '' : 's'} but input "function-name" names ${functions} functions. ` +
        'Accepted: one version a line in the same order as the functions, or "publish" (one line) to publish each.',
    );
  }
  return lines.map(parseVersion);
}

/** Reads function-name, alias and version, collecting every problem. */
export function readLambdaInputs(read: InputReader, context: InputContext): TargetInputsRead<LambdaInputs> {
  const { problems, check, valid } = collectProblems();
  const value = (name: string, fallback = '') => read(name).trim() || fallback;
  const names = check('function-name', () => parseFunctionNames(value('function-name')), ['']);
  const alias = check('alias', () => parseAlias(value('alias', DEFAULT_ALIAS)), DEFAULT_ALIAS);
  const fallback = names.map(() => 'publish');
  const versions =
    names.length === 1
      ? [check('version', () => parseVersion(value('version', 'publish')), 'publish')]
      : check('version', () => parseVersions(value('version'), names.length), fallback);
  if (valid('function-name') && context.regionValid) {
    for (const name of names)
      check('function-name', () => checkArnRegion(name, context.region, context.regionFrom), undefined);
  }
  const functions = names.map((functionName, i) => ({ functionName, version: versions[i] ?? 'publish' }));
  return {
    inputs: { functionName: names[0]!, alias, version: versions[0]!, functions },
    problems,
    valid,
  };
}
