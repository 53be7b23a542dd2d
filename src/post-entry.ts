// The post step's entry point (action.yml runs.post).
import { errorMessage } from './engine/rollout.js';
import { log } from './log.js';
import { runPost } from './post.js';

// An unexpected error fails the step on one safe line, not as a raw stack trace on stderr.
await runPost().catch((error: unknown) =>
  log.fail(`Unexpected error in the post step: ${errorMessage(error)}`),
);
