// The analysis inputs (`analysis`, its thresholds, confidence, inconclusive policy and metric
// period), read into AnalysisSettings. Kept apart from inputs.ts because they are one feature's
// eight inputs with their own units; every problem goes to the same collector as the others.
import { DurationError, formatDuration, parseDuration } from './duration.js';
import { verdictWaitMs, type AnalysisSettings, type OnInconclusive } from './gates/analysis.js';
import type { ProblemCollector } from './input-problems.js';

export const ANALYSIS_DEFAULTS = {
  analysis: 'on',
  'max-error-rate-increase': '0',
  'max-latency-increase': '25%',
  'min-invocations': '100',
  'analysis-confidence': '99%',
  'on-inconclusive': 'extend',
  'max-extension': '10m',
  'metric-period': '1m',
} as const;

/** CloudWatch's periods: high-resolution ones, or whole minutes. */
const SUB_MINUTE_PERIODS = [1, 5, 10, 30];
const NUMBER = /^(\d+(\.\d+)?|\.\d+)$/;

/** The fallback of an input with a problem: the default, so that the other checks still run. */
export const DEFAULT_ANALYSIS: AnalysisSettings = {
  maxErrorRateIncreasePoints: 0,
  maxLatencyIncreasePercent: 25,
  minInvocations: 100,
  confidence: 0.99,
  onInconclusive: 'extend',
  maxExtensionMs: 10 * 60_000,
  periodSeconds: 60,
};

/**
 * The analysis settings, or undefined when `analysis` is off. The other analysis inputs are
 * checked even then: a typo in them is still a typo.
 */
export function readAnalysisInputs(
  value: (name: string, fallback?: string) => string,
  check: ProblemCollector['check'],
): AnalysisSettings | undefined {
  const input = (name: keyof typeof ANALYSIS_DEFAULTS) => value(name, ANALYSIS_DEFAULTS[name]);
  const on = check('analysis', () => parseSwitch(input('analysis')), true);
  const d = DEFAULT_ANALYSIS;
  const settings: AnalysisSettings = {
    maxErrorRateIncreasePoints: check(
      'max-error-rate-increase',
      () => parseErrorRateIncrease(input('max-error-rate-increase')),
      d.maxErrorRateIncreasePoints,
    ),
    maxLatencyIncreasePercent: check(
      'max-latency-increase',
      () => parseLatencyIncrease(input('max-latency-increase')),
      d.maxLatencyIncreasePercent,
    ),
    minInvocations: check(
      'min-invocations',
      () => parseMinInvocations(input('min-invocations')),
      d.minInvocations,
    ),
    confidence: check(
      'analysis-confidence',
      () => parseConfidence(input('analysis-confidence')),
      d.confidence,
    ),
    onInconclusive: check(
      'on-inconclusive',
      () => parseOnInconclusive(input('on-inconclusive')),
      d.onInconclusive,
    ),
    maxExtensionMs: check('max-extension', () => parseMaxExtension(input('max-extension')), d.maxExtensionMs),
    periodSeconds: check('metric-period', () => parseMetricPeriod(input('metric-period')), d.periodSeconds),
  };
  return on ? settings : undefined;
}

/**
 * What the analysis may add to the plan's holds: the last step's wait for its own late metrics,
 * and with `on-inconclusive: extend`, the extension.
 */
export function analysisAllowanceMs(settings: AnalysisSettings | undefined): {
  waitMs: number;
  extensionMs: number;
} {
  if (!settings) return { waitMs: 0, extensionMs: 0 };
  return {
    waitMs: verdictWaitMs(settings),
    extensionMs: settings.onInconclusive === 'extend' ? settings.maxExtensionMs : 0,
  };
}

/** `on`/`off`, or the YAML booleans `true`/`false`, each in lower, title or upper case. */
function parseSwitch(text: string): boolean {
  const forms = (word: string) => [word, word.charAt(0).toUpperCase() + word.slice(1), word.toUpperCase()];
  if (['on', 'true'].flatMap(forms).includes(text)) return true;
  if (['off', 'false'].flatMap(forms).includes(text)) return false;
  throw new Error(
    `Input "analysis": "${text}" is not accepted. Accepted: "on" (the default) or "off" (also true or false).`,
  );
}

/**
 * Absolute percentage points: "0.5" or "0.5pp" lets the canary's error rate exceed the
 * baseline's by half a point (1% against 1.5%). A "%" is refused: it reads as a relative increase.
 */
