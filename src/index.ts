// The main step's entry point (action.yml runs.main). An unexpected error fails the step on one
// safe line, not as a raw stack trace on stderr. A cancelled run exits as soon as run() has
// reported: an abandoned SDK waiter's timer or a request still in flight would otherwise hold
// Node past the runner's grace.
import { runEntry } from './main.js';

const outcome = await runEntry();
if (outcome.cancelled) process.exit();
