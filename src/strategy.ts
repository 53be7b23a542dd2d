// Every spelling of the `strategy` input becomes one Plan: a list of { weight, hold } steps that
// ends with { weight: 100, holdMs: 0 }.
//
// Accepted (keywords and names in any case, whitespace tolerant):
// - CodeDeploy's nine predefined Lambda configurations, with or without the
//   "CodeDeployDefault.Lambda" prefix, such as "Canary10Percent5Minutes" or
//   "CodeDeployDefault.LambdaLinear10PercentEvery1Minute".
//   Canary: the percentage for the interval, then 100%. Linear: equal increments with the interval
//   between them: 10%, 20%, ..., 90% each held for the interval, then 100%.
// - "canary 10% 5m" (or "canary 10% for 5m").
// - "linear 20% every 2m": 20, 40, 60, 80, each held 2m, then 100. An increment that does not
//   divide 100 stops below it: "linear 30% every 1m" is 30, 60, 90, then 100.
// - Explicit steps "5%:2m, 25%:5m, 50%:10m", separated by commas or new lines; 100% is appended.
//   A trailing "100%" (or "100%:0s") is accepted and not duplicated.
// Percentages need their "%" sign (a bare "5" could be a fraction or a percent) and may be
// decimal ("0.5%"). Durations are those of `parseDuration`. A plan has at most 100 steps before
// 100% (so "linear 0.1% every 1s" is refused).
import { DurationError, formatDuration, parseDuration } from './duration.js';
import type { Plan, PlanStep } from './engine/plan.js';
import { nearest } from './suggest.js';

export class StrategyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyError';
  }
}

const MINUTE = 60_000;
const MAX_STEPS = 100;
const PREFIX = 'codedeploydefault.lambda';

type Shape = 'canary' | 'linear' | 'all';

/** CodeDeploy's predefined Lambda deployment configurations. */
const PREDEFINED: { name: string; shape: Shape; percent: number; minutes: number }[] = [
  { name: 'Canary10Percent5Minutes', shape: 'canary', percent: 10, minutes: 5 },
  { name: 'Canary10Percent10Minutes', shape: 'canary', percent: 10, minutes: 10 },
  { name: 'Canary10Percent15Minutes', shape: 'canary', percent: 10, minutes: 15 },
  { name: 'Canary10Percent30Minutes', shape: 'canary', percent: 10, minutes: 30 },
  { name: 'Linear10PercentEvery1Minute', shape: 'linear', percent: 10, minutes: 1 },
  { name: 'Linear10PercentEvery2Minutes', shape: 'linear', percent: 10, minutes: 2 },
  { name: 'Linear10PercentEvery3Minutes', shape: 'linear', percent: 10, minutes: 3 },
  { name: 'Linear10PercentEvery10Minutes', shape: 'linear', percent: 10, minutes: 10 },
  { name: 'AllAtOnce', shape: 'all', percent: 100, minutes: 0 },
];

const ACCEPTED =
  'Accepted: a CodeDeploy name such as "Canary10Percent5Minutes" or "Linear10PercentEvery1Minute", ' +
  '"canary 10% 5m", "linear 20% every 2m", or steps such as "5%:2m, 25%:5m, 50%:10m".';

/** A specific reason; `parseStrategy` adds the input's name, the quoted value and the accepted forms. */
class Rejection extends Error {}
function reject(reason: string): never {
  throw new Rejection(reason);
}

export function parseStrategy(text: string): Plan {
  try {
    return parse(text.trim());
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    throw new StrategyError(
      `Input "strategy": ${JSON.stringify(text)} is not a strategy: ${error.message} ${ACCEPTED}`,
    );
  }
}

function parse(text: string): Plan {
  if (text === '') return reject('it is empty.');
  const keyword = /^(canary|linear)(?:\s+|$)(.*)$/is.exec(text);
  if (keyword?.[1]?.toLowerCase() === 'canary') {
    const m = /^(\S+)\s+(?:for\s+)?(\S.*)$/is.exec(keyword[2]!);
    if (!m) return reject('a canary needs a percentage and a hold, as in "canary 10% 5m".');
    return shapedPlan('canary', percent(m[1]!), hold(m[2]!));
  }
  if (keyword) {
    const m = /^(\S+)\s+every\s+(\S.*)$/is.exec(keyword[2]!);
    if (!m)
      return reject(
        'a linear strategy needs a percentage, "every" and an interval, as in "linear 20% every 2m".',
      );
    return shapedPlan('linear', percent(m[1]!), hold(m[2]!));
  }
  if (/[%:,\n]/.test(text)) return explicitPlan(text);
  return predefinedPlan(text);
}

