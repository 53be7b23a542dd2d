// The README's first command: the demo must run and write what it promises.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '..');

it('npm run demo shows one release promoted and one rolled back by its alarm', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'demo/run.ts'], {
    cwd: root,
  });
  expect(stdout).toContain('result: promoted (as expected)');
  expect(stdout).toContain('result: rolled-back (as expected)');
  expect(stdout).toContain('All 2 scenario(s) ended as expected.');
  const out = (scenario: string, file: string) =>
    readFileSync(join(root, 'demo-output', scenario, file), 'utf8');
  expect(out('lambda-promote', 'outputs.txt')).toContain('result=promoted');
  expect(out('lambda-rollback', 'outputs.txt')).toContain('result=rolled-back');
  // The alarm's name may come escaped for Markdown.
  expect(out('lambda-rollback', 'summary.md')).toMatch(/orders\\?-live\\?-errors is ALARM/);
  // The comment is the same report, behind its sticky marker.
  for (const scenario of ['lambda-promote', 'lambda-rollback']) {
    expect(out(scenario, 'comment.md')).toContain(out(scenario, 'summary.md').trim());
  }
}, 90_000);
