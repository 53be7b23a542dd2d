import { DurationError, formatDuration, parseDuration } from '../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['45s', 45_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
    ['1h2m3s', 3_723_000],
    ['1.5m', 90_000],
    ['0.5s', 500],
    ['250ms', 250],
    ['1m500ms', 60_500],
    ['0s', 0],
    ['  5m  ', 300_000],
    ['1h 30m', 5_400_000],
    ['5 m', 300_000],
    ['5M', 300_000],
    ['2 minutes', 120_000],
    ['1 minute', 60_000],
    ['10sec', 10_000],
    ['30 seconds', 30_000],
    ['1 second', 1_000],
    ['3min', 180_000],
    ['2 hours', 7_200_000],
    ['1 hour 15 min', 4_500_000],
    ['1.1s', 1_100],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'it is empty'],
    ['   ', 'it is empty'],
    ['5', 'a bare number is ambiguous'],
    ['0', 'a bare number is ambiguous'],
    ['1.5', 'a bare number is ambiguous'],
    ['-1m', 'it is negative'],
    ['5x', 'unknown unit "x"'],
    ['5 days', 'unknown unit "days"'],
    ['1m30', 'the last number "30" has no unit'],
    ['m', 'write a number followed by a unit'],
    ['five minutes', 'write a number followed by a unit'],
    ['1.m', 'write a number followed by a unit'],
    ['.5m', 'write a number followed by a unit'],
    ['30m1h', 'largest first'],
    ['1m1m', 'largest first'],
    ['5s2m', 'largest first'],
    ['1m, 2m', 'write a number followed by a unit'],
    ['9'.repeat(30) + 'h', 'it is too long'],
  ])('rejects %j: %s', (text, reason) => {
    let caught: unknown;
    try {
      parseDuration(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DurationError);
    const error = caught as DurationError;
    expect(error.message).toContain(`${JSON.stringify(text)} is not a duration`);
    expect(error.message).toContain(reason);
    expect(error.reason).toContain(reason);
    expect(error.message).toContain('Accepted: a number with a unit, such as "45s", "5m", "1h30m"');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [999, '999ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [45_000, '45s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [3_723_500, '1h2m3.5s'],
    [3_605_000, '1h5s'],
    [-90_000, '-1m30s'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([0, 250, 1_000, 1_500, 45_000, 90_000, 3_723_500, 86_400_000])('round-trips %d ms', (ms) => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
