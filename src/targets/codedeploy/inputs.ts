// The `engine` input and the CodeDeploy engine's own inputs, read and checked here (syntax, and
// what does not fit together), before anything touches AWS. The direct engine (the default) has
// no inputs of its own; every codedeploy-* input given with it is refused.
import { collectProblems } from '../../input-problems.js';
import type { InputReader } from '../definition.js';

export type EngineKind = 'direct' | 'codedeploy';

export interface CodeDeployInputs {
  kind: 'codedeploy';
  application: string;
  deploymentGroup: string;
  /** Create the Lambda application and the deployment group when missing (with `serviceRoleArn`). */
  create: boolean;
  serviceRoleArn?: string;
  /** The deployment a later `command: status|promote|rollback` works on; else the group's latest. */
  deploymentId?: string;
}

export type EngineInputs = { kind: 'direct' } | CodeDeployInputs;

export const CODEDEPLOY_INPUT_NAMES = [
  'codedeploy-application',
  'codedeploy-deployment-group',
  'codedeploy-create',
  'codedeploy-service-role-arn',
  'codedeploy-deployment-id',
] as const;

/** What the engine inputs need to know of the others to refuse what does not fit. */
export interface EngineContext {
  target: string;
  command: string;
  onExistingSplit: string;
}

const ENGINES: Record<EngineKind, string> = {
  direct: 'the action moves the traffic itself; the default',
  codedeploy: 'a CodeDeploy deployment moves it, and the action follows, mirrors and stops it',
};

/** CodeDeploy's own limit for application and deployment group names. */
const NAME = /^[A-Za-z0-9_.+=,@-]{1,100}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

export interface EngineInputsRead {
  engine: EngineInputs;
  /** `wait` (default true): false returns once the deployment is created (codedeploy only). */
  wait: boolean;
  problems: string[];
  valid: (name: string) => boolean;
}

export function readEngineInputs(read: InputReader, context: EngineContext): EngineInputsRead {
  const { problems, check, valid } = collectProblems();
  const value = (name: string) => read(name).trim();
  const kind = check('engine', () => parseEngine(value('engine') || 'direct'), 'direct' as EngineKind);
  const wait = check('wait', () => parseWait(value('wait') || 'true'), true);
  if (kind === 'direct' || !valid('engine')) {
    for (const name of CODEDEPLOY_INPUT_NAMES) {
      // codedeploy-create's default ("false", as the runner passes it) asks for nothing.
      const given =
        name === 'codedeploy-create'
          ? !['', 'false', 'False', 'FALSE'].includes(value(name))
          : value(name) !== '';
      if (given)
        problems.push(
          `Input "${name}" belongs to "engine: codedeploy", not to "engine: direct": remove it, or set "engine: codedeploy".`,
        );
    }
    if (!wait)
      check(
        'wait',
        () => {
          throw new Error(
            'Input "wait": "false" needs "engine: codedeploy" (CodeDeploy keeps moving the traffic without the job); the direct engine moves it itself: use "command: start" to leave a split for a later job.',
          );
        },
        true,
      );
    return { engine: { kind: 'direct' }, wait: true, problems, valid };
  }
  if (context.target !== 'lambda-alias') {
    problems.push(
      `Input "engine": "codedeploy" deploys Lambda aliases only, not target "${context.target}": set "target: lambda-alias", or "engine: direct" for a stage canary.`,
    );
  }
  if (
    value('function-name')
      .split(/[\n,]/)
      .filter((name) => name.trim()).length > 1
  ) {
    problems.push(
      'Input "function-name": "engine: codedeploy" deploys one function\'s alias (a deployment group has one Lambda target); give one function, or use "engine: direct" for a lockstep release of several.',
    );
  }
  if (context.command === 'start') {
    problems.push(
      'Input "command": "start" is the direct engine\'s way to leave a split for a later job; with "engine: codedeploy" use "wait: false" (the deployment goes on by itself), then "command: status", "promote" or "rollback".',
    );
  }
  if (context.onExistingSplit === 'resume') {
    problems.push(
      'Input "on-existing-split": "resume" cannot apply to "engine: codedeploy": a CodeDeploy deployment starts from the alias on its current version alone. Accepted with codedeploy: "fail" or "rollback".',
    );
  }
  const application = check(
    'codedeploy-application',
    () => parseName('codedeploy-application', value('codedeploy-application'), 'application'),
    '',
  );
  const deploymentGroup = check(
    'codedeploy-deployment-group',
    () => parseName('codedeploy-deployment-group', value('codedeploy-deployment-group'), 'deployment group'),
    '',
  );
  const create = check(
    'codedeploy-create',
    () => parseBoolean('codedeploy-create', value('codedeploy-create') || 'false'),
    false,
  );
  const serviceRoleArn = check(
    'codedeploy-service-role-arn',
    () => parseRoleArn(value('codedeploy-service-role-arn'), create),
    undefined,
  );
  const deploymentId = check(
    'codedeploy-deployment-id',
    () => parseDeploymentId(value('codedeploy-deployment-id'), context.command),
    undefined,
  );
  return {
    engine: { kind: 'codedeploy', application, deploymentGroup, create, serviceRoleArn, deploymentId },
    wait,
    problems,
    valid,
  };
}

