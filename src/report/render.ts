// The report as Markdown: a pure function of the release, used for the job summary.
import { formatDuration } from '../duration.js';
import { describePlan } from '../strategy.js';
import { escapeMarkdown as esc } from './escape.js';
import type { ReleaseReport, Result } from './model.js';

const HEADLINE: Record<Result, string> = {
  promoted: '✅ Promoted',
  'rolled-back': '↩️ Rolled back',
  'no-change': '➖ No change',
  failed: '❌ Failed',
  'dry-run': '📝 Dry run',
};

export function renderReport(report: ReleaseReport): string {
  const lines: string[] = [];
  const versions =
    report.previousVersion && report.targetVersion
      ? ` from version ${esc(report.previousVersion)} to ${esc(report.targetVersion)}`
      : '';
  lines.push(
    `### ${HEADLINE[report.result]}: ${esc(report.functionName)}:${esc(report.alias)}${versions}`,
    '',
  );
  lines.push(`**Reason:** ${esc(report.reason)}`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| Function | ${esc(report.functionName)} (${esc(report.region)}) |`);
  lines.push(`| Alias | ${esc(report.alias)} |`);
  if (report.previousVersion) lines.push(`| Previous version | ${esc(report.previousVersion)} |`);
  if (report.targetVersion) lines.push(`| Target version | ${esc(report.targetVersion)} |`);
  if (report.plan) lines.push(`| Strategy | ${esc(report.plan.name)}: ${esc(describePlan(report.plan))} |`);
  lines.push(`| Duration | ${report.durationSeconds}s |`);
  if (report.runUrl) lines.push(`| Run | [workflow run](${encodeURI(report.runUrl)}) |`);
  lines.push('');

  const steps = report.record?.steps ?? [];
  if (steps.length > 0) {
    lines.push('| Step | Weight | Held | Last gate reading |', '|---|---|---|---|');
    for (const step of steps) {
      const held = step.endedAt !== undefined ? formatDuration(step.endedAt - step.startedAt) : 'stopped';
      const last = step.readings.at(-1);
      const reading = last ? `${last.status}: ${esc(last.summary)}` : '—';
      lines.push(`| ${step.index + 1} | ${step.weight}% | ${held} | ${reading} |`);
    }
    lines.push('');
  }
  for (const note of report.notes) lines.push(`> ${esc(note)}`, '');
  return lines.join('\n');
}
