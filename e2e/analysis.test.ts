// The analysis gate through dist/ against the local cloud: a small regression that the alias-wide
// alarm does not catch is rolled back by the comparison of the two versions, with no alarms too;
// identical versions are promoted; an API Gateway canary with more 5XXErrors is rolled back; and
// with nothing watching, the summary and the log say so.
import { readFileSync } from 'node:fs';
import type { GateReading, RolloutRecord } from '../src/engine/types.js';
import type { AnalysisDetail } from '../src/gates/detail.js';
import { useTestCloud } from './local-cloud-env.js';
import { newRunnerContext, runStep, type StepResult } from './runner.js';
import {
  analysisInputs,
  apiGatewayClient,
  buildRestApi,
  ERRORS_ALARM,
  lambdaScenario,
  releaseInputs,
  STAGE,
  stageInputs,
  stageScenario,
} from './scenarios.js';

const t = useTestCloud();

const main = (inputs: Record<string, string>) =>
  runStep({ step: 'main', ctx: newRunnerContext(), inputs, env: t.env });

/** The JSON report the step wrote (its `report` output). */
function jsonReport(result: StepResult): { record: RolloutRecord; unwatched?: string; analysis?: unknown } {
  return JSON.parse(readFileSync(result.outputs.report!, 'utf8')) as {
    record: RolloutRecord;
    unwatched?: string;
  };
}

/** The analysis's last reading in the record, with its detail. */
function lastAnalysis(result: StepResult): GateReading & { detail: AnalysisDetail } {
  const readings = jsonReport(result).record.steps.flatMap((s) => s.readings);
  const last = readings.filter((r) => r.gate === 'analysis').at(-1);
  expect(last?.detail?.kind).toBe('analysis');
  return last as GateReading & { detail: AnalysisDetail };
}

/** The summary as text, its Markdown escapes removed, for the figures it shows. */
const plain = (summary: string) => summary.replace(/\\/g, '').replaceAll('&#39;', "'");
const count = (n: number) => n.toLocaleString('en-US');
/** A rate as the analysis words it: two decimals under 10%, one from there. */
const percent = (fraction: number) => {
  const value = fraction * 100;
  return `${value >= 10 || value === 0 ? value.toFixed(1) : value.toFixed(2)}%`;
};

/**
 * 400 calls a second through the alias, version 1 failing 1% of them: at 10% the canary gets 40
 * a second, enough for the analysis in seconds. The alias-wide Errors alarm fires at 20 errors in
 * a second, which neither version reaches (about 5 a second with the canary at 4%).
 */
const smallRegression = (canaryErrorRate: number) =>
  lambdaScenario({
    rate: 400,
    baselineErrorRate: 0.01,
    canaryErrorRate,
    canaryDurationMs: 40,
    errorsAlarmThreshold: 20,
  });
/** One 10% step, long enough for a regression to show, with the analysis at the cloud's period. */
const analysedRelease = (more: Record<string, string> = {}) =>
  releaseInputs(analysisInputs({ strategy: '10%:30s', 'min-invocations': '100', ...more }));

/** What a rollback by the analysis shows: its reason, and the two versions' error figures. */
function expectRolledBackByAnalysis(result: StepResult): AnalysisDetail {
  expect({ code: result.code, result: result.outputs.result }).toEqual({ code: 1, result: 'rolled-back' });
  expect(result.outputs.reason).toMatch(/^gate analysis failed: /);
  const reading = lastAnalysis(result);
  expect(reading.status).toBe('fail');
  expect(reading.detail.verdict).toBe('fail');
  const subject = reading.detail.subjects[0]!;
  expect(subject.errorRate.verdict).toBe('fail');
  expect(subject.canary.errorRate!).toBeGreaterThan(subject.baseline.errorRate!);
  const summary = plain(result.summary);
  expect(summary).toContain('gate analysis failed');
  // The numbers behind the verdict: the canary's errors out of its calls and its error rate,
  // against the baseline's rate (its history's and the same periods' calls pooled).
  expect(summary).toContain(`${count(subject.canary.errors)} of ${count(subject.canary.invocations)}`);
  expect(summary).toContain(`canary error rate ${percent(subject.canary.errorRate!)}`);
  expect(summary).toContain(`against the baseline's ${percent(subject.errorRate.baselineRate!)}`);
  return reading.detail;
}