function parseEngine(text: string): EngineKind {
  if (Object.hasOwn(ENGINES, text)) return text as EngineKind;
  const accepted = Object.entries(ENGINES).map(([name, what]) => `"${name}" (${what})`);
  throw new Error(`Input "engine": "${text}" is not an engine. Accepted: ${accepted.join('; ')}.`);
}

function parseWait(text: string): boolean {
  return parseBoolean('wait', text);
}

function parseBoolean(name: string, text: string): boolean {
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  throw new Error(`Input "${name}": "${text}" is not a boolean. Accepted: true or false.`);
}

function parseName(input: string, text: string, what: string): string {
  if (!text) {
    throw new Error(
      `Input "${input}" is required with "engine: codedeploy": give the CodeDeploy ${what}'s name (e.g. "orders").`,
    );
  }
  if (NAME.test(text)) return text;
  throw new Error(
    `Input "${input}": ${JSON.stringify(text.slice(0, 120))} is not a CodeDeploy ${what} name. Accepted: 1 to 100 letters, digits and _ . + = , @ -.`,
  );
}

function parseRoleArn(text: string, create: boolean): string | undefined {
  if (!text) {
    if (!create) return undefined;
    throw new Error(
      'Input "codedeploy-service-role-arn" is required with "codedeploy-create: true": CodeDeploy needs a service role to create the deployment group (e.g. "arn:aws:iam::123456789012:role/codedeploy-lambda", with the managed policy AWSCodeDeployRoleForLambda).',
    );
  }
  if (!create) {
    throw new Error(
      'Input "codedeploy-service-role-arn" is used only to create the deployment group: set "codedeploy-create: true", or remove it (an existing group keeps its own role).',
    );
  }
  if (ROLE_ARN.test(text)) return text;
  throw new Error(
    `Input "codedeploy-service-role-arn": ${JSON.stringify(text.slice(0, 120))} is not an IAM role ARN. Accepted: "arn:aws:iam::123456789012:role/codedeploy-lambda".`,
  );
}

function parseDeploymentId(text: string, command: string): string | undefined {
  if (!text) return undefined;
  if (command === 'deploy') {
    throw new Error(
      'Input "codedeploy-deployment-id" names a deployment for "command: status", "promote" or "rollback"; "command: deploy" creates a new one: remove it.',
    );
  }
  if (DEPLOYMENT_ID.test(text)) return text;
  throw new Error(
    `Input "codedeploy-deployment-id": ${JSON.stringify(text.slice(0, 40))} is not a CodeDeploy deployment id. Accepted: "d-" and 9 capital letters or digits, such as "d-A1B2C3D4E", the "codedeploy-deployment-id" output of the run that created it.`,
  );
}
