/** The log of every mutating request the local cloud received (reads are not logged). */
import type { ServiceName } from './http.js';

export interface WriteRecord {
  service: ServiceName;
  operation: string;
  /** ISO time the request arrived. */
  time: string;
  /** The resource addressed, e.g. "orders:live" for UpdateAlias. */
  target?: string;
  method: string;
  path: string;
  /** The HTTP status answered (0 when the connection was dropped by a fault). */
  status: number;
  /** The caller's User-Agent header (CloudTrail's userAgent), when it sent one. */
  userAgent?: string;
}

export class WritesLog {
  private records: WriteRecord[] = [];

  add(record: WriteRecord): void {
    this.records.push(record);
    if (this.records.length > 10000) this.records.shift();
  }

  list(): WriteRecord[] {
    return [...this.records];
  }

  clear(): void {
    this.records = [];
  }
}
