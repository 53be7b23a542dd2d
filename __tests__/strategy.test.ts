import {
  checkResolution,
  describePlan,
  formatPercent,
  parseStrategy,
  shortHolds,
  StrategyError,
} from '../src/strategy.js';
import { planDurationMs, type Plan, type PlanStep } from '../src/engine/plan.js';

const S = 1_000;
const M = 60_000;
const FINAL: PlanStep = { weight: 100, holdMs: 0 };

const canary = (weight: number, holdMs: number): PlanStep[] => [{ weight, holdMs }, FINAL];
const linear = (holdMs: number): PlanStep[] => [
  ...[10, 20, 30, 40, 50, 60, 70, 80, 90].map((weight) => ({ weight, holdMs })),
  FINAL,
];

/** Runs parseStrategy and returns its StrategyError; fails the test when it does not throw one. */
function rejection(text: string): StrategyError {
  try {
    parseStrategy(text);
  } catch (error) {
    expect(error).toBeInstanceOf(StrategyError);
    return error as StrategyError;
  }
  throw new Error(`parseStrategy(${JSON.stringify(text)}) did not throw`);
}

describe('parseStrategy: CodeDeploy predefined configurations', () => {
  const PREDEFINED: [string, PlanStep[]][] = [
    ['Canary10Percent5Minutes', canary(10, 5 * M)],
    ['Canary10Percent10Minutes', canary(10, 10 * M)],
    ['Canary10Percent15Minutes', canary(10, 15 * M)],
    ['Canary10Percent30Minutes', canary(10, 30 * M)],
    ['Linear10PercentEvery1Minute', linear(1 * M)],
    ['Linear10PercentEvery2Minutes', linear(2 * M)],
    ['Linear10PercentEvery3Minutes', linear(3 * M)],
    ['Linear10PercentEvery10Minutes', linear(10 * M)],
    ['AllAtOnce', [FINAL]],
  ];
  const spellings = PREDEFINED.flatMap(([name, steps]) =>
    [
      name,
      `CodeDeployDefault.Lambda${name}`,
      name.toLowerCase(),
      name.toUpperCase(),
      `codedeploydefault.lambda${name.toLowerCase()}`,
      `CODEDEPLOYDEFAULT.LAMBDA${name.toUpperCase()}`,
      `  ${name}\n`,
    ].map((spelling) => [spelling, name, steps] as const),
  );

  it.each(spellings)('%j is %s', (spelling, name, steps) => {
    expect(parseStrategy(spelling)).toEqual({ name, steps });
  });

  it('follows CodeDeploy: a linear plan reaches 100% on its tenth increment, after nine holds', () => {
    expect(planDurationMs(parseStrategy('Linear10PercentEvery1Minute'))).toBe(9 * M);
    expect(planDurationMs(parseStrategy('Linear10PercentEvery10Minutes'))).toBe(90 * M);
    expect(planDurationMs(parseStrategy('Canary10Percent30Minutes'))).toBe(30 * M);
    expect(planDurationMs(parseStrategy('AllAtOnce'))).toBe(0);
  });
});

