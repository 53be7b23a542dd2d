// A lockstep release's life outside the engine: preflight of every function (all checked before
// any write, every problem in one error), the state the post step saves, its restore from the
// markers on every alias, the split-phase commands' inspection of each, and the report subject
// with one entry per function for the analysis.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { systemClock } from '../../engine/clock.js';
import { CancelledError, type Clock } from '../../engine/types.js';
import { releaseMembership, type MarkerState, type RolloutIdentity } from '../../marker.js';
import type {
  HookTargetContext,
  PostDecision,
  PreflightContext,
  PreflightOutcome,
  ReportSubject,
  RestoredRollout,
  SavedDescription,
  Sides,
  TargetInspection,
} from '../definition.js';
import { LambdaAliasTarget, PreflightError, readAlias, type AliasState } from './alias-target.js';
import { aliasDryRunWrites } from './dry-run.js';
import type { FunctionRelease, LambdaInputs } from './inputs.js';
import { LockstepTarget, WritePacer } from './lockstep.js';
import { DRY_RUN_VERSION, prepareLambdaRelease, type LambdaRelease } from './preflight.js';
import { decideFromAlias, endingFromAlias, parseLambdaSaved, type LambdaSaved } from './restore.js';
import { aliasSubject, functionNameOf } from './subject.js';

/** The first function's state (what a single release saves), and every function's. */
export interface LockstepSaved extends LambdaSaved {
  lockstep: LambdaSaved[];
  /** For a later command (promote, rollback): the run of the release's start, whose markers it continues. */
  release?: string;
}

export function isLockstepSaved(saved: LambdaSaved): saved is LockstepSaved {
  const each = (saved as Partial<LockstepSaved>).lockstep;
  return Array.isArray(each) && each.length > 1 && each.every((s) => parseLambdaSaved(s) !== undefined);
}

type Prepared = Extract<LambdaRelease, { kind: 'release' }>;

/** Preflight of every function: the checks of all first (read only), then each one's writes. */
export async function prepareLockstep(
  inputs: LambdaInputs,
  context: PreflightContext,
): Promise<PreflightOutcome<LambdaSaved>> {
  const { aws, settings, signal } = context;
  // Every marker names the release's functions, so that a later command naming only some is refused.
  const identity = { ...context.identity, members: membershipOf(inputs) };
  const release = (f: FunctionRelease, dryRun: boolean) =>
    prepareLambdaRelease(
      aws.lambda,
      { ...settings, functionName: f.functionName, alias: inputs.alias, version: f.version, dryRun },
      identity,
      signal,
    );
  const checked = await checkAll(inputs, (f) => release(f, true));
  if (settings.dryRun) return dryRunOutcome(inputs, checked, settings);
  const prepared = await writeAll(inputs.functions, (f) => release(f, false), signal);
  if (!prepared) {
    const sides = { previous: checked[0]!.previousVersion, target: checked[0]!.previousVersion };
    return {
      kind: 'no-change',
      reason: `publishing found no change in any of the ${inputs.functions.length} functions: each alias ${inputs.alias} already sends all traffic to its latest version`,
      sides,
      notes: [],
    };
  }
  const firstSteps = new Set(prepared.map((p) => p.firstStep));
  if (firstSteps.size > 1) {
    throw new PreflightError(
      `Cannot resume a lockstep release whose functions' splits are at different steps (${describeEach(inputs.functions, prepared, (p) => `step ${p.firstStep + 1}`)}); use "on-existing-split: rollback" to start over.`,
    );
  }
  const saved = lockstepSaved(inputs, prepared);
  return {
    kind: 'release',
    target: lockstepTarget(
      aws.lambda,
      saved,
      settings.region,
      identity,
      context.clock ?? systemClock,
      // A resumed split is already this release's move: a rollback must take it back.
      (i) => ({
        revisionId: prepared[i]!.revisionId,
        touched: prepared[i]!.resumed,
      }),
    ),
    sides: sidesOf(saved),
    notes: prepared.flatMap((p, i) => p.notes.map((n) => `${inputs.functions[i]!.functionName}: ${n}`)),
    firstStep: prepared[0]!.firstStep,
    saved,
    progress: stageAfter(prepared.flatMap((p) => p.changes)),
    hookContext: () => lockstepHookContext(saved),
  };
}

/**
 * Every function's checks, read only; every problem found (a split, another run's marker, a
 * version already live, incompatible versions) in one error, so that nothing is changed.
 */
