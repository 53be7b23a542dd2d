/**
 * Faults on demand, per service and seeded: throttling, internal errors (5xx), slow answers and
 * dropped connections. Each request draws its fate from the service's fault settings.
 */
import type { ServiceName } from './http.js';
import type { Rng } from './rng.js';

export interface FaultSpec {
  /** Fraction (0..1) of requests answered with the service's throttling error. */
  throttle?: number;
  /** Fraction (0..1) of requests answered with the service's 5xx internal error. */
  error5xx?: number;
  /** Fraction (0..1) of requests whose connection is destroyed without an answer. */
  drop?: number;
  /**
   * Fraction (0..1) of requests that are carried out, and then their connection destroyed before
   * the answer: the caller cannot tell whether the change happened (a lost response).
   */
  dropAfter?: number;
  /** Delay added before every answer, in ms. */
  delayMs?: number;
  /** Retry-After (seconds) sent with Lambda (default 0.2) and API Gateway (default 1) throttles. */
  retryAfterSeconds?: number;
  /** Only these operations are affected (e.g. ["UpdateAlias"]); all when absent. */
  operations?: string[];
  /** Stop injecting after this many faults (throttle, 5xx, drop, dropAfter); unlimited when absent. */
  limit?: number;
}

export type FaultDecision = {
  delayMs: number;
  kind: 'none' | 'throttle' | 'error5xx' | 'drop' | 'dropAfter';
};

export class Faults {
  private readonly specs = new Map<ServiceName, FaultSpec & { injected: number }>();

  constructor(private readonly rng: Rng) {}

  set(service: ServiceName, spec: FaultSpec | null): void {
    if (!spec || Object.keys(spec).length === 0) this.specs.delete(service);
    else this.specs.set(service, { ...spec, injected: 0 });
  }

  clear(): void {
    this.specs.clear();
  }

  get(service: ServiceName): FaultSpec | undefined {
    return this.specs.get(service);
  }

  view(): Record<string, FaultSpec & { injected: number }> {
    return Object.fromEntries(this.specs);
  }

  decide(service: ServiceName, operation: string): FaultDecision {
    const spec = this.specs.get(service);
    if (!spec || (spec.operations && !spec.operations.includes(operation)))
      return { delayMs: 0, kind: 'none' };
    const delayMs = spec.delayMs ?? 0;
    if (spec.limit !== undefined && spec.injected >= spec.limit) return { delayMs, kind: 'none' };
    const r = this.rng.next();
    const throttle = spec.throttle ?? 0;
    const error = spec.error5xx ?? 0;
    const drop = spec.drop ?? 0;
    const dropAfter = spec.dropAfter ?? 0;
    let kind: FaultDecision['kind'] = 'none';
    if (r < throttle) kind = 'throttle';
    else if (r < throttle + error) kind = 'error5xx';
    else if (r < throttle + error + drop) kind = 'drop';
    else if (r < throttle + error + drop + dropAfter) kind = 'dropAfter';
    if (kind !== 'none') spec.injected++;
    return { delayMs, kind };
  }
}
