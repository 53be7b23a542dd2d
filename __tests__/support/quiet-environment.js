// Jest's node environment, made quiet: tests run the action, and the action writes its log to
// process.stdout (through @actions/core). That log belongs to the test, not to the suite's output:
// each test's stdout and stderr are kept and shown only when the test fails.
import { Writable } from 'node:stream';
import { TestEnvironment } from 'jest-environment-node';

export default class QuietEnvironment extends TestEnvironment {
  /** What the current test (or hook) wrote, in order. */
  written = [];

  constructor(config, context) {
    super(config, context);
    // The tests' `process` is Jest's copy, whose streams are getters to the real ones: the
    // tests get streams of their own, and the real ones stay untouched for Jest's reporters.
    for (const name of ['stdout', 'stderr']) {
      const stream = this.keeper();
      Object.defineProperty(this.global.process, name, { configurable: true, get: () => stream });
    }
  }

  keeper() {
    return new Writable({
      write: (chunk, _encoding, done) => {
        this.written.push(chunk.toString());
        done();
      },
    });
  }

  async handleTestEvent(event) {
    if (event.name === 'test_start') this.written = [];
    if (event.name === 'test_done' && event.test.errors.length > 0)
      this.show(`test "${fullName(event.test)}"`);
    if (event.name === 'hook_failure') this.show(`${event.hook.type} hook`);
  }

  show(what) {
    if (this.written.length === 0) return;
    process.stderr.write(
      `\n── output of the failed ${what} ──\n${this.written.join('')}── end of output ──\n`,
    );
    this.written = [];
  }
}

function fullName(test) {
  const names = [];
  for (let block = test; block && block.name !== 'ROOT_DESCRIBE_BLOCK'; block = block.parent)
    names.unshift(block.name);
  return names.join(' › ');
}