async function checkAll(
  inputs: LambdaInputs,
  check: (f: FunctionRelease) => Promise<LambdaRelease>,
): Promise<Prepared[]> {
  const results = await Promise.all(
    inputs.functions.map((f) =>
      check(f).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
    ),
  );
  const problems: string[] = [];
  const checked: Prepared[] = [];
  results.forEach((r, i) => {
    const name = inputs.functions[i]!.functionName;
    if ('error' in r) {
      if (!(r.error instanceof PreflightError)) throw r.error;
      problems.push(`function ${name}: ${r.error.message}`);
    } else if (r.result.kind === 'no-change') {
      problems.push(
        `function ${name}: ${r.result.reason}; a lockstep release moves every function it names: leave it out, or give its new version`,
      );
    } else checked.push(r.result);
  });
  if (problems.length > 0) {
    throw new PreflightError(
      `Lockstep release of ${inputs.functions.length} functions refused before any change (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join(' — ')}`,
    );
  }
  return checked;
}

/**
 * Each function's writes (clearing a split, publishing), one function after the other. Undefined
 * when publishing found no change anywhere; a change in some only is refused (the aliases untouched).
 */
async function writeAll(
  functions: FunctionRelease[],
  prepare: (f: FunctionRelease) => Promise<LambdaRelease>,
  signal: AbortSignal,
): Promise<Prepared[] | undefined> {
  const done: LambdaRelease[] = [];
  for (const f of functions) {
    try {
      done.push(await prepare(f));
    } catch (error) {
      const earlier = done.flatMap((d) => (d.kind === 'release' ? d.changes : []));
      if (error instanceof CancelledError && earlier.length > 0)
        throw new CancelledError(signal, `${stageAfter(earlier)} (then ${f.functionName}: ${error.message})`);
      throw error;
    }
  }
  const unchanged = done.flatMap((d, i) => (d.kind === 'no-change' ? [functions[i]!.functionName] : []));
  if (unchanged.length === functions.length) return undefined;
  if (unchanged.length > 0) {
    throw new PreflightError(
      `Publishing found no change in ${unchanged.join(', ')} (its alias already on its latest version), so the lockstep release cannot move every function; no alias was changed. Leave ${unchanged.length === 1 ? 'it' : 'them'} out, or give each function's version.`,
    );
  }
  return done as Prepared[];
}

function stageAfter(changes: string[]): string {
  return changes.length === 0
    ? 'before any change to the aliases'
    : `after ${changes.join(' and ')}, before the first step of this release`;
}

function describeEach<T>(functions: FunctionRelease[], each: T[], say: (t: T) => string): string {
  return each.map((t, i) => `${functions[i]!.functionName}: ${say(t)}`).join(', ');
}

function dryRunOutcome(
  inputs: LambdaInputs,
  checked: Prepared[],
  settings: PreflightContext['settings'],
): PreflightOutcome<LambdaSaved> {
  const publishing = checked.some((c) => c.targetVersion === DRY_RUN_VERSION);
  const writes = checked.map((c, i) =>
    aliasDryRunWrites({
      ...inputs.functions[i]!,
      alias: inputs.alias,
      onExistingSplit: settings.onExistingSplit,
      previousVersion: c.previousVersion,
      split: c.split,
    }),
  );
  const of = (i: number) => inputs.functions[i]!.functionName;
  const each = checked.map((c) => ({ previous: c.previousVersion, target: c.targetVersion }));
  return {
    kind: 'dry-run',
    reason: `dry run: every check passed; would move alias ${inputs.alias} of ${checked.length} functions in lockstep (${describeEach(inputs.functions, checked, (c) => `${c.previousVersion} → ${c.targetVersion === DRY_RUN_VERSION ? 'a new version' : c.targetVersion}`)}) by ${settings.plan.name}, and changed nothing`,
    sides: { ...each[0]!, each },
    targetUnknown: publishing,
    notes: [
      ...checked.flatMap((c, i) => c.notes.map((n) => `${of(i)}: ${n}`)),
      ...(publishing
        ? ['The versions would be published from the current code; dry-run publishes nothing.']
        : []),
    ],
    writes: {
      before: writes.flatMap((w, i) => w.before.map((b) => `${of(i)}: ${b}`)),
      step: (weight) => writes.map((w, i) => `${of(i)}: ${w.step(weight)}`).join('; '),
      promote: writes.map((w, i) => `${of(i)}: ${w.promote}`).join('; '),
      rollback: writes.map((w, i) => `${of(i)}: ${w.rollback}`).join('; '),
      resumed: writes[0]!.resumed,
    },
  };
}

