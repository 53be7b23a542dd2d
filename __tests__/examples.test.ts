// The workflows users copy (examples/, and the README's yaml blocks) must work as written: every
// input they pass to this action is one action.yml declares, the required ones are there, and
// every literal value is one the action accepts. Values that are expressions are left to the run.
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readmeYamlBlocks } from '../scripts/workflow-lint.js';
import { parseInputs } from '../src/inputs.js';

interface InputSpec {
  required?: boolean;
  default?: string;
}
const actionInputs = (parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, InputSpec> })
  .inputs;
const readme = readFileSync('README.md', 'utf8');

/** The reference users are told to write, from the README's usage. */
const REFERENCE = /uses: (serverless-canary\/serverless-canary@v\d+)/.exec(readme)?.[1];

interface ActionStep {
  uses: string;
  with: Record<string, string>;
}

/** Every step, anywhere in a parsed workflow or snippet, that uses this action. */
function actionSteps(node: unknown): ActionStep[] {
  if (Array.isArray(node)) return node.flatMap(actionSteps);
  if (!node || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  if (typeof record.uses === 'string' && /(^|\/)serverless-canary@/.test(record.uses)) {
    const given = (record.with ?? {}) as Record<string, unknown>;
    // The runner hands every input over as a string, whatever YAML made of it.
    const inputs = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)]));
    return [{ uses: record.uses, with: inputs }];
  }
  return Object.values(record).flatMap(actionSteps);
}

const EXPRESSION = /\$\{\{/;

/** What is wrong with one step's inputs, each naming the input. */
function stepProblems(step: ActionStep): string[] {
  const problems: string[] = [];
  if (REFERENCE && step.uses !== REFERENCE) problems.push(`uses "${step.uses}", not "${REFERENCE}"`);
  for (const name of Object.keys(step.with)) {
    if (!(name in actionInputs)) problems.push(`Input "${name}" is not declared in action.yml`);
  }
  for (const [name, spec] of Object.entries(actionInputs)) {
    if (spec.required && !(name in step.with)) problems.push(`Input "${name}" is required and missing`);
  }
  // The action's own parser on the literal values, as the runner would pass them (defaults included).
  const read = (name: string) => step.with[name] ?? actionInputs[name]?.default ?? '';
  const parsed = parseInputs(read, { AWS_REGION: 'us-east-1' });
  const literal = (problem: string) => {
    const name = /^Input "([^"]+)"/.exec(problem)?.[1];
    return !(name && EXPRESSION.test(step.with[name] ?? ''));
  };
  problems.push(...parsed.problems.filter((p) => literal(p)));
  return problems;
}

const exampleNames = readdirSync('examples').filter((name) => /\.ya?ml$/.test(name));
const examples = exampleNames.map((name) => ({
  name,
  workflow: parse(readFileSync(`examples/${name}`, 'utf8')) as Record<string, unknown>,
}));

/** The README's ```yaml blocks, parsed, with the line each starts on. */
const readmeBlocks = readmeYamlBlocks(readme).map(({ line, text }) => ({
  line,
  parsed: parse(text) as unknown,
}));

