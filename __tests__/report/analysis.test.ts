// The analysis in the report: every verdict with its numbers beside canary versus baseline, the
// analysis's own words and numbers when it rolled back, what to do when it could not decide, its
// readings in the timeline, the step it holds, and an alert nobody can miss when nothing watched.
import type { GateReading } from '../../src/engine/types.js';
import type { AnalysisSettings } from '../../src/gates/analysis.js';
import type { AnalysisDetail } from '../../src/gates/detail.js';
import { MAX_COMMENT_CHARS } from '../../src/report/comment.js';
import { escapeMarkdown } from '../../src/report/escape.js';
import { releasePlan } from '../../src/report/plan.js';
import { renderReport, renderWithin } from '../../src/report/render.js';
import type { ReleaseReport } from '../../src/report/model.js';
import { aliasDryRunWrites } from '../../src/targets/lambda/dry-run.js';
import { parseStrategy } from '../../src/strategy.js';
import { renderedProblems } from '../support/gfm.js';
import { mermaidBlocks } from '../support/mermaid.js';
import {
  ANALYSIS_FAILURE,
  ANALYSIS_SETTINGS,
  analysisDetail,
  analysisPromotionReport,
  analysisRollbackReport,
  analysisSubjectReading,
  inconclusiveReport,
  T0,
  unwatchedReport,
} from '../support/report-fixtures.js';

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

