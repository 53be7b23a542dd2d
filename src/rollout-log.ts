// The rollout as a person follows it in the Actions log: a group per step, one line per poll
// (where the release is, how long the step has left, what each gate said), and how it ended. The
// reason of a rollback or failure is left to the step's failure annotation, so it is said once.
import { formatDuration } from './duration.js';
import type {
  GateReading,
  HookPhase,
  HookRecord,
  Observation,
  RolloutEvent,
  RolloutRecord,
} from './engine/types.js';
import type { Log } from './log.js';
import { holdText, isAnalysisReading, readingLine } from './report/analysis.js';

/** The engine's `onEvent` for `log`; logging never breaks a rollout. */
export function rolloutLogger(log: Log): (event: RolloutEvent) => void {
  return (event) => {
    try {
      logEvent(log, event);
    } catch {
      // ignore: the report still says what happened
    }
  };
}

function logEvent(log: Log, event: RolloutEvent): void {
  switch (event.type) {
    case 'step-started':
      log.startGroup(
        `Step ${event.step.index + 1} of ${event.count}: ${event.step.weight}% of traffic for ${formatDuration(event.step.plannedHoldMs)}`,
      );
      break;
    case 'gate-read':
      log.info(pollLine(event));
      break;
    case 'step-finished':
      log.endGroup();
      break;
    case 'promoting':
      log.info('Promoting: all traffic to the new version.');
      break;
    case 'hook-started':
      log.info(
        `${hookTitle(event.phase)}: invoking ${event.function} (up to ${formatDuration(event.timeoutMs)}).`,
      );
      break;
    case 'hook-finished':
      log.info(hookLine(event.hook));
      break;
    case 'rolling-back':
      // A rollback can start inside a step (its write failed) or after it.
      log.endGroup();
      log.info('Rolling back: all traffic to the previous version.');
      break;
    case 'observed':
      log.info(observedLine(event.observation));
      break;
    case 'hold-ignored':
      log.info(
        `Step ${event.step.index + 1}: ${event.gate} asks to hold the step (${event.why}); the deployment keeps its own schedule, so the gate is only read on.`,
      );
      break;
    case 'finished':
      log.endGroup();
      logFinished(log, event.record);
      break;
  }
}

/**
 * "Step 1 of 3 · 10% · 9m55s left · alarms: pass (1 alarm(s): 1 OK) · analysis: pass (canary
 * 3/298 errors, baseline 27/2,702)". No time of its own: the runner stamps every line, and a
 * second timestamp would only say the same thing twice; only a gate holding the step past its
 * end says until when.
 */
function pollLine(event: Extract<RolloutEvent, { type: 'gate-read' }>): string {
  const { step, count, readings, at, endsAt } = event;
  const gates = readings.length > 0 ? readings.map(describeReading).join(' · ') : 'no gates';
  const holds = readings.flatMap((r) => (r.holdStep ? [holdText(r.holdStep, plain)] : []));
  return [
    `Step ${step.index + 1} of ${count}`,
    `${step.weight}%`,
    `${timeLeft(endsAt - at)} left`,
    gates,
    ...holds,
  ].join(' · ');
}

/** The log takes names as they are: src/log.ts keeps them from becoming workflow commands. */
const plain = (text: string) => text;

/** The analysis by its verdict and evidence (its status is the engine's); other gates by their summary. */
function describeReading(reading: GateReading): string {
  if (isAnalysisReading(reading) && reading.status !== 'error')
    return `${reading.gate}: ${readingLine(reading, plain)}`;
  return `${reading.gate}: ${reading.status} (${reading.summary})`;
}

/** Whole seconds, rounded up: "0s" only once the hold is over. */
function timeLeft(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return seconds === 0 ? '0s' : formatDuration(seconds * 1000);
}

function logFinished(log: Log, record: RolloutRecord): void {
  const rollback = record.rollback;
  if (rollback) {
    const took = formatDuration(rollback.endedAt - rollback.startedAt);
    log.info(rollback.completed ? `Rollback completed in ${took}.` : `Rollback failed after ${took}.`);
  }
  const took = formatDuration(record.endedAt - record.startedAt);
  // `command: start` ends with the split in place: said as such, not as an outcome word.
  if (record.outcome === 'started') log.info(`Split left after ${took}, for a later promote or rollback.`);
  else log.info(`Rollout ${record.outcome} after ${took}.`);
}

/**
 * "Deployment running: AllowTraffic InProgress · 10% on the new version", and its rollback
 * deployment; the service's error is the reason, left to the failure annotation.
 */
function observedLine(seen: Observation): string {
  const parts = [`Deployment ${seen.state}: ${seen.phase}`, `${seen.weight}% on the new version`];
  if (seen.rollback) parts.push(`rollback deployment ${seen.rollback.id} ${seen.rollback.state}`);
  return parts.join(' · ');
}

function hookTitle(phase: HookPhase): string {
  return phase === 'pre-traffic' ? 'Pre-traffic hook' : 'Post-traffic hook';
}

/** "Pre-traffic hook checks passed in 1.2s." or "... failed after 3s: answered status Failed". */
function hookLine(hook: HookRecord): string {
  const took = formatDuration(Math.round(hook.durationMs));
  const title = `${hookTitle(hook.phase)} ${hook.function}`;
  if (hook.status === 'passed') return `${title} passed in ${took}.`;
  return `${title} ${hook.status} after ${took}${hook.error ? `: ${hook.error}` : ''}.`;
}
