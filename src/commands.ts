// The split-phase commands' judgement (promote, rollback, status): what the marker on the target
// says of the release that `start` left, whether the target still shows exactly that, and what is
// left of its plan. Everything comes from the marker and the inputs, so a command works from any
// job, runner or day. Pure: main.ts reads the target (TargetDefinition.inspect) and acts on it.
import type { Plan } from './engine/plan.js';
import type { GateContext, TargetPart } from './engine/types.js';
import { describeMarker, mayStillRunUntil, membershipCount, type RolloutMarker } from './marker.js';
import type { TargetInspection } from './targets/definition.js';

/** What a command found: a release to act on, one already where the command would put it, or a refusal. */
export type Finding =
  | { kind: 'release'; marker: RolloutMarker; found: string }
  | { kind: 'done'; marker: RolloutMarker; found: string }
  | { kind: 'refused'; reason: string };

/** The target's words for what it routes: "version" (Lambda), "deployment" (API Gateway). */
type Unit = string;

/** Refusals say that nothing was changed: they all come before any write. */
const UNCHANGED = 'nothing was changed';

/** The target and its marker, in words, for the report: "alias live of ...: 90% on version 1, ...". */
export function describeFound(inspection: TargetInspection<unknown>, unit: Unit): string {
  const { live, marker } = inspection;
  const routing = live.split
    ? `${round(100 - live.split.weight)}% on ${unit} ${live.on}, ${live.split.weight}% on ${unit} ${live.split.to}`
    : `all traffic on ${unit} ${live.on}`;
  const marked = marker ? `; marker: ${describeMarker(marker)}` : '; no marker of this action';
  return `${inspection.label}: ${routing}${marked}`;
}

/** Whether the target routes exactly as the marker recorded, so that no one has changed it since. */
export function showsMarker(inspection: TargetInspection<unknown>, marker: RolloutMarker): boolean {
  const { live } = inspection;
  if (marker.state === 'promoted') return live.on === marker.to && !live.split;
  if (marker.state === 'rolled-back') return live.on === marker.from && !live.split;
  return (
    live.on === marker.from &&
    live.split?.to === marker.to &&
    round(live.split.weight) === round(marker.weight)
  );
}

/** `promote` continues only a split that `start` left, of the release the inputs name, untouched since. */
export function checkForPromote(inspection: TargetInspection<unknown>, unit: Unit, now: number): Finding {
  if (inspection.members)
    return checkEach(inspection.members, (m) => checkForPromote(m, unit, now), 'promote');
  const found = describeFound(inspection, unit);
  const marker = inspection.marker;
  const refuse = (why: string): Finding => ({
    kind: 'refused',
    reason: `refused to promote ${inspection.label}: ${why}; ${UNCHANGED}`,
  });
  if (!marker) return refuse(missing(inspection, unit, 'promote'));
  const foreign = foreignRelease(inspection, marker, unit) ?? otherMembership(inspection, marker);
  if (foreign) return refuse(foreign);
  if (marker.state !== 'started') return refuse(notStarted(marker, unit, now));
  if (!showsMarker(inspection, marker)) return refuse(changedSince(inspection, marker, unit));
  return { kind: 'release', marker, found };
}

/**
 * `rollback` takes back a split left by `start` (or by a run that can no longer be moving it);
 * a release already rolled back, and untouched since, is done.
 */
export function checkForRollback(inspection: TargetInspection<unknown>, unit: Unit, now: number): Finding {
  if (inspection.members)
    return checkEach(inspection.members, (m) => checkForRollback(m, unit, now), 'roll back');
  const found = describeFound(inspection, unit);
  const marker = inspection.marker;
  const refuse = (why: string): Finding => ({
    kind: 'refused',
    reason: `refused to roll back ${inspection.label}: ${why}; ${UNCHANGED}`,
  });
  if (!marker) return refuse(missing(inspection, unit, 'roll back'));
  const foreign = foreignRelease(inspection, marker, unit) ?? otherMembership(inspection, marker);
  if (foreign) return refuse(foreign);
  if (marker.state === 'rolled-back' && showsMarker(inspection, marker))
    return { kind: 'done', marker, found };
  if (marker.state === 'promoted' || marker.state === 'rolled-back')
    return refuse(notStarted(marker, unit, now));
  if (marker.state === 'shifting' && mayStillRunUntil(marker) > now)
    return refuse(notStarted(marker, unit, now));
  if (!showsMarker(inspection, marker)) return refuse(changedSince(inspection, marker, unit));
  return { kind: 'release', marker, found };
}

