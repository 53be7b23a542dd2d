// `npm run bench`: the figures in design.md's "What we measure ourselves against", printed as
// tables. Nothing here asserts; the test suite never times anything.
//   start-up  : node dist/index.js → its first AWS request; → exit on a missing input; bundle size
//   reaction  : an alarm entering ALARM → the alias back on the old version
//   overhead  : wall time minus planned time for a six-step plan
import { statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { startTestCloud, waitFor, type TestCloud } from '../e2e/local-cloud-env.js';
import { newRunnerContext, startStep } from '../e2e/runner.js';
import { ALIAS, ERRORS_ALARM, FUNCTION, lambdaScenario, releaseInputs } from '../e2e/scenarios.js';

const root = resolve(import.meta.dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 10);

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `| ${sorted.length} | ${at(0.5).toFixed(0)} | ${at(0.95).toFixed(0)} | ${sorted.at(-1)!.toFixed(0)} |`;
}

function table(title: string, rows: [string, number[]][], unit = 'ms'): void {
  console.log(
    `\n### ${title}\n\n| case | runs | median ${unit} | p95 ${unit} | max ${unit} |\n|---|---|---|---|---|`,
  );
  for (const [name, values] of rows) console.log(`| ${name} ${stats(values)}`);
}

async function startup(): Promise<void> {
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
      inputs: { 'function-name': 'orders', alarms: 'a' },
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
  table('Start-up (Node 24, dist/ as the runner runs it)', [
    ['spawn → first AWS request', firstRequest],
    ['spawn → exit on a missing input', missingInput],
  ]);
  const size = (f: string) => statSync(join(root, 'dist', f)).size;
  console.log(
    `\nBundle: dist/index.js ${(size('index.js') / 1e6).toFixed(2)} MB, dist/post.js ${(size('post.js') / 1e6).toFixed(2)} MB.`,
  );
}

async function reaction(t: TestCloud, pollSeconds: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await t.control.loadScenario(lambdaScenario({ rate: 0 }));
    const step = startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs({ strategy: '20%:60s', 'poll-interval': `${pollSeconds}s` }),
      env: t.env,
    });
    await waitFor(
      'the split',
      async () =>
        Object.keys((await t.control.alias(FUNCTION, ALIAS)).RoutingConfig?.AdditionalVersionWeights ?? {})
          .length > 0,
    );
    // Fire at a random point of the poll cycle.
    await new Promise((r) => setTimeout(r, Math.random() * pollSeconds * 1000));
    const fired = performance.now();
    await t.control.setAlarmState(ERRORS_ALARM, 'ALARM', 'bench: forced', true);
    await waitFor(
      'the rollback',
      async () =>
        (await t.control.alias(FUNCTION, ALIAS)).FunctionVersion === '1' &&
        !Object.keys((await t.control.alias(FUNCTION, ALIAS)).RoutingConfig?.AdditionalVersionWeights ?? {})
          .length,
      20_000,
    );
    times.push(performance.now() - fired);
    await step.done;
  }
  return times;
}

async function overhead(t: TestCloud): Promise<number[]> {
  const extra: number[] = [];
  const holdsMs = 6 * 1000;
  for (let i = 0; i < Math.min(runs, 5); i++) {
    await t.control.loadScenario(lambdaScenario());
    const started = performance.now();
    const result = await startStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs({
        version: 'publish',
        strategy: '10%:1s, 20%:1s, 30%:1s, 50%:1s, 70%:1s, 90%:1s',
      }),
      env: t.env,
    }).done;
    if (result.outputs.result !== 'promoted')
      throw new Error(`overhead run ended ${result.outputs.result}: ${result.outputs.reason}`);
    extra.push(performance.now() - started - holdsMs);
  }
  return extra;
}

await startup();
const t = await startTestCloud();
try {
  table('Reaction: alarm enters ALARM → alias back on the old version (local cloud)', [
    ['poll-interval 1s', await reaction(t, 1)],
    ['poll-interval 2s', await reaction(t, 2)],
  ]);
  table('Overhead: wall time − 6 s of holds, six-step plan, publish included (process start to exit)', [
    ['6 × 1 s', await overhead(t)],
  ]);
} finally {
  await t.cloud.close();
}