describe('examples/', () => {
  it('has the four workflows the README promises, each linked from it', () => {
    expect(exampleNames.sort()).toEqual([
      'codedeploy-canary.yml',
      'environment-gated-production.yml',
      'one-job-canary.yml',
      'staging-then-production.yml',
    ]);
    for (const name of exampleNames) expect(readme).toContain(`](examples/${name})`);
  });

  it.each(examples)('$name is a whole workflow that uses the action', ({ workflow }) => {
    expect(Object.keys(workflow)).toEqual(expect.arrayContaining(['name', 'on', 'permissions', 'jobs']));
    expect(actionSteps(workflow).length).toBeGreaterThan(0);
  });

  it.each(examples)(
    '$name passes only inputs action.yml declares, with values the action accepts',
    ({ workflow }) => {
      for (const step of actionSteps(workflow)) expect(stepProblems(step)).toEqual([]);
    },
  );

  it('staging then production: production needs staging, and each reports its deployment', () => {
    const { jobs } = examples.find((e) => e.name === 'staging-then-production.yml')!.workflow as {
      jobs: Record<string, { needs?: string }>;
    };
    expect(jobs.production?.needs).toBe('staging');
    const environments = ['staging', 'production'].map(
      (job) => actionSteps(jobs[job])[0]?.with['deployment-environment'],
    );
    expect(environments).toEqual(['staging', 'production']);
  });

  it('environment-gated: start on push, promote behind the production environment, rollback on failure or by hand', () => {
    const { on, jobs } = examples.find((e) => e.name === 'environment-gated-production.yml')!.workflow as {
      on: Record<string, { inputs?: Record<string, unknown> } | null>;
      jobs: Record<string, { environment?: string; if?: string; needs?: string | string[] }>;
    };
    expect(on.push).toBeDefined();
    expect(Object.keys(on.workflow_dispatch?.inputs ?? {}).length).toBeGreaterThan(0);
    const command = (job: string) => actionSteps(jobs[job]).map((s) => s.with.command);
    expect(command('start')).toEqual(['start']);
    expect(command('promote')).toEqual(['promote']);
    expect(command('rollback')).toEqual(['rollback']);
    expect(jobs.promote?.environment).toBe('production');
    expect(jobs.promote?.needs).toBe('start');
    expect(jobs.rollback?.if).toMatch(/failure\(\)/);
    expect(jobs.rollback?.if).toMatch(/github\.event_name == 'workflow_dispatch'/);
  });
});

describe("the README's yaml blocks", () => {
  const steps = readmeBlocks.flatMap(({ line, parsed }) =>
    actionSteps(parsed).map((step) => ({ line, step })),
  );

  it('include the example workflows (so that this test reads them)', () => {
    expect(REFERENCE).toBeDefined();
    expect(steps.length).toBeGreaterThanOrEqual(5);
  });

  it('pass only inputs action.yml declares, with values the action accepts', () => {
    const found = steps.flatMap(({ line, step }) => stepProblems(step).map((p) => `README.md:${line}: ${p}`));
    expect(found).toEqual([]);
  });
});

describe('the check itself', () => {
  const step = (inputs: Record<string, string>, uses = REFERENCE!): ActionStep => ({ uses, with: inputs });

  it('names an input action.yml does not declare', () => {
    expect(stepProblems(step({ 'function-name': 'orders', 'functon-name': 'orders' }))).toEqual([
      'Input "functon-name" is not declared in action.yml',
    ]);
  });

  it('names a value the action would refuse, and a missing function', () => {
    expect(stepProblems(step({ 'function-name': 'orders', strategy: 'canary 10% five minutes' }))).toEqual([
      expect.stringMatching(/^Input "strategy": "canary 10% five minutes"/),
    ]);
    expect(stepProblems(step({}))).toEqual([expect.stringMatching(/^Input "function-name" is required/)]);
  });

  it('leaves expressions to the run, and names another reference to the action', () => {
    expect(stepProblems(step({ 'function-name': '${{ env.FUNCTION }}' }))).toEqual([]);
    expect(stepProblems(step({ 'function-name': 'orders' }, 'someone/serverless-canary@main'))).toEqual([
      `uses "someone/serverless-canary@main", not "${REFERENCE}"`,
    ]);
  });

  it('finds the action in a whole workflow, a list of steps and a single step', () => {
    const use = { uses: REFERENCE, with: { 'dry-run': true } };
    expect(actionSteps({ jobs: { a: { steps: [{ run: 'x' }, use] } } })).toEqual([
      { uses: REFERENCE, with: { 'dry-run': 'true' } },
    ]);
    expect(actionSteps([use, use])).toHaveLength(2);
    expect(actionSteps({ uses: 'actions/checkout@v4' })).toEqual([]);
  });
});
