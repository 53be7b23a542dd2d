// A dry run's plan: the same steps and absolute deadlines the engine uses, every write named.
import { planLines, releasePlan, type PlanSchedule } from '../../src/report/plan.js';
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
      'Step 1 of 3: 30% from +0s to +2m: UpdateAlias live: 30% on version 7, 70% on version 6',
      'Step 2 of 3: 60% from +2m to +4m: UpdateAlias live: 60% on version 7, 40% on version 6',
      'Step 3 of 3: 90% from +4m to +6m: UpdateAlias live: 90% on version 7, 10% on version 6',
      'Promote at +6m: UpdateAlias live: all traffic on version 7, the split removed',
      'Gates: alarms orders-errors, read every 5s at every step; any in ALARM rolls back (UpdateAlias live: all traffic back on version 6, the split removed)',
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
      'Step 3 of 3: 90% from +0s to +2m: UpdateAlias live: 90% on version 7, 10% on version 6',
      'Promote at +2m: UpdateAlias live: all traffic on version 7, the split removed',
    ]);
  });

  it('says so when no gate watches', () => {
    expect(planLines(aliasPlan(facts({ alarms: [] })))).toContain(
      'Gates: no gates (input "alarms" is empty): each step is only held',
    );
  });
});
