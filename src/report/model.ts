import type { RolloutRecord } from '../engine/types.js';
import type { Plan } from '../strategy.js';

export type Result = 'promoted' | 'rolled-back' | 'no-change' | 'failed' | 'dry-run';

/** Everything the report shows; rendered once and published to the summary (and later the comment). */
export interface ReleaseReport {
  functionName: string;
  alias: string;
  region: string;
  previousVersion?: string;
  targetVersion?: string;
  plan?: Plan;
  result: Result;
  reason: string;
  durationSeconds: number;
  notes: string[];
  record?: RolloutRecord;
  runUrl?: string;
}
