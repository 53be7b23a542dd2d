// The rollout marker: round trip, the 256-character limit and what gives way first, the plan's
// steps, and how long the run that wrote it may still be moving traffic.
import { DEFAULT_TIMEOUT_MARGIN_MS } from '../src/engine/plan.js';
import { formatMarker, JOB_LIMIT_MS, mayStillRunUntil, parseMarker } from '../src/marker.js';
import { ours } from './support/markers.js';

describe('rollout marker', () => {
  it('round-trips and fits in an alias Description even with long fields', () => {
    const long = {
      ...ours,
      plan: 'p'.repeat(300),
      by: 'b'.repeat(100),
      run: 'some-org/some-repo#1234567890.1',
    };
    const text = formatMarker(long);
    expect(text.length).toBeLessThanOrEqual(256);
    const back = parseMarker(text)!;
    expect(back).toMatchObject({ state: 'shifting', run: long.run, from: '6', to: '7', weight: 10 });
    expect(parseMarker(formatMarker(ours))).toEqual(ours);
  });

  it('keeps the longest run id main.ts makes whole, shortening the free text instead', () => {
    // 40-character repository, 30-character job, 12-digit run, attempt and nonce: main.ts's bound.
    const run = `${'o'.repeat(19)}/${'r'.repeat(11)}~0123abcd#123456789012.3/${'j'.repeat(21)}~89abcdef~a1b2c3`;
    const text = formatMarker({
      ...ours,
      run,
      from: '1234567890',
      to: '1234567891',
      plan: 'linear 10% every 1m, '.repeat(10),
      by: 'a'.repeat(39),
      started: '2026-11-22T12:00:00.000Z',
    });
    expect(text.length).toBeLessThanOrEqual(256);
    const back = parseMarker(text)!;
    expect(back.run).toBe(run);
    expect(back).toMatchObject({ state: 'shifting', from: '1234567890', to: '1234567891', weight: 10 });
    expect(back.plan.length).toBeLessThan(210);
  });

  it('refuses to write a marker it would have to cut', () => {
    expect(() => formatMarker({ ...ours, run: 'r'.repeat(300) })).toThrow(
      /does not fit in an alias description/,
    );
  });

  it('ignores descriptions that are not markers', () => {
    expect(parseMarker('production alias')).toBeUndefined();
    expect(parseMarker('serverless-canary:{broken')).toBeUndefined();
    expect(parseMarker(undefined)).toBeUndefined();
  });

  it("carries the plan's steps, the step and its deadline, to the second", () => {
    const steps = [
      { weight: 10, holdMs: 300_000 },
      { weight: 100, holdMs: 0 },
    ];
    const marker = { ...ours, steps, step: 0, stepEndsAt: Date.UTC(2026, 10, 22, 12, 5, 0, 400) };
    expect(parseMarker(formatMarker(marker))).toEqual({
      ...marker,
      stepEndsAt: Date.UTC(2026, 10, 22, 12, 5, 1),
    });
  });

  it('drops the steps, after the free text, to keep the run id whole within 256 characters', () => {
    const run = `${'o'.repeat(19)}/${'r'.repeat(11)}~0123abcd#123456789012.3/${'j'.repeat(21)}~89abcdef~a1b2c3`;
    const steps = Array.from({ length: 20 }, (_, i) => ({ weight: 5 * (i + 1), holdMs: 600_000 }));
    const text = formatMarker({ ...ours, run, plan: 'x'.repeat(40), by: 'a'.repeat(39), steps, step: 3 });
    expect(text.length).toBeLessThanOrEqual(256);
    const back = parseMarker(text)!;
    expect(back).toMatchObject({ run, plan: '', by: '', step: 3 });
    expect(back.steps).toBeUndefined();
    // Short enough, the steps stay.
    expect(parseMarker(formatMarker({ ...ours, steps: steps.slice(0, 3) }))!.steps).toEqual(
      steps.slice(0, 3),
    );
  });
});

describe('mayStillRunUntil', () => {
  const started = '2026-11-22T12:00:00.000Z';
  const at = Date.parse(started);

  it("is the marker's plan plus the default timeout margin", () => {
    const steps = [
      { weight: 10, holdMs: 300_000 },
      { weight: 100, holdMs: 0 },
    ];
    expect(mayStillRunUntil({ ...ours, started, steps })).toBe(at + 300_000 + DEFAULT_TIMEOUT_MARGIN_MS);
  });

  it('falls back to the job limit without the steps, and to 0 without a start', () => {
    expect(mayStillRunUntil({ ...ours, started })).toBe(at + JOB_LIMIT_MS);
    expect(mayStillRunUntil({ ...ours, started: 'not a time' })).toBe(0);
  });
});
