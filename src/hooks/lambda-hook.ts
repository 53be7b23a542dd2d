// Traffic hooks as Lambda functions: each is invoked synchronously (RequestResponse) with the
// rollout's context, and its answer read as CodeDeploy reads a lifecycle hook's: a function error
// or `{"status": "Failed"}` fails; `Succeeded`, or an answer without a status, passes.
import { GetFunctionCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { awsCall, AwsCallError } from '../aws/errors.js';
import type { Plan } from '../engine/plan.js';
import type { Hook, HookPhase, HookResult } from '../engine/types.js';
import type { HookTargetContext } from '../targets/definition.js';

/** The workflow run a hook is told about. */
export interface HookRun {
  repository: string;
  runId: string;
  sha: string;
  actor: string;
}

/** What every hook is invoked with: the phase, the target's part, the plan and the run. */
export interface HookPayload {
  phase: HookPhase;
  plan: { name: string; steps: { weight: number; holdSeconds: number }[] };
  run: HookRun;
  [targetField: string]: unknown;
}

/** The run's identity from the runner's variables; empty strings where one is unset. */
export function hookRun(env: NodeJS.ProcessEnv): HookRun {
  return {
    repository: env.GITHUB_REPOSITORY ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    sha: env.GITHUB_SHA ?? '',
    actor: env.GITHUB_ACTOR ?? '',
  };
}

export function hookPayload(
  phase: HookPhase,
  target: HookTargetContext,
  plan: Plan,
  run: HookRun,
): HookPayload {
  return {
    phase,
    ...target,
    plan: {
      name: plan.name,
      steps: plan.steps.map((s) => ({ weight: s.weight, holdSeconds: s.holdMs / 1000 })),
    },
    run,
  };
}

/** Room for the answer to come back after the hook's own time, before the SDK's timer warns. */
const REQUEST_TIMEOUT_MARGIN_MS = 5_000;

export interface LambdaHookSettings {
  /** The function's name or ARN, optionally qualified (`name:alias`, `name:7`). */
  functionName: string;
  phase: HookPhase;
  region: string;
  timeoutMs: number;
  /** The payload, built when the hook runs (a stage's canary exists only after its first step). */
  payload: () => HookPayload;
}

export function lambdaHook(lambda: LambdaClient, settings: LambdaHookSettings): Hook {
  return {
    name: settings.functionName,
    async run(signal) {
      const answer = await awsCall(
        {
          doing: `invoke the ${settings.phase} hook ${settings.functionName}`,
          iamAction: 'lambda:InvokeFunction',
          region: settings.region,
        },
        () =>
          lambda.send(
            new InvokeCommand({
              FunctionName: settings.functionName,
              InvocationType: 'RequestResponse',
              Payload: new TextEncoder().encode(JSON.stringify(settings.payload())),
            }),
            // A hook may take minutes: longer than the clients' usual request timeout.
            { abortSignal: signal, requestTimeout: settings.timeoutMs + REQUEST_TIMEOUT_MARGIN_MS },
          ),
      );
      const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
      return judgeAnswer(text, answer.FunctionError);
    },
  };
}

/**
 * A hook's verdict from its answer. `status` is read case-insensitively; any status but
 * Succeeded or Failed fails too, since a hook that means to pass says so or says nothing.
 */
export function judgeAnswer(answer: string, functionError?: string): HookResult {
  if (functionError) {
    return { status: 'failed', answer, error: `function error (${functionError}): ${errorText(answer)}` };
  }
  let value: unknown;
  try {
    value = answer.trim() === '' ? null : JSON.parse(answer);
  } catch {
    return { status: 'failed', answer, error: 'its answer is not JSON' };
  }
  if (typeof value !== 'object' || value === null || !('status' in value)) {
    return { status: 'passed', answer };
  }
  const { status } = value as { status: unknown };
  const because = reasonIn(value);
  if (typeof status === 'string' && status.toLowerCase() === 'succeeded') return { status: 'passed', answer };
  if (typeof status === 'string' && status.toLowerCase() === 'failed') {
    return { status: 'failed', answer, error: `answered status Failed${because ? `: ${because}` : ''}` };
  }
  return {
    status: 'failed',
    answer,
    error: `answered status ${JSON.stringify(status)}, which is neither "Succeeded" nor "Failed"`,
  };
}

/** The answer's own reason, when it gives one in `reason` or `message`. */
function reasonIn(value: object): string | undefined {
  const { reason, message } = value as { reason?: unknown; message?: unknown };
  const text = typeof reason === 'string' ? reason : typeof message === 'string' ? message : undefined;
  return text?.trim().slice(0, 200) || undefined;
}

/** A function error's message, from Lambda's `{errorType, errorMessage}` answer when it is one. */
function errorText(answer: string): string {
  try {
    const parsed = JSON.parse(answer) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') {
      const type = typeof parsed.errorType === 'string' ? `${parsed.errorType}: ` : '';
      return `${type}${parsed.errorMessage}`.slice(0, 200);
    }
  } catch {
    // not Lambda's error shape: the answer itself says it
  }
  return answer.trim().slice(0, 200) || 'no message';
}

/**
 * Before any write: each hook function exists and can be read (lambda:GetFunction). A missing
 * one is a problem in the input's words; any other failure (denied, unreachable) is thrown.
 */
export async function hookInputProblems(
  lambda: LambdaClient,
  hooks: { input: string; functionName: string }[],
  region: string,
  signal: AbortSignal,
): Promise<string[]> {
  const problems: string[] = [];
  for (const { input, functionName } of hooks) {
    try {
      await awsCall(
        { doing: `read the hook function ${functionName}`, iamAction: 'lambda:GetFunction', region },
        () => lambda.send(new GetFunctionCommand({ FunctionName: functionName }), { abortSignal: signal }),
      );
    } catch (error) {
      if (!(error instanceof AwsCallError) || error.code !== 'ResourceNotFoundException') throw error;
      problems.push(
        `Input "${input}": the function "${functionName}" was not found in ${region}. Accepted: the name or ARN of a Lambda function the action may invoke, optionally with its version or alias ("checks:live").`,
      );
    }
  }
  return problems;
}
