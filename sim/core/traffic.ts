/**
 * The traffic generator: invokes Lambda aliases (or API Gateway stages) at a set rate, on the
 * cloud's clock, through the same code path as a real invocation, so routing follows live alias
 * changes and metrics appear exactly as invocations would produce them.
 */
export interface TrafficStream {
  /** e.g. "lambda:orders:live" or "apigateway:abc123:prod". */
  key: string;
  /** Invocations per second. */
  rate: number;
  /** Invokes once; throws when the target is gone (the error is kept, traffic goes on). */
  invoke: () => void;
}

interface Running extends TrafficStream {
  last: number;
  carry: number;
  invocations: number;
  failures: number;
  lastError?: string;
}

export class TrafficGenerator {
  private readonly streams = new Map<string, Running>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Starts or changes a stream; rate 0 stops it. */
  set(stream: TrafficStream): void {
    if (stream.rate <= 0) {
      this.streams.delete(stream.key);
      return;
    }
    const existing = this.streams.get(stream.key);
    if (existing) {
      existing.rate = stream.rate;
      existing.invoke = stream.invoke;
      return;
    }
    this.streams.set(stream.key, { ...stream, last: this.clock(), carry: 0, invocations: 0, failures: 0 });
  }

  stop(key: string): void {
    this.streams.delete(key);
  }

  clear(): void {
    this.streams.clear();
  }

  /** Fires the invocations due since the last tick (fractional ones are carried over). */
  tick(now: number): void {
    for (const s of this.streams.values()) {
      const due = (s.rate * Math.max(0, now - s.last)) / 1000 + s.carry;
      const n = Math.floor(due);
      s.carry = due - n;
      s.last = now;
      for (let i = 0; i < n; i++) {
        try {
          s.invoke();
          s.invocations++;
        } catch (e) {
          s.failures++;
          s.lastError = e instanceof Error ? e.message : String(e);
        }
      }
    }
  }

  view(): { key: string; rate: number; invocations: number; failures: number; lastError?: string }[] {
    return [...this.streams.values()].map((s) => ({
      key: s.key,
      rate: s.rate,
      invocations: s.invocations,
      failures: s.failures,
      ...(s.lastError ? { lastError: s.lastError } : {}),
    }));
  }
}