/**
 * A target made of several (a lockstep release): each checked alone; any refusal refuses all,
 * every one named; all must carry the same release's marker (one run); done only when all are.
 */
function checkEach(
  members: TargetInspection<unknown>[],
  check: (m: TargetInspection<unknown>) => Finding,
  doing: string,
): Finding {
  const findings = members.map(check);
  const refusals = findings.flatMap((f) => (f.kind === 'refused' ? [f.reason] : []));
  if (refusals.length > 0) return { kind: 'refused', reason: refusals.join('; ') };
  const found = findings as Exclude<Finding, { kind: 'refused' }>[];
  const runs = [...new Set(found.map((f) => f.marker.run))];
  if (runs.length > 1) {
    return {
      kind: 'refused',
      reason: `refused to ${doing} the lockstep release: its aliases carry the markers of ${runs.length} different runs (${found.map((f, i) => `${members[i]!.label}: run ${f.marker.run}`).join(', ')}), not one release; ${UNCHANGED}`,
    };
  }
  const all = found.map((f) => f.found).join('; ');
  const kind = found.every((f) => f.kind === 'done') ? 'done' : 'release';
  return { kind, marker: found[0]!.marker, found: all };
}

/**
 * Why the marker's release has other functions than the inputs name (a lockstep release named in
 * part, or a single release named as part of one); undefined when they agree.
 */
function otherMembership(inspection: TargetInspection<unknown>, marker: RolloutMarker): string | undefined {
  const named = inspection.membership;
  if (marker.members === named) return undefined;
  const inputs = named ? `the ${membershipCount(named)} functions the inputs name` : 'this function alone';
  const release = marker.members
    ? `a lockstep release of ${membershipCount(marker.members)} functions`
    : 'a release of this function alone';
  return `its marker is of ${release} (run ${marker.run}), not of ${inputs}: name in function-name exactly the functions that start was given`;
}

/** A target made of several (a lockstep release): each part's marker sides and routing now, for the report's rows. */
export function inspectionParts(inspection: TargetInspection<unknown>, unit: Unit): TargetPart[] | undefined {
  return inspection.members?.map((m) => ({
    name: m.label,
    previous: m.marker?.from ?? m.live.on,
    target: m.marker?.to ?? m.live.split?.to ?? m.live.on,
    now: m.live.split
      ? `${round(100 - m.live.split.weight)}% on ${unit} ${m.live.on}, ${m.live.split.weight}% on ${unit} ${m.live.split.to}`
      : `${unit} ${m.live.on}`,
  }));
}

/** `status`: whether a release is in progress, and where, from the marker alone. */
export function statusOf(
  inspection: TargetInspection<unknown>,
  unit: Unit,
): { result: 'in-progress' | 'none'; reason: string; weight: number } {
  if (inspection.members) {
    const each = inspection.members.map((m) => statusOf(m, unit));
    const inProgress = each.some((s) => s.result === 'in-progress');
    return {
      result: inProgress ? 'in-progress' : 'none',
      reason: `${inProgress ? 'lockstep release in progress' : 'no lockstep release in progress'}: ${each.map((s) => s.reason).join('; ')}`,
      weight: each[0]!.weight,
    };
  }
  const found = describeFound(inspection, unit);
  const marker = inspection.marker;
  const weight = inspection.live.split?.weight ?? 0;
  if (!marker) return { result: 'none', reason: `no release of this action in progress: ${found}`, weight };
  const inProgress = marker.state === 'started' || marker.state === 'shifting';
  if (!inProgress) return { result: 'none', reason: `no release in progress: ${found}`, weight };
  const changed = showsMarker(inspection, marker) ? '' : ' (but the routing no longer matches its marker)';
  const how = marker.state === 'started' ? 'left by start, waiting for promote or rollback' : 'being moved';
  return {
    result: 'in-progress',
    reason: `release in progress, ${how}${changed}: ${found}`,
    weight,
  };
}

