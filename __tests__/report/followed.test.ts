// A followed rollout in the report: the deployment and its lifecycle events, its rollback
// deployment, the service's own error under "Why it rolled back", all of it escaped.
import type { FollowedRecord } from '../../src/engine/types.js';
import { followedCause, followedSection } from '../../src/report/followed.js';
import type { ReleaseReport } from '../../src/report/model.js';
import { renderReport } from '../../src/report/render.js';
import { renderedProblems } from '../support/gfm.js';
import { promotionReport, rollbackReport, T0 } from '../support/report-fixtures.js';

const consoleUrl = (id: string) =>
  `https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/${id}?region=us-east-1`;

const succeeded: FollowedRecord = {
  id: 'd-FOLLOWED',
  state: 'succeeded',
  phase: 'Succeeded',
  events: [
    { name: 'BeforeAllowTraffic', status: 'Succeeded', startedAt: T0, endedAt: T0 + 2_500 },
    { name: 'AllowTraffic', status: 'Succeeded', startedAt: T0 + 2_500, endedAt: T0 + 302_500 },
    { name: 'AfterAllowTraffic', status: 'Skipped' },
  ],
};

/** A promotion the service carried out, as the follow engine records it. */
function followedPromotion(followed: FollowedRecord = succeeded): ReleaseReport {
  const report = promotionReport();
  report.record = { ...report.record!, followed };
  return report;
}

/** The service failed the deployment on its own and rolled it back with a deployment of its own. */
function serviceRollback(more: Partial<FollowedRecord> = {}, completed = true): ReleaseReport {
  const report = promotionReport();
  const reason = 'deployment d-FOLLOWED failed: ALARM_ACTIVE: One or more alarms have been activated';
  report.result = completed ? 'rolled-back' : 'failed';
  report.reason = reason;
  report.record = {
    ...report.record!,
    outcome: report.result === 'failed' ? 'failed' : 'rolled-back',
    reason,
    rollback: { reason, startedAt: T0 + 180_000, endedAt: T0 + 240_000, completed },
    followed: {
      id: 'd-FOLLOWED',
      state: 'failed',
      phase: 'Failed',
      events: [
        { name: 'BeforeAllowTraffic', status: 'Succeeded', startedAt: T0, endedAt: T0 + 1_000 },
        {
          name: 'AllowTraffic',
          status: 'Failed',
          startedAt: T0 + 1_000,
          message: 'ALARM_ACTIVE: orders-errors',
        },
        { name: 'AfterAllowTraffic', status: 'Skipped' },
      ],
      error: 'ALARM_ACTIVE: One or more alarms have been activated',
      rollback: { id: 'd-ROLLBACK', state: completed ? 'succeeded' : 'failed' },
      endedBy: 'service',
      ...more,
    },
  };
  return report;
}

describe('a followed rollout in the report', () => {
  it('says nothing of a deployment for a rollout that followed none', () => {
    expect(followedSection(promotionReport())).toBe('');
    expect(followedCause(rollbackReport())).toBe('');
  });

  it('shows the deployment, how it ended, and each lifecycle event with its time', () => {
    expect(followedSection(followedPromotion())).toBe(
      [
        '#### Deployment',
        '',
        `**Deployment:** [d\\-FOLLOWED](${consoleUrl('d-FOLLOWED')})<br>**Status:** ✅ succeeded (Succeeded)`,
        '',
        '| Lifecycle event | Status | Took | Diagnostics |',
        '| --- | --- | --- | --- |',
        '| BeforeAllowTraffic | ✅ Succeeded | 2.5s | — |',
        '| AllowTraffic | ✅ Succeeded | 5m | — |',
        '| AfterAllowTraffic | ⏭️ Skipped | — | — |',
      ].join('\n'),
    );
    expect(followedCause(followedPromotion())).toBe('');
  });

  it("quotes the service's error, the failed event and the rollback deployment under 'Why it rolled back'", () => {
    const text = renderReport(serviceRollback());
    expect(text).toContain(
      [
        '#### Why it rolled back',
        '> **The deployment d\\-FOLLOWED failed** on its own: ALARM\\_ACTIVE: One or more alarms have been activated',
        '> Its lifecycle event **AllowTraffic** failed: ALARM\\_ACTIVE: orders\\-errors',
        `> **Rollback deployment:** [d\\-ROLLBACK](${consoleUrl('d-ROLLBACK')}), ✅ succeeded`,
      ].join('\n\n'),
    );
    // Read before the overview; the deployment's own section after it.
    expect(text.indexOf('Why it rolled back')).toBeLessThan(text.indexOf('#### Deployment'));
    expect(text).toContain('| AllowTraffic | ❌ Failed | — | ALARM\\_ACTIVE: orders\\-errors |');
  });

  it("a rollback deployment that failed is 'Why it stopped', and says so", () => {
    const text = renderReport(serviceRollback({}, false));
    expect(text).toContain('#### Why it stopped');
    expect(text).not.toContain('Why it rolled back');
    expect(text).toContain(`**Rollback deployment:** [d\\-ROLLBACK](${consoleUrl('d-ROLLBACK')}), ❌ failed`);
  });

  it('a deployment the action stopped leaves the why to the gate, and shows its rollback deployment', () => {
    const report = rollbackReport();
    report.record!.followed = {
      id: 'd-FOLLOWED',
      state: 'stopped',
      phase: 'Stopped',
      events: [],
      error: 'DEPLOYMENT_STOPPED: stopped by the action',
      rollback: { id: 'd-ROLLBACK', state: 'succeeded' },
      endedBy: 'action',
    };
    expect(followedCause(report)).toBe('');
    const text = renderReport(report);
    // The gate's own words, as for the direct engine.
    expect(text).toContain('#### Why it rolled back\n\n> **orders\\-errors** is ALARM');
    expect(followedSection(report)).toBe(
      [
        '#### Deployment',
        '',
        `**Deployment:** [d\\-FOLLOWED](${consoleUrl('d-FOLLOWED')})<br>**Status:** ⏹️ stopped (Stopped)<br>` +
          `**Error:** DEPLOYMENT\\_STOPPED: stopped by the action<br>**Rollback deployment:** [d\\-ROLLBACK](${consoleUrl('d-ROLLBACK')}), ✅ succeeded`,
      ].join('\n'),
    );
  });

  it('escapes everything that came from AWS, cuts long diagnostics, and the whole report renders as text', async () => {
    const hostile = '| </details> <script>alert(1)</script> @octocat [x](javascript:alert(1)) #12';
    const report = serviceRollback({
      id: 'd-<b>x</b>',
      phase: hostile,
      error: hostile,
      events: [
        { name: hostile, status: hostile, message: `${hostile} ${'z'.repeat(400)}` },
        { name: 'AllowTraffic', status: 'constructor' },
      ],
      rollback: { id: 'd-](javascript:alert(1))', state: 'succeeded' },
    });
    const text = renderReport(report);
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('<b>');
    expect(text).toContain('&lt;script&gt;');
    expect(text).not.toContain('z'.repeat(301));
    expect(text).toContain('z…');
    expect(text).toContain('| AllowTraffic | ❔ constructor |');
    await expect(renderedProblems(text)).resolves.toEqual([]);
  });
});
