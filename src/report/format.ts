// Times and numbers as the report and the log show them: UTC to the second, counts with thousands
// separators, rates and differences with the same digits in every place.

export const utcTime = (t: number): string => new Date(t).toISOString().slice(11, 19);
export const utcDateTime = (t: number): string => new Date(t).toISOString().slice(0, 19).replace('T', ' ');

/** A count: 36000 → "36,000". */
export const count = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Up to `digits` decimals, trailing zeros dropped: an input's value as it was given (0.5, 25). */
const trimmed = (n: number, digits: number): string => String(Number(n.toFixed(digits)));

/** A rate (0-1) in percent, two decimals; a tiny non-zero one is not shown as zero. */
export function rate(r: number): string {
  const percent = r * 100;
  if (percent > 0 && percent < 0.005) return '<0.01%';
  return `${percent.toFixed(2)}%`;
}

const sign = (n: number) => (n > 0 ? '+' : n < 0 ? '-' : '±');

/** A difference of rates in percentage points: "+3.70 pp", "-0.05 pp", "±0.00 pp". */
export const points = (pp: number): string => `${sign(Number(pp.toFixed(2)))}${Math.abs(pp).toFixed(2)} pp`;

/** A threshold in percentage points, as the input gave it: "+0 pp", "+0.5 pp". */
export const pointsLimit = (pp: number): string => `+${trimmed(pp, 4)} pp`;

/** A relative change in percent: "+7.4%", "-2.0%". */
export const change = (percent: number): string =>
  `${sign(Number(percent.toFixed(1)))}${Math.abs(percent).toFixed(1)}%`;

/** A threshold in percent, as the input gave it: "+25%". */
export const changeLimit = (percent: number): string => `+${trimmed(percent, 4)}%`;

/** A share (0-1) as a percent, as an input gives it: 0.99 → "99%", 0.995 → "99.5%". */
export const share = (s: number): string => `${trimmed(s * 100, 4)}%`;

/** Milliseconds to a tenth: "12.1 ms"; "—" without data. */
export const milliseconds = (ms: number | undefined): string =>
  ms === undefined ? '—' : `${Math.round(ms * 10) / 10} ms`;