/**
 * What `promote` still has to run: the marker's plan after its recorded step, or only the
 * promotion when the inputs ask for all at once (or the plan has no traffic step left).
 */
export function remainingPlan(marker: RolloutMarker, requested: Plan): { plan: Plan; firstStep: number } {
  if (requested.steps.every((s) => s.weight >= 100)) return { plan: requested, firstStep: 0 };
  const steps = marker.steps ?? requested.steps;
  const plan = { name: marker.plan || requested.name, steps };
  // Without its steps the marker still has its weight: the plan goes on above it.
  const after =
    marker.steps && marker.step !== undefined
      ? marker.step + 1
      : steps.findIndex((s) => s.weight > marker.weight);
  return { plan, firstStep: after < 0 ? steps.length : after };
}

/** Where the split stands now, for the gates' check before `promote` moves anything. */
export function currentStep(marker: RolloutMarker, plan: Plan, now: number): GateContext {
  const index = marker.step ?? 0;
  const holdMs = marker.steps?.[index]?.holdMs ?? 0;
  const started = Date.parse(marker.started);
  const startedAt = marker.stepEndsAt !== undefined ? marker.stepEndsAt - holdMs : started || now;
  const last = !plan.steps.slice(index + 1).some((s) => s.weight < 100);
  return { index, weight: marker.weight, startedAt: Math.min(startedAt, now), endsAt: now, last };
}

function missing(inspection: TargetInspection<unknown>, unit: Unit, doing: string): string {
  const split = inspection.live.split
    ? `it is split (${inspection.live.split.weight}% on ${unit} ${inspection.live.split.to}) but carries no marker of this action, so it is not a release this action started`
    : `it carries no marker of this action: there is no release to ${doing} (all traffic on ${unit} ${inspection.live.on})`;
  return split;
}

function foreignRelease(
  inspection: TargetInspection<unknown>,
  marker: RolloutMarker,
  unit: Unit,
): string | undefined {
  if (inspection.requested === undefined || inspection.requested === marker.to) return undefined;
  return `its marker is of another release (${unit} ${marker.from} → ${marker.to}, run ${marker.run}), not of ${unit} ${inspection.requested} that the inputs name`;
}

function notStarted(marker: RolloutMarker, unit: Unit, now: number): string {
  if (marker.state === 'promoted')
    return `its last release (${unit} ${marker.to}, run ${marker.run}) is already promoted: no release in progress`;
  if (marker.state === 'rolled-back')
    return `its last release (${unit} ${marker.to}, run ${marker.run}) was rolled back and the routing changed since: no release in progress`;
  if (marker.state === 'shifting' && mayStillRunUntil(marker) > now) {
    return `run ${marker.run} may still be moving it (until ${new Date(mayStillRunUntil(marker)).toISOString()}); let it finish, or cancel it`;
  }
  return `its split was left by run ${marker.run} that did not finish, not by start; roll it back (command: rollback) and start again`;
}

function changedSince(inspection: TargetInspection<unknown>, marker: RolloutMarker, unit: Unit): string {
  return `it was changed by someone else since its marker was written (the marker records ${round(100 - marker.weight)}% on ${unit} ${marker.from} and ${marker.weight}% on ${unit} ${marker.to}; found ${describeFound(inspection, unit)})`;
}

/** Weights as Lambda stores them, so that 0.12345% compares equal to its read-back. */
function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
