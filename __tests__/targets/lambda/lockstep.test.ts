// The lockstep target over fake aliases: paced writes, all back when one write fails, the others
// back (and the changed one left alone) when someone else changes one, a failing rollback retried
// while the others still roll back.
import { ConcurrentChangeError, WriteRefusedError, type StepContext } from '../../../src/engine/types.js';
import { LockstepTarget, WritePacer, type AliasMover } from '../../../src/targets/lambda/lockstep.js';
import { FakeClock } from '../../support/fake-clock.js';

/** An alias that records its writes (with the clock's time) and fails as told. */
class FakeAlias implements AliasMover {
  readonly description: string;
  on: string;
  split?: number;
  /** Failures to throw, in order, for the next calls of each kind. */
  readonly fail: Partial<Record<'setWeight' | 'promote' | 'rollback' | 'verify', Error[]>> = {};

  constructor(
    readonly name: string,
    readonly previousVersion: string,
    readonly targetVersion: string,
    private readonly log: { name: string; op: string; at: number }[],
    private readonly clock: FakeClock,
  ) {
    this.description = name;
    this.on = previousVersion;
  }

  private record(op: 'setWeight' | 'promote' | 'rollback' | 'verify'): void {
    this.log.push({ name: this.name, op, at: this.clock.now() });
    const error = this.fail[op]?.shift();
    if (error) throw error;
  }

  async setWeight(weight: number): Promise<void> {
    this.record('setWeight');
    this.split = weight;
  }
  async promote(): Promise<void> {
    this.record('promote');
    this.on = this.targetVersion;
    this.split = undefined;
  }
  async leaveSplit(weight: number): Promise<void> {
    this.split = weight;
  }
  async verify(): Promise<void> {
    this.record('verify');
  }
  async rollback(): Promise<void> {
    this.record('rollback');
    this.on = this.previousVersion;
    this.split = undefined;
  }
}

const step: StepContext = { index: 0, count: 2 };
const signal = new AbortController().signal;

function lockstep(count: number) {
  const clock = new FakeClock();
  const log: { name: string; op: string; at: number }[] = [];
  const aliases = Array.from({ length: count }, (_, i) => new FakeAlias(`fn${i + 1}`, '1', '2', log, clock));
  const target = new LockstepTarget(
    aliases.map((a) => ({ functionName: a.name, target: a })),
    new WritePacer(clock, 10),
    clock,
  );
  return { clock, log, aliases, target };
}

describe('WritePacer', () => {
  it('lets at most 10 writes go in any second', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(clock, 10);
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      await pacer.run(async () => times.push(clock.now() - Date.UTC(2026, 10, 22, 12, 0, 0)));
    }
    expect(times.slice(0, 10).every((t) => t === 0)).toBe(true);
    expect(times.slice(10, 20).every((t) => t === 1000)).toBe(true);
    expect(times.slice(20).every((t) => t === 2000)).toBe(true);
  });

  it('does not hold back the writes of a cancelled run', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(clock, 2);
    const cancelled = AbortSignal.abort('cancelled');
    for (let i = 0; i < 5; i++) await pacer.run(async () => undefined, cancelled);
    expect(clock.now()).toBe(Date.UTC(2026, 10, 22, 12, 0, 0));
  });

  it('counts a write a second from its answer, so that a slow one holds the next back longer', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(clock, 1);
    const start = clock.now();
    await pacer.run(async () => clock.advance(300));
    let second = 0;
    await pacer.run(async () => (second = clock.now() - start));
    expect(second).toBe(1300);
  });
});

