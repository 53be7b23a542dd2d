// The inputs of the API Gateway stage target, read and checked without AWS: every problem is
// collected, each naming the input, quoting the value and saying what API Gateway accepts.
// Also the weights a stage canary can route (percentTraffic), checked with the strategy.
import { collectProblems } from '../../input-problems.js';
import { formatPercent, isRepresentable, type WeightResolution } from '../../strategy.js';

/** Reads one input as the runner passes it; '' when unset. */
export type ReadInput = (name: string) => string;

export interface StageInputs {
  restApiId: string;
  stage: string;
  /** An existing deployment to attach as the canary; absent: a new deployment is created. */
  deploymentId?: string;
  /** Canary stage-variable overrides, in the order given. */
  stageVariables: Record<string, string>;
  useStageCache: boolean;
  /** The `Stage` dimension value of the canary's AWS/ApiGateway metrics. */
  canaryMetricsStage: string;
}

export type StageInputsResult =
  { inputs: StageInputs; problems: [] } | { inputs?: undefined; problems: string[] };

/** The inputs only this target reads: the wiring refuses them with another target. */
export const STAGE_INPUT_NAMES = [
  'rest-api-id',
  'stage',
  'deployment-id',
  'canary-stage-variables',
  'use-stage-cache',
  'canary-metrics-stage',
] as const;

/** API Gateway's ids are ten lowercase letters and digits (e.g. "a1b2c3d4e5"). */
const REST_API_ID = /^[a-z0-9]{10}$/;
/** Stage names: letters, digits, "-" and "_", up to 128 (API Gateway's CreateStage rule). */
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const DEPLOYMENT_ID = /^[A-Za-z0-9]{1,64}$/;
/** Stage variable names: letters, digits and "_"; values: API Gateway's character set. */
const VARIABLE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const VARIABLE_VALUE = /^[A-Za-z0-9\-._~:/?#&=,]{1,512}$/;
const MAX_DIMENSION_VALUE = 255;

export function parseStageInputs(read: ReadInput): StageInputsResult {
  const { problems, check } = collectProblems();
  const value = (name: string) => read(name).trim();
  const restApiId = check('rest-api-id', () => parseRestApiId(value('rest-api-id')), '');
  const stage = check('stage', () => parseStage(value('stage')), '');
  const deploymentId = check('deployment-id', () => parseDeploymentId(value('deployment-id')), undefined);
  const stageVariables = check(
    'canary-stage-variables',
    () => parseStageVariables(read('canary-stage-variables')),
    {},
  );
  const useStageCache = check(
    'use-stage-cache',
    () => parseBoolean('use-stage-cache', value('use-stage-cache') || 'false'),
    false,
  );
  const canaryMetricsStage = check(
    'canary-metrics-stage',
    () => parseMetricsStage(value('canary-metrics-stage'), stage || '<stage>'),
    '',
  );
  if (problems.length > 0) return { problems };
  return {
    inputs: { restApiId, stage, deploymentId, stageVariables, useStageCache, canaryMetricsStage },
    problems: [],
  };
}

function parseRestApiId(text: string): string {
  if (!text) {
    throw new Error(
      'Input "rest-api-id" is required with "target: api-gateway-stage": give the REST API\'s id, ten letters and digits such as "a1b2c3d4e5" (the console shows it beside the API\'s name).',
    );
  }
  if (REST_API_ID.test(text)) return text;
  throw new Error(
    `Input "rest-api-id": "${text}" is not a REST API id. Accepted: the API's id, ten lowercase letters and digits such as "a1b2c3d4e5" (not its name or URL).`,
  );
}

function parseStage(text: string): string {
  if (!text) {
    throw new Error(
      'Input "stage" is required with "target: api-gateway-stage": give the stage\'s name, such as "prod".',
    );
  }
  if (STAGE_NAME.test(text)) return text;
  throw new Error(
    `Input "stage": "${text}" is not a stage name. Accepted: 1 to 128 letters, digits, "-" or "_", such as "prod".`,
  );
}

function parseDeploymentId(text: string): string | undefined {
  if (!text) return undefined;
  if (DEPLOYMENT_ID.test(text)) return text;
  throw new Error(
    `Input "deployment-id": "${text}" is not a deployment id. Accepted: the id of an existing deployment of the API, letters and digits such as "abc123", or leave it empty to create a new deployment.`,
  );
}

/** `KEY=value` lines (the value may itself hold "="); blank lines are skipped. */
export function parseStageVariables(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  const problems: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const equals = line.indexOf('=');
    const name = equals < 0 ? line : line.slice(0, equals).trim();
    const val = equals < 0 ? '' : line.slice(equals + 1).trim();
    if (equals < 0) problems.push(`"${line}" has no "=" (write KEY=value)`);
    else if (!VARIABLE_NAME.test(name))
      problems.push(`"${line}": the name "${name}" may have only letters, digits and "_" (1 to 64)`);
    else if (!VARIABLE_VALUE.test(val))
      problems.push(
        `"${line}": the value "${val}" may have only letters, digits and -._~:/?#&=, (1 to 512 characters)`,
      );
    else if (name in variables) problems.push(`"${name}" is given twice`);
    else variables[name] = val;
  }
  if (problems.length > 0) {
    throw new Error(
      `Input "canary-stage-variables": ${problems.join('; ')}. Accepted: one KEY=value a line, such as "lambdaAlias=canary", with API Gateway's stage-variable rules.`,
    );
  }
  return variables;
}

function parseBoolean(name: string, text: string): boolean {
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  throw new Error(`Input "${name}": "${text}" is not a boolean. Accepted: true or false (default false).`);
}

function parseMetricsStage(text: string, stage: string): string {
  if (!text) return `${stage}/Canary`;
  if (text.length <= MAX_DIMENSION_VALUE && ![...text].some((c) => c.charCodeAt(0) < 0x20)) return text;
  throw new Error(
    `Input "canary-metrics-stage": ${JSON.stringify(text.slice(0, 40))} is not a CloudWatch dimension value. Accepted: 1 to ${MAX_DIMENSION_VALUE} printable characters; default "${stage}/Canary".`,
  );
}

/**
 * What a stage canary can route. percentTraffic is a double from 0.0 to 100.0 and AWS documents no
 * precision; its documentation and console work in tenths ("10.5", "0.0 to 100.0"). We write
 * tenths of a percent, with at most one decimal, so that what we write is what we read back.
 */
export const STAGE_CANARY_WEIGHTS: WeightResolution = {
  target: 'an API Gateway stage canary',
  stepPercent: 0.1,
};

/** The patch value for `weight` percent ("25", "10.5"); a weight off the resolution is a bug upstream. */
export function toPercentTraffic(weight: number): string {
  if (weight < 0 || weight > 100 || !isRepresentable(weight, STAGE_CANARY_WEIGHTS)) {
    throw new Error(
      `The weight ${formatPercent(weight)}% is not one a stage canary can take (0 to 100 in steps of ${formatPercent(STAGE_CANARY_WEIGHTS.stepPercent)}%).`,
    );
  }
  return formatPercent(Math.round(weight * 10) / 10);
}

/** A percentTraffic read back (anyone may have written it), to our resolution. */
export function readPercent(value: number | undefined): number {
  return Math.round((value ?? 0) * 10) / 10;
}
