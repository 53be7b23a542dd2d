// The traffic hooks in the report: a small table of what each hook answered and how long it
// took, and, when a hook stopped the release, its words under "Why it rolled back". Kept apart
// from render.ts, which calls it once.
import { formatDuration } from '../duration.js';
import type { HookRecord } from '../engine/types.js';
import { escapeMarkdown as esc } from './escape.js';
import type { ReleaseReport } from './model.js';

/** A hook's answer in the table is cut to this many characters (the JSON report keeps more). */
const ANSWER_CHARS = 200;

const STATUS: Record<HookRecord['status'], string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  'timed-out': '⏱️ timed out',
  error: '❌ not run',
  cancelled: '⏹️ cancelled',
};

/** "Why it rolled back" for a failed hook (when it was the cause), then the hooks' table. */
export function hooksSection(report: ReleaseReport): string {
  const hooks = report.record?.hooks ?? [];
  if (hooks.length === 0) return '';
  return [hookCause(report, hooks), hooksTable(hooks)].filter((s) => s !== '').join('\n\n');
}

function hooksTable(hooks: HookRecord[]): string {
  const rows = hooks.map((h) =>
    [
      h.phase === 'pre-traffic' ? 'Pre-traffic' : 'Post-traffic',
      esc(h.function),
      STATUS[h.status],
      formatDuration(Math.round(h.durationMs)),
      h.answer === undefined ? '—' : answerText(h.answer),
    ].join(' | '),
  );
  return [
    '#### Hooks',
    '',
    '| Phase | Function | Result | Took | Answer |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

/** The hook that stopped the release, in its own words: the one failed hook the reason names. */
function hookCause(report: ReleaseReport, hooks: HookRecord[]): string {
  const failed = hooks.find((h) => h.status !== 'passed');
  if (!failed || !report.reason.startsWith(`${failed.phase} hook ${failed.function}`)) return '';
  const rollback = report.record?.rollback;
  const section = rollback?.completed ? 'Why it rolled back' : 'Why it stopped';
  const what = failed.status === 'error' ? 'could not be run' : STATUS[failed.status].replace(/^\S+ /, '');
  const lines = [
    `#### ${section}`,
    `> The **${failed.phase} hook** ${esc(failed.function)} ${what} after ${formatDuration(Math.round(failed.durationMs))}${failed.error ? `: ${esc(failed.error)}` : ''}`,
  ];
  if (failed.answer !== undefined) lines.push(`> Its answer: ${answerText(failed.answer)}`);
  return lines.join('\n\n');
}

/** The answer trimmed of its surrounding space and cut, then escaped (never cut inside an escape). */
function answerText(answer: string): string {
  const trimmed = answer.trim();
  if (trimmed === '') return '(empty)';
  const cut = trimmed.length > ANSWER_CHARS ? `${trimmed.slice(0, ANSWER_CHARS)}…` : trimmed;
  return esc(cut);
}
