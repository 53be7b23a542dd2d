// `npm run demo [-- <scenario>...]`: starts the local cloud, runs the committed bundle through
// named scenarios the way the GitHub runner would, prints an account of each rollout as it
// happens, and writes demo-output/<scenario>/{summary.md,summary.html,outputs.txt,comment.md}: the
// job summary (also as GitHub renders it, charts drawn), the step's outputs, and the pull-request
// comment as the local cloud's GitHub received it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startTestCloud, type TestCloud } from '../e2e/local-cloud-env.js';
import { newRunnerContext, runStep, startStep, type StepResult } from '../e2e/runner.js';
import {
  ALIAS,
  analysisInputs,
  apiGatewayClient,
  buildRestApi,
  codeDeployInputs,
  codeDeployScenario,
  FUNCTION,
  githubWithPullRequest,
  lambdaScenario,
  LOCKSTEP_FUNCTIONS,
  lockstepInputs,
  lockstepScenario,
  PULL_REQUEST,
  pullRequestEnv,
  pullRequestEvent,
  releaseInputs,
  REPOSITORY,
  STAGE,
  stageInputs,
  stageScenario,
} from '../e2e/scenarios.js';
import type { Scenario } from '../sim/control-client.js';
import { copyMermaidBundle, summaryHtml } from './html.js';

interface DemoScenario {
  title: string;
  scenario: () => Scenario;
  inputs: Record<string, string>;
  /** Builds what the scenario file cannot (an API made with the SDK); returns more inputs. */
  prepare?: (t: TestCloud) => Promise<Record<string, string>>;
  /** Where the traffic is after the release, in words. */
  where: (t: TestCloud, inputs: Record<string, string>) => Promise<string>;
  /** The result the scenario shows; anything else fails the demo. */
  expect: string;
  /** Runs beside the release: what changes in the cloud meanwhile. */
  meanwhile?: (t: TestCloud, finished: () => boolean) => Promise<void>;
  /**
   * A release split across jobs: each phase a job of its own (main and post step, its own runner
   * state), with the `command` it runs and the result it shows; written to <scenario>-<command>/.
   */
  phases?: { command: string; expect: string }[];
}

