// The detection figures: seeded releases of a canary at 10% weight, run through the real engine
// and the real analysis gate on a fake clock, reading the in-process metrics model
// (sim/metrics-model.ts); beside them, an alias-wide Errors alarm on the same simulated minutes.
import { fork, type ChildProcess } from 'node:child_process';
import poissonPmf from '@stdlib/stats-base-dists-poisson-pmf';
import { FakeClock } from '../__tests__/support/fake-clock.js';
import { DEFAULT_ANALYSIS } from '../src/analysis-inputs.js';
import { verdictWaitMs } from '../src/gates/analysis.js';
import { parseStrategy } from '../src/strategy.js';
import { MetricsModel, type MetricsModelOptions } from '../sim/metrics-model.js';
import { modelRelease } from '../sim/model-release.js';

export const BASELINE_ERROR_RATE = 0.01;
export const WEIGHT_PERCENT = 10;
export const POLL_MS = 5_000;
const PLAN = parseStrategy('Canary10Percent5Minutes');
const HOLD_MS = PLAN.steps[0]!.holdMs;
/** The first step as the gate judges it: its hold and the wait for its last minute's metrics. */
const WINDOW_MS = HOLD_MS + verdictWaitMs(DEFAULT_ANALYSIS);
/** The alarm may fire on the same false-rollback budget as the analysis. */
const FALSE_ALARM_BUDGET = 0.01;

export interface DetectionRow {
  errorRatio: number;
  baselineErrorRate: number;
  weightPercent: number;
  requestsPerSecond: number;
  runs: number;
  analysisRollbackRate: number;
  alarmRollbackRate: number;
  analysisMedianSecondsToDetect: number | null;
  /** Runs rolled back later, during the step's extension for an inconclusive verdict. */
  analysisLaterRollbackRate: number;
  /** Runs promoted after an extension, or still inconclusive: the gate could not tell. */
  analysisExtendedRate: number;
  alarmThresholdErrorsPerMinute: number;
  alarmMedianSecondsToDetect: number | null;
  /** ../shared/analysis-limits.md: one look at 5 full minutes, the baseline's rate known exactly. */
  referenceKnownBaselineDetection: number;
}

export interface RunResult {
  /** Seconds from the step's start to the rollback, when it came within the window. */
  detectedAfter?: number;
  rolledBackLater: boolean;
  extended: boolean;
  /** The largest alias-wide Errors Sum of a minute of the step, and when that minute arrived. */
  alarmMinutes: { errors: number; arrivesAfter: number }[];
}

function modelOptions(
  seed: number,
  ratio: number,
  rps: number,
  releaseAt: number,
): Omit<MetricsModelOptions, 'now'> {
  return {
    seed,
    releaseAt,
    baseline: { version: '6', errorRate: BASELINE_ERROR_RATE },
    canary: { version: '7', errorRate: BASELINE_ERROR_RATE * ratio },
    requestsPerSecond: rps,
  };
}

async function oneRun(seed: number, ratio: number, rps: number): Promise<RunResult> {
  // The release starts anywhere in a minute, as releases do.
  const releaseAt = Date.UTC(2026, 10, 22, 12, 0, 0) + ((seed * 7919) % 60_000);
  const clock = new FakeClock(releaseAt);
  const { record } = await modelRelease({
    seed,
    plan: PLAN,
    settings: DEFAULT_ANALYSIS,
    requestsPerSecond: rps,
    baselineErrorRate: BASELINE_ERROR_RATE,
    canaryErrorRate: BASELINE_ERROR_RATE * ratio,
    clock,
    pollIntervalMs: POLL_MS,
    timeoutMs: 60 * 60_000,
  });
  const step = record.steps[0]!;
  const rollbackAfter = record.rollback ? record.rollback.startedAt - step.startedAt : undefined;
  const inWindow = rollbackAfter !== undefined && rollbackAfter <= WINDOW_MS;

  // The alarm watches the same minutes, the canary kept at its weight through the window.
  const alarmModel = new MetricsModel({
    ...modelOptions(seed, ratio, rps, releaseAt),
    now: () => clock.now(),
    weightAt: (at) => (at >= step.startedAt ? WEIGHT_PERCENT : 0),
  });
  const firstMinute = Math.floor(step.startedAt / alarmModel.periodMs) * alarmModel.periodMs;
  const windowEnd = step.startedAt + WINDOW_MS;
  const alarmMinutes = alarmModel
    .periodsUntil(windowEnd + 4 * 60_000)
    .filter(
      (p) => p.start >= firstMinute && p.start < step.startedAt + HOLD_MS && p.alias.arrivesAt <= windowEnd,
    )
    .map((p) => ({ errors: p.alias.errors, arrivesAfter: p.alias.arrivesAt - step.startedAt }));
  return {
    detectedAfter: inWindow ? rollbackAfter / 1000 : undefined,
    rolledBackLater: record.outcome === 'rolled-back' && !inWindow,
    extended: record.outcome === 'promoted' && record.endedAt - step.startedAt > WINDOW_MS + POLL_MS,
    alarmMinutes,
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function rounded<T extends number | null>(value: T, digits: number): T {
  return (value === null ? null : Number(value.toFixed(digits))) as T;
}

/** The smallest per-minute threshold that fires in at most the budget of the healthy runs. */
function alarmThreshold(healthy: RunResult[]): number {
  const peaks = healthy.map((r) => Math.max(0, ...r.alarmMinutes.map((m) => m.errors)));
  for (let t = 1; ; t++) {
    if (peaks.filter((p) => p >= t).length <= FALSE_ALARM_BUDGET * healthy.length) return t;
  }
}

/** P(Poisson(mean) >= k). */
function poissonTail(mean: number, k: number): number {
  let below = 0;
  for (let i = 0; i < k; i++) below += poissonPmf(i, mean);
  return Math.max(0, 1 - below);
}

/** Detection of one look at the step's five minutes, the baseline's rate known (analysis-limits.md). */
function knownBaselineDetection(ratio: number, rps: number): number {
  const healthyMean = ((rps * WEIGHT_PERCENT) / 100) * (HOLD_MS / 1000) * BASELINE_ERROR_RATE;
  let k = 0;
  while (poissonTail(healthyMean, k) > FALSE_ALARM_BUDGET) k++;
  return poissonTail(healthyMean * ratio, k);
}

export interface DetectionPlan {
  ratios: number[];
  rates: number[];
  runsFor: (ratio: number, rps: number) => number;
  /** Worker processes running the seeded runs side by side (the machine's cores). */
  workers: number;
}

/** A slice of one row's runs, for a worker: runs [from, to) of `ratio` at `rps`. */
export interface DetectionJob {
  ratio: number;
  rps: number;
  from: number;
  to: number;
}

const RUNS_PER_JOB = 250;

/** The runs of one job; each run's seed depends on its row and index only, so slicing changes nothing. */
export async function runJob(job: DetectionJob): Promise<RunResult[]> {
  const list: RunResult[] = [];
  for (let i = job.from; i < job.to; i++)
    list.push(await oneRun(1_000_003 * job.rps + 1009 * job.ratio + i, job.ratio, job.rps));
  return list;
}

/** A child process running bench/detection-worker.ts (Node 20's worker threads cannot load TypeScript). */
function startWorker(): ChildProcess {
  return fork(new URL('./detection-worker.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'] });
}

/** Runs the jobs on a pool of worker processes (bench/detection-worker.ts), in any order. */
async function runJobs(
  jobs: DetectionJob[],
  workers: number,
  done: (job: DetectionJob, results: RunResult[]) => void,
): Promise<void> {
  const queue = [...jobs];
  const pool = Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, async () => {
    const worker = startWorker();
    try {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const current = job;
        const results = await new Promise<RunResult[]>((resolve, reject) => {
          const exited = (code: number | null) => reject(new Error(`a detection worker exited (${code})`));
          worker.once('exit', exited);
          worker.once('message', (message) => {
            worker.off('exit', exited);
            resolve(message as RunResult[]);
          });
          worker.send(current);
        });
        done(current, results);
      }
    } finally {
      worker.kill();
    }
  });
  await Promise.all(pool);
}

