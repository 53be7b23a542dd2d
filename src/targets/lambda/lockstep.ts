// A lockstep release as one traffic target: several functions' aliases moved together, one
// LambdaAliasTarget each. The engine sees one target; this file keeps the promise that the
// functions succeed or fail together: a write that fails for one takes all back; someone else's
// change on one takes the others back and leaves that one as they set it; a rollback that fails
// for one is retried while the others still roll back. Writes are paced under Lambda's
// control-plane rate (15 requests a second per account and region).
import {
  ConcurrentChangeError,
  WriteRefusedError,
  type Clock,
  type StepContext,
  type TargetPart,
  type TrafficTarget,
} from '../../engine/types.js';
import { errorMessage, HURRIED_ROLLBACK_ATTEMPT_MS } from '../../engine/rollout.js';

/** UpdateAlias calls a second, at most, across all the functions: under Lambda's 15 with room for others. */
export const LOCKSTEP_WRITES_PER_SECOND = 10;
/** Attempts at one function's rollback before the others' rollbacks are reported as done and its own as failed. */
const MEMBER_ROLLBACK_ATTEMPTS = 3;
const MEMBER_ROLLBACK_DELAY_MS = 200;

/**
 * At most `perSecond` writes in any second, on the given clock (a fake one keeps unit tests
 * fast). A write counts from its start until a second after its answer, so that however long the
 * request takes to arrive, Lambda never sees more than `perSecond` of them within a second.
 */
export class WritePacer {
  /** When the writes of the last second were answered. */
  private answered: number[] = [];
  private inFlight = 0;

  constructor(
    private readonly clock: Clock,
    readonly perSecond = LOCKSTEP_WRITES_PER_SECOND,
  ) {}

  /** Runs `write` once it may go; a cancelled run is not held back (its rollback must not wait). */
  async run<T>(write: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.slot(signal);
    this.inFlight++;
    try {
      return await write();
    } finally {
      this.inFlight--;
      this.answered.push(this.clock.now());
    }
  }

  private async slot(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.answered = this.answered.filter((at) => now - at < 1000);
      if (this.answered.length + this.inFlight < this.perSecond || signal?.aborted) return;
      // Every slot taken by a write still under way: look again shortly.
      const wait = this.answered.length > 0 ? this.answered[0]! + 1000 - now : IN_FLIGHT_POLL_MS;
      await this.clock.sleep(wait, signal);
    }
  }
}

/** How soon a write waiting for one under way looks again. */
const IN_FLIGHT_POLL_MS = 50;

/** One function's alias as the lockstep moves it (a AliasMover; a fake one in unit tests). */
export type AliasMover = TrafficTarget & { readonly previousVersion: string; readonly targetVersion: string };

/** One function of the release: its alias target, and whether a write to it may have landed yet. */
export interface LockstepMember {
  functionName: string;
  target: AliasMover;
  /** True for a release restored from its markers (the aliases are already split). */
  touched?: boolean;
}

interface MemberState {
  functionName: string;
  target: AliasMover;
  touched: boolean;
  /** Where the alias is, as far as this run knows: "version 1", "20% on version 2". */
  at: string;
  /** Someone else changed it: never written again by this run. */
  changed?: string;
  /** Its last rollback failed: the error. */
  failed?: string;
  rolledBack?: boolean;
}

export class LockstepTarget implements TrafficTarget {
  readonly description: string;
  private readonly members: MemberState[];
  /** The job's cancellation, as the steps were given it: a rollback begun before it stops waiting. */
  private job?: AbortSignal;

  constructor(
    members: LockstepMember[],
    private readonly pacer: WritePacer,
    private readonly clock: Clock,
  ) {
    this.members = members.map((m) => ({
      functionName: m.functionName,
      target: m.target,
      touched: m.touched ?? false,
      at: m.touched ? 'split' : `version ${m.target.previousVersion}`,
    }));
    const sides = members.map(
      (m) => `${m.functionName} ${m.target.previousVersion} → ${m.target.targetVersion}`,
    );
    this.description = `${members.length} functions in lockstep (${sides.join(', ')})`;
  }

  /** Each function's row for the report: its two versions and where its alias is now. */
  parts(): TargetPart[] {
    return this.members.map((m) => ({
      name: m.functionName,
      previous: m.target.previousVersion,
      target: m.target.targetVersion,
      now: m.changed
        ? `changed by someone else: ${m.changed}`
        : m.failed
          ? `${m.at}; rollback failed: ${m.failed}`
          : m.at,
    }));
  }

  setWeight(weight: number, context: StepContext, signal: AbortSignal): Promise<void> {
    this.job = signal;
    return this.moveAll(
      (t) => t.setWeight(weight, context, signal),
      (t) => `${weight}% on version ${t.targetVersion}`,
      signal,
    );
  }

  promote(): Promise<void> {
    return this.moveAll(
      (t) => t.promote(),
      (t) => `version ${t.targetVersion}`,
    );
  }

  leaveSplit(weight: number, context: StepContext): Promise<void> {
    return this.moveAll(
      (t) => t.leaveSplit(weight, context),
      (t) => `${weight}% on version ${t.targetVersion} (left by start)`,
    );
  }