describe('parseStrategy: custom canary and linear', () => {
  it.each<[string, string, PlanStep[]]>([
    ['canary 10% 5m', 'canary 10% 5m', canary(10, 5 * M)],
    ['canary 10% for 5m', 'canary 10% 5m', canary(10, 5 * M)],
    ['Canary  25%   90s', 'canary 25% 1m30s', canary(25, 90 * S)],
    ['CANARY 10% FOR 1h30m', 'canary 10% 1h30m', canary(10, 90 * M)],
    ['canary 0.5% 10m', 'canary 0.5% 10m', canary(0.5, 10 * M)],
    ['canary 99.9% 1m', 'canary 99.9% 1m', canary(99.9, M)],
    ['canary 10% 1h 30m', 'canary 10% 1h30m', canary(10, 90 * M)],
    ['canary 10% 1.5m', 'canary 10% 1m30s', canary(10, 90 * S)],
    ['canary 10% 30s', 'canary 10% 30s', canary(10, 30 * S)],
    [
      'linear 20% every 2m',
      'linear 20% every 2m',
      [20, 40, 60, 80].map((weight) => ({ weight, holdMs: 2 * M })).concat(FINAL),
    ],
    [
      'linear 30% every 1m',
      'linear 30% every 1m',
      [30, 60, 90].map((weight) => ({ weight, holdMs: M })).concat(FINAL),
    ],
    [
      'Linear 25% Every 90s',
      'linear 25% every 1m30s',
      [25, 50, 75].map((weight) => ({ weight, holdMs: 90 * S })).concat(FINAL),
    ],
    ['linear 50% every 5m', 'linear 50% every 5m', canary(50, 5 * M)],
    ['linear 60% every 5m', 'linear 60% every 5m', canary(60, 5 * M)],
    ['linear 10% every 1m', 'linear 10% every 1m', linear(M)],
  ])('%j', (text, name, steps) => {
    const plan = parseStrategy(text);
    expect(plan.name).toBe(name);
    expect(plan.steps).toEqual(steps);
  });

  it('keeps linear weights free of binary noise', () => {
    const plan = parseStrategy('linear 1.1% every 1m');
    expect(plan.steps.slice(0, 3).map((s) => s.weight)).toEqual([1.1, 2.2, 3.3]);
    expect(plan.steps.at(-2)).toEqual({ weight: 99, holdMs: M });
    expect(plan.steps).toHaveLength(91);
  });
});

describe('parseStrategy: explicit steps', () => {
  const standard: PlanStep[] = [
    { weight: 5, holdMs: 2 * M },
    { weight: 25, holdMs: 5 * M },
    { weight: 50, holdMs: 10 * M },
    FINAL,
  ];

  it.each([
    '5%:2m, 25%:5m, 50%:10m',
    '5%:2m,25%:5m,50%:10m',
    '  5% : 2m ,  25% :5m,50%:  10m  ',
    '5%:2m\n25%:5m\n50%:10m',
    '5%:2m,\n25%:5m,\n50%:10m\n',
    '5%:2m\n\n25%:5m\n  \n50%:10m',
    '5%:2m, 25%:5m, 50%:10m, 100%',
    '5%:2m, 25%:5m, 50%:10m, 100%:0s',
    '5%:2m, 25%:5m, 50%:10m\n100%:',
  ])('%j', (text) => {
    expect(parseStrategy(text)).toEqual({ name: '5%:2m, 25%:5m, 50%:10m', steps: standard });
  });

  it('accepts decimal percentages and sub-minute holds', () => {
    expect(parseStrategy('0.5%:30s, 2.5%:1m30s')).toEqual({
      name: '0.5%:30s, 2.5%:1m30s',
      steps: [{ weight: 0.5, holdMs: 30 * S }, { weight: 2.5, holdMs: 90 * S }, FINAL],
    });
  });

  it('accepts a single step, and "100%" alone as all at once', () => {
    expect(parseStrategy('50%:1h')).toEqual({
      name: '50%:1h',
      steps: [{ weight: 50, holdMs: 60 * M }, FINAL],
    });
    expect(parseStrategy('100%')).toEqual({ name: '100%', steps: [FINAL] });
  });

  it('normalizes the display name', () => {
    expect(parseStrategy('5%:120s,25%:1.5h').name).toBe('5%:2m, 25%:1h30m');
  });
});