/** The one step-list constructor: every form goes through here and `validated`. */
function shapedPlan(shape: Shape, weight: number, holdMs: number, name?: string): Plan {
  const steps: PlanStep[] = [];
  if (shape === 'canary') steps.push({ weight, holdMs });
  if (shape === 'linear') {
    // Equal increments, each held for the interval; the next increment past 100% is 100% itself.
    steps.push({ weight, holdMs });
    for (let k = 2; weight > 0 && k * weight < 100 && steps.length <= MAX_STEPS; k++) {
      steps.push({ weight: round(k * weight), holdMs });
    }
  }
  const display =
    name ??
    (shape === 'canary'
      ? `canary ${weight}% ${formatDuration(holdMs)}`
      : `linear ${weight}% every ${formatDuration(holdMs)}`);
  return validated(display, steps);
}

/** The one validator: weights in (0, 100), strictly increasing, holds above zero; appends 100%. */
function validated(name: string, steps: PlanStep[]): Plan {
  if (steps.length > MAX_STEPS) {
    reject(`it makes more than ${MAX_STEPS} steps; a plan may have at most ${MAX_STEPS} steps before 100%.`);
  }
  steps.forEach((step, index) => {
    if (!(step.weight > 0 && step.weight < 100)) {
      reject(
        `the weight ${step.weight}% is out of range; each step's weight must be above 0% and below 100% (the final 100% comes by itself).`,
      );
    }
    const before = steps[index - 1];
    if (before && step.weight <= before.weight) {
      reject(
        `the steps must increase, but ${step.weight}% comes after ${before.weight}%; each step moves more traffic than the one before.`,
      );
    }
    if (!(step.holdMs > 0)) {
      reject(
        `the hold at ${step.weight}% is zero; each step before 100% needs a hold above zero, such as "5m".`,
      );
    }
  });
  return { name, steps: [...steps, { weight: 100, holdMs: 0 }] };
}

function explicitPlan(text: string): Plan {
  const parts = text.split(/\s*,\s*|\s*\n\s*/);
  const steps: PlanStep[] = [];
  parts.forEach((part, index) => {
    if (part === '') {
      reject(
        `step ${index + 1} is empty; separate steps with one comma or one new line, as in "5%:2m, 25%:5m".`,
      );
    }
    const colon = part.indexOf(':');
    const weightText = (colon < 0 ? part : part.slice(0, colon)).trim();
    const holdText = colon < 0 ? undefined : part.slice(colon + 1).trim();
    if (weightText === '') reject(`step "${part}" has no percentage before the colon; write it as "5%:2m".`);
    const weight = percent(weightText);
    if (weight === 100) {
      // The final 100% may be written out ("100%", "100%:", "100%:0s"); the plan appends it anyway.
      if (index < parts.length - 1) reject('100% can only be the last step; it ends the plan.');
      if (holdText && hold(holdText) > 0) {
        reject('the final 100% cannot have a hold; end with "100%" or leave it out.');
      }
      return;
    }
    if (holdText === '')
      reject(`step "${part}" has no hold after the colon; write it as "${weightText}:2m".`);
    const holdMs = holdText === undefined ? undefined : hold(holdText);
    if (holdMs === undefined) return reject(`step "${part}" has no hold; write it as "${weightText}:2m".`);
    steps.push({ weight, holdMs });
  });
  const name = steps.map((s) => `${s.weight}%:${formatDuration(s.holdMs)}`).join(', ') || '100%';
  return validated(name, steps);
}