const scenarios: Record<string, DemoScenario> = {
  'lambda-promote': {
    title:
      'A healthy version 2 takes 20%, then 50%, then all traffic: the alarm stays OK and the analysis finds no regression',
    scenario: () => lambdaScenario({ canaryErrorRate: 0, extra: { github: githubWithPullRequest } }),
    inputs: releaseInputs(analysisInputs({ strategy: '20%:4s, 50%:4s' })),
    expect: 'promoted',
    where: aliasNow,
  },
  'lambda-rollback': {
    title:
      'Version 2 is as good as version 1 (1% errors) at 20%; at 50% it starts failing 4% of its invocations: too few for the alias-wide alarm, but the analysis compares the two versions and rolls the release back',
    // 400 calls a second: the alias-wide alarm fires at 30 errors in a second, about three
    // times what the regression gives.
    scenario: () =>
      lambdaScenario({
        rate: 400,
        baselineErrorRate: 0.01,
        canaryErrorRate: 0.01,
        errorsAlarmThreshold: 30,
        extra: { github: githubWithPullRequest },
      }),
    inputs: releaseInputs(analysisInputs({ strategy: '20%:8s, 50%:20s', 'min-invocations': '100' })),
    expect: 'rolled-back',
    meanwhile: regressAtHalfTraffic,
    where: aliasNow,
  },
  'lambda-dry-run': {
    title: 'A dry run checks everything and shows the whole plan, changing nothing',
    scenario: () => lambdaScenario({ extra: { github: githubWithPullRequest } }),
    inputs: releaseInputs(analysisInputs({ strategy: 'Canary10Percent5Minutes', 'dry-run': 'true' })),
    expect: 'dry-run',
    where: aliasNow,
  },
  'split-phase': {
    title:
      'A release split across jobs: start moves 20% to version 2 and leaves the split (its post step leaves it too); a later job, as after an approval, promotes it from there',
    scenario: () => lambdaScenario({ extra: { github: githubWithPullRequest } }),
    inputs: releaseInputs({ strategy: '20%:4s, 50%:4s' }),
    expect: 'promoted',
    phases: [
      { command: 'start', expect: 'started' },
      { command: 'status', expect: 'in-progress' },
      { command: 'promote', expect: 'promoted' },
    ],
    where: aliasNow,
  },
  codedeploy: {
    title:
      'engine: codedeploy: the action creates a CodeDeploy deployment of alias live (Canary10Percent5Minutes, on a CodeDeploy clock of 2s a minute), CodeDeploy moves 10% then all the traffic, and the action follows it to its end with its analysis, mirroring it into the report',
    scenario: () =>
      codeDeployScenario({ rate: 100, minuteMs: 2_000, extra: { github: githubWithPullRequest } }),
    inputs: codeDeployInputs(analysisInputs()),
    expect: 'promoted',
    where: aliasNow,
  },
  lockstep: {
    title:
      'Five functions released in lockstep on alias live, each to its version 2: at 20% the new version of stock fails its alarm, and all five go back to version 1 together',
    scenario: () => ({ ...lockstepScenario({ failing: ['stock'] }), github: githubWithPullRequest }),
    inputs: lockstepInputs({ strategy: '20%:4s, 50%:4s' }),
    expect: 'rolled-back',
    where: async (t) => {
      const each = await Promise.all(
        LOCKSTEP_FUNCTIONS.map(async (fn) => {
          const alias = await t.control.alias(fn, ALIAS);
          const split = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0;
          return `${fn} ${alias.FunctionVersion}${split ? ' (split)' : ''}`;
        }),
      );
      return `alias ${ALIAS} now: ${each.join(', ')}`;
    },
  },
  'api-gateway': {
    title:
      'A REST API built with the SDK: a new deployment becomes the canary of stage prod at 10%, then 25%, then 50%, and is promoted',
    scenario: () => stageScenario({ github: githubWithPullRequest }),
    inputs: {},
    prepare: async (t) => {
      const { restApiId } = await buildRestApi(t, apiGatewayClient(t), 200);
      return stageInputs(restApiId, {
        strategy: '10%:3s, 25%:3s, 50%:3s',
        'canary-stage-variables': 'release=canary',
      });
    },
    expect: 'promoted',
    where: async (t, inputs) => {
      const stage = await t.control.stage(inputs['rest-api-id']!, STAGE);
      const canary = stage.canarySettings
        ? `, canary ${stage.canarySettings.deploymentId} at ${stage.canarySettings.percentTraffic}%`
        : ', no canary';
      return `stage ${STAGE} now: deployment ${stage.deploymentId}${canary}`;
    },
  },
};

async function aliasNow(t: TestCloud): Promise<string> {
  const alias = await t.control.alias(FUNCTION, ALIAS);
  const weights = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
  const split = Object.entries(weights)
    .map(([v, w]) => `, ${w * 100}% on version ${v}`)
    .join('');
  return `alias ${ALIAS} now: version ${alias.FunctionVersion}${split}`;
}

/** Once version 2 has half the traffic, a few seconds later, it fails four times as often as version 1. */
async function regressAtHalfTraffic(t: TestCloud, finished: () => boolean): Promise<void> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  while (!finished()) {
    const alias = await t.control.alias(FUNCTION, ALIAS);
    if ((alias.RoutingConfig?.AdditionalVersionWeights?.['2'] ?? 0) >= 0.5) {
      await pause(4_000);
      await t.control.setBehavior(FUNCTION, '2', { errorRate: 0.04 });
      return;
    }
    await pause(200);
  }
}

const root = resolve(import.meta.dirname, '..');

