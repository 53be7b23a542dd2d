// The one rendering: pinned by snapshots, its Mermaid chart parsed by Mermaid itself, untrusted
// text escaped, and GitHub's size limits kept.
import type { GateReading } from '../src/engine/types.js';
import { escapeMarkdown, escapeUrl } from '../src/report/escape.js';
import { buildLinks, type ReleaseReport } from '../src/report/model.js';
import { MAX_COMMENT_CHARS } from '../src/report/comment.js';
import { MAX_SUMMARY_BYTES } from '../src/report/publish.js';
import { FULL, renderReport, renderWithin } from '../src/report/render.js';
import { parseStrategy } from '../src/strategy.js';
import { mermaidBlocks, parseMermaid } from './support/mermaid.js';
import { promotionReport, rollbackReport, T0 } from './support/report-fixtures.js';

const INJECTIONS = [
  'a|b',
  '<script>alert(1)</script>',
  '[click](javascript:alert(1))',
  '`rm -rf /`',
  'line1\nline2\r\nline3',
  '<!-- serverless-canary:lambda%2Forders -->',
  '-->',
  '@octocat and @acme/admins',
  '**bold** _it_ ~~s~~ $x^2$',
  '<img src=x onerror=alert(1)>',
  '\u202egnp.exe',
  '</details><details open>',
];
const HOSTILE = INJECTIONS.join(' ');

function hostileReport(): ReleaseReport {
  const report = rollbackReport();
  const names = INJECTIONS.map((p, i) => `alarm-${i} ${p}`);
  report.alarms = names.map((name, i) => ({
    name,
    type: 'metric',
    state: i === 0 ? 'ALARM' : 'OK',
    reason: HOSTILE,
  }));
  report.links = buildLinks(
    'us-east-1',
    'orders',
    'live',
    names,
    'https://github.com/acme/shop/actions/runs/1)](javascript:alert(1)',
  );
  report.reason = HOSTILE;
  report.notes = [HOSTILE];
  report.environment = HOSTILE;
  report.source = { event: HOSTILE, ref: `refs/heads/${HOSTILE}`, sha: HOSTILE, actor: HOSTILE };
  report.record!.steps[1]!.readings.push({
    gate: 'alarms',
    status: 'fail',
    summary: HOSTILE,
    at: T0 + 400_000,
  });
  report.record!.rollback = {
    ...report.record!.rollback!,
    reason: `${HOSTILE} (before)`,
    completed: false,
    error: HOSTILE,
  };
  report.record!.outcome = 'failed';
  report.result = 'failed';
  return report;
}

function inProgressReport(): ReleaseReport {
  const done = promotionReport();
  const steps = done.record!.steps.map((s) => ({
    ...s,
    endedAt: undefined,
    readings: s.readings.slice(0, 3),
  }));
  return {
    ...done,
    result: 'in-progress',
    reason: 'step 1 of 2: 50% of traffic on version 7',
    record: undefined,
    metrics: undefined,
    live: { startedAt: T0, steps },
  };
}

function longReport(): ReleaseReport {
  // Linear10PercentEvery10Minutes: 90 minutes of holds, polled every 5 s.
  const plan = parseStrategy('Linear10PercentEvery10Minutes');
  const report = promotionReport();
  const steps = plan.steps.slice(0, -1).map((step, index) => {
    const startedAt = T0 + index * step.holdMs;
    const readings: GateReading[] = [];
    for (let at = startedAt; at < startedAt + step.holdMs; at += 5_000) {
      readings.push({ gate: 'alarms', status: 'pass', summary: `2 alarm(s): 2 OK at ${at}`, at });
    }
    return {
      index,
      weight: step.weight,
      plannedHoldMs: step.holdMs,
      startedAt,
      endedAt: startedAt + step.holdMs,
      readings,
    };
  });
  const endedAt = T0 + 90 * 60_000;
  const series = Array.from({ length: 45 }, (_, i) => ({
    at: T0 + i * 120_000,
    invocations: 1200,
    errors: i % 7,
  }));
  return {
    ...report,
    plan,
    record: { ...report.record!, plan, steps, endedAt },
    metrics: {
      ...report.metrics!,
      endedAt,
      periodSeconds: 120,
      canary: { ...report.metrics!.canary, series },
    },
  };
}

