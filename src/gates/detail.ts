// What a gate reading carries besides its status and summary, tagged by the gate's kind so that
// the report reads it without casts. A new gate (analysis, hooks) adds its kind to the union.
import type { AlarmStatus } from './alarms.js';

export type GateDetail = AlarmsDetail;

/** Every named alarm as this poll found it (MISSING when deleted). */
export interface AlarmsDetail {
  kind: 'alarms';
  alarms: AlarmStatus[];
}