describe('LockstepTarget', () => {
  it('moves every function, paced, and reports where each is', async () => {
    const { log, aliases, target, clock } = lockstep(12);
    const start = clock.now();
    await target.setWeight(20, step, signal);
    await target.promote();
    expect(aliases.every((a) => a.on === '2' && a.split === undefined)).toBe(true);
    // 24 writes at 10 a second: the 11th waits a second, the 21st two.
    expect(log).toHaveLength(24);
    expect(log[9]!.at - start).toBe(0);
    expect(log[10]!.at - start).toBe(1000);
    expect(log[20]!.at - start).toBe(2000);
    expect(target.parts()).toContainEqual({ name: 'fn3', previous: '1', target: '2', now: 'version 2' });
  });

  it('rolls every moved function back when one write fails, the failed one included', async () => {
    const { aliases, target } = lockstep(5);
    aliases[2]!.fail.setWeight = [new Error('socket hang up')];
    await expect(target.setWeight(20, step, signal)).rejects.toThrow('socket hang up');
    // The write may have landed: the third is rolled back too; the two never written are left.
    await target.rollback('a write failed');
    expect(aliases.map((a) => [a.on, a.split])).toEqual(Array(5).fill(['1', undefined]));
    expect(target.parts().map((p) => p.now)).toEqual([
      'version 1',
      'version 1',
      'version 1',
      'version 1',
      'version 1',
    ]);
  });

  it('turns a refusal after other functions moved into a failure that the engine rolls back', async () => {
    const { aliases, target } = lockstep(3);
    aliases[1]!.fail.setWeight = [new WriteRefusedError('AccessDenied')];
    const error = await target.setWeight(20, step, signal).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(WriteRefusedError);
    expect((error as Error).message).toBe('function fn2: AccessDenied');
  });

  it('keeps a refusal of the first write a refusal: nothing changed', async () => {
    const { aliases, target } = lockstep(3);
    aliases[0]!.fail.setWeight = [new WriteRefusedError('AccessDenied')];
    await expect(target.setWeight(20, step, signal)).rejects.toBeInstanceOf(WriteRefusedError);
  });

  it('rolls the others back when someone else changed one, and leaves that one as found', async () => {
    const { aliases, target, log } = lockstep(5);
    await target.setWeight(20, step, signal);
    aliases[3]!.fail.setWeight = [
      new ConcurrentChangeError('alias live of fn4 was changed', 'all traffic on version 9'),
    ];
    const error = await target.setWeight(50, step, signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentChangeError);
    expect((error as ConcurrentChangeError).message).toBe(
      'function fn4: alias live of fn4 was changed; the other functions were rolled back',
    );
    expect((error as ConcurrentChangeError).found).toBe(
      'fn1: version 1; fn2: version 1; fn3: version 1; fn4: changed by someone else: all traffic on version 9; fn5: version 1',
    );
    expect(log.filter((w) => w.op === 'rollback').map((w) => w.name)).toEqual(['fn1', 'fn2', 'fn3', 'fn5']);
  });

  it('says when a rollback after someone else’s change failed, as an error the engine’s rollback retries', async () => {
    const { aliases, target } = lockstep(3);
    await target.setWeight(20, step, signal);
    aliases[1]!.fail.setWeight = [
      new ConcurrentChangeError('alias live of fn2 was changed', 'all traffic on version 9'),
    ];
    aliases[2]!.fail.rollback = [new Error('throttled'), new Error('throttled'), new Error('throttled')];
    const error = await target.setWeight(50, step, signal).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ConcurrentChangeError);
    expect((error as Error).message).toBe(
      'function fn2: alias live of fn2 was changed; could not roll back function fn3 (throttled); fn1: version 1; fn2: changed by someone else: all traffic on version 9; fn3: 20% on version 2; rollback failed: throttled',
    );
    // The engine's rollback: fn3 is tried again, fn2 left as found, and that is no new failure.
    await target.rollback('failed while setting the weight to 50%');
    expect(aliases.map((a) => a.on)).toEqual(['1', '1', '1']);
    expect(aliases.map((a) => a.split)).toEqual([undefined, 20, undefined]);
    expect(target.parts().map((p) => p.now)).toEqual([
      'version 1',
      'changed by someone else: all traffic on version 9',
      'version 1',
    ]);
  });

  it('says so when no other function had moved before someone else changed the first', async () => {
    const { aliases, target, log } = lockstep(3);
    aliases[0]!.fail.setWeight = [new ConcurrentChangeError('alias live of fn1 was changed', 'version 9')];
    await expect(target.setWeight(20, step, signal)).rejects.toThrow(
      'function fn1: alias live of fn1 was changed; no other function had been moved',
    );
    expect(log.filter((w) => w.op === 'rollback')).toHaveLength(0);
  });

  it('reads every function back after the promotion, and rolls the others back when one was changed', async () => {
    const { aliases, target, log } = lockstep(3);
    await target.setWeight(20, step, signal);
    await target.promote();
    aliases[0]!.fail.verify = [
      new ConcurrentChangeError(
        'alias live of fn1 changed right after the promotion',
        'all traffic on version 9',
      ),
    ];
    const error = await target.verify().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentChangeError);
    expect((error as ConcurrentChangeError).found).toBe(
      'fn1: changed by someone else: all traffic on version 9; fn2: version 1; fn3: version 1',
    );
    expect(log.filter((w) => w.op === 'verify').map((w) => w.name)).toEqual(['fn1', 'fn2', 'fn3']);
    expect(log.filter((w) => w.op === 'rollback').map((w) => w.name)).toEqual(['fn2', 'fn3']);
    expect(aliases.map((a) => a.on)).toEqual(['2', '1', '1']);
  });

  it('leaves a promotion whose read-back failed as it is: the read says nothing about the alias', async () => {
    const { aliases, target, log } = lockstep(3);
    await target.promote();
    aliases[1]!.fail.verify = [new Error('throttled')];
    await expect(target.verify()).rejects.toThrow('throttled');
    expect(log.filter((w) => w.op === 'verify')).toHaveLength(3);
    expect(aliases.map((a) => a.on)).toEqual(['2', '2', '2']);
  });

  it('rolls the functions back side by side when hurried (the job is being cancelled)', async () => {
    const { aliases, target } = lockstep(4);
    await target.setWeight(20, step, signal);
    // Each rollback waits until all four have started: one after another, none would finish.
    let started = 0;
    let release: () => void = () => {};
    const all = new Promise<void>((resolve) => (release = resolve));
    for (const alias of aliases) {
      const rollback = alias.rollback.bind(alias);
      alias.rollback = async () => {
        if (++started === aliases.length) release();
        await all;
        await rollback();
      };
    }
    await target.rollback('cancelled', AbortSignal.timeout(2_000));
    expect(aliases.map((a) => a.on)).toEqual(['1', '1', '1', '1']);
  });

  it('never waits between a hurried rollback’s tries (the job is being cancelled)', async () => {
    const { aliases, target, clock } = lockstep(3);
    await target.setWeight(20, step, signal);
    aliases[0]!.fail.rollback = [new Error('throttled'), new Error('throttled')];
    const before = clock.now();
    await target.rollback('cancelled', AbortSignal.timeout(2_000));
    expect(aliases.map((a) => a.on)).toEqual(['1', '1', '1']);
    expect(clock.now()).toBe(before);
  });

  it('stops waiting between a rollback’s tries when the job is cancelled during it', async () => {
    const { aliases, target, clock } = lockstep(2);
    const job = new AbortController();
    await target.setWeight(20, step, job.signal);
    aliases[0]!.fail.rollback = [new Error('throttled'), new Error('throttled')];
    const rollback = aliases[0]!.rollback.bind(aliases[0]);
    aliases[0]!.rollback = async () => {
      job.abort('cancelled');
      await rollback();
    };
    const before = clock.now();
    await target.rollback('gate failed');
    expect(aliases.map((a) => a.on)).toEqual(['1', '1']);
    expect(clock.now()).toBe(before);
  });

  it('retries a failing rollback of one function while the others still roll back', async () => {
    const { aliases, target } = lockstep(3);
    await target.setWeight(20, step, signal);
    aliases[0]!.fail.rollback = [new Error('throttled'), new Error('throttled')];
    await target.rollback('gate failed');
    expect(aliases.map((a) => a.on)).toEqual(['1', '1', '1']);
    expect(aliases.every((a) => a.split === undefined)).toBe(true);
  });

  it('names a function whose rollback keeps failing, after rolling back the others; a later call retries only it', async () => {
    const { aliases, target, log } = lockstep(3);
    await target.setWeight(20, step, signal);
    aliases[1]!.fail.rollback = [new Error('throttled'), new Error('throttled'), new Error('throttled')];
    await expect(target.rollback('gate failed')).rejects.toThrow(
      /could not roll back function fn2 \(throttled\); fn1: version 1; fn2: 20% on version 2; rollback failed: throttled; fn3: version 1/,
    );
    expect([aliases[0]!.on, aliases[2]!.on]).toEqual(['1', '1']);
    log.length = 0;
    await target.rollback('gate failed');
    expect(log.map((w) => w.name)).toEqual(['fn2']);
    expect(target.parts().map((p) => p.now)).toEqual(['version 1', 'version 1', 'version 1']);
  });
});