describe('parseStrategy: malformed strategies', () => {
  it.each<[string, string]>([
    ['', 'it is empty'],
    ['   ', 'it is empty'],
    ['\n', 'it is empty'],
    ['canary', 'a canary needs a percentage and a hold, as in "canary 10% 5m"'],
    ['canary 10%', 'a canary needs a percentage and a hold, as in "canary 10% 5m"'],
    ['canary 0% 5m', 'the weight 0% is out of range'],
    ['canary 100% 5m', 'the weight 100% is out of range'],
    ['canary 150% 5m', 'the weight 150% is out of range'],
    ['canary -5% 5m', 'the weight -5% is out of range'],
    ['canary 10% 0m', 'the hold at 10% is zero'],
    ['canary 10% 5x', 'the hold "5x" is not a duration (unknown unit "x"'],
    ['canary 10% 5', 'the hold "5" is not a duration (a bare number is ambiguous'],
    ['canary 10 5m', 'the weight "10" needs a % sign'],
    ['canary ten% 5m', '"ten%" is not a percentage'],
    ['linear', 'a linear strategy needs a percentage, "every" and an interval'],
    ['linear 0% every 1m', 'the weight 0% is out of range'],
    ['linear 20% 2m', 'a linear strategy needs a percentage, "every" and an interval'],
    ['linear 120% every 1m', 'the weight 120% is out of range'],
    ['linear 100% every 1m', 'the weight 100% is out of range'],
    ['linear 20% every 0s', 'the hold at 20% is zero'],
    ['linear 0.1% every 1s', 'at most 100 steps'],
    ['5%:2m, 5%:3m', 'the steps must increase, but 5% comes after 5%'],
    ['50%:2m, 25%:5m', 'the steps must increase, but 25% comes after 50%'],
    ['5%', 'step "5%" has no hold; write it as "5%:2m"'],
    ['5%:', 'step "5%:" has no hold after the colon'],
    [':2m', 'step ":2m" has no percentage before the colon'],
    ['5:2m', 'the weight "5" needs a % sign, as in "5%"'],
    ['5%:2m,,25%:5m', 'step 2 is empty'],
    ['5%:2m, 25%:5m,', 'step 3 is empty'],
    ['101%:1m', 'the weight 101% is out of range'],
    ['0%:1m', 'the weight 0% is out of range'],
    ['10%:-1m', 'the hold "-1m" is not a duration (it is negative)'],
    ['10%:0s', 'the hold at 10% is zero'],
    ['10%:2m, 100%:5m', 'the final 100% cannot have a hold'],
    ['10%:2m, 100%, 50%:1m', '100% can only be the last step'],
    ['Canary10Percent5Minute', 'did you mean "Canary10Percent5Minutes"?'],
    ['CodeDeployDefault.LambdaCanary10Percent5Minute', 'did you mean "Canary10Percent5Minutes"?'],
    ['Linear10PercentEvery1Minutes', 'did you mean "Linear10PercentEvery1Minute"?'],
    ['AllAtOnse', 'did you mean "AllAtOnce"?'],
    ['all at once', 'did you mean "AllAtOnce"?'],
    ['CodeDeployDefault.LambdaFoo', "not one of CodeDeploy's predefined Lambda configurations"],
    ['CodeDeployDefault.AllAtOnce', "not one of CodeDeploy's predefined Lambda configurations"],
    ['Linear10PercentEvery4Minutes', 'for that plan write "linear 10% every 4m"'],
    ['Canary20Percent5Minutes', 'for that plan write "canary 20% 5m"'],
    ['banana', 'it is neither a CodeDeploy name, nor "canary ...", nor "linear ...", nor a list of steps'],
  ])('rejects %j: %s', (text, reason) => {
    const error = rejection(text);
    expect(error.message).toContain(`Input "strategy": ${JSON.stringify(text)} is not a strategy: `);
    expect(error.message).toContain(reason);
    expect(error.message).toContain(
      'Accepted: a CodeDeploy name such as "Canary10Percent5Minutes" or "Linear10PercentEvery1Minute", "canary 10% 5m", "linear 20% every 2m", or steps such as "5%:2m, 25%:5m, 50%:10m".',
    );
  });

  it('quotes multi-line input readably', () => {
    expect(rejection('5%:2m\n5%:3m').message).toContain('"5%:2m\\n5%:3m"');
  });

  it('gives the same reason for the same mistake in every form', () => {
    const outOfRange = /the weight \S+ is out of range; each step's weight must be above 0% and below 100%/;
    for (const text of ['canary 120% 5m', 'linear 120% every 5m', '120%:5m']) {
      expect(rejection(text).message).toMatch(outOfRange);
    }
    const zeroHold = /the hold at 10% is zero; each step before 100% needs a hold above zero/;
    for (const text of ['canary 10% 0s', 'linear 10% every 0m', '10%:0s']) {
      expect(rejection(text).message).toMatch(zeroHold);
    }
    const badHold = /the hold "5x" is not a duration \(unknown unit "x"/;
    for (const text of ['canary 10% 5x', 'linear 10% every 5x', '10%:5x']) {
      expect(rejection(text).message).toMatch(badHold);
    }
  });

  it('lists the predefined linear names when a linear name is not predefined', () => {
    expect(rejection('Linear10PercentEvery4Minutes').message).toContain(
      'Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes',
    );
  });
});

describe('describePlan, planDurationMs and shortHolds', () => {
  const plan = (text: string): Plan => parseStrategy(text);

  it('describes plans step by step', () => {
    expect(describePlan(plan('Canary10Percent5Minutes'))).toBe('10% for 5m → 100%');
    expect(describePlan(plan('AllAtOnce'))).toBe('100%');
    expect(describePlan(plan('linear 30% every 1m30s'))).toBe(
      '30% for 1m30s → 60% for 1m30s → 90% for 1m30s → 100%',
    );
    expect(describePlan(plan('0.5%:30s, 25%:1h'))).toBe('0.5% for 30s → 25% for 1h → 100%');
  });

  it('sums the holds', () => {
    expect(planDurationMs(plan('Canary10Percent15Minutes'))).toBe(15 * M);
    expect(planDurationMs(plan('linear 20% every 2m'))).toBe(8 * M);
    expect(planDurationMs(plan('5%:2m, 25%:5m, 50%:10m'))).toBe(17 * M);
    expect(planDurationMs(plan('5%:30s, 25%:1m'))).toBe(90 * S);
  });

  it('finds holds under a minute, never the final 100%', () => {
    expect(shortHolds(plan('5%:30s, 25%:1m, 50%:59s, 75%:2m'))).toEqual([
      { weight: 5, holdMs: 30 * S },
      { weight: 50, holdMs: 59 * S },
    ]);
    expect(shortHolds(plan('Canary10Percent5Minutes'))).toEqual([]);
    expect(shortHolds(plan('AllAtOnce'))).toEqual([]);
    expect(shortHolds(plan('linear 50% every 10s'))).toEqual([{ weight: 50, holdMs: 10 * S }]);
  });
});

describe('checkResolution and formatPercent', () => {
  const lambda = { target: 'a Lambda alias', stepPercent: 0.0001 };

  it('passes plans whose every weight is a whole number of steps, computed ones included', () => {
    for (const text of [
      'Linear10PercentEvery1Minute',
      'linear 12.5% every 1m',
      '33.3333%:1m',
      '0.0001%:1m',
    ]) {
      expect(() => checkResolution(text, parseStrategy(text), lambda)).not.toThrow();
    }
  });

  it('refuses the first weight that is not, in the words of the input', () => {
    const text = '0.0001%:1m, 0.00015%:1m, 0.00025%:1m';
    expect(() => checkResolution(text, parseStrategy(text), lambda)).toThrow(
      'Input "strategy": "0.0001%:1m, 0.00015%:1m, 0.00025%:1m": the weight 0.00015% is finer than a Lambda alias can route (steps of 0.0001%); give weights in whole steps of 0.0001%, such as 0.0001% or 0.0002%.',
    );
  });

  it('writes percentages as people do, never in exponent form', () => {
    expect([0.00001, 0.0001, 12.5, 100, 0.1 + 0.2].map(formatPercent)).toEqual([
      '0.00001',
      '0.0001',
      '12.5',
      '100',
      '0.3',
    ]);
  });
});
