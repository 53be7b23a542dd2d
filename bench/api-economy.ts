// The API-economy figures: AWS requests per poll as the alarms and the functions grow, counted
// in-process on a fake clock: the real AlarmGate reading a counting DescribeAlarms answerer, the
// real AnalysisGate reading one metrics model per function (sim/metrics-model.ts).
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { FakeClock } from '../__tests__/support/fake-clock.js';
import { runRollout } from '../src/engine/rollout.js';
import type { TrafficTarget } from '../src/engine/types.js';
import { AlarmGate } from '../src/gates/alarms.js';
import { DEFAULT_ANALYSIS } from '../src/analysis-inputs.js';
import { AnalysisGate } from '../src/gates/analysis.js';
import { parseStrategy } from '../src/strategy.js';
import { aliasSubject } from '../src/targets/lambda/subject.js';
import { combinedCloudWatch, MetricsModel } from '../sim/metrics-model.js';
import { POLL_MS } from './detection.js';

export interface ApiPerPollRow {
  alarms: number;
  functions: number;
  /** The most DescribeAlarms calls any one poll made. */
  describeAlarms: number;
  /** The most GetMetricData calls any one poll made. */
  getMetricData: number;
  polls: number;
  /** Metric queries in the largest GetMetricData call of a poll, for the 500-per-call limit. */
  queriesPerPoll: number;
}

export const API_PER_POLL_NOTE =
  'Counted in-process: the real AlarmGate and AnalysisGate in the real engine on a fake clock, ' +
  'over a 10% 5-minute step with 5 s polls. Lockstep releases of several functions do not exist ' +
  'yet: the functions rows give one AnalysisGate one subject per function (the Lambda subject’s ' +
  'queries), as a lockstep release would.';

async function countPerPoll(alarms: number, functions: number): Promise<ApiPerPollRow> {
  const releaseAt = Date.UTC(2026, 10, 22, 12, 0, 20);
  const clock = new FakeClock(releaseAt);
  const models = Array.from(
    { length: functions },
    (_, i) =>
      new MetricsModel({
        seed: i + 1,
        releaseAt,
        now: () => clock.now(),
        functionName: `fn-${i + 1}`,
        baseline: { version: '6', errorRate: 0.01 },
        canary: { version: '7', errorRate: 0.01 },
        requestsPerSecond: 10,
      }),
  );
  const metrics = combinedCloudWatch(models);
  let describeAlarms = 0;
  const cloudwatch = {
    send: (command: unknown) => {
      if (!(command instanceof DescribeAlarmsCommand)) return metrics.cloudwatch.send(command as never);
      describeAlarms++;
      const names = command.input.AlarmNames ?? [];
      return Promise.resolve({
        MetricAlarms: names.map((name) => ({ AlarmName: name, StateValue: 'OK', StateReason: 'fine' })),
        CompositeAlarms: [],
      });
    },
  } as unknown as CloudWatchClient;

  const plan = parseStrategy('Canary10Percent5Minutes');
  const names = Array.from({ length: alarms }, (_, i) => `errors-${i + 1}`);
  const subjects = models.map((m) => {
    const s = aliasSubject(
      { functionName: m.functionName, alias: m.alias },
      { region: 'us-east-1', sides: { previous: '6', target: '7' } },
    );
    return { name: s.name, queries: s.metrics! };
  });
  const gates = [
    new AlarmGate(cloudwatch, names, 'us-east-1', clock),
    new AnalysisGate(cloudwatch, subjects, DEFAULT_ANALYSIS, plan, 'us-east-1', clock),
  ];
  const everyModel = (weight: number) => Promise.resolve(models.forEach((m) => m.setWeight(weight)));
  const target: TrafficTarget = {
    description: `${functions} function(s) in lockstep`,
    setWeight: (weight) => everyModel(weight),
    promote: () => everyModel(100),
    leaveSplit: () => Promise.resolve(),
    verify: () => Promise.resolve(),
    rollback: () => everyModel(0),
  };

  const row: ApiPerPollRow = {
    alarms,
    functions,
    describeAlarms: 0,
    getMetricData: 0,
    polls: 0,
    queriesPerPoll: 0,
  };
  let last = { describeAlarms: 0, getMetricData: 0, queries: 0 };
  await runRollout(
    plan,
    { pollIntervalMs: POLL_MS, timeoutMs: 60 * 60_000 },
    {
      target,
      gates,
      clock,
      signal: new AbortController().signal,
      onEvent: (event) => {
        if (event.type !== 'gate-read') return;
        const now = {
          describeAlarms,
          getMetricData: metrics.counters.getMetricDataCalls,
          queries: metrics.counters.queries,
        };
        row.polls++;
        row.describeAlarms = Math.max(row.describeAlarms, now.describeAlarms - last.describeAlarms);
        row.getMetricData = Math.max(row.getMetricData, now.getMetricData - last.getMetricData);
        row.queriesPerPoll = Math.max(row.queriesPerPoll, now.queries - last.queries);
        last = now;
      },
    },
  );
  return row;
}

export async function apiPerPoll(): Promise<ApiPerPollRow[]> {
  const rows: ApiPerPollRow[] = [];
  for (const alarms of [1, 10, 100]) rows.push(await countPerPoll(alarms, 1));
  for (const functions of [10, 50]) rows.push(await countPerPoll(1, functions));
  return rows;
}
