// The one rendering: pinned by snapshots, its Mermaid chart parsed by Mermaid itself, untrusted
// text escaped, and GitHub's size limits kept.
import type { GateReading } from '../../src/engine/types.js';
import { escapeMarkdown, escapeUrl } from '../../src/report/escape.js';
import { buildLinks, type ReleaseReport } from '../../src/report/model.js';
import { MAX_COMMENT_CHARS } from '../../src/report/comment.js';
import { MAX_SUMMARY_BYTES } from '../../src/report/publish.js';
import { errorAxisTop, MAX_POINTS } from '../../src/report/chart.js';
import { releasePlan } from '../../src/report/plan.js';
import { cut, FULL, renderReport, renderWithin } from '../../src/report/render.js';
import { aliasDryRunWrites } from '../../src/targets/lambda/dry-run.js';
import { planDurationMs } from '../../src/engine/plan.js';
import { parseStrategy } from '../../src/strategy.js';
import { renderedProblems } from '../support/gfm.js';
import { mermaidBlocks, parseMermaid } from '../support/mermaid.js';
import { promotionReport, rollbackReport, T0 } from '../support/report-fixtures.js';

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
  'https://evil.example/x www.evil.example mona@evil.example',
  'fixes #123, GH-45, gh-6 and acme/shop#7',
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
    reason: 'step 1 of 1: 50% of traffic on version 7',
    record: undefined,
    metrics: undefined,
    live: { startedAt: T0, steps },
  };
}

function dryRunReport(): ReleaseReport {
  const plan = parseStrategy('10%:5m, 50%:10m');
  return {
    ...promotionReport(),
    result: 'dry-run',
    reason: 'dry run: every check passed',
    plan,
    targetVersion: '(to be published)',
    record: undefined,
    metrics: undefined,
    releasePlan: releasePlan(
      { plan, timeoutMs: 20 * 60_000, pollIntervalMs: 5_000, alarms: ['orders-errors', 'orders-p99'] },
      aliasDryRunWrites({
        functionName: 'orders',
        alias: 'live',
        version: 'publish',
        previousVersion: '6',
        onExistingSplit: 'rollback',
        split: { version: '5', weight: 10 },
      }),
    ),
  };
}

function longReport(strategy = 'Linear10PercentEvery10Minutes'): ReleaseReport {
  // Linear10PercentEvery10Minutes: 90 minutes of holds, polled every 5 s.
  const plan = parseStrategy(strategy);
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
  const endedAt = T0 + planDurationMs(plan);
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

/** A chart's parts: title, x-axis labels, y-axis range, and its series. */
function chartParts(block: string) {
  const labels = /x-axis "[^"]*" \[(.*)\]/.exec(block)?.[1]?.split(', ') ?? [];
  const y = /y-axis "([^"]*)" ([\d.]+) --> ([\d.]+)/.exec(block);
  const series = (kind: string) =>
    [...block.matchAll(new RegExp(`^  ${kind} \\[(.*)\\]$`, 'gm'))].map((m) => m[1]!.split(', ').map(Number));
  return {
    title: /title "([^"]*)"/.exec(block)?.[1],
    labels: labels.map((l) => l.replace(/^"|"$/g, '')),
    yAxis: y ? { name: y[1], from: Number(y[2]), to: Number(y[3]) } : undefined,
    bars: series('bar'),
    lines: series('line'),
  };
}

