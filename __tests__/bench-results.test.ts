// bench/results/latest.json is what the README and the issue quote: these pin its keys and their
// shapes (not whether the figures meet their goals), and that the README shows the same figures.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  README_END,
  README_START,
  renderTables,
  withoutTablePadding,
  type BenchResults,
} from '../bench/tables.js';

const root = resolve(import.meta.dirname, '..');
const results = JSON.parse(
  readFileSync(join(root, 'bench', 'results', 'latest.json'), 'utf8'),
) as BenchResults;

const share = expect.any(Number) as unknown;
const isShare = (value: number) => value >= 0 && value <= 1;

describe('bench/results/latest.json', () => {
  it('has the detection rows for each error ratio and traffic level', () => {
    const cells = results.detection.map((d) => `${d.errorRatio}x@${d.requestsPerSecond}`).sort();
    const expected = [1, 2, 5, 10].flatMap((ratio) => [1, 10, 100].map((rps) => `${ratio}x@${rps}`)).sort();
    expect(cells).toEqual(expected);
    for (const row of results.detection) {
      expect(row).toMatchObject({
        baselineErrorRate: 0.01,
        weightPercent: 10,
        runs: expect.any(Number),
        analysisRollbackRate: share,
        alarmRollbackRate: share,
      });
      expect(Number.isInteger(row.runs) && row.runs > 0).toBe(true);
      expect(isShare(row.analysisRollbackRate) && isShare(row.alarmRollbackRate)).toBe(true);
      const median = row.analysisMedianSecondsToDetect;
      expect(median === null || (typeof median === 'number' && median > 0)).toBe(true);
    }
  });

  it('has the reaction, overhead and start-up figures', () => {
    expect(results.reaction).toMatchObject({
      pollSeconds: expect.any(Number),
      trials: expect.any(Number),
      medianSeconds: expect.any(Number),
      maxSeconds: expect.any(Number),
    });
    expect(results.reaction.seconds).toHaveLength(results.reaction.trials);
    expect(results.overhead).toMatchObject({
      steps: 6,
      plannedSeconds: expect.any(Number),
      wallSeconds: expect.any(Number),
    });
    expect(results.startup).toMatchObject({
      bundleBytes: expect.any(Number),
      medianMsToFirstRequest: expect.any(Number),
    });
  });

  it('has requests per poll for 1, 10 and 100 alarms and 1, 10 and 50 functions', () => {
    const cases = results.apiPerPoll.map((a) => `${a.alarms}/${a.functions}`);
    expect(cases).toEqual(expect.arrayContaining(['1/1', '10/1', '100/1', '1/10', '1/50']));
    for (const row of results.apiPerPoll) {
      expect(row).toMatchObject({ describeAlarms: expect.any(Number), getMetricData: expect.any(Number) });
    }
  });

  it('is what the README Performance section shows', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf(README_START) + README_START.length,
      readme.indexOf(README_END),
    );
    expect(withoutTablePadding(section)).toBe(withoutTablePadding(renderTables(results)));
  });
});
