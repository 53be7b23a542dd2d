// A refused input still gets a job summary (the README promises one whatever happened): short,
// listing every problem, escaped like all text that may quote what the user or AWS wrote.
import { appendFile } from 'node:fs/promises';
import { escapeMarkdown } from './escape.js';

export function renderRefusal(problems: string[]): string {
  const count = problems.length === 1 ? 'One input is' : `${problems.length} inputs are`;
  return [
    '## Serverless Canary: inputs refused',
    '',
    `${count} invalid, so the release did not start and nothing was changed:`,
    '',
    ...problems.map((p) => `- ${escapeMarkdown(p)}`),
    '',
    'Fix the inputs in the workflow and run again.',
    '',
  ].join('\n');
}

/** Appends the refusal to GITHUB_STEP_SUMMARY; a local run without one writes nothing. */
export async function writeRefusalSummary(problems: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  await appendFile(path, renderRefusal(problems));
}
