// The lint rule that keeps src/log.ts the one way to the Actions log: every other way of writing to
// it, in any file of src/ but the log itself, is an error.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** The lines of `source` that ESLint reports, linted as if it were the file at `path`. */
function flaggedLines(source: string, path: string): number[] {
  const eslint = spawnSync(
    process.execPath,
    ['node_modules/eslint/bin/eslint.js', '--stdin', '--stdin-filename', path, '--format', 'json'],
    { cwd: root, input: source, encoding: 'utf8' },
  );
  const [result] = JSON.parse(eslint.stdout) as { messages: { line: number; ruleId: string | null }[] }[];
  expect(result!.messages.filter((m) => m.ruleId === null)).toEqual([]);
  return [...new Set(result!.messages.map((m) => m.line))];
}

const WAYS_AROUND = [
  "core.info('x');",
  "core.warning('x');",
  "core.error('x');",
  "core.notice('x');",
  "core.startGroup('x');",
  'core.endGroup();',
  "core.setFailed('x');",
  'const { info } = core;',
  'const sink = { log: core };',
  "process.stdout.write('x');",
  "process.stderr.write('x');",
  "console.log('x');",
];
const PROBE = [
  "import * as core from '@actions/core';",
  "import { debug } from '@actions/core';",
  "import * as actions from '@actions/core';",
  "import { issueCommand } from '@actions/core/lib/command.js';",
  ...WAYS_AROUND,
  "core.setOutput('result', 'promoted');",
  "core.saveState('rollout', '{}');",
  "export const used = [debug, actions, issueCommand, core.getInput('alias')];",
].join('\n');

it('refuses every way around the log in src/, and nothing else', () => {
  const firstWayAround = 5;
  const expected = [2, 3, 4, ...WAYS_AROUND.map((_, i) => firstWayAround + i)];
  expect(flaggedLines(PROBE, 'src/report/probe.ts').sort((a, b) => a - b)).toEqual(expected);
});

it('lets the log itself, and the tests, write through @actions/core', () => {
  const direct = "import * as core from '@actions/core';\ncore.info('x');\ncore.setFailed('x');\n";
  expect(flaggedLines(direct, 'src/log.ts')).toEqual([]);
  expect(flaggedLines(direct, 'tests/probe.test.ts')).toEqual([]);
});
