// The main step's entry point (action.yml runs.main). An unexpected error fails the step on one
// safe line, not as a raw stack trace on stderr. A cancelled run exits as soon as run() has
// reported: an abandoned SDK waiter's timer or a request still in flight would otherwise hold
// Node past the runner's grace.
import { errorMessage } from './engine/rollout.js';
import { log } from './log.js';
import { run } from './main.js';

const outcome = await run().catch((error: unknown) => {
  log.fail(`Unexpected error: ${errorMessage(error)}`);
  return { cancelled: false };
});
if (outcome.cancelled) process.exit();