export async function detection(
  plan: DetectionPlan,
  progress: (line: string) => void,
): Promise<DetectionRow[]> {
  const key = (ratio: number, rps: number) => `${ratio}x at ${rps} rps`;
  const jobs: DetectionJob[] = [];
  const pending = new Map<string, number>();
  const slices = new Map<string, { from: number; results: RunResult[] }[]>();
  for (const rps of plan.rates) {
    for (const ratio of plan.ratios) {
      const runs = plan.runsFor(ratio, rps);
      for (let from = 0; from < runs; from += RUNS_PER_JOB)
        jobs.push({ ratio, rps, from, to: Math.min(runs, from + RUNS_PER_JOB) });
      pending.set(key(ratio, rps), Math.ceil(runs / RUNS_PER_JOB));
      slices.set(key(ratio, rps), []);
    }
  }
  const started = performance.now();
  await runJobs(jobs, plan.workers, (job, results) => {
    const k = key(job.ratio, job.rps);
    slices.get(k)!.push({ from: job.from, results });
    pending.set(k, pending.get(k)! - 1);
    if (pending.get(k) === 0)
      progress(
        `detection ${k}: ${plan.runsFor(job.ratio, job.rps)} runs, ${((performance.now() - started) / 1000).toFixed(0)} s in`,
      );
  });
  const resultsOf = (ratio: number, rps: number) =>
    slices
      .get(key(ratio, rps))!
      .sort((a, b) => a.from - b.from)
      .flatMap((s) => s.results);

  const rows: DetectionRow[] = [];
  for (const rps of plan.rates) {
    const results = new Map(plan.ratios.map((ratio) => [ratio, resultsOf(ratio, rps)]));
    const threshold = alarmThreshold(results.get(1) ?? []);
    for (const ratio of plan.ratios) {
      const list = results.get(ratio)!;
      const share = (f: (r: RunResult) => boolean) => list.filter(f).length / list.length;
      const alarmTimes = list.flatMap((r) => {
        const first = r.alarmMinutes.filter((m) => m.errors >= threshold).map((m) => m.arrivesAfter);
        return first.length ? [Math.min(...first) / 1000] : [];
      });
      rows.push({
        errorRatio: ratio,
        baselineErrorRate: BASELINE_ERROR_RATE,
        weightPercent: WEIGHT_PERCENT,
        requestsPerSecond: rps,
        runs: list.length,
        analysisRollbackRate: share((r) => r.detectedAfter !== undefined),
        alarmRollbackRate: alarmTimes.length / list.length,
        analysisMedianSecondsToDetect: median(
          list.flatMap((r) => (r.detectedAfter === undefined ? [] : [r.detectedAfter])),
        ),
        analysisLaterRollbackRate: share((r) => r.rolledBackLater),
        analysisExtendedRate: share((r) => r.extended),
        alarmThresholdErrorsPerMinute: threshold,
        alarmMedianSecondsToDetect: rounded(median(alarmTimes), 1),
        referenceKnownBaselineDetection: rounded(knownBaselineDetection(ratio, rps), 4),
      });
    }
  }
  return rows.sort((a, b) => a.requestsPerSecond - b.requestsPerSecond || a.errorRatio - b.errorRatio);
}