/** The lines of the section under `heading`, up to the next heading. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`#### ${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n#### ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

const lastAnalysis = (report: ReleaseReport): GateReading =>
  report.record!.steps.flatMap((s) => s.readings).findLast((r) => r.gate === 'analysis')!;

const HOSTILE = '<img src=x> a|b **bold** @octocat #12 https://evil.example `x`';

describe('canary versus baseline with the verdict', () => {
  it("gives each test both sides, the difference, the threshold, the verdict and the evidence, from the analysis's last reading", () => {
    const text = section(renderReport(analysisRollbackReport()), 'Canary vs baseline');
    expect(text).toContain(
      [
        '| Analysis | Baseline (version 6) | Canary (version 7) | Difference | Threshold | Verdict | Evidence so far |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        '| Error rate | 1.00% (27 of 2,702) | 4.70% (14 of 298) | +3.70 pp | +0 pp | ❌ fail | 14 errors in 298 invocations; fails at 9 or more; judged 5 periods (1 skipped); history 360 errors in 36,000 invocations |',
        '| Mean duration | 39.7 ms | 40.5 ms | +2.0% | +25% | ✅ pass | 5 periods compared |',
      ].join('\n'),
    );
    // Which figures are which, in one line: the gate's own, then the window read after the rollout.
    expect(text).toContain(
      "<sub>The analysis's own figures at its last reading (12:07:15 UTC, fail): only settled periods in which both versions took traffic through 12:05:00 UTC, so they can differ from the window below. 99% confidence, at least 100 invocations a side; 62% of the false-rollback budget spent.</sub>",
    );
    expect(text).toContain('| Error rate | 1.00% | 4.64% |');
    expect(text.indexOf('| Analysis |')).toBeLessThan(text.indexOf('| Metric |'));
  });

  it('says the baseline rate the canary is held to when the history moves it, and the history it did not use', () => {
    const report = analysisPromotionReport();
    let text = section(renderReport(report), 'Canary vs baseline');
    expect(text).toContain(
      '| Error rate | 0.99% (32 of 3,242) | 1.12% (4 of 358) | +0.12 pp | +0 pp | ✅ pass | 4 errors in 358 invocations; fails at 11 or more; judged 6 periods; baseline held to 1.00%; history 360 errors in 36,000 invocations |',
    );
    const detail = (lastAnalysis(report).detail as AnalysisDetail).subjects[0]!;
    detail.history = { invocations: 900, errors: 90, used: false, note: `drifted ${HOSTILE}` };
    text = section(renderReport(report), 'Canary vs baseline');
    expect(text).toContain(
      `history 90 errors in 900 invocations (not used: drifted ${escapeMarkdown(HOSTILE)}) |`,
    );
  });

  it('is not judged while gathering, and says what each side still needs', () => {
    const report = analysisRollbackReport();
    const gathering = analysisSubjectReading({
      canary: { invocations: 60, errors: 1, latencyMs: 41 },
      baseline: { invocations: 540, errors: 5, latencyMs: 40 },
      judged: 1,
    });
    report.record!.steps[0]!.readings = [
      {
        gate: 'analysis',
        status: 'pass',
        summary: 'gathering',
        at: T0 + 3 * 60_000,
        detail: analysisDetail('gathering', [gathering]),
      },
    ];
    const text = renderReport(report);
    expect(text).toContain(
      '| Error rate | 0.93% (5 of 540) | 1.67% (1 of 60) | +0.67 pp | +0 pp | ➖ not judged | 1 errors in 60 invocations; needs 100 invocations a side; judged 1 period; baseline held to 1.00%; history 360 errors in 36,000 invocations |',
    );
    expect(text).toContain(
      '| Mean duration | 40 ms | 41 ms | +2.5% | +25% | ➖ not judged | 1 period compared |',
    );
    expect(text).toContain(
      'last: gathering (canary 1/60 errors, baseline 5/540 errors; latency +2.5%; needs 100 a side)',
    );
  });

  it('names each function in its rows when the analysis compares several, escaped', () => {
    const report = analysisPromotionReport();
    const reading = lastAnalysis(report);
    const one = (reading.detail as AnalysisDetail).subjects[0]!;
    (reading.detail as AnalysisDetail).subjects = [one, { ...one, name: `billing ${HOSTILE}` }];
    const text = renderReport(report);
    const name = escapeMarkdown(`billing ${HOSTILE}`);
    expect(text).toContain('| orders:live error rate | 0.99% (32 of 3,242) |');
    expect(text).toContain(`| ${name} mean duration | 39.7 ms | 41.3 ms |`);
    expect(text).toContain(
      `orders:live: canary 4/358 errors, baseline 32/3,242 errors; latency +4.0%; ${name}: canary`,
    );
  });

  it('shows the verdict even when the window metrics could not be read', () => {
    const report = { ...analysisRollbackReport(), metrics: undefined, metricsUnavailable: 'AccessDenied' };
    const text = section(renderReport(report), 'Canary vs baseline');
    expect(text).toContain('| Error rate | 1.00% (27 of 2,702) | 4.70% (14 of 298) |');
    expect(text).toContain('_Metrics unavailable: AccessDenied_');
  });
});

describe('why it rolled back, by the analysis', () => {
  it("gives the analysis's own words and numbers once, under the headline, and names the cause elsewhere", () => {
    const text = renderReport(analysisRollbackReport());
    expect(text).toContain(
      "**Reason:** gate analysis failed: error rate +3.70 pp above the baseline's, +0 pp allowed\n",
    );
    expect(text).toContain(
      [
        '#### Why it rolled back',
        '',
        `> **The analysis failed** at 12:07:15 UTC in step 1 of 2 (10%): ${escapeMarkdown(ANALYSIS_FAILURE)}`,
        '>',
        '> **orders:live** error rate: canary 4.70% (14 errors in 298 invocations), baseline 1.00% (27 errors in 2,702 invocations): +3.70 pp against the +0 pp allowed; at this look 9 or more canary errors fail the test (99% confidence).',
        '',
        '| Function | orders (us\\-east\\-1) |',
      ].join('\n'),
    );
    expect(occurrences(text, escapeMarkdown(ANALYSIS_FAILURE))).toBe(1);
    expect(text).toContain(
      "analysis: 8 pending, 7 pass, 1 fail; last: error rate +3.70 pp above the baseline's, +0 pp allowed (see Why it rolled back) |",
    );
    expect(text).toContain(
      "| analysis | fail ×1 | error rate +3.70 pp above the baseline's, +0 pp allowed (see Why it rolled back) |",
    );
    // The alarm that stayed OK keeps its own words; nothing refers it to the Why section.
    expect(text).toContain('| 🟢 OK | Threshold Crossed');
    expect(text).not.toContain('see Why it rolled back |');
    expect(text.indexOf('#### Why it rolled back')).toBeLessThan(text.indexOf('| Function |'));
  });

  it('a latency regression: the durations, the increase and the limit', () => {
    const report = analysisRollbackReport();
    const reading = lastAnalysis(report);
    const subject = (reading.detail as AnalysisDetail).subjects[0]!;
    subject.errorRate.verdict = 'pass';
    subject.latency = { ...subject.latency, verdict: 'fail', increasePercent: 61.25 };
    subject.canary.latencyMs = 64.02;
    const text = renderReport(report);
    expect(text).toContain(
      "**Reason:** gate analysis failed: latency +61.3% above the baseline's, +25% allowed\n",
    );
    expect(section(text, 'Why it rolled back')).toContain(
      '> **orders:live** mean duration: canary 64 ms, baseline 39.7 ms: +61.3% against the +25% allowed, over 5 periods.',
    );
    expect(text).toContain(
      '| Mean duration | 39.7 ms | 64 ms | +61.3% | +25% | ❌ fail | 5 periods compared |',
    );
  });

  it.each([
    [
      'extend',
      '> `on-inconclusive` is `extend`: the last step was held up to `max-extension` (10m) past its end, and it was still inconclusive, so the release rolled back.',
    ],
    ['fail', '> `on-inconclusive` is `fail`: an undecided release rolls back.'],
  ] as const)(
    'inconclusive with on-inconclusive %s: says so, with the traffic, and what to do',
    (policy, did) => {
      const text = renderReport(inconclusiveReport(policy));
      expect(text).toContain(
        '**Reason:** gate analysis failed: inconclusive, too little traffic to decide\n',
      );
      const why = section(text, 'Why it rolled back');
      expect(why).toContain('> **The analysis was inconclusive** at ');
      expect(why).toContain(
        '> **orders:live**: canary 12 invocations, baseline 108, over 3 judged periods; each side needs 100 before a pass counts.',
      );
      expect(why).toContain(did);
      expect(why).toContain(
        '> To reach a verdict: send the canary more traffic (a higher weight, a longer step), lower `min-invocations`, or choose what an undecided release does with `on-inconclusive`',
      );
      expect(text).toContain('| ⚠️ inconclusive | 0 errors in 12 invocations; needs 100 invocations a side;');
    },
  );

  it('promoted undecided (on-inconclusive pass): a warning under the headline, and no Why section', () => {
    const text = renderReport(inconclusiveReport('pass'));
    expect(text).not.toContain('#### Why');
    const warning = text.indexOf('> [!WARNING]\n> **The analysis was inconclusive** at 12:05:00 UTC: ');
    expect(warning).toBeGreaterThan(text.indexOf('**Reason:**'));
    expect(warning).toBeLessThan(text.indexOf('| Function |'));
    expect(text).toContain('> `on-inconclusive` is `pass`: the release was promoted without a verdict.');
  });

  it('a passing analysis in a promotion adds no warning', () => {
    const text = renderReport(analysisPromotionReport());
    expect(text).not.toContain('[!WARNING]');
    expect(text).not.toContain('[!CAUTION]');
    expect(text).not.toContain('#### Why');
  });
});

describe('the readings and the held step', () => {
  it('shows every analysis reading with its verdict and evidence, and the step it held for its last metrics', () => {
    const text = renderReport(analysisPromotionReport());
    expect(text).toContain(
      '| 12:00:00–12:02:30 | 1 | analysis | pending ×6 | gathering (no settled period yet; needs 100 a side) |',
    );
    expect(text).toContain(
      '| 12:07:00–12:07:30 | 1 | analysis | pending ×2 | waiting (canary 3/298 errors, baseline 27/2,702 errors; latency +4.0%); waiting for the last step&#39;s metrics until 12:07:00 UTC |',
    );
    expect(text).toContain(
      '| 12:08:00 | 1 | analysis | pass ×1 | pass (canary 4/358 errors, baseline 32/3,242 errors; latency +4.0%) |',
    );
    // Held past its five minutes by the analysis: the timeline says how long.
    expect(text).toContain(
      '| 1 of 1 | 10% | 12:00:00 | 8m of 5m | alarms: 17 pass; last: 1 alarm\\(s\\): 1 OK<br>analysis: 14 pending, 3 pass; last: pass',
    );
  });

  it('in the live comment, the step still holding says what it waits for', () => {
    const done = analysisPromotionReport();
    const steps = done.record!.steps.map((s) => ({
      ...s,
      endedAt: undefined,
      readings: s.readings.filter((r) => r.at <= T0 + 6 * 60_000),
    }));
    const live: ReleaseReport = {
      ...done,
      result: 'in-progress',
      record: undefined,
      metrics: undefined,
      live: { startedAt: T0, steps },
    };
    const text = renderReport(live);
    expect(text).toContain(
      '| 1 of 1 | 10% | 12:00:00 | holding (of 5m) | alarms: 13 pass; last: 1 alarm\\(s\\): 1 OK<br>analysis: 11 pending, 2 pass; last: waiting (canary 2/238 errors, baseline 22/2,162 errors; latency +4.0%); waiting for the last step&#39;s metrics until 12:07:00 UTC |',
    );
    expect(section(text, 'Canary vs baseline')).toContain('| ✅ pass |');
    expect(section(text, 'Canary vs baseline')).toContain('last reading (12:06:00 UTC, waiting)');
  });

  it('a long rollout fits the comment by dropping every reading first, keeping the verdict', () => {
    const report = analysisPromotionReport();
    const step = report.record!.steps[0]!;
    const last = step.readings.at(-1)!;
    // 90 minutes polled every 5 s, every analysis reading different from the one before.
    step.readings = Array.from({ length: 1080 }, (_, i) => ({
      ...last,
      summary: `reading ${i}`,
      at: T0 + i * 5000,
      detail: analysisDetail('pass', [
        analysisSubjectReading({
          canary: { invocations: 60 * i, errors: i, latencyMs: 41 },
          baseline: { invocations: 540 * i, errors: 5 * i, latencyMs: 40 },
          judged: i,
          errorVerdict: 'pass',
          latencyVerdict: 'pass',
        }),
      ]),
    }));
    expect(renderReport(report).length).toBeGreaterThan(MAX_COMMENT_CHARS);
    const text = renderWithin(report, (t) => t.length <= MAX_COMMENT_CHARS);
    expect(text.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(text).not.toContain('Every gate reading (');
    expect(text).toContain("Every gate reading is left out to fit GitHub's size limit");
    expect(text).toContain(
      '| 1 of 1 | 10% | 12:00:00 | 8m of 5m | analysis: 1,080 pass; last: pass (canary 1,079/64,740 errors,',
    );
    expect(text).toContain('| Error rate | 0.93% (5,395 of 582,660) | 1.67% (1,079 of 64,740) |');
    expect(mermaidBlocks(text)).toHaveLength(2);
  });
});

describe('nothing watching', () => {
  it('says so first, as a GitHub alert, in the summary and the comment alike', () => {
    const text = renderReport(unwatchedReport());
    expect(text.startsWith('> [!CAUTION]\n> **Nothing watched this release: no alarms')).toBe(true);
    expect(text.indexOf('[!CAUTION]')).toBeLessThan(text.indexOf('### '));
    const live = renderReport({
      ...unwatchedReport(),
      result: 'in-progress',
      record: undefined,
      live: { startedAt: T0, steps: [] },
    });
    expect(live.startsWith('> [!CAUTION]\n')).toBe(true);
  });

  it('escapes the sentence, which may name inputs and AWS resources', () => {
    const text = renderReport({ ...unwatchedReport(), unwatched: HOSTILE });
    expect(text.startsWith(`> [!CAUTION]\n> **${escapeMarkdown(HOSTILE)}**\n`)).toBe(true);
  });

  it("a dry run's plan: the analysis a gate of every step, or the alert when nothing would watch", () => {
    const plan = parseStrategy('10%:5m, 50%:10m');
    const writes = aliasDryRunWrites({
      functionName: 'orders',
      alias: 'live',
      version: '7',
      previousVersion: '6',
      onExistingSplit: 'fail',
    });
    const dryRun = (alarms: string[], analysis: AnalysisSettings | undefined): ReleaseReport => ({
      ...analysisPromotionReport(),
      result: 'dry-run',
      reason: 'dry run: every check passed',
      plan,
      record: undefined,
      metrics: undefined,
      releasePlan: releasePlan(
        { plan, timeoutMs: 30 * 60_000, pollIntervalMs: 5_000, alarms, analysis },
        writes,
      ),
    });
    const watched = renderReport(dryRun(['orders-errors'], ANALYSIS_SETTINGS));
    expect(watched).not.toContain('[!CAUTION]');
    expect(watched).toContain('| Step | Weight | From | Until | Gates | Writes |');
    expect(watched).toContain('| 1 of 2 | 10% | +0s | +5m | alarms, analysis | UpdateAlias live');
    expect(watched).toContain(
      '| 2 of 2 | 50% | +5m | +15m | alarms, analysis \\(then up to 3m for its last metrics; if inconclusive, up to 10m more\\) | UpdateAlias live',
    );
    expect(watched).toContain(
      '<br>analysis, every 5s at every step: the new version against the old on their own metrics;',
    );

    const unwatched = renderReport(dryRun([], undefined));
    expect(unwatched.startsWith('> [!CAUTION]\n> **Nothing would watch this release: no alarms')).toBe(true);
    expect(unwatched).toContain('**Gates:** none\\. Nothing would watch this release');
    expect(unwatched).toContain('| 1 of 2 | 10% | +0s | +5m | **none** | UpdateAlias live');
  });
});

describe('as GitHub renders it', () => {
  function hostileAnalysis(): ReleaseReport {
    const report = analysisRollbackReport();
    const reading = lastAnalysis(report);
    reading.summary = HOSTILE;
    report.reason = `gate analysis failed: ${HOSTILE}`;
    report.record!.reason = report.reason;
    report.record!.rollback!.reason = report.reason;
    const detail = reading.detail as AnalysisDetail;
    detail.subjects[0]!.name = `orders ${HOSTILE}`;
    detail.subjects[0]!.history = { invocations: 10, errors: 1, used: false, note: HOSTILE };
    const step = report.record!.steps[0]!;
    step.readings.splice(-2, 0, {
      ...step.readings.at(-2)!,
      holdStep: { until: T0 + 9 * 60_000, why: HOSTILE },
    });
    return { ...report, unwatched: HOSTILE };
  }

  it.each([
    ['analysis promotion', analysisPromotionReport],
    ['analysis rollback', analysisRollbackReport],
    ['inconclusive, extended', () => inconclusiveReport('extend')],
    ['inconclusive, promoted', () => inconclusiveReport('pass')],
    ['nothing watching', unwatchedReport],
    ['hostile names in the analysis', hostileAnalysis],
  ])('shows only our HTML, plain text and charts that parse: %s', async (_name, make) => {
    await expect(renderedProblems(renderReport(make()))).resolves.toEqual([]);
  });

  it.each([
    ['analysis rollback', analysisRollbackReport],
    ['inconclusive, extended', () => inconclusiveReport('extend')],
    ['hostile names in the analysis', hostileAnalysis],
  ])('keeps every table row one line with its own columns: %s', (_name, make) => {
    const lines = renderReport(make()).split('\n');
    const pipes = (line: string) => line.replace(/\\\|/g, '').split('|').length - 1;
    let tables = 0;
    for (const start of lines.keys()) {
      if (!/^\| (:?--- \| )*:?--- \|$/.test(lines[start]!)) continue;
      tables++;
      const columns = pipes(lines[start]!);
      expect(pipes(lines[start - 1]!)).toBe(columns);
      for (let i = start + 1; i < lines.length && lines[i]!.startsWith('|'); i++)
        expect([i, pipes(lines[i]!)]).toEqual([i, columns]);
    }
    // Overview, timeline, the verdict, and more.
    expect(tables).toBeGreaterThanOrEqual(4);
  });

  it('keeps hostile names from the analysis as text', () => {
    const text = renderReport(hostileAnalysis());
    expect(text).not.toContain('<img');
    expect(text).not.toMatch(/(?<!\\)\*\*bold/);
    expect(text).not.toContain('@octocat');
    expect(text).toContain(escapeMarkdown(`orders ${HOSTILE}`));
  });
});
