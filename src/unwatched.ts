// "Nothing watched this release": the sentence for a rollout that no gate could fail (no alarms,
// and the analysis off, without metrics, or never judging anything), which a person must not
// miss. Decided before the rollout from the inputs, and after it from the analysis's readings.
import type { RolloutRecord } from './engine/types.js';
import type { AnalysisDetail } from './gates/detail.js';

export const UNWATCHED_TITLE = 'Nothing watched this release';

/** The traffic hooks given: they check the new version at their phase, but watch no traffic. */
export interface HooksGiven {
  preTraffic?: string;
  postTraffic?: string;
}

/** How the sentence ends: what, if anything, could still have stopped the release. */
function consequence(hooks: HooksGiven, tense: 'would have been' | 'was'): string {
  const given = [hooks.preTraffic && 'pre-traffic', hooks.postTraffic && 'post-traffic'].filter(Boolean);
  if (given.length === 0) return `so it ${tense} promoted whatever the new version did`;
  const named = given.length === 2 ? 'the pre- and post-traffic hooks' : `the ${given[0]} hook`;
  return `so only ${named} checked the new version, and nothing watched the traffic it took`;
}

/** Before the rollout: what no gate will watch, or undefined when a gate can fail it. */
export function unwatchedBefore(options: {
  alarms: number;
  analysisOn: boolean;
  /** Whether the target has metric queries for the analysis. */
  hasMetrics: boolean;
  hooks: HooksGiven;
}): string | undefined {
  if (options.alarms > 0) return undefined;
  const then = consequence(options.hooks, 'would have been');
  if (!options.analysisOn) {
    return `${UNWATCHED_TITLE}: no alarms were given and analysis is off, ${then}.`;
  }
  if (!options.hasMetrics) {
    return `${UNWATCHED_TITLE}: no alarms were given and this target has no metrics for the analysis, ${then}.`;
  }
  return undefined;
}

/**
 * After a promotion with no alarms: whether the analysis ever judged the two versions. A last
 * reading still gathering, waiting or inconclusive (passed by `on-inconclusive: pass`), or none
 * at all, judged nothing.
 */
export function unwatchedAfter(record: RolloutRecord, alarms: number, hooks: HooksGiven): string | undefined {
  if (alarms > 0 || record.outcome !== 'promoted') return undefined;
  const last = lastAnalysisReading(record);
  if (last?.detail.verdict === 'pass') return undefined;
  const why = last
    ? `the analysis never had the evidence to judge (its last verdict: ${last.detail.verdict}; ${last.summary})`
    : 'the analysis read nothing';
  return `${UNWATCHED_TITLE}: no alarms were given and ${why}, ${consequence(hooks, 'was')}.`;
}

function lastAnalysisReading(record: RolloutRecord): { summary: string; detail: AnalysisDetail } | undefined {
  for (let s = record.steps.length - 1; s >= 0; s--) {
    const readings = record.steps[s]!.readings;
    for (let r = readings.length - 1; r >= 0; r--) {
      const { detail, summary } = readings[r]!;
      if (detail?.kind === 'analysis') return { summary, detail };
    }
  }
  return undefined;
}