describe('the analysis through dist/', () => {
  it('rolls back a canary at 4% errors against 1%, which the alias-wide alarm does not catch', async () => {
    await t.control.loadScenario(smallRegression(0.04));
    const result = await main(analysedRelease());
    expectRolledBackByAnalysis(result);
    // The alarm gated the release too, and never fired.
    expect((await t.control.alarm(ERRORS_ALARM)).StateValue).toBe('OK');
    expect(result.stdout).not.toContain(`${ERRORS_ALARM} is ALARM`);
    expect((await t.control.alias('orders', 'live')).FunctionVersion).toBe('1');
  });

  it('rolls back the same release with no alarms at all', async () => {
    await t.control.loadScenario(smallRegression(0.04));
    const result = await main(analysedRelease({ alarms: '' }));
    expectRolledBackByAnalysis(result);
    // The analysis watched: nothing says otherwise.
    expect(jsonReport(result).unwatched).toBeUndefined();
    expect(result.stdout).not.toContain('Nothing watched');
  });

  it('promotes identical versions, with a pass verdict in the report', async () => {
    await t.control.loadScenario(smallRegression(0.01));
    // At 99.9% the rule rolls back one healthy release in a thousand, not one in a hundred: this
    // test is not to fail by chance.
    const result = await main(
      analysedRelease({ strategy: '10%:10s', alarms: '', 'analysis-confidence': '99.9%' }),
    );
    expect({ code: result.code, result: result.outputs.result, reason: result.outputs.reason }).toMatchObject(
      {
        code: 0,
        result: 'promoted',
      },
    );
    const reading = lastAnalysis(result);
    expect(reading).toMatchObject({ status: 'pass', detail: { verdict: 'pass' } });
    const subject = reading.detail.subjects[0]!;
    expect(subject.canary.invocations).toBeGreaterThanOrEqual(100);
    expect(subject.baseline.invocations).toBeGreaterThanOrEqual(100);
    expect(jsonReport(result).unwatched).toBeUndefined();
  });

  it('rolls back an API Gateway canary answering 5XX to 10% of requests, against none, without alarms', async () => {
    await t.control.loadScenario(stageScenario());
    const { restApiId, baseDeploymentId } = await buildRestApi(t, apiGatewayClient(t), 500, 0.1, 400);
    const result = await main(
      stageInputs(restApiId, {
        ...analysisInputs({ 'min-invocations': '100' }),
        strategy: '10%:30s',
        alarms: '',
      }),
    );
    const detail = expectRolledBackByAnalysis(result);
    expect(detail.subjects[0]!.baseline.errors).toBe(0);
    const stage = await t.control.stage(restApiId, STAGE);
    expect(stage.deploymentId).toBe(baseDeploymentId);
    expect(stage.canarySettings).toBeUndefined();
  });

  it('with analysis off and no alarms, says in the log (start and end) and the report that nothing watched', async () => {
    await t.control.loadScenario(lambdaScenario({ canaryErrorRate: 0.5 }));
    const result = await main(releaseInputs({ alarms: '', analysis: 'off', strategy: '20%:2s' }));
    // Half the canary's calls fail, and it is promoted: that is what the warning is about.
    expect(result.outputs.result).toBe('promoted');
    const sentence =
      'Nothing watched this release: no alarms were given and analysis is off, so it would have been promoted whatever the new version did.';
    const warnings = result.stdout.split('\n').filter((l) => l.startsWith('::warning title=Nothing watched'));
    expect(warnings).toEqual([
      `::warning title=Nothing watched this release::${sentence}`,
      `::warning title=Nothing watched this release::${sentence}`,
    ]);
    expect(jsonReport(result).unwatched).toBe(sentence);
    // At the very top of the summary, as an alert nobody scrolls past.
    expect(result.summary.trimStart().startsWith('> [!CAUTION]')).toBe(true);
    expect(plain(result.summary)).toContain(sentence);
  });
});
