// The hooks in the report: the table of answers and times, the failed hook's words under "Why it
// rolled back", every answer escaped and cut, and nothing at all when no hook ran.
import type { HookRecord } from '../../src/engine/types.js';
import { hooksSection } from '../../src/report/hooks.js';
import { renderReport } from '../../src/report/render.js';
import { renderedProblems } from '../support/gfm.js';
import { promotionReport, T0 } from '../support/report-fixtures.js';

const hookRecord = (more: Partial<HookRecord>): HookRecord => ({
  phase: 'pre-traffic',
  function: 'release-checks',
  status: 'passed',
  answer: '{"status":"Succeeded"}',
  startedAt: T0,
  durationMs: 1_250,
  ...more,
});

/** A release whose post-traffic hook failed, and was rolled back. */
function postHookRollback(answer: string) {
  const report = promotionReport();
  const reason = 'post-traffic hook smoke-tests failed: answered status Failed: checkout 500s';
  report.result = 'rolled-back';
  report.reason = reason;
  report.record = {
    ...report.record!,
    outcome: 'rolled-back',
    reason,
    rollback: { reason, startedAt: T0 + 6 * 60_000, endedAt: T0 + 6 * 60_000 + 300, completed: true },
    hooks: [
      hookRecord({}),
      hookRecord({
        phase: 'post-traffic',
        function: 'smoke-tests',
        status: 'failed',
        answer,
        durationMs: 4_000,
        error: 'answered status Failed: checkout 500s',
      }),
    ],
  };
  return report;
}

describe('hooksSection', () => {
  it('is empty when no hook ran', () => {
    expect(hooksSection(promotionReport())).toBe('');
  });

  it('tables each hook: phase, function, result, time and answer', () => {
    const report = promotionReport();
    report.record!.hooks = [
      hookRecord({}),
      hookRecord({
        phase: 'post-traffic',
        status: 'timed-out',
        answer: undefined,
        durationMs: 300_000,
        error: 'no answer',
      }),
    ];
    expect(hooksSection(report)).toBe(
      [
        '#### Hooks',
        '',
        '| Phase | Function | Result | Took | Answer |',
        '| --- | --- | --- | --- | --- |',
        '| Pre-traffic | release\\-checks | ✅ passed | 1.25s | \\{&quot;status&quot;:&quot;Succeeded&quot;\\} |',
        '| Post-traffic | release\\-checks | ⏱️ timed out | 5m | — |',
      ].join('\n'),
    );
  });

  it("quotes the failed hook that rolled the release back, and its answer, under 'Why it rolled back'", () => {
    const text = renderReport(postHookRollback('{"status":"Failed","reason":"checkout 500s"}'));
    expect(text).toContain(
      '#### Why it rolled back\n\n> The **post-traffic hook** smoke\\-tests failed after 4s: answered status Failed: checkout 500s\n\n> Its answer: \\{&quot;status&quot;:&quot;Failed&quot;',
    );
    // Before the overview, where the reason is read.
    expect(text.indexOf('Why it rolled back')).toBeLessThan(text.indexOf('#### Hooks'));
  });

  it('escapes a hostile answer and cuts a long one, and the whole report still renders as text', async () => {
    const hostile =
      '| </details> <script>alert(1)</script> @octocat\n[x](javascript:alert(1)) ' + 'z'.repeat(500);
    const report = postHookRollback(hostile);
    const section = hooksSection(report);
    expect(section).not.toContain('<script>');
    expect(section).toContain('&lt;script&gt;');
    expect(section).toContain('…');
    expect(section).not.toContain('z'.repeat(201));
    await expect(renderedProblems(renderReport(report))).resolves.toEqual([]);
  });
});
