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
  if (kind === 'cancelled') {
    const found =
      count > 1
        ? `, and ${count - 1 === 1 ? 'one problem was' : `${count - 1} problems were`} found before it`
        : '';
    return `The job was cancelled while the inputs were checked${found}; nothing was changed:`;
  }
  if (kind === 'failed') {
    return 'The inputs could not be checked against AWS, so the release did not start and nothing was changed:';
  }
  // Problems, not inputs: some are of no one input (credentials that expire too soon).
  const problems = count === 1 ? 'One problem was' : `${count} problems were`;
  return `${problems} found, so the release did not start and nothing was changed:`;
}

/** `problems`: for a cancelled run, the cancellation first, then any problem found before it. */
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
