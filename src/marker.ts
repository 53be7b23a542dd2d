// The rollout marker lives in the alias Description and is written in the same RevisionId-guarded
// UpdateAlias call as the weights, so the lock and the record never disagree with the routing.

export type MarkerState = 'shifting' | 'promoted' | 'rolled-back';

export interface RolloutMarker {
  state: MarkerState;
  /** Identifies the run, job and leg: "owner/repo#runId.attempt/job~nonce". */
  run: string;
  from: string;
  to: string;
  /** Percent on the new version that this write set. */
  weight: number;
  plan: string;
  /** ISO time the rollout started. */
  started: string;
  /** Who started it (the GitHub actor). */
  by: string;
}

const PREFIX = 'serverless-canary:';
/** Lambda's limit on an alias Description. */
export const MAX_DESCRIPTION = 256;

interface Compact {
  s: MarkerState;
  r: string;
  f: string;
  t: string;
  w: number;
  p: string;
  at: string;
  by: string;
}

export function formatMarker(marker: RolloutMarker): string {
  const compact: Compact = {
    s: marker.state,
    r: marker.run,
    f: marker.from,
    t: marker.to,
    w: marker.weight,
    p: marker.plan,
    at: marker.started,
    by: marker.by,
  };
  const text = () => PREFIX + JSON.stringify(compact);
  // Over Lambda's limit, give up detail in this order; never cut the JSON itself, nor the run id
  // (its owner compares it with its own; main.ts keeps it short enough).
  const shorteners: (() => void)[] = [
    () => (compact.p = shorten(compact.p, text().length - MAX_DESCRIPTION)),
    () => (compact.by = shorten(compact.by, text().length - MAX_DESCRIPTION)),
  ];
  for (const shortenNext of shorteners) {
    if (text().length <= MAX_DESCRIPTION) break;
    shortenNext();
  }
  if (text().length > MAX_DESCRIPTION) {
    throw new Error(
      `The rollout marker does not fit in an alias description (${text().length} > ${MAX_DESCRIPTION} characters).`,
    );
  }
  return text();
}

function shorten(value: string, over: number): string {
  if (over <= 0) return value;
  return value.length > over + 1 ? `${value.slice(0, value.length - over - 1)}…` : '';
}

export function parseMarker(description: string | undefined): RolloutMarker | undefined {
  if (!description?.startsWith(PREFIX)) return undefined;
  try {
    const c = JSON.parse(description.slice(PREFIX.length)) as Partial<Compact>;
    if (!c.s || !c.r || !c.f || !c.t || typeof c.w !== 'number') return undefined;
    return {
      state: c.s,
      run: c.r,
      from: c.f,
      to: c.t,
      weight: c.w,
      plan: c.p ?? '',
      started: c.at ?? '',
      by: c.by ?? '',
    };
  } catch {
    return undefined;
  }
}

export function describeMarker(marker: RolloutMarker): string {
  return `run ${marker.run} by ${marker.by || 'unknown'} (${marker.from} → ${marker.to}, ${marker.state} at ${marker.weight}%, started ${marker.started})`;
}