function predefinedPlan(text: string): Plan {
  const lower = text.toLowerCase();
  const bare = lower.startsWith(PREFIX) ? lower.slice(PREFIX.length) : lower;
  const config = PREDEFINED.find((c) => c.name.toLowerCase() === bare);
  if (config) return shapedPlan(config.shape, config.percent, config.minutes * MINUTE, config.name);

  // Close to a predefined name: a typo, or a number CodeDeploy does not predefine.
  const shaped = /^(canary|linear)(\d+)percent(?:every)?(\d+)minutes?$/.exec(bare);
  if (shaped) {
    const [, shape, p, minutes] = shaped;
    const same = PREDEFINED.find(
      (c) => c.shape === shape && c.percent === Number(p) && c.minutes === Number(minutes),
    );
    if (same) return reject(`it is not a CodeDeploy name; did you mean "${same.name}"?`);
    const custom = shape === 'canary' ? `canary ${p}% ${minutes}m` : `linear ${p}% every ${minutes}m`;
    const names = PREDEFINED.filter((c) => c.shape === shape).map((c) => c.name);
    return reject(
      `CodeDeploy predefines no such ${shape} configuration (its ${shape} ones are ${names.join(', ')}); for that plan write "${custom}".`,
    );
  }
  const close = nearest(
    bare,
    PREDEFINED.map((c) => c.name),
    3,
  );
  if (close) return reject(`it is not a CodeDeploy name; did you mean "${close}"?`);
  if (lower.startsWith('codedeploydefault.')) {
    return reject(
      `it is not one of CodeDeploy's predefined Lambda configurations, which are "CodeDeployDefault.Lambda" followed by one of ${PREDEFINED.map((c) => c.name).join(', ')}.`,
    );
  }
  return reject('it is neither a CodeDeploy name, nor "canary ...", nor "linear ...", nor a list of steps.');
}

/** A percentage with its "%" sign, such as "10%" or "0.5%". Range is checked by `validated`. */
function percent(text: string): number {
  const m = /^([+-]?(?:\d+(?:\.\d+)?|\.\d+))\s*%$/.exec(text);
  if (m) return Number(m[1]);
  if (/^[+-]?(\d+(\.\d+)?|\.\d+)$/.test(text)) {
    return reject(`the weight "${text}" needs a % sign, as in "${text}%".`);
  }
  return reject(`"${text}" is not a percentage; write one such as "10%" or "0.5%".`);
}

/** A hold such as "5m"; zero is refused by `validated` (except for the final 100%). */
function hold(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    return reject(
      `the hold "${text}" is not a duration (${error.reason}); write one such as "5m", "90s" or "1h30m".`,
    );
  }
}

/** Removes binary noise from k × increment (e.g. 3 × 0.1 = 0.30000000000000004). */
function round(weight: number): number {
  return Math.round(weight * 1e9) / 1e9;
}

/** The weights a traffic target can route: multiples of `stepPercent`; `target` names it in messages. */
export interface WeightResolution {
  target: string;
  stepPercent: number;
}

/** Whether `weight` (percent) is a whole number of the resolution's steps, free of float noise. */
export function isRepresentable(weight: number, resolution: WeightResolution): boolean {
  const steps = weight / resolution.stepPercent;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}

/**
 * Refuses a plan with a weight the target cannot route, rather than rounding it (0.00001% would
 * become 0: a step that sends no traffic and judges nothing). Quotes the input as written.
 */
export function checkResolution(text: string, plan: Plan, resolution: WeightResolution): void {
  const step = plan.steps.find((s) => !isRepresentable(s.weight, resolution));
  if (!step) return;
  const unit = resolution.stepPercent;
  // The representable weights either side (the lower one above zero).
  const below = formatPercent(Math.max(unit, Math.floor(step.weight / unit) * unit));
  const above = formatPercent(Math.ceil(step.weight / unit) * unit);
  const near = below === above ? `${below}%` : `${below}% or ${above}%`;
  throw new StrategyError(
    `Input "strategy": ${JSON.stringify(text)}: the weight ${formatPercent(step.weight)}% is finer than ${resolution.target} can route (steps of ${formatPercent(unit)}%); ` +
      `give weights in whole steps of ${formatPercent(unit)}%, such as ${near}.`,
  );
}

/** A percentage as people write it: "0.00001", never "1e-5"; no float noise. */
export function formatPercent(weight: number): string {
  return weight.toFixed(12).replace(/0+$/, '').replace(/\.$/, '');
}

/** "10% for 5m → 100%"; "100%" for all at once. */
export function describePlan(plan: Plan): string {
  return plan.steps
    .map((s) =>
      s.weight >= 100 && s.holdMs === 0 ? `${s.weight}%` : `${s.weight}% for ${formatDuration(s.holdMs)}`,
    )
    .join(' → ');
}

/** Steps before 100% held under a minute: Lambda metrics come per minute, so the caller warns. */
export function shortHolds(plan: Plan): PlanStep[] {
  return plan.steps.filter((s) => s.weight < 100 && s.holdMs < MINUTE);
}
