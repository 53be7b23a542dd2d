// The figures that run the bundled action (dist/) as the GitHub runner runs it: start-up against a
// bare HTTP server, reaction and overhead against the local cloud. They are about the action's
// own speed, not the analysis, so they run with `analysis: off`.
import { statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { startTestCloud, waitFor, type TestCloud } from '../e2e/local-cloud-env.js';
import { newRunnerContext, startStep } from '../e2e/runner.js';
import { ALIAS, ERRORS_ALARM, FUNCTION, lambdaScenario, releaseInputs } from '../e2e/scenarios.js';

const root = resolve(import.meta.dirname, '..');
const ANALYSIS_OFF = { analysis: 'off' };

export interface StartupFigures {
  bundleBytes: number;
  medianMsToFirstRequest: number;
  runs: number;
  postBundleBytes: number;
  medianMsToExitOnMissingInput: number;
}

export interface ReactionFigures {
  pollSeconds: number;
  trials: number;
  medianSeconds: number;
  maxSeconds: number;
  /** Every trial's time, in seconds. */
  seconds: number[];
}

export interface OverheadFigures {
  steps: number;
  plannedSeconds: number;
  /** The median run's wall time, process start to exit (publish and promotion included). */
  wallSeconds: number;
  runs: number;
  /** Every run's wall time, in seconds. */
  wallSecondsEach: number[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export async function startup(runs: number): Promise<StartupFigures> {
  const firstRequest: number[] = [];
  const missingInput: number[] = [];
  let onRequest: () => void = () => {};
  const server = createServer((_req, res) => {
    onRequest();
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
  };
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const seen = new Promise<void>((r) => (onRequest = r));
    const step = startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: { 'function-name': 'orders', alarms: 'a', ...ANALYSIS_OFF },
      env,
    });
    await seen;
    firstRequest.push(performance.now() - started);
    step.child.kill('SIGKILL');
    await step.done;

    const t0 = performance.now();
    await startStep({ step: 'main', ctx: newRunnerContext(), inputs: {}, env }).done;
    missingInput.push(performance.now() - t0);
  }
  server.close();
  const size = (f: string) => statSync(join(root, 'dist', f)).size;
  return {
    bundleBytes: size('index.js'),
    medianMsToFirstRequest: Math.round(median(firstRequest)),
    runs,
    postBundleBytes: size('post.js'),
    medianMsToExitOnMissingInput: Math.round(median(missingInput)),
  };
}

async function aliasSplit(t: TestCloud): Promise<boolean> {
  const alias = await t.control.alias(FUNCTION, ALIAS);
  return Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0;
}

/** An alarm flips to ALARM at a random point of the poll cycle: how long until the alias is back. */
export async function reaction(t: TestCloud, pollSeconds: number, trials: number): Promise<ReactionFigures> {
  const seconds: number[] = [];
  for (let i = 0; i < trials; i++) {
    await t.control.loadScenario(lambdaScenario({ rate: 0 }));
    const step = startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs({ strategy: '20%:60s', 'poll-interval': `${pollSeconds}s`, ...ANALYSIS_OFF }),
      env: t.env,
    });
    await waitFor('the split', () => aliasSplit(t));
    await new Promise((r) => setTimeout(r, Math.random() * pollSeconds * 1000));
    const fired = performance.now();
    await t.control.setAlarmState(ERRORS_ALARM, 'ALARM', 'bench: forced', true);
    await waitFor(
      'the rollback',
      async () => (await t.control.alias(FUNCTION, ALIAS)).FunctionVersion === '1' && !(await aliasSplit(t)),
      20_000,
    );
    seconds.push((performance.now() - fired) / 1000);
    await step.done;
  }
  return {
    pollSeconds,
    trials,
    medianSeconds: round(median(seconds)),
    maxSeconds: round(Math.max(...seconds)),
    seconds: seconds.map((s) => round(s)),
  };
}

/** A six-step plan, publish included, process start to exit, against the sum of its holds. */
export async function overhead(t: TestCloud, holdSeconds: number, runs: number): Promise<OverheadFigures> {
  const weights = [10, 20, 30, 50, 70, 90];
  const walls: number[] = [];
  for (let i = 0; i < runs; i++) {
    await t.control.loadScenario(lambdaScenario());
    const started = performance.now();
    const result = await startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs({
        version: 'publish',
        strategy: weights.map((w) => `${w}%:${holdSeconds}s`).join(', '),
        ...ANALYSIS_OFF,
      }),
      env: t.env,
    }).done;
    if (result.outputs.result !== 'promoted')
      throw new Error(`overhead run ended ${result.outputs.result}: ${result.outputs.reason}`);
    walls.push((performance.now() - started) / 1000);
  }
  return {
    steps: weights.length,
    plannedSeconds: weights.length * holdSeconds,
    wallSeconds: round(median(walls)),
    runs,
    wallSecondsEach: walls.map((w) => round(w)),
  };
}

export { startTestCloud };