function lockstepSaved(inputs: LambdaInputs, prepared: Prepared[]): LockstepSaved {
  const each = prepared.map((p, i) => ({
    functionName: inputs.functions[i]!.functionName,
    alias: inputs.alias,
    previousVersion: p.previousVersion,
    targetVersion: p.targetVersion,
  }));
  return { ...each[0]!, lockstep: each };
}

function sidesOf(saved: LockstepSaved): Sides {
  const each = saved.lockstep.map((s) => ({ previous: s.previousVersion, target: s.targetVersion }));
  return { ...each[0]!, each };
}

/** The first function's fields, as a single release's hook gets them, and every function's. */
export function lockstepHookContext(saved: LockstepSaved): HookTargetContext {
  return {
    target: 'lambda-alias',
    function: saved.functionName,
    alias: saved.alias,
    currentVersion: saved.previousVersion,
    targetVersion: saved.targetVersion,
    functions: saved.lockstep.map((s) => ({
      function: s.functionName,
      currentVersion: s.previousVersion,
      targetVersion: s.targetVersion,
    })),
  };
}

function lockstepTarget(
  lambda: LambdaClient,
  saved: LockstepSaved,
  region: string,
  identity: RolloutIdentity,
  clock: Clock,
  start: (index: number) => { revisionId: string; touched: boolean },
  only: (index: number) => boolean = () => true,
): LockstepTarget {
  const members = saved.lockstep.flatMap((s, i) =>
    only(i)
      ? [
          {
            functionName: s.functionName,
            touched: start(i).touched,
            target: new LambdaAliasTarget(
              lambda,
              { functionName: s.functionName, alias: s.alias, region },
              s.previousVersion,
              s.targetVersion,
              identity,
              start(i).revisionId,
            ),
          },
        ]
      : [],
  );
  return new LockstepTarget(members, new WritePacer(clock), clock);
}

/**
 * Rebuilt from the saved state and every alias's marker. The post step rolls back the release's
 * aliases (never one someone else wrote since) when any is still split, or when they did not all
 * end the same way (some promoted, some rolled back): every alias ends on one side. A later
 * command's run (not the markers') gets every function.
 */
export async function restoreLockstep(
  lambda: LambdaClient,
  saved: LockstepSaved,
  region: string,
  run: string,
  signal?: AbortSignal,
): Promise<RestoredRollout> {
  const aliases = await Promise.all(
    saved.lockstep.map((s) =>
      readAlias(lambda, { functionName: s.functionName, alias: s.alias, region }, signal),
    ),
  );
  const mine = (i: number) => aliases[i]!.marker?.run === run;
  const anyMine = aliases.some((_, i) => mine(i));
  // A promote job's post step: the aliases it had not reached yet still show start's split.
  const leftByRelease = (i: number) =>
    anyMine && stillLeftBy(saved.release, run, saved.lockstep[i]!, aliases[i]!);
  const member = (i: number) => mine(i) || leftByRelease(i);
  const decision = postDecision(saved, run, aliases, member, leftByRelease);
  const endings = aliases.map((a) => endingFromAlias(run, a));
  const first = aliases.find((_, i) => member(i))?.marker ?? aliases[0]!.marker;
  const identity = {
    run,
    plan: first?.plan ?? '',
    started: first?.started ?? '',
    by: first?.by ?? '',
    steps: first?.steps,
    members: first?.members,
  };
  return {
    decision,
    ending: endings.every((e) => e === endings[0]) ? endings[0]! : 'failed',
    target: lockstepTarget(
      lambda,
      saved,
      region,
      identity,
      systemClock,
      (i) => ({ revisionId: aliases[i]!.revisionId, touched: true }),
      anyMine ? member : undefined,
    ),
  };
}

/**
 * Roll back when any alias of the release is still split, or when they did not all end the same
 * way; else nothing, each alias's own reason said.
 */
