// `npm run bench`: the figures of design.md's "What we measure ourselves against" and issue 9,
// printed as tables, written to bench/results/latest.json and into the README's Performance
// section. Nothing here asserts; the test suite never times anything.
//   BENCH_RUNS    detection runs per row (default 2000)
//   BENCH_WORKERS worker processes for the detection runs (default: the machine's cores)
//   BENCH_TRIALS  reaction trials (default 20); start-up runs are half as many
//   BENCH_ONLY    comma-separated subset (detection, api, startup, reaction, overhead): printed
//                 only, nothing written
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { API_PER_POLL_NOTE, apiPerPoll } from './api-economy.js';
import { detection } from './detection.js';
import { overhead, reaction, startTestCloud, startup } from './local.js';
import { renderTables, writeFormatted, writeReadmeTables, type BenchResults } from './tables.js';

const root = resolve(import.meta.dirname, '..');
const detectionRuns = Number(process.env.BENCH_RUNS ?? 2000);
const workers = Number(process.env.BENCH_WORKERS ?? availableParallelism());
const trials = Number(process.env.BENCH_TRIALS ?? 20);
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (part: string) => !only || only.includes(part);
const log = (line: string) => console.error(`[bench] ${line}`);

const timed = async <T>(part: string, run: () => Promise<T>): Promise<T | undefined> => {
  if (!wanted(part)) return undefined;
  const started = performance.now();
  const value = await run();
  log(`${part}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return value;
};

const detectionRows = await timed('detection', () =>
  detection({ ratios: [1, 2, 5, 10], rates: [1, 10, 100], runsFor: () => detectionRuns, workers }, log),
);
const apiRows = await timed('api', () => apiPerPoll());
const startupFigures = await timed('startup', () => startup(Math.max(1, Math.round(trials / 2))));
const cloud = wanted('reaction') || wanted('overhead') ? await startTestCloud() : undefined;
let reactionFigures, overheadFigures;
try {
  reactionFigures = await timed('reaction', () => reaction(cloud!, 5, trials));
  overheadFigures = await timed('overhead', () => overhead(cloud!, 2, 3));
} finally {
  await cloud?.cloud.close();
}

const results = {
  detection: detectionRows ?? [],
  reaction: reactionFigures!,
  overhead: overheadFigures!,
  startup: startupFigures!,
  apiPerPoll: apiRows ?? [],
  notes: {
    detection:
      'Seeded in-process releases (sim/metrics-model.ts: per-minute Poisson counts, points 20 s-3 min late, ' +
      'no point for a minute without invocations) through the real engine (Canary10Percent5Minutes, 5 s polls) ' +
      'and the real AnalysisGate with its defaults. "Within the first step" includes the step\'s wait for its ' +
      'own last minute of metrics (hold + verdict wait). The alarm is an alias-wide Errors alarm, Sum per minute ' +
      '>= threshold for 1 of 1 data points, evaluated as each minute of the step arrives in that window; its ' +
      'threshold is the smallest that fires on at most 1% of the ratio-1 runs at that traffic level (chosen on ' +
      'those same runs). referenceKnownBaselineDetection: one look at five full minutes of the canary with the ' +
      "baseline's rate known exactly, false rollbacks at most 1% (../shared/analysis-limits.md). " +
      'analysisLaterRollbackRate: rolled back after that window, at the end of the extension of an ' +
      'inconclusive step (on-inconclusive: extend, then fail after max-extension); analysisExtendedRate: ' +
      'promoted after an extension.',
    apiPerPoll: API_PER_POLL_NOTE,
    speed:
      'startup, reaction and overhead run dist/ as the runner runs it, with analysis: off (they measure the action, not the analysis).',
  },
  machine: { date: new Date().toISOString(), node: process.versions.node, cpus: availableParallelism() },
};

if (only) {
  console.log(JSON.stringify(results, null, 2));
} else {
  const complete = results as BenchResults;
  console.log(renderTables(complete));
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  await writeFormatted(join(root, 'bench', 'results', 'latest.json'), JSON.stringify(complete, null, 2));
  await writeReadmeTables(join(root, 'README.md'), complete);
  log('wrote bench/results/latest.json and the README tables');
}