/** How often `needle` occurs in `text`. */
const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

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
    expect(text).toContain('| Metric | Baseline (version 6) | Canary (version 7) |');
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
    const charts = mermaidBlocks(text);
    expect(charts).toHaveLength(1);
    expect(charts[0]).toContain('bar [50, 75, 0]');
    expect(charts[0]).not.toContain('line');
  });

  it('shows an in-progress rollout with the step still holding', () => {
    const text = renderReport(inProgressReport());
    expect(text).toContain('### 🔄 In progress: orders:live from version 6 to 7');
    expect(text).toContain('| 1 of 1 | 50% | 12:00:00 | holding (of 5m) |');
    expect(text).not.toContain('| Duration |');
  });

  it.each([
    ['promotion', promotionReport],
    ['rollback', rollbackReport],
    ['in progress', inProgressReport],
    ['without metrics', () => ({ ...rollbackReport(), metrics: undefined })],
    ['a 90-minute plan', longReport],
    ['hostile text', hostileReport],
  ])('renders charts that Mermaid parses: %s', async (_name, make) => {
    const report = make();
    const blocks = mermaidBlocks(renderReport(report));
    // Traffic, and the error rates when there are metrics.
    expect(blocks).toHaveLength(report.metrics ? 2 : 1);
    for (const block of blocks) await expect(parseMermaid(block)).resolves.toBe('xychart');
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

describe('the charts', () => {
  it('bucket a 90-minute plan into at most twenty points, the error rates summed per bucket', () => {
    const [traffic, errors] = mermaidBlocks(renderReport(longReport())).map(chartParts);
    // 45 two-minute periods: buckets of three periods, six minutes each.
    expect(traffic!.labels).toHaveLength(15);
    expect(traffic!.labels.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(traffic!.labels.slice(0, 3)).toEqual(['0s', '6m', '12m']);
    // The weight in force at each bucket's end: 10% until 10m, then 20% until 20m.
    expect(traffic!.bars[0]!.slice(0, 4)).toEqual([10, 20, 20, 30]);
    // Periods 0, 1, 2 have 0 + 1 + 2 errors in 3600 invocations.
    expect(errors!.lines[0]![0]).toBe(0.083);
    expect(errors!.labels).toEqual(traffic!.labels);
  });

  it('bucket a long plan without metrics too', () => {
    // 49 steps of a minute each.
    const report = { ...longReport('linear 2% every 1m'), metrics: undefined };
    const [traffic] = mermaidBlocks(renderReport(report)).map(chartParts);
    // Every 3 minutes, then the end.
    expect(traffic!.labels).toHaveLength(18);
    expect(traffic!.labels.slice(0, 3)).toEqual(['0s', '3m', '6m']);
    expect(traffic!.labels.at(-1)).toBe('49m');
    expect(traffic!.bars[0]).toHaveLength(18);
    expect(traffic!.bars[0]!.slice(0, 3)).toEqual([2, 8, 14]);
    expect(traffic!.bars[0]!.at(-1)).toBe(100);
  });

  it('mark the rollback in the title and on the x-axis label of its point', () => {
    const [traffic, errors] = mermaidBlocks(renderReport(rollbackReport())).map(chartParts);
    expect(traffic!.title).toBe('Traffic on version 7 (bars), percent; ↩ rolled back at 12:06:45');
    expect(traffic!.labels).toEqual(['0s', '1m', '2m', '3m', '4m', '5m', '↩ 6m']);
    expect(traffic!.bars).toEqual([[50, 50, 50, 50, 50, 75, 0]]);
    expect(errors!.labels.at(-1)).toBe('↩ 6m');
    const promoted = chartParts(mermaidBlocks(renderReport(promotionReport()))[0]!);
    expect(promoted.title).toBe('Traffic on version 7 (bars), percent; promoted at 12:05:00');
    expect(promoted.labels.some((l) => l.includes('↩'))).toBe(false);
  });

  it('give the error rates their own axis, the canary as a line beside the baseline as bars', () => {
    const [traffic, errors] = mermaidBlocks(renderReport(promotionReport())).map(chartParts);
    expect(traffic!.yAxis).toEqual({ name: 'percent of traffic', from: 0, to: 100 });
    // 0.17% and 0.2% on a 0–0.5 axis, not flat on 0–100.
    expect(errors!.title).toBe('Error rate, percent: canary v7 (line), baseline v6 (bars)');
    expect(errors!.yAxis).toEqual({ name: 'error rate, percent', from: 0, to: 0.5 });
    expect(errors!.lines).toEqual([[0.166, 0.166, 0.166, 0.166, 0.166, 0]]);
    expect(errors!.bars).toEqual([[0.2, 0.2, 0.2, 0.2, 0.2, 0]]);
    expect(errorAxisTop([0.5])).toBe(1);
    expect(errorAxisTop([0.04])).toBe(0.1);
    expect(errorAxisTop([22.2])).toBe(30);
    expect(errorAxisTop([0])).toBe(0.1);
    expect(errorAxisTop([100])).toBe(100);
  });
});

describe('the summary at a glance', () => {
  const reports: [string, () => ReleaseReport][] = [
    ['promotion', promotionReport],
    ['rollback', rollbackReport],
    ['in progress', inProgressReport],
    ['dry run', dryRunReport],
    ['hostile text', hostileReport],
  ];

  it.each(reports)('has no table with an empty header row: %s', (_name, make) => {
    const lines = renderReport(make()).split('\n');
    const headers = lines.filter((l, i) => l.startsWith('|') && /^\| :?---/.test(lines[i + 1] ?? ''));
    expect(headers.length).toBeGreaterThan(0);
    for (const header of headers) {
      const cells = header
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim());
      expect([header, cells.some((c) => c === '')]).toEqual([header, false]);
    }
  });

  it("gives the rollback's reason once, with the alarm's own words once", () => {
    const report = rollbackReport();
    const text = renderReport(report);
    const words = escapeMarkdown(report.alarms[0]!.reason);
    expect(occurrences(text, words)).toBe(1);
    expect(text).toContain('**Reason:** gate alarms failed: orders\\-errors is ALARM\n');
    expect(text).toContain(`> **orders\\-errors** is ALARM since 2026-11-22 12:06:40 UTC: ${words}`);
    expect(text).toContain('| 🔴 ALARM | see Why it rolled back |');
    expect(text).toContain('last: orders\\-errors is ALARM (see Why it rolled back) |');
    expect(text).toContain('| fail ×1 | orders\\-errors is ALARM (see Why it rolled back) |');
    // The alarm that did not fire keeps its own reason.
    expect(text).toContain(`| 🟢 OK | ${escapeMarkdown(report.alarms[1]!.reason)} |`);
    // The Why section comes right under the headline.
    expect(text.indexOf('#### Why it rolled back')).toBeLessThan(text.indexOf('| Function |'));
  });

  it('says when the rollback itself failed, once, and still quotes the alarm once', () => {
    const report = rollbackReport();
    const rollback = report.record!.rollback!;
    Object.assign(rollback, { completed: false, error: 'AccessDenied' });
    report.reason = `${rollback.reason}; then the rollback failed: AccessDenied`;
    report.result = 'failed';
    const text = renderReport(report);
    expect(text).toContain(
      '**Reason:** gate alarms failed: orders\\-errors is ALARM; then the rollback failed: AccessDenied\n',
    );
    expect(text).toContain('#### Why it stopped');
    expect(occurrences(text, escapeMarkdown(report.alarms[0]!.reason))).toBe(1);
    expect(occurrences(text, 'AccessDenied')).toBe(2); // the reason, and the Roll back row
  });

  it('gives the whole reason when no alarm caused the rollback', () => {
    const report = rollbackReport();
    const reason = 'timeout reached after 900s';
    report.reason = reason;
    const steps = report.record!.steps.map((s) => ({
      ...s,
      readings: s.readings.filter((r) => r.status !== 'fail'),
    }));
    report.record = { ...report.record!, reason, steps, rollback: { ...report.record!.rollback!, reason } };
    const text = renderReport(report);
    expect(text).toContain('**Reason:** timeout reached after 900s\n');
    expect(text).not.toContain('#### Why it rolled back');
    // Its alarm is then only in the table, with its own words.
    expect(occurrences(text, escapeMarkdown(report.alarms[0]!.reason))).toBe(1);
    expect(text).not.toContain('see Why it rolled back');
  });

  it('counts traffic steps: the final 100% is the Promote row', () => {
    const text = renderReport(promotionReport());
    expect(text).toContain('**Reason:** all traffic on the new version after 1 traffic step\n');
    expect(text).toContain('| 1 of 1 | 50% | 12:00:00 | 5m of 5m |');
    expect(text).toContain('| Promote | 100% | 12:05:00 |');
  });

  it('shows a dry run the whole plan: weights, offsets, gates, timeout and every write', () => {
    const text = renderReport(dryRunReport());
    expect(text).toContain(
      [
        '#### Plan',
        '',
        '**Gates:** alarms orders\\-errors, orders\\-p99, read every 5s at every step; any in ALARM rolls back \\(UpdateAlias live: all traffic back on version 6, the split removed\\)\\.<br>**Timeout:** 20m from the start; not promoted by then, the release rolls back.',
        '',
        '| Step | Weight | From | Until | Gates | Writes |',
        '| --- | --- | --- | --- | --- | --- |',
        '| Before | — | — | — | — | UpdateAlias live: clear the split left on it \\(10% on version 5\\), all traffic back on version 6 |',
        '| Before | — | — | — | — | PublishVersion of orders: the code and configuration of \\$LATEST become the new version |',
        '| 1 of 2 | 10% | +0s | +5m | alarms | UpdateAlias live: 10% on the new version, 90% on version 6 |',
        '| 2 of 2 | 50% | +5m | +15m | alarms | UpdateAlias live: 50% on the new version, 50% on version 6 |',
        '| Promote | 100% | +15m | — | — | UpdateAlias live: all traffic on the new version, the split removed |',
      ].join('\n'),
    );
  });
});

describe('as GitHub renders it (GitHub-flavoured Markdown to HTML)', () => {
  it.each([
    ['promotion', promotionReport],
    ['rollback', rollbackReport],
    ['in progress', inProgressReport],
    ['dry run', dryRunReport],
    ['a 90-minute plan', () => longReport()],
    ['hostile text', hostileReport],
  ])('shows only our HTML, plain text and charts that parse: %s', async (_name, make) => {
    await expect(renderedProblems(renderReport(make()))).resolves.toEqual([]);
  });

  it('the check above does see raw HTML, stray escapes, entities, foreign links and broken charts', async () => {
    const problems = await renderedProblems(
      [
        'a <img src=x> b',
        '<details open><summary>x</summary>y</details>',
        'an escape \\\\- left over',
        'double &amp;lt; escaped',
        'see https://evil.example/x',
        '```mermaid\nxychart-beta\n  bar [1, 2\n```',
      ].join('\n\n'),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^raw HTML not ours: <img/),
      expect.stringMatching(/^raw HTML not ours: <details open>/),
      'element <img>',
      'attribute src on <img>',
      'attribute open on <details>',
      expect.stringMatching(/^link to https:\/\/evil\.example\/x/),
      expect.stringMatching(/^backslash in the text: .*escape \\-/),
      expect.stringMatching(/^entity in the text: .*&lt;/),
      expect.stringMatching(/^chart does not parse: .*Parse error/),
    ]);
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
    // Issue references: "#" before digits (not an entity's) and GH-123 would link an issue.
    expect(outsideCharts).not.toMatch(/(?<!&)#\\?\d/);
    expect(outsideCharts).not.toMatch(/\bgh\\?-\d/i);
    expect(outsideCharts).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('cuts escaped text at an even run of backslashes, so that none is left stray', () => {
    const escapedBackslash = 'a'.repeat(298) + '\\\\' + 'b'.repeat(10);
    expect(cut(escapedBackslash, 300)).toBe('a'.repeat(298) + '\\\\…');
    const escapedStar = 'a'.repeat(299) + '\\*' + 'b'.repeat(10);
    expect(cut(escapedStar, 300)).toBe('a'.repeat(299) + '…');
    const three = 'a'.repeat(297) + '\\\\\\*' + 'b';
    expect(cut(three, 300)).toBe('a'.repeat(297) + '\\\\…');
  });

  it('escapeMarkdown and escapeUrl on single payloads', () => {
    expect(escapeMarkdown('a|b\nc')).toBe('a\\|b c');
    expect(escapeMarkdown('<!-- x -->')).toBe('&lt;\\!\\-\\- x \\-\\-&gt;');
    expect(escapeMarkdown('@octocat')).toBe('@\u200boctocat');
    // Unicode line and paragraph separators end a table row in some renderers.
    expect(escapeMarkdown('a\u2028b\u2029c\u0085d')).toBe('a b c d');
    // Entities stay whole: an escaped '#' inside &#39; would show the entity as text.
    expect(escapeMarkdown("Bob's #1")).toBe('Bob&#39;s \\#\u200b1');
    // Issue references are not linked: a zero-width space after "#" and inside "GH-1".
    expect(escapeMarkdown('acme/shop#12 GH-3 gh-4 #x')).toBe(
      'acme/shop\\#\u200b12 GH\u200b\\-3 gh\u200b\\-4 \\#x',
    );
    // A URL in text would be autolinked: only the report's own links are links.
    expect(escapeMarkdown('see https://x.test')).toBe('see https\\://x\\.test');
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
    expect(mermaidBlocks(text)).toHaveLength(2);
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

describe('a lockstep release', () => {
  const lockstep = (): ReleaseReport => ({
    ...promotionReport(),
    result: 'failed',
    parts: [
      { name: 'orders', previous: '6', target: '7', now: 'version 6' },
      {
        name: 'billing',
        previous: '3',
        target: '4',
        now: 'changed by someone else: all traffic on version 4; marker: | <b>hand</b> *edit*',
      },
    ],
  });

  it('has a row per function, with where each ended, AWS text escaped', async () => {
    const text = renderReport(lockstep());
    expect(text).toContain('| Function | Previous → target version | Ended on |');
    expect(text).toContain('| orders | 6 → 7 | version 6 |');
    expect(text).toContain(
      `| billing | 3 → 4 | ${escapeMarkdown('changed by someone else: all traffic on version 4; marker: | <b>hand</b> *edit*')} |`,
    );
    expect(text).toContain(', 2 functions in lockstep');
    // The two rows' versions are in the table, not the overview's single-version rows.
    expect(text).not.toMatch(/\| Previous version \|/);
    await expect(renderedProblems(text)).resolves.toEqual([]);
  });
});