function parseErrorRateIncrease(text: string): number {
  const name = 'max-error-rate-increase';
  const accepted =
    'Accepted: percentage points from 0 up to (not including) 100, such as "0" (the default: any increase the test is sure of), "0.5" or "0.5pp".';
  if (text.endsWith('%')) {
    throw new Error(
      `Input "${name}": "${text}" has a "%", which reads as a relative increase; this input is in absolute percentage points (1% against 1.5% is 0.5 points): write "${text.slice(0, -1).trim()}" or "${text.slice(0, -1).trim()}pp". ${accepted}`,
    );
  }
  const points = parseNumber(text.replace(/\s*pp$/i, ''));
  if (points === undefined || points >= 100)
    throw new Error(`Input "${name}": "${text}" is not accepted. ${accepted}`);
  return points;
}

/** Percent: "25%" or "25" lets the canary's latency be a quarter above the baseline's. */
function parseLatencyIncrease(text: string): number {
  const percent = parseNumber(text.replace(/\s*%$/, ''));
  if (percent === undefined) {
    throw new Error(
      `Input "max-latency-increase": "${text}" is not accepted. Accepted: a percentage of 0 or more, such as "25%" (the default) or "50".`,
    );
  }
  return percent;
}

function parseMinInvocations(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(
      `Input "min-invocations": "${text}" is not accepted. Accepted: a whole number of 1 or more, such as "100" (the default): the invocations each version needs before the analysis can pass it.`,
    );
  }
  return n;
}

/** "99%" or "0.99", from 50% to 99.99%. A bare "99" is refused: it is neither. */
function parseConfidence(text: string): number {
  const accepted = 'Accepted: from 50% to 99.99%, as "99%" (the default) or "0.99".';
  const percent = text.endsWith('%') ? parseNumber(text.slice(0, -1).trim()) : undefined;
  const fraction = text.endsWith('%')
    ? percent === undefined
      ? undefined
      : percent / 100
    : parseNumber(text);
  if (fraction === undefined || fraction < 0.5 || fraction > 0.9999 + 1e-12) {
    const hint =
      !text.endsWith('%') && fraction !== undefined && fraction >= 50 && fraction < 100
        ? ` (did you mean "${text}%"?)`
        : '';
    throw new Error(`Input "analysis-confidence": "${text}" is not accepted${hint}. ${accepted}`);
  }
  return fraction;
}

function parseOnInconclusive(text: string): OnInconclusive {
  const allowed: OnInconclusive[] = ['extend', 'fail', 'pass'];
  const found = allowed.find((a) => a === text);
  if (found) return found;
  throw new Error(
    `Input "on-inconclusive": "${text}" is not accepted. Accepted: "extend" (hold the last step longer, up to max-extension; the default), "fail" (roll back) or "pass" (promote).`,
  );
}

function parseMaxExtension(text: string): number {
  const ms = parseDurationOf('max-extension', text);
  if (ms > 24 * 3_600_000) {
    throw new Error(
      `Input "max-extension": "${text}" is too long. Accepted: from 0s to 24h, such as "10m" (the default).`,
    );
  }
  return ms;
}

/** The metrics' resolution: 1s, 5s, 10s, 30s or whole minutes, as CloudWatch's periods are. */
function parseMetricPeriod(text: string): number {
  const ms = parseDurationOf('metric-period', text);
  const seconds = ms / 1000;
  if (SUB_MINUTE_PERIODS.includes(seconds) || (seconds >= 60 && seconds % 60 === 0)) return seconds;
  throw new Error(
    `Input "metric-period": "${text}" is not a CloudWatch period. Accepted: 1s, 5s, 10s, 30s or a whole number of minutes, such as "1m" (the default; AWS/Lambda and AWS/ApiGateway publish per minute).`,
  );
}

function parseDurationOf(name: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    const reason = error instanceof DurationError ? `: ${error.reason}` : '';
    throw new Error(
      `Input "${name}": "${text}" is not a duration${reason}. Accepted: a number with s, m or h, such as "30s", "10m" or "1h".`,
    );
  }
}

/** A plain non-negative decimal, or undefined. */
function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

/** "3m of verdict wait" and so on, for the timeout's messages. */
export function describeAllowance(settings: AnalysisSettings): string {
  const { waitMs, extensionMs } = analysisAllowanceMs(settings);
  const wait = `${formatDuration(waitMs)} for the last step's metrics (metric-period ${formatDuration(settings.periodSeconds * 1000)})`;
  return extensionMs > 0
    ? `${wait} and up to ${formatDuration(extensionMs)} of extension (max-extension)`
    : wait;
}
