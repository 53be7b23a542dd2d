// A followed rollout in the report (a deployment that moved its own traffic, CodeDeploy's): the
// deployment, its lifecycle events and its rollback deployment; and, when the service ended it
// on its own, its error code and message under "Why it rolled back". Everything here came from
// AWS, so all of it is escaped. Kept apart from render.ts, which calls it.
import { formatDuration } from '../duration.js';
import type { FollowedRecord, FollowedState, LifecycleEvent } from '../engine/types.js';
import { escapeMarkdown as esc, link } from './escape.js';
import type { ReleaseReport } from './model.js';

/** A lifecycle event's diagnostics in the table are cut to this many characters (the JSON report keeps them). */
const MESSAGE_CHARS = 300;

const STATE: Record<FollowedState, string> = {
  running: '🔄 running',
  succeeded: '✅ succeeded',
  failed: '❌ failed',
  stopped: '⏹️ stopped',
};

/**
 * The service's own words for an event's status, with an icon where the word is known (a Map: a
 * status such as "constructor" must not find an object's own property).
 */
const EVENT_ICON = new Map([
  ['Succeeded', '✅'],
  ['Failed', '❌'],
  ['InProgress', '🔄'],
  ['Pending', '⏳'],
  ['Skipped', '⏭️'],
]);

/** "Why it rolled back" when the service ended the deployment itself, else nothing. */
export function followedCause(report: ReleaseReport): string {
  const record = report.record;
  const followed = record?.followed;
  if (!record || followed?.endedBy !== 'service') return '';
  const section = record.rollback?.completed ? 'Why it rolled back' : 'Why it stopped';
  const verb = followed.state === 'stopped' ? 'was stopped' : 'failed';
  const quotes = [
    `**The deployment ${esc(followed.id ?? '')}${followed.id ? ' ' : ''}${verb}** on its own: ${esc(followed.error ?? 'no reason given')}`,
    ...followed.events
      .filter((e) => e.status === 'Failed')
      .map((e) => `Its lifecycle event **${esc(e.name)}** failed${e.message ? `: ${cut(e.message)}` : ''}`),
  ];
  if (followed.rollback) quotes.push(rollbackText(report, followed));
  return [`#### ${section}`, ...quotes.map((q) => `> ${q}`)].join('\n\n');
}

/** The deployment: its id, how it ended, its rollback deployment, and every lifecycle event. */
export function followedSection(report: ReleaseReport): string {
  const followed = report.record?.followed;
  if (!followed) return '';
  const facts = [
    `**Deployment:** ${followed.id ? deploymentLink(report, followed.id) : 'unnamed'}`,
    `**Status:** ${STATE[followed.state]}${followed.phase ? ` (${esc(followed.phase)})` : ''}`,
  ];
  if (followed.error && followed.endedBy !== 'service') facts.push(`**Error:** ${esc(followed.error)}`);
  if (followed.rollback) facts.push(rollbackText(report, followed));
  const parts = ['#### Deployment', facts.join('<br>')];
  if (followed.events.length > 0) parts.push(eventsTable(followed.events));
  return parts.join('\n\n');
}

function rollbackText(report: ReleaseReport, followed: FollowedRecord): string {
  const rollback = followed.rollback!;
  return `**Rollback deployment:** ${deploymentLink(report, rollback.id)}, ${STATE[rollback.state]}`;
}

function eventsTable(events: LifecycleEvent[]): string {
  const rows = events.map((e) =>
    [
      esc(e.name),
      `${EVENT_ICON.get(e.status) ?? '❔'} ${esc(e.status)}`,
      took(e),
      e.message ? cut(e.message) : '—',
    ].join(' | '),
  );
  return [
    '| Lifecycle event | Status | Took | Diagnostics |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

function took(event: LifecycleEvent): string {
  if (event.startedAt === undefined || event.endedAt === undefined) return '—';
  return formatDuration(Math.max(0, Math.round(event.endedAt - event.startedAt)));
}

/** The deployment's page in the CodeDeploy console. */
function deploymentLink(report: ReleaseReport, id: string): string {
  const region = encodeURIComponent(report.region);
  const url = `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(id)}?region=${region}`;
  return link(id, url);
}

/** The service's text, cut before escaping so that no escape is split, then escaped. */
function cut(text: string): string {
  return esc(text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS)}…` : text);
}
