// The Actions log of a rollout: one group per step, each gate reading on its own line.
import * as core from '@actions/core';
import { formatDuration } from './duration.js';
import type { RolloutEvent, RolloutRecord } from './engine/types.js';

export function logEvent(event: RolloutEvent): void {
  // Logging must never break a rollout.
  try {
    switch (event.type) {
      case 'step-started':
        core.startGroup(
          `Step ${event.step.index + 1}/${event.count}: ${event.step.weight}% for ${formatDuration(event.step.plannedHoldMs)}`,
        );
        break;
      case 'gate-read':
        for (const r of event.readings)
          core.info(`${new Date(r.at).toISOString()} ${r.gate}: ${r.status}: ${oneLine(r.summary)}`);
        break;
      case 'step-finished':
        core.endGroup();
        break;
      case 'promoting':
        core.info('Promoting: all traffic to the new version.');
        break;
      case 'rolling-back':
        core.endGroup();
        core.warning(`Rolling back: ${event.reason}`, { title: 'Rollback' });
        break;
      case 'finished':
        logFinished(event.record);
        break;
    }
  } catch {
    // ignore: the report still says what happened
  }
}

function logFinished(record: RolloutRecord): void {
  const took = formatDuration(record.endedAt - record.startedAt);
  if (record.rollback)
    core.info(
      `Rollback ${record.rollback.completed ? 'completed' : 'FAILED'} in ${record.rollback.endedAt - record.rollback.startedAt} ms.`,
    );
  core.info(`Rollout ${record.outcome} after ${took}: ${oneLine(record.reason)}`);
}

export /**
 * Text from AWS (alarm reasons) on one line: a line break followed by "::" would otherwise be read
 * by the runner as a workflow command. (core.warning and core.setFailed escape their own.)
 */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
