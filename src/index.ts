// The main step's entry point (action.yml runs.main).
import { errorMessage } from './engine/rollout.js';
import { log } from './log.js';
import { run } from './main.js';

// An unexpected error fails the step on one safe line, not as a raw stack trace on stderr.
await run().catch((error: unknown) => log.fail(`Unexpected error: ${errorMessage(error)}`));