const unescapedPipes = (line: string) => line.replace(/\\\|/g, '').split('|').length - 1;

describe('renderReport', () => {
  it('pins the rendered promotion', () => {
    expect(renderReport(promotionReport())).toMatchSnapshot();
  });

  it("pins the rendered rollback, with the alarm's own reason and the canary beside the baseline", () => {
    const text = renderReport(rollbackReport());
    expect(text).toMatchSnapshot();
    expect(text).toContain('#### Why it rolled back');
    expect(text).toContain(
      '**orders\\-errors** is ALARM since 2026-11-22 12:06:40 UTC: Threshold Crossed: 1 out of the last 1 datapoints',
    );
    expect(text).toContain('| Error rate | 0.21% | 20.18% |');
    expect(text).toContain('| Roll back | 0% | 12:06:45 | 180ms | all traffic on the previous version |');
  });

  it('says so when the metrics could not be read, and still charts the weight', async () => {
    const report = {
      ...rollbackReport(),
      metrics: undefined,
      metricsUnavailable: 'Could not read the metrics: AccessDenied',
    };
    const text = renderReport(report);
    expect(text).toContain('_Metrics unavailable: Could not read the metrics: AccessDenied_');
    const [chart] = mermaidBlocks(text);
    expect(chart).toContain('bar [50, 75, 0]');
    expect(chart).not.toContain('line');
  });

  it('shows an in-progress rollout with the step still holding', () => {
    const text = renderReport(inProgressReport());
    expect(text).toContain('### 🔄 In progress: orders:live from version 6 to 7');
    expect(text).toContain('| 1 of 2 | 50% | 12:00:00 | holding (of 5m) |');
    expect(text).not.toContain('| Duration |');
  });

  it.each([
    ['promotion', promotionReport],
    ['rollback', rollbackReport],
    ['in progress', inProgressReport],
    ['without metrics', () => ({ ...rollbackReport(), metrics: undefined })],
    ['a 90-minute plan', longReport],
    ['hostile text', hostileReport],
  ])('renders a chart that Mermaid parses: %s', async (_name, make) => {
    const blocks = mermaidBlocks(renderReport(make()));
    expect(blocks).toHaveLength(1);
    await expect(parseMermaid(blocks[0]!)).resolves.toBe('xychart');
  });

  it('the Mermaid parser used above does refuse a broken chart', async () => {
    await expect(parseMermaid('xychart-beta\n  bar [10, 20')).rejects.toThrow(/Parse error/);
  });

  it('reports without a rollout (no-change, dry-run, failed preflight) have no timeline and no chart', () => {
    const report: ReleaseReport = {
      ...promotionReport(),
      result: 'dry-run',
      reason: 'dry run: every check passed',
      record: undefined,
      metrics: undefined,
    };
    const text = renderReport(report);
    expect(text).toContain('### 📝 Dry run');
    expect(text).not.toContain('#### Timeline');
    expect(mermaidBlocks(text)).toEqual([]);
  });
});

