// One seeded release through the real engine and analysis gate, on a fake clock, reading the
// in-process metrics model: what the detection benchmark and the decision rule's tests run
// thousands of times, and the report's tests once.
import type { Plan } from '../src/engine/plan.js';
import { runRollout } from '../src/engine/rollout.js';
import type { Clock, RolloutEvent, RolloutRecord } from '../src/engine/types.js';
import { AnalysisGate, type AnalysisSettings } from '../src/gates/analysis.js';
import type { ReportSubject } from '../src/targets/definition.js';
import { aliasSubject } from '../src/targets/lambda/subject.js';
import { MetricsModel, modelTarget } from './metrics-model.js';

export interface ModelRelease {
  seed: number;
  plan: Plan;
  settings: AnalysisSettings;
  /** Requests per second through the alias. */
  requestsPerSecond: number;
  baselineErrorRate: number;
  canaryErrorRate: number;
  /** A clock whose sleeps advance time (the tests' FakeClock), set to the release's start. */
  clock: Clock;
  pollIntervalMs: number;
  timeoutMs?: number;
  onEvent?: (event: RolloutEvent) => void;
}

export interface ModelReleaseResult {
  record: RolloutRecord;
  model: MetricsModel;
  /** The alias's report subject (versions 6 → 7), for a report of the release. */
  subject: ReportSubject;
}

export async function modelRelease(release: ModelRelease): Promise<ModelReleaseResult> {
  const { clock } = release;
  const model = new MetricsModel({
    seed: release.seed,
    releaseAt: clock.now(),
    now: () => clock.now(),
    baseline: { version: '6', errorRate: release.baselineErrorRate },
    canary: { version: '7', errorRate: release.canaryErrorRate },
    requestsPerSecond: release.requestsPerSecond,
  });
  const subject = aliasSubject(
    { functionName: model.functionName, alias: model.alias },
    { region: 'us-east-1', sides: { previous: '6', target: '7' } },
  );
  const gate = new AnalysisGate(
    model.cloudwatch,
    [{ name: subject.name, queries: subject.metrics! }],
    release.settings,
    release.plan,
    'us-east-1',
    clock,
  );
  const record = await runRollout(
    release.plan,
    { pollIntervalMs: release.pollIntervalMs, timeoutMs: release.timeoutMs ?? 4 * 3_600_000 },
    {
      target: modelTarget(model),
      gates: [gate],
      clock,
      signal: new AbortController().signal,
      onEvent: release.onEvent,
    },
  );
  return { record, model, subject };
}
