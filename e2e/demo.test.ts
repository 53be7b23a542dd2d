// The README's first command: the demo must run and write what it promises, and each summary
// must read right once GitHub has rendered it.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { JSDOM } from 'jsdom';
import { renderedProblems } from '../__tests__/support/gfm.js';
import { mermaidBlocks } from '../__tests__/support/mermaid.js';

const root = resolve(import.meta.dirname, '..');
const SPLIT_PHASE = ['split-phase-start', 'split-phase-status', 'split-phase-promote'];
const SCENARIOS = [
  'lambda-promote',
  'lambda-rollback',
  'lambda-dry-run',
  ...SPLIT_PHASE,
  'lockstep',
  'codedeploy',
  'api-gateway',
];
const out = (scenario: string, file: string) =>
  readFileSync(join(root, 'demo-output', scenario, file), 'utf8');

describe('npm run demo', () => {
  let stdout = '';
  beforeAll(async () => {
    ({ stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'demo/run.ts'], {
      cwd: root,
    }));
  }, 150_000);

  it('shows a stage canary stepped 10%, 25%, 50% and promoted, on an API built with the SDK', () => {
    const summary = out('api-gateway', 'summary.md');
    expect(out('api-gateway', 'outputs.txt')).toContain('result=promoted');
    expect(summary).toMatch(/### ✅ Promoted: shop\/prod from deployment \w+ to \w+/);
    expect(summary).toMatch(/\| 1 of 3 \| 10% \|[^\n]*\n\| 2 of 3 \| 25% \|[^\n]*\n\| 3 of 3 \| 50% \|/);
    expect(summary).toContain('CloudWatch AWS/ApiGateway per Stage on shop');
    expect(stdout).toMatch(/stage prod now: deployment \w+, no canary/);
  });

  it('shows a CodeDeploy deployment followed to its end: CodeDeploy moved 10%, then all', () => {
    const outputs = out('codedeploy', 'outputs.txt');
    expect(outputs).toMatch(/^result=promoted$/m);
    const id = /^codedeploy-deployment-id=(d-[A-Z0-9]{9})$/m.exec(outputs)?.[1];
    expect(id).toBeDefined();
    const summary = out('codedeploy', 'summary.md');
    expect(summary).toMatch(/\| 1 of 1 \| 10% \|/);
    expect(summary).toContain(`CodeDeploy deployment ${id!.replace('-', '\\-')} in deployment group`);
    expect(stdout).toContain(`Following CodeDeploy deployment ${id!}`);
  });

  it('shows one release promoted, one rolled back by the analysis, and a dry run', () => {
    expect(stdout).toContain('result: promoted (as expected)');
    expect(stdout).toContain('result: rolled-back (as expected)');
    expect(stdout).toContain('result: dry-run (as expected)');
    expect(stdout).toContain('All 7 scenario(s) ended as expected.');
    expect(out('lambda-promote', 'outputs.txt')).toContain('result=promoted');
    expect(out('lambda-rollback', 'outputs.txt')).toContain('result=rolled-back');
    // Rolled back by the analysis's verdict, with its numbers, the alias-wide alarm still OK.
    expect(out('lambda-rollback', 'outputs.txt')).toMatch(
      /reason=gate analysis failed: canary error rate [\d.]+% \([\d,]+ of [\d,]+\) against the baseline's [\d.]+%/,
    );
    expect(out('lambda-rollback', 'summary.md')).toMatch(/orders\\?-live\\?-errors[^\n]*🟢 OK/);
    // The comment is the same report, behind its sticky marker.
    for (const scenario of SCENARIOS) {
      expect(out(scenario, 'comment.md')).toContain(out(scenario, 'summary.md').trim());
    }
  });

  it.each(SCENARIOS)('writes a summary that reads right once rendered: %s', async (scenario) => {
    await expect(renderedProblems(out(scenario, 'summary.md'))).resolves.toEqual([]);
  });

  it('splits a release across jobs: start leaves 20%, status reads it, promote goes on from 50%', () => {
    expect(out('split-phase-start', 'outputs.txt')).toMatch(/^weight=20$/m);
    expect(out('split-phase-start', 'outputs.txt')).toMatch(/^result=started$/m);
    expect(out('split-phase-start', 'summary.md')).toMatch(/\| Command \| start \|/);
    expect(out('split-phase-status', 'outputs.txt')).toMatch(/^result=in-progress$/m);
    expect(out('split-phase-status', 'summary.md')).toMatch(/\| Command \| status \|/);
    const promote = out('split-phase-promote', 'summary.md');
    expect(out('split-phase-promote', 'outputs.txt')).toMatch(/^result=promoted$/m);
    // Only the steps after the one start held: 50%, then the promotion.
    expect(promote).toMatch(/\| 2 of 2 \| 50% \|/);
    expect(promote).not.toMatch(/\| 1 of 2 \| 20% \|/);
    expect(stdout).toContain('post step: Post step: nothing to do');
    expect(stdout).toContain('alias live now: version 1, 20% on version 2');
  });

  it('releases five functions in lockstep: one fails its alarm, all five go back, a row each', () => {
    const summary = out('lockstep', 'summary.md');
    expect(out('lockstep', 'outputs.txt')).toMatch(/^previous-version=1,1,1,1,1$/m);
    expect(out('lockstep', 'outputs.txt')).toMatch(/^reason=.*stock-canary-errors/m);
    for (const fn of ['orders', 'billing', 'stock', 'shipping', 'email'])
      expect(summary).toContain(`| ${fn} | 1 → 2 | version 1 |`);
    expect(stdout).toContain('alias live now: orders 1, billing 1, stock 1, shipping 1, email 1');
  });

  it('the rollback is charted: traffic and error rates, the rollback marked, at most twenty points', () => {
    const charts = mermaidBlocks(out('lambda-rollback', 'summary.md'));
    expect(charts).toHaveLength(2);
    for (const chart of charts) {
      const labels = /x-axis "[^"]*" \[(.*)\]/.exec(chart)![1]!.split(', ');
      expect(labels.length).toBeLessThanOrEqual(20);
      expect(labels.at(-1)).toMatch(/^"↩ /);
    }
    expect(charts[0]).toMatch(/title "Traffic on version 2 \(bars\), percent; ↩ rolled back at /);
    expect(charts[1]).toContain('title "Error rate, percent: canary v2 (line), baseline v1 (bars)"');
  });

  it('the dry run shows its plan in the summary and in the log', () => {
    const summary = out('lambda-dry-run', 'summary.md');
    expect(summary).toContain('#### Plan');
    expect(summary).toContain(
      '| 1 of 1 | 10% | +0s | +5m | alarms, analysis \\(then up to 3s for its last metrics; if inconclusive, up to 10m more\\) | UpdateAlias live: 10% on the new version, 90% on version 1 |',
    );
    expect(summary).toContain(
      '| Promote | 100% | +5m | — | — | UpdateAlias live: all traffic on the new version, the split removed |',
    );
    expect(stdout).toContain(
      'Step 1 of 1: 10% from +0s to +5m: UpdateAlias live: 10% on the new version, 90% on version 1',
    );
  });

  it.each(SCENARIOS)(
    'writes summary.html, the summary as GitHub shows it, charts drawn by Mermaid: %s',
    (scenario) => {
      const document = new JSDOM(out(scenario, 'summary.html')).window.document;
      const headline = document.querySelector('.markdown-body h3')?.textContent;
      expect(headline).toMatch(
        /^(✅ Promoted|↩️ Rolled back|📝 Dry run|⏸️ Started: the split waits for promote|🔄 In progress): (orders:live from version 1|shop\/prod from deployment \w+|orders\+billing\+stock\+shipping\+email:live, 5 functions in lockstep)/,
      );
      // A status moves nothing: its summary is the overview alone.
      const tables = scenario === 'split-phase-status' ? 1 : 2;
      expect(document.querySelectorAll('.markdown-body table').length).toBeGreaterThanOrEqual(tables);
      const charts = [...document.querySelectorAll('pre.mermaid')].map((c) => c.textContent);
      expect(charts).toEqual(mermaidBlocks(out(scenario, 'summary.md')));
      const bundle = document.querySelector('script[src]')?.getAttribute('src');
      expect(bundle).toBe('../mermaid.min.js');
      expect(existsSync(join(root, 'demo-output', scenario, bundle!))).toBe(true);
    },
  );
});