function postDecision(
  saved: LockstepSaved,
  run: string,
  aliases: AliasState[],
  member: (i: number) => boolean,
  leftByRelease: (i: number) => boolean,
): PostDecision {
  const name = (i: number) => saved.lockstep[i]!.functionName;
  const decisions = saved.lockstep.map((s, i) => decideFromAlias(s, run, aliases[i]!));
  const split = aliases.flatMap((_, i) =>
    decisions[i]!.action === 'rollback' || leftByRelease(i) ? [name(i)] : [],
  );
  if (split.length > 0) {
    return {
      action: 'rollback',
      why: `the main step stopped with the lockstep release under way (${split.join(', ')} still split by this release)`,
    };
  }
  const ended = aliases.flatMap((a, i) => (member(i) ? [{ name: name(i), state: a.marker!.state }] : []));
  if (new Set(ended.map((e) => e.state)).size > 1) {
    return {
      action: 'rollback',
      why: `the main step stopped with the lockstep release's functions ended differently (${ended.map((e) => `${e.name} ${ENDED[e.state]}`).join(', ')})`,
    };
  }
  return { action: 'nothing', why: decisions.map((d, i) => `${name(i)}: ${d.why}`).join('; ') };
}

/** How a member of the release ended, for the post step's reason. */
const ENDED: Record<MarkerState, string> = {
  shifting: 'split',
  started: 'split (left by start)',
  promoted: 'promoted',
  'rolled-back': 'rolled back',
};

/**
 * Whether the alias still shows exactly the split that the release's start left (its marker, its
 * versions, its share): part of the release that this run (a later promote) had not moved yet.
 */
function stillLeftBy(
  release: string | undefined,
  run: string,
  saved: LambdaSaved,
  alias: AliasState,
): boolean {
  const marker = alias.marker;
  if (!release || release === run || marker?.run !== release || marker.state !== 'started') return false;
  return (
    alias.functionVersion === saved.previousVersion &&
    alias.split?.version === saved.targetVersion &&
    Math.abs(alias.split.weight - marker.weight) < 0.01
  );
}

export function describeSavedLockstep(saved: LockstepSaved): SavedDescription {
  const names = saved.lockstep.map((s) => s.functionName);
  return {
    sides: sidesOf(saved),
    short: `alias ${saved.alias} of ${names.length} functions`,
    full: `alias ${saved.alias} of functions ${names.join(', ')}`,
    previous: `their previous versions (${saved.lockstep.map((s) => `${s.functionName} ${s.previousVersion}`).join(', ')})`,
  };
}

/** Every function's alias and marker, for the split-phase commands: read only. */
export async function inspectLockstep(
  inputs: LambdaInputs,
  inspectOne: (f: FunctionRelease) => Promise<TargetInspection<LambdaSaved>>,
): Promise<TargetInspection<LambdaSaved>> {
  const membership = membershipOf(inputs);
  const members = (await Promise.all(inputs.functions.map(inspectOne))).map((m) => ({ ...m, membership }));
  const first = members[0]!;
  const each = members.map((m) => m.saved);
  const complete = each.every((s): s is LambdaSaved => s !== undefined);
  const saved = complete ? { ...each[0]!, lockstep: each, release: first.marker?.run } : undefined;
  return {
    ...first,
    label: `alias ${inputs.alias} of functions ${inputs.functions.map((f) => f.functionName).join(', ')}`,
    saved,
    hookContext: saved && lockstepHookContext(saved),
    members,
    membership,
  };
}

function membershipOf(inputs: Pick<LambdaInputs, 'functions'>): string {
  return releaseMembership(inputs.functions.map((f) => f.functionName));
}

/** The first function's subject, named for all, with each function's metric queries for the analysis. */
export function lockstepSubject(
  inputs: Pick<LambdaInputs, 'functions' | 'alias'>,
  context: { region: string; environment?: string; sides?: Sides },
): ReportSubject {
  const names = inputs.functions.map((f) => f.functionName);
  const short = names.map(functionNameOf);
  const each = context.sides?.each;
  const subjects = inputs.functions.map((f, i) =>
    aliasSubject(
      { functionName: f.functionName, alias: inputs.alias },
      { ...context, sides: each?.[i] ?? (i === 0 ? context.sides : undefined) },
    ),
  );
  const first = subjects[0]!;
  const joined = short.join('+');
  return {
    ...first,
    name: `${joined.length <= 60 ? joined : `${short[0]}+${short.length - 1} more`}:${inputs.alias}`,
    rows: [
      { label: 'Functions', text: names.join(', '), note: context.region },
      { label: 'Alias', text: inputs.alias },
    ],
    commentKey: ['lambda', joined, inputs.alias, context.environment ?? ''].join('/'),
    fileSlug: `${short[0]}-and-${short.length - 1}-more-${inputs.alias}`,
    payload: { function: names.join(','), alias: inputs.alias },
    members: subjects.map((s) => ({ name: s.name, metrics: s.metrics })),
  };
}
