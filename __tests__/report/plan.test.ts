// A dry run's plan: the same steps and absolute deadlines the engine uses, every write named.
import { planLines, releasePlan, unwatchedPlan, type PlanSchedule } from '../../src/report/plan.js';
import { ANALYSIS_SETTINGS } from '../support/report-fixtures.js';
import { parseStrategy } from '../../src/strategy.js';
import { aliasDryRunWrites, type AliasDryRunFacts } from '../../src/targets/lambda/dry-run.js';

type PlanFacts = PlanSchedule & AliasDryRunFacts;

/** The plan of an alias release: the schedule timed, with the alias target's writes. */
const aliasPlan = (facts: PlanFacts) => releasePlan(facts, aliasDryRunWrites(facts));

const facts = (overrides: Partial<PlanFacts> = {}): PlanFacts => ({
  functionName: 'orders',
  alias: 'live',
  plan: parseStrategy('linear 30% every 2m'),
  timeoutMs: 16 * 60_000,
  pollIntervalMs: 5_000,
  alarms: ['orders-errors'],
  version: '7',
  previousVersion: '6',
  onExistingSplit: 'fail',
  ...overrides,
});

describe('releasePlan', () => {
  it('times each traffic step from the start, then the promotion, one line each for the log', () => {
    expect(planLines(aliasPlan(facts()))).toEqual([
      'Step 1 of 3: 30% from +0s to +2m: UpdateAlias live: 30% on version 7, 70% on version 6; gates: alarms',
      'Step 2 of 3: 60% from +2m to +4m: UpdateAlias live: 60% on version 7, 40% on version 6; gates: alarms',
      'Step 3 of 3: 90% from +4m to +6m: UpdateAlias live: 90% on version 7, 10% on version 6; gates: alarms',
      'Promote at +6m: UpdateAlias live: all traffic on version 7, the split removed',
      'Gates: alarms orders-errors, read every 5s at every step; any in ALARM rolls back (UpdateAlias live: all traffic back on version 6, the split removed).',
      'Timeout: 16m from the start; not promoted by then, the release rolls back',
    ]);
  });

  it('names the writes before the first step: clearing a split, publishing', () => {
    const plan = aliasPlan(
      facts({ version: 'publish', onExistingSplit: 'rollback', split: { version: '5', weight: 12.5 } }),
    );
    expect(plan.steps.filter((s) => s.kind === 'before').map((s) => s.writes)).toEqual([
      ['UpdateAlias live: clear the split left on it (12.5% on version 5), all traffic back on version 6'],
      ['PublishVersion of orders: the code and configuration of $LATEST become the new version'],
    ]);
    expect(plan.steps.find((s) => s.kind === 'step')?.writes).toEqual([
      'UpdateAlias live: 30% on the new version, 70% on version 6',
    ]);
  });

  it('skips the steps a resumed split is past, and starts the clock at the first it runs', () => {
    const plan = aliasPlan(facts({ onExistingSplit: 'resume', split: { version: '7', weight: 60 } }));
    expect(planLines(plan).slice(0, 4)).toEqual([
      'Step 1 of 3: 30%: skipped (resumed: the alias already sends 60% to version 7)',
      'Step 2 of 3: 60%: skipped (resumed: the alias already sends 60% to version 7)',
      'Step 3 of 3: 90% from +0s to +2m: UpdateAlias live: 90% on version 7, 10% on version 6; gates: alarms',
      'Promote at +2m: UpdateAlias live: all traffic on version 7, the split removed',
    ]);
  });

  it('lists the analysis as a gate of every step, with its settings, and what the last step waits for', () => {
    const plan = aliasPlan(facts({ analysis: ANALYSIS_SETTINGS }));
    expect(plan.analysis).toEqual(ANALYSIS_SETTINGS);
    const lines = planLines(plan);
    expect(lines.filter((l) => l.startsWith('Step ')).map((l) => l.split('; gates: ')[1])).toEqual([
      'alarms, analysis',
      'alarms, analysis',
      // Three one-minute periods: its last, settled two periods later.
      'alarms, analysis (then up to 3m for its last metrics; if inconclusive, up to 10m more)',
    ]);
    expect(lines.filter((l) => l.startsWith('Gates: '))).toEqual([
      'Gates: alarms orders-errors, read every 5s at every step; any in ALARM rolls back (UpdateAlias live: all traffic back on version 6, the split removed).',
      "Gates: analysis, every 5s at every step: the new version against the old on their own metrics; it rolls back when the canary's error rate is above the baseline's (by any margin the test is sure of) or its latency more than 25% above, at 99% confidence over the whole rollout; a pass needs 100 calls a side (min-invocations); 60 s periods; the last step waits up to 3m past its end for its last metrics; too little traffic by then (inconclusive): extends the last step up to 10m, then fails.",
    ]);
    expect(unwatchedPlan(plan)).toBeUndefined();
  });

  it.each([
    ['fail', 'too little traffic by then (inconclusive): fails.'],
    ['pass', 'too little traffic by then (inconclusive): passes.'],
  ] as const)('says what an inconclusive analysis does with on-inconclusive %s', (policy, words) => {
    const analysis = { ...ANALYSIS_SETTINGS, onInconclusive: policy, maxErrorRateIncreasePoints: 0.5 };
    const plan = aliasPlan(facts({ alarms: [], analysis }));
    const lines = planLines(plan);
    expect(lines.filter((l) => l.startsWith('Gates: '))).toEqual([
      expect.stringMatching(/^Gates: analysis, /),
    ]);
    const gates = lines.find((l) => l.startsWith('Gates: '))!;
    expect(gates.endsWith(words)).toBe(true);
    expect(gates).toContain("error rate is more than 0.5 percentage points above the baseline's");
    expect(lines[2]).toMatch(/; gates: analysis \(then up to 3m for its last metrics\)$/);
  });

  it('says so, in words nobody can miss, when no gate watches', () => {
    const plan = aliasPlan(facts({ alarms: [] }));
    const warning =
      'Nothing would watch this release: no alarms (input "alarms" is empty) and the analysis is off (input "analysis"), ' +
      'so each step would only be held and the new version promoted whatever it does.';
    expect(unwatchedPlan(plan)).toBe(warning);
    const lines = planLines(plan);
    expect(lines).toContain(`Gates: none. ${warning}`);
    expect(lines[0]).toMatch(/; gates: none$/);
  });
});
