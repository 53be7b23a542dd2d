// A real workflow linter (actionlint) over every workflow file in the repository, the examples
// included (and the README's whole workflows); any finding fails the test and is printed, as `npm run lint:workflows` prints it.
import { readFileSync } from 'node:fs';
import {
  formatFinding,
  lintReadmeWorkflows,
  lintWorkflow,
  lintWorkflowFiles,
  readmeWorkflows,
  workflowFiles,
} from '../scripts/workflow-lint.js';

describe('actionlint', () => {
  it('reads every workflow: the repository’s own and the examples', () => {
    expect(workflowFiles()).toEqual([
      '.github/workflows/ci.yml',
      '.github/workflows/release.yml',
      'examples/codedeploy-canary.yml',
      'examples/environment-gated-production.yml',
      'examples/one-job-canary.yml',
      'examples/staging-then-production.yml',
    ]);
  });

  it('finds nothing in any of them', async () => {
    const findings = await lintWorkflowFiles(workflowFiles());
    expect(findings.map(formatFinding)).toEqual([]);
  });

  it("finds nothing in the README's whole workflows, and reads them", async () => {
    const readme = readFileSync('README.md', 'utf8');
    const blocks = readmeWorkflows(readme);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // Each block's first line is its line in README.md, so that a finding points at it.
    for (const { line, text } of blocks) expect(readme.split('\n')[line - 1]).toBe(text.split('\n')[0]);
    expect((await lintReadmeWorkflows()).map(formatFinding)).toEqual([]);
  });

  it('finds what it is there to find (so that nothing above passes by linting nothing)', async () => {
    const workflow = [
      'on: push',
      'jobs:',
      '  release:',
      '    needs: build',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          reff: main',
      '      - run: echo "${{ github.event.head_commit.message }}"',
    ].join('\n');
    const findings = await lintWorkflow('bad.yml', workflow);
    expect(findings.map((f) => `${f.line}:${f.kind}`)).toEqual(['3:job-needs', '9:action', '10:expression']);
    expect(formatFinding(findings[1]!)).toMatch(
      /^bad\.yml:9:11: input "reff" is not defined in action "actions\/checkout@v4"\. .* \[action\]$/,
    );
  });
});
