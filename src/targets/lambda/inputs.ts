// The Lambda alias target's own inputs: function-name, alias and version, read and checked here
// (syntax only; the function and version are looked up with the other AWS checks).
import { collectProblems } from '../../input-problems.js';
import type { InputContext, InputReader, TargetInputsRead } from '../definition.js';

export interface LambdaInputs {
  /** A function name or unqualified ARN. */
  functionName: string;
  alias: string;
  /** `publish`, or a published version number. */
  version: 'publish' | string;
}

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

/** Reads function-name, alias and version, collecting every problem. */
export function readLambdaInputs(read: InputReader, context: InputContext): TargetInputsRead<LambdaInputs> {
  const { problems, check, valid } = collectProblems();
  const value = (name: string, fallback = '') => read(name).trim() || fallback;
  const functionName = check('function-name', () => parseFunctionName(value('function-name')), '');
  const alias = check('alias', () => parseAlias(value('alias', DEFAULT_ALIAS)), DEFAULT_ALIAS);
  const version = check('version', () => parseVersion(value('version', 'publish')), 'publish');
  if (valid('function-name') && context.regionValid) {
    check('function-name', () => checkArnRegion(functionName, context.region, context.regionFrom), undefined);
  }
  return { inputs: { functionName, alias, version }, problems, valid };
}
