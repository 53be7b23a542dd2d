// The main step's entry. A cancelled run exits as soon as run() has reported: an abandoned SDK
// waiter's timer or a request still in flight would otherwise hold Node past the runner's grace.
import { run } from './main.js';

const { cancelled } = await run();
if (cancelled) process.exit();