async function main(): Promise<number> {
  const names = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = names.filter((n) => !scenarios[n]);
  if (unknown.length > 0) {
    console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${Object.keys(scenarios).join(', ')}.`);
    return 2;
  }
  const selected = names.length > 0 ? names : Object.keys(scenarios);
  mkdirSync(join(root, 'demo-output'), { recursive: true });
  copyMermaidBundle(join(root, 'demo-output'));
  const cloud = await startTestCloud();
  console.log(`Local cloud listening on ${cloud.cloud.url}\n`);
  let failures = 0;
  try {
    for (const name of selected) {
      if (!(await runScenario(cloud, name, scenarios[name]!))) failures++;
    }
  } finally {
    await cloud.cloud.close();
  }
  console.log(
    failures === 0
      ? `\nAll ${selected.length} scenario(s) ended as expected.`
      : `\n${failures} scenario(s) did not end as expected.`,
  );
  return failures === 0 ? 0 : 1;
}

async function runScenario(t: TestCloud, name: string, demo: DemoScenario): Promise<boolean> {
  console.log(`━━ ${name}: ${demo.title}`);
  await t.control.reset({ clearWrites: true });
  await t.control.loadScenario(demo.scenario());
  const inputs = { ...demo.inputs, ...(await demo.prepare?.(t)) };
  if (!demo.phases) return runJob(t, { name, dir: name, demo, inputs, expect: demo.expect });
  let ok = true;
  for (const phase of demo.phases) {
    console.log(`  ─ job: command ${phase.command}`);
    const job = { name, dir: `${name}-${phase.command}`, demo, expect: phase.expect };
    ok = (await runJob(t, { ...job, inputs: { ...inputs, command: phase.command } })) && ok;
  }
  return ok;
}

/** One job's step of a scenario, main then post, as on a pull request: its account and its files. */
async function runJob(
  t: TestCloud,
  job: { name: string; dir: string; demo: DemoScenario; inputs: Record<string, string>; expect: string },
): Promise<boolean> {
  const { demo, inputs } = job;
  // Run as on a pull request, so the sticky comment goes to pull request #12 of the local GitHub.
  const ctx = newRunnerContext(pullRequestEvent);
  const env = { ...t.env, ...pullRequestEnv };
  const started = Date.now();
  const step = startStep({ step: 'main', ctx, inputs, env });
  const lines = createInterface({ input: step.child.stdout! });
  lines.on('line', (line) => {
    const shown = readable(line);
    if (shown !== undefined) console.log(`  ${elapsed(started)} ${shown}`);
  });
  let finished = false;
  const meanwhile = demo.meanwhile?.(t, () => finished);
  const result = await step.done;
  finished = true;
  await meanwhile;
  const post = await runStep({ step: 'post', ctx, env });
  console.log(`  post step: ${post.stdout.trim().split('\n').map(readable).filter(Boolean).join(' ')}`);
  console.log(`  ${await demo.where(t, inputs)}`);

  const out = join(root, 'demo-output', job.dir);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'summary.md'), result.summary);
  writeFileSync(join(out, 'summary.html'), summaryHtml(result.summary, job.name));
  writeFileSync(join(out, 'outputs.txt'), formatOutputs(result));
  const comments = await t.control.comments(REPOSITORY, PULL_REQUEST);
  const comment = comments.at(-1);
  if (comment) {
    writeFileSync(join(out, 'comment.md'), comment.body);
    console.log(
      `  pull request #${PULL_REQUEST}: ${comments.length} comment(s), the report's edited ${comment.history.length - 1} time(s) during the rollout`,
    );
  }
  const ok = result.outputs.result === job.expect && comment !== undefined;
  console.log(
    `  result: ${result.outputs.result} (${ok ? 'as expected' : `expected ${job.expect} and a comment`}); wrote demo-output/${job.dir}/summary.md, summary.html, outputs.txt, comment.md\n`,
  );
  return ok;
}

/** The runner's workflow commands, shown as a person reads them in the Actions log. */
function readable(line: string): string | undefined {
  const command = /^::([a-z-]+)( [^:]*)?::(.*)$/.exec(line);
  if (!command) return line.trim() ? line : undefined;
  const [, name, , message] = command;
  const text = (message ?? '').replace(/%0A/g, ' ').replace(/%25/g, '%');
  switch (name) {
    case 'group':
      return `▶ ${text}`;
    case 'endgroup':
      return undefined;
    case 'warning':
      return `⚠ ${text}`;
    case 'error':
      return `✖ ${text}`;
    case 'notice':
      return `ℹ ${text}`;
    default:
      return undefined;
  }
}

function formatOutputs(result: StepResult): string {
  return Object.entries(result.outputs)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')
    .concat('\n');
}

function elapsed(since: number): string {
  return `[${((Date.now() - since) / 1000).toFixed(1).padStart(5)}s]`;
}

process.exitCode = await main();