  /**
   * Every function read back after the promotion. Someone else's change on any takes the others
   * back (as during the steps); a read that failed says nothing about the alias and changes nothing.
   */
  async verify(): Promise<void> {
    const changed: string[] = [];
    let unread: unknown;
    for (const m of this.members) {
      try {
        await m.target.verify();
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError)) {
          unread ??= error;
          continue;
        }
        m.changed = error.found;
        changed.push(`function ${m.functionName}: ${error.message}`);
      }
    }
    if (changed.length > 0) await this.takeBackAfterChange(changed.join('; '));
    if (unread !== undefined) throw unread;
  }

  /**
   * Every function written by this run back on its previous version, but one someone else changed.
   * Each is tried a few times; when some still fail, the error names them (the engine tries again,
   * and only those are written again).
   */
  async rollback(reason: string, signal?: AbortSignal): Promise<void> {
    const pending = this.members.filter((m) => m.touched && !m.changed && !m.rolledBack);
    const changedBefore = new Set(this.members.filter((m) => m.changed));
    if (signal) {
      // A hurried rollback (the job is being cancelled) has one short limit for all: the
      // functions go back side by side, a second's worth of writes at a time, not one after another.
      for (let i = 0; i < pending.length; i += this.pacer.perSecond)
        await Promise.all(
          pending.slice(i, i + this.pacer.perSecond).map((m) => this.rollBackMember(m, reason, signal)),
        );
    } else {
      for (const m of pending) await this.rollBackMember(m, reason, signal);
    }
    const failed = this.members.filter((m) => m.failed);
    if (failed.length > 0) {
      throw new Error(
        `could not roll back ${failed.map((m) => `function ${m.functionName} (${m.failed})`).join(', ')}; ${this.whereEach()}`,
      );
    }
    // Changes found before this rollback were reported when found.
    const changed = this.members.filter((m) => m.changed && !changedBefore.has(m));
    if (changed.length > 0) {
      throw new ConcurrentChangeError(
        `${changed.map((m) => `function ${m.functionName}`).join(', ')} changed by someone else during the rollback, left as found`,
        this.whereEach(),
      );
    }
  }

  /** Where every alias ended, in one line for the reason: "orders: version 1; billing: changed ...". */
  private whereEach(): string {
    return this.parts()
      .map((p) => `${p.name}: ${p.now}`)
      .join('; ');
  }

  /**
   * One write per function, paced. A failure on one stops the move: someone else's change takes
   * the others back at once (the engine never fights over a changed target); any other failure
   * goes to the engine, which rolls back every function this run may have written.
   */
  private async moveAll(
    write: (target: AliasMover) => Promise<void>,
    where: (target: AliasMover) => string,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const m of this.members) {
      const wasTouched = this.members.some((o) => o.touched);
      try {
        await this.pacer.run(() => write(m.target), signal);
        m.touched = true;
        m.at = where(m.target);
      } catch (error) {
        if (error instanceof ConcurrentChangeError) {
          m.changed = error.found;
          await this.takeBackAfterChange(`function ${m.functionName}: ${error.message}`, signal);
        }
        if (!(error instanceof WriteRefusedError)) m.touched = true;
        // Refused for this one, but others already moved: the engine must still roll back.
        if (error instanceof WriteRefusedError && wasTouched) {
          throw new Error(`function ${m.functionName}: ${error.message}`);
        }
        throw error;
      }
    }
  }

  /**
   * Someone else changed a function (`changes` says which and how): the others go back at once,
   * the engine never fights over a changed target; the error says what happened to the others
   * and where every alias ended. One whose rollback failed makes it a plain error, so that the
   * engine's own rollback tries that one again.
   */
  private async takeBackAfterChange(changes: string, signal?: AbortSignal): Promise<never> {
    try {
      await this.rollback(changes, hurried(signal));
    } catch (error) {
      if (!(error instanceof ConcurrentChangeError)) throw new Error(`${changes}; ${errorMessage(error)}`);
      throw new ConcurrentChangeError(
        `${changes}; ${this.othersBack()}, but ${error.message}`,
        this.whereEach(),
      );
    }
    throw new ConcurrentChangeError(`${changes}; ${this.othersBack()}`, this.whereEach());
  }

  private othersBack(): string {
    return this.members.some((m) => m.rolledBack)
      ? 'the other functions were rolled back'
      : 'no other function had been moved';
  }

  private async rollBackMember(m: MemberState, reason: string, signal?: AbortSignal): Promise<void> {
    for (let attempt = 1; attempt <= MEMBER_ROLLBACK_ATTEMPTS; attempt++) {
      try {
        await this.pacer.run(() => m.target.rollback(reason, signal), signal);
        m.rolledBack = true;
        m.failed = undefined;
        m.at = `version ${m.target.previousVersion}`;
        return;
      } catch (error) {
        if (error instanceof ConcurrentChangeError) {
          m.changed = error.found;
          m.failed = undefined;
          return;
        }
        m.failed = error instanceof Error ? error.message : String(error);
        // Once the job is being cancelled (a hurried rollback has a signal) no try waits for the next.
        if (attempt < MEMBER_ROLLBACK_ATTEMPTS && !signal && !this.job?.aborted)
          await this.clock.sleep(MEMBER_ROLLBACK_DELAY_MS * attempt, this.job);
      }
    }
  }
}

/** A rollback's own limit once the run is being cancelled: short, as the engine's. */
function hurried(signal: AbortSignal | undefined): AbortSignal | undefined {
  return signal?.aborted ? AbortSignal.timeout(HURRIED_ROLLBACK_ATTEMPT_MS) : undefined;
}
