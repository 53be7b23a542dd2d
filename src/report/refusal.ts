// A run that stops while its inputs are checked (refused, not checkable, or cancelled) still gets
// a job summary (the README promises one whatever happened): short, listing every problem,
// escaped like all text that may quote what the user or AWS wrote.
import { appendFile } from 'node:fs/promises';
import { escapeMarkdown } from './escape.js';

export type RefusalKind = 'refused' | 'failed' | 'cancelled';

const HEADINGS: Record<RefusalKind, string> = {
  refused: 'Inputs refused',
  failed: 'Failed before any change',
  cancelled: 'Cancelled before any change',
};

function lead(kind: RefusalKind, count: number): string {
  if (kind === 'cancelled')
    return 'The job was cancelled while the inputs were checked; nothing was changed:';
  if (kind === 'failed') {
    return 'The inputs could not be checked against AWS, so the release did not start and nothing was changed:';
  }
  const inputs = count === 1 ? 'One input is' : `${count} inputs are`;
  return `${inputs} invalid, so the release did not start and nothing was changed:`;
}

export function renderRefusal(kind: RefusalKind, problems: string[]): string {
  return [
    `## Serverless Canary: ${HEADINGS[kind]}`,
    '',
    lead(kind, problems.length),
    '',
    ...problems.map((p) => `- ${escapeMarkdown(p)}`),
    '',
  ].join('\n');
}

/** Appends the summary to GITHUB_STEP_SUMMARY; a local run without one writes nothing. */
export async function writeRefusalSummary(
  kind: RefusalKind,
  problems: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  await appendFile(path, renderRefusal(kind, problems));
}
