// The inputs, checked as a whole before any write: their syntax, then what only AWS can tell
// (the alarms and the hook functions exist; the target's own checks, such as the function and the
// version existing). Every problem found is reported in one
// error, so that a user fixes them all in one go rather than one run at a time.
import type { AwsClients } from './aws/clients.js';
import { checkCredentialExpiry } from './aws/credentials.js';
import { missingAlarmsProblem } from './gates/alarms.js';
import { hookInputProblems } from './hooks/lambda-hook.js';
import { InputError, parseInputs, type ActionInputs, type InputReader } from './inputs.js';
import { codeDeployInputProblems } from './targets/codedeploy/checks.js';
import { targetDefinition } from './targets/registry.js';

export async function validateInputs(
  read: InputReader,
  env: NodeJS.ProcessEnv,
  clients: (region: string) => AwsClients,
  signal: AbortSignal,
  now: number,
): Promise<{ inputs: ActionInputs; clients: AwsClients }> {
  const parsed = parseInputs(read, env);
  const { inputs, valid } = parsed;
  const problems = [...parsed.problems];
  // Credentials that would expire before the timeout: known without asking AWS anything.
  if (valid('timeout') && valid('strategy')) {
    try {
      checkCredentialExpiry(inputs.timeoutMs, env, now);
    } catch (error) {
      problems.push(errorText(error));
    }
  }
  // Only inputs read without a problem are looked up, and only in a region that is one; with
  // credentials already known to be too short-lived, AWS is not called at all.
  if (valid('region') && problems.length === parsed.problems.length) {
    const aws = clients(inputs.region);
    const checks: Promise<string[]>[] = [];
    if (valid('target')) {
      const definition = targetDefinition(inputs.target);
      checks.push(definition.inputProblems(inputs.targetInputs, valid, aws, inputs.region, signal));
    }
    const engine = inputs.engine;
    if (
      engine.kind === 'codedeploy' &&
      valid('codedeploy-application') &&
      valid('codedeploy-deployment-group') &&
      valid('command')
    ) {
      const plan = valid('strategy') ? inputs.plan : undefined;
      checks.push(
        codeDeployInputProblems(aws.codedeploy, engine, inputs.command, inputs.region, signal, plan),
      );
    }
    if (valid('alarms') && inputs.alarms.length > 0) {
      checks.push(
        missingAlarmsProblem(aws.cloudwatch, inputs.alarms, inputs.region, signal).then((p) =>
          p ? [p] : [],
        ),
      );
    }
    const hooks = (
      [
        ['pre-traffic-hook', inputs.hooks.preTraffic],
        ['post-traffic-hook', inputs.hooks.postTraffic],
      ] as const
    ).flatMap(([input, functionName]) => (functionName && valid(input) ? [{ input, functionName }] : []));
    if (hooks.length > 0) checks.push(hookInputProblems(aws.lambda, hooks, inputs.region, signal));
    const settled = await Promise.allSettled(checks);
    for (const check of settled) if (check.status === 'fulfilled') problems.push(...check.value);
    const failed = settled.find((check) => check.status === 'rejected');
    // A failed look-up (denied, unreachable) is the error, unless there are problems to report anyway.
    if (failed && problems.length === 0) throw failed.reason;
    if (failed) problems.push(`Not every input could be checked against AWS: ${errorText(failed.reason)}`);
    if (problems.length === 0) return { inputs, clients: aws };
  }
  throw new InputError(problems);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
