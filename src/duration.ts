// Durations as people write them in workflow inputs: "90s", "5m", "1h30m", "1.5m", "2 minutes".
//
// Grammar: one or more `<number><unit>` parts, largest unit first, each unit at most once,
// optionally separated by spaces. The number is a non-negative decimal (`1.5`); the unit is
// `ms`, `s`, `m` or `h`, or a long form (`sec`, `second(s)`, `min`, `minute(s)`, `hr`, `hour(s)`),
// in any case. A bare number is refused: "5" could mean seconds or minutes. `ms` is accepted so
// that every `formatDuration` result parses back. The result is rounded to whole milliseconds.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  msec: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

export const DURATION_EXAMPLES = '"45s", "5m", "1h30m" or "1.5m" (units: ms, s, m, h)';

export class DurationError extends Error {
  /** The specific problem, without the quoted value or the accepted forms. */
  readonly reason: string;
  constructor(
    readonly value: string,
    reason: string,
  ) {
    super(
      `${JSON.stringify(value)} is not a duration: ${reason}. Accepted: a number with a unit, such as ${DURATION_EXAMPLES}.`,
    );
    this.name = 'DurationError';
    this.reason = reason;
  }
}

/** Parses a duration such as "90s", "5m", "1h30m" or "1.5m" into milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const fail = (reason: string): never => {
    throw new DurationError(text, reason);
  };
  if (trimmed === '') fail('it is empty');
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) {
    fail(`a bare number is ambiguous; add a unit, as in "${trimmed}s" or "${trimmed}m"`);
  }
  if (trimmed.startsWith('-')) fail('it is negative');
  if (!/^(\d+(\.\d+)?\s*[a-z]+\s*)+$/i.test(trimmed)) {
    const bare = /(\d+(\.\d+)?)\s*$/.exec(trimmed);
    fail(bare ? `the last number "${bare[1]}" has no unit` : 'write a number followed by a unit');
  }

  let total = 0;
  let previousUnitMs = Infinity;
  for (const [, number, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/gi)) {
    const unitMs = UNIT_MS[unit!.toLowerCase()];
    if (unitMs === undefined) return fail(`unknown unit "${unit}"; use ms, s, m or h`);
    if (unitMs >= previousUnitMs) fail('give each unit once, largest first, as in "1h30m" or "2m30s"');
    previousUnitMs = unitMs;
    total += Number(number) * unitMs;
  }
  if (!Number.isSafeInteger(Math.round(total))) fail('it is too long');
  return Math.round(total);
}

/** Formats milliseconds compactly: "250ms", "45s", "5m", "1m30s", "1h", "1h2m3.5s". */
export function formatDuration(ms: number): string {
  if (ms < 0) return `-${formatDuration(-ms)}`;
  const rounded = Math.round(ms);
  if (rounded < 1_000) return `${rounded}ms`;
  const hours = Math.floor(rounded / 3_600_000);
  const minutes = Math.floor((rounded % 3_600_000) / 60_000);
  const seconds = (rounded % 60_000) / 1_000;
  return [hours && `${hours}h`, minutes && `${minutes}m`, seconds && `${seconds}s`].filter(Boolean).join('');
}