describe('escaping what came from AWS, git and the event', () => {
  const text = renderReport(hostileReport());
  // What renders as text: the chart and the link targets (our URLs, percent-encoded) removed.
  const outsideCharts = text.replace(/```mermaid\n[\s\S]*?\n```/g, '').replace(/\]\([^)]*\)/g, ']');

  it('lets no HTML through but our own tags', () => {
    expect(outsideCharts.match(/<(?!\/?(details|summary|sub|br)>)[^\n]{0,20}/g)).toEqual(null);
    expect(outsideCharts).not.toContain('-->');
    expect(outsideCharts).not.toContain('<!--');
  });

  it('makes no links but ours, and no javascript: target', () => {
    expect(text).not.toMatch(/\]\(javascript/i);
    const targets = [...text.matchAll(/\]\(([^)]*)\)/g)].map((m) => m[1]!);
    for (const target of targets)
      expect(target).toMatch(/^(https:\/\/(us-east-1\.console\.aws\.amazon\.com|github\.com)\/[^\s()]*|#)$/);
  });

  it('keeps every table row one line with its own columns', () => {
    const lines = text.split('\n');
    for (const start of lines.keys()) {
      if (!/^\| (--- \| )*--- \|$/.test(lines[start]!)) continue;
      const columns = unescapedPipes(lines[start]!);
      for (let i = start + 1; i < lines.length && lines[i]!.startsWith('|'); i++) {
        expect([i, unescapedPipes(lines[i]!)]).toEqual([i, columns]);
      }
    }
    expect(lines.some((l) => l.startsWith('line2') || l.startsWith('line3'))).toBe(false);
  });

  it('leaves no code span, math, emphasis, mention or direction override live', () => {
    expect(outsideCharts).not.toMatch(/(?<!\\)`/);
    expect(outsideCharts).not.toMatch(/(?<!\\)\$/);
    expect(outsideCharts).not.toMatch(/(?<!\\)\*\*bold/);
    expect(outsideCharts).not.toMatch(/@[A-Za-z0-9]/);
    expect(outsideCharts).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('escapeMarkdown and escapeUrl on single payloads', () => {
    expect(escapeMarkdown('a|b\nc')).toBe('a\\|b c');
    expect(escapeMarkdown('<!-- x -->')).toBe('&lt;\\!\\-\\- x \\-\\-&gt;');
    expect(escapeMarkdown('@octocat')).toBe('@\u200boctocat');
    // Unicode line and paragraph separators end a table row in some renderers.
    expect(escapeMarkdown('a\u2028b\u2029c\u0085d')).toBe('a b c d');
    // Entities stay whole: an escaped '#' inside &#39; would show the entity as text.
    expect(escapeMarkdown("Bob's #1")).toBe('Bob&#39;s \\#1');
    expect(escapeUrl('javascript:alert(1)')).toBe('#');
    expect(escapeUrl('https://x.test/a)b c')).toBe('https://x.test/a%29b%20c');
    expect(escapeUrl('https://x.test/%28ok%29?q=%24')).toBe('https://x.test/%28ok%29?q=%24');
    expect(escapeUrl('https://x.test/é')).toBe('https://x.test/%C3%A9');
  });
});

describe('size limits', () => {
  function hugeReport(readings: number, reasonChars = 100): ReleaseReport {
    const report = promotionReport();
    const step = report.record!.steps[0]!;
    step.readings = Array.from({ length: readings }, (_, i) => ({
      gate: 'alarms',
      status: 'pass' as const,
      summary: `2 alarm(s): 2 OK, reading ${i}`,
      at: T0 + i * 1000,
    }));
    report.alarms = Array.from({ length: 100 }, (_, i) => ({
      name: `alarm-${i}`,
      type: 'metric' as const,
      state: 'OK',
      reason: 'x'.repeat(reasonChars),
    }));
    return report;
  }

  it('a comment drops every gate reading first, and says so', () => {
    const report = hugeReport(2000);
    expect(renderReport(report).length).toBeGreaterThan(MAX_COMMENT_CHARS);
    const text = renderWithin(report, (t) => t.length <= MAX_COMMENT_CHARS);
    expect(text.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(text).not.toContain('Every gate reading (');
    expect(text).toContain("Every gate reading is left out to fit GitHub's size limit");
    expect(mermaidBlocks(text)).toHaveLength(1);
  });

  it('the job summary keeps them while under 1 MiB', () => {
    const report = hugeReport(2000);
    const text = renderWithin(report, (t) => Buffer.byteLength(t) < MAX_SUMMARY_BYTES);
    expect(text).toBe(renderReport(report, FULL));
  });

  it('then the chart, then the length of alarm reasons, then whole lines', () => {
    const report = hugeReport(2000, 1000);
    const noReadings = renderReport(report, { ...FULL, readings: false });
    const noChart = renderReport(report, { ...FULL, readings: false, chart: false });
    const chartless = renderWithin(report, (t) => t.length < noReadings.length - 10);
    expect(mermaidBlocks(chartless)).toEqual([]);
    expect(chartless).toContain('The gate readings and the chart are left out');
    const shortened = renderWithin(report, (t) => t.length < noChart.length - 10);
    expect(shortened).toContain('alarm reasons shortened');
    expect(shortened).toContain(`${'x'.repeat(120)}…`);
    const cut = renderWithin(report, (t) => t.length <= 3000);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toContain("The report is cut here to fit GitHub's size limit");
  });
});
