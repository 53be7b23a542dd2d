import type { Clock } from '../../src/engine/types.js';

/** A clock whose sleeps advance time instantly, so long plans run in milliseconds. */
export class FakeClock implements Clock {
  constructor(public time = Date.UTC(2026, 10, 22, 12, 0, 0)) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.time += Math.max(0, ms);
    await Promise.resolve();
  }
}
