// The Reporter, the one place that publishes: job summary, JSON report, comment and GitHub
// Deployments, against the local cloud's GitHub.
import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCloudControl, type GitHubScenario } from '../../sim/control-client.js';
import { startLocalCloud, type LocalCloud } from '../../sim/server.js';
import type { GitHub } from '../../src/report/github.js';
import { Reporter, type ReportingSettings } from '../../src/report/publish.js';
import { aliasSubject } from '../../src/targets/lambda/subject.js';
import { renderReport } from '../../src/report/render.js';
import {
  ANALYSIS_FAILURE,
  ANALYSIS_SETTINGS,
  analysisRollbackReport,
  promotionReport,
  rollbackReport,
} from '../support/report-fixtures.js';

let cloud: LocalCloud;
let control: LocalCloudControl;
let dir: string;
let env: NodeJS.ProcessEnv;
let log: { info: jest.Mock<(m: string) => void>; warning: jest.Mock<(m: string) => void> };

const SHA = 'b'.repeat(40);
const settings = (more: Partial<ReportingSettings> = {}): ReportingSettings => ({
  jobSummary: true,
  prComment: true,
  githubToken: 'ghs_token',
  ...more,
});
/** The run's own wait for GitHub at the end is 10 s; Octokit's retries of a 5xx take 2.5 s. */
const reporter = (s = settings()) =>
  new Reporter(
    s,
    aliasSubject(
      { functionName: 'orders', alias: 'live' },
      { region: 'us-east-1', environment: s.deploymentEnvironment },
    ),
    { env, log, githubTimeoutMs: 10_000 },
  );

beforeAll(async () => {
  cloud = await startLocalCloud();
  control = new LocalCloudControl(cloud.url);
});
afterAll(() => cloud.close());

async function scenario(github: GitHubScenario = {}): Promise<void> {
  await control.reset();
  await control.loadScenario({
    github: { pulls: [{ repo: 'acme/shop', number: 12, mergeCommitSha: SHA }], ...github },
  });
  dir = mkdtempSync(join(tmpdir(), 'publish-test-'));
  writeFileSync(join(dir, 'summary.md'), '');
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ pull_request: { number: 12 } }));
  env = {
    GITHUB_API_URL: cloud.url,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '4242',
    GITHUB_SHA: SHA,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    RUNNER_TEMP: dir,
  };
  log = { info: jest.fn(), warning: jest.fn() };
}

beforeEach(() => scenario());

/** A GitHub that never answers; its first request calls `onRequest`. */
function silentGitHub(onRequest: () => void): GitHub {
  const never: unknown = new Proxy(function () {}, {
    get: (_target, key) => (key === 'then' ? undefined : never),
    apply: () => {
      onRequest();
      return new Promise(() => {});
    },
  });
  return never as GitHub;
}

describe('Reporter, when GitHub does not answer', () => {
  it('a cancellation during the wait cuts it short, and says the report did not settle', async () => {
    const cancellation = new AbortController();
    const r = new Reporter(
      settings(),
      aliasSubject({ functionName: 'orders', alias: 'live' }, { region: 'us-east-1' }),
      // An hour's wait: only the cancellation, which comes with the first request, ends it.
      { env, log, githubTimeoutMs: 3_600_000, createGitHub: () => silentGitHub(() => cancellation.abort()) },
    );
    const published = await r.finish(rollbackReport(), { cancel: cancellation.signal, hurriedMs: 0 });
    expect(cancellation.signal.aborted).toBe(true);
    expect(published.settled).toBe(false);
    expect(log.warning).toHaveBeenCalledWith(expect.stringMatching(/^GitHub did not answer in time/));
  });
});

describe('Reporter', () => {
  it('publishes one rendering to the summary and the comment, and the whole record as JSON', async () => {
    const report = promotionReport();
    const published = await reporter().finish(report);
    expect(published.settled).toBe(true);
    const rendered = renderReport(report);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toBe(rendered);
    const [comment] = await control.comments('acme/shop', 12);
    expect(comment!.body).toBe(`<!-- serverless-canary:lambda%2Forders%2Flive%2F -->\n${rendered}`);
    expect(published.commentUrl).toContain('#issuecomment-');
    const json = JSON.parse(readFileSync(published.reportPath!, 'utf8'));
    expect(published.reportPath).toBe(join(dir, 'serverless-canary', 'report-orders-live.json'));
    expect(json).toMatchObject({
      schemaVersion: 1,
      result: 'promoted',
      plan: { name: 'linear 50% every 5m' },
      metrics: { canary: { version: '7', invocations: 3010 } },
      record: { outcome: 'promoted', steps: [{ weight: 50 }] },
    });
    expect(json.record.steps[0].readings).toHaveLength(11);
    expect(log.warning).not.toHaveBeenCalled();
  });

  it("gives the JSON report the analysis's settings, every reading's detail, and its last verdict on top", async () => {
    const report = analysisRollbackReport();
    const published = await reporter(settings({ prComment: false })).finish(report);
    const json = JSON.parse(readFileSync(published.reportPath!, 'utf8'));
    expect(json.analysis).toEqual(ANALYSIS_SETTINGS);
    expect(json.analysisVerdict).toMatchObject({
      at: report.record!.rollback!.startedAt,
      status: 'fail',
      summary: ANALYSIS_FAILURE,
      kind: 'analysis',
      verdict: 'fail',
      minInvocations: 100,
      confidence: 0.99,
      subjects: [
        {
          name: 'orders:live',
          canary: { invocations: 298, errors: 14 },
          baseline: { invocations: 2702, errors: 27 },
          judgedPeriods: 5,
          errorRate: { verdict: 'fail', errorsToFail: 9, thresholdPoints: 0 },
          latency: { verdict: 'pass', thresholdPercent: 25, periods: 5 },
        },
      ],
    });
    const readings = json.record.steps[0].readings.filter((r: { gate: string }) => r.gate === 'analysis');
    expect(readings).toHaveLength(16);
    expect(readings.every((r: { detail?: { kind: string } }) => r.detail?.kind === 'analysis')).toBe(true);
    // Without an analysis reading (analysis off), no verdict.
    const off = await reporter(settings({ prComment: false })).finish(promotionReport());
    expect(JSON.parse(readFileSync(off.reportPath!, 'utf8'))).not.toHaveProperty('analysisVerdict');
  });

  it('without GITHUB_STEP_SUMMARY: a warning, and the rest still published', async () => {
    delete env.GITHUB_STEP_SUMMARY;
    const published = await reporter().finish(promotionReport());
    expect(log.warning).toHaveBeenCalledWith(
      'GITHUB_STEP_SUMMARY is not set (a local run?): no job summary written.',
    );
    expect(published.commentUrl).toBeDefined();
    expect(existsSync(published.reportPath!)).toBe(true);
  });

  it('without a token: one warning naming the permission, and no GitHub request', async () => {
    const r = reporter(settings({ githubToken: '', deploymentEnvironment: 'production' }));
    r.rolloutStarted({ ...promotionReport(), result: 'in-progress' }, 'acme/shop#1.1~abc');
    await r.finish(promotionReport());
    expect(log.warning).toHaveBeenCalledTimes(1);
    expect(log.warning.mock.calls[0]![0]).toMatch(
      /No github-token.*pull-requests: write.*deployments: write/,
    );
    expect(await control.writes('github')).toEqual([]);
  });

  it('reports a deployment with statuses in order, the run as log and the environment URL', async () => {
    const r = reporter(
      settings({ deploymentEnvironment: 'production', environmentUrl: 'https://orders.example.com' }),
    );
    r.rolloutStarted(
      { ...promotionReport(), result: 'in-progress', reason: 'starting' },
      'acme/shop#1.1~abc',
    );
    await r.finish(promotionReport());
    const [deployment, ...more] = (await control.github()).deployments;
    expect(more).toEqual([]);
    expect(deployment).toMatchObject({ repo: 'acme/shop', sha: SHA, environment: 'production' });
    expect(deployment!.statuses.map((s) => [s.state, s.logUrl, s.environmentUrl])).toEqual([
      ['in_progress', 'https://github.com/acme/shop/actions/runs/4242', 'https://orders.example.com'],
      ['success', 'https://github.com/acme/shop/actions/runs/4242', 'https://orders.example.com'],
    ]);
  });

  it("a later phase finds its release's deployment by the payload's run id; another release's is left alone", async () => {
    const production = () => reporter(settings({ deploymentEnvironment: 'production', prComment: false }));
    const starting = { ...promotionReport(), result: 'in-progress' as const };
    const started = { ...promotionReport(), result: 'started' as const };
    for (const release of ['acme/shop#1.1~aaa', 'acme/shop#2.1~bbb']) {
      const start = production();
      start.rolloutStarted(starting, release);
      await start.finish(started);
    }
    const promote = production();
    promote.continueRelease('acme/shop#2.1~bbb');
    promote.rolloutStarted(starting, 'acme/shop#2.1~bbb');
    await promote.finish(promotionReport());
    // A release GitHub does not list: that phase makes its own.
    const orphan = production();
    orphan.continueRelease('acme/shop#3.1~ccc');
    orphan.rolloutStarted(starting, 'acme/shop#3.1~ccc');
    await orphan.finish(rollbackReport());
    const deployments = (await control.github()).deployments;
    expect(deployments.map((d) => d.statuses.map((s) => s.state))).toEqual([
      ['in_progress'],
      ['in_progress', 'in_progress', 'success'],
      ['in_progress', 'failure'],
    ]);
  });

  it('a rollback is a failure status; a dry run or no change creates no deployment', async () => {
    const r = reporter(settings({ deploymentEnvironment: 'production' }));
    r.rolloutStarted({ ...rollbackReport(), result: 'in-progress' }, 'acme/shop#1.1~abc');
    await r.finish(rollbackReport());
    expect((await control.github()).deployments[0]!.statuses.map((s) => s.state)).toEqual([
      'in_progress',
      'failure',
    ]);

    await scenario();
    await reporter(settings({ deploymentEnvironment: 'production' })).finish({
      ...promotionReport(),
      result: 'dry-run',
      record: undefined,
    });
    expect((await control.github()).deployments).toEqual([]);
  });

  it('a 5xx from GitHub is retried by Octokit: the comment and the deployment statuses still land', async () => {
    // Two answers of each operation fail, within Octokit's two retries.
    await control.setFaults({ github: { error5xx: 1, limit: 2, operations: ['CreateComment'] } });
    const r = reporter(settings({ deploymentEnvironment: 'production' }));
    r.rolloutStarted(
      { ...promotionReport(), result: 'in-progress', reason: 'starting' },
      'acme/shop#1.1~abc',
    );
    const published = await r.finish(promotionReport());
    expect((await control.faults()).github?.injected).toBe(2);
    expect(published.commentUrl).toContain('#issuecomment-');
    expect(await control.comments('acme/shop', 12)).toHaveLength(1);
    const [deployment] = (await control.github()).deployments;
    expect(deployment!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(log.warning).not.toHaveBeenCalled();
  });

  it('a deployment status lost to a 5xx does not switch Deployments off: the final status is still sent', async () => {
    // The in_progress status fails past Octokit's retries (1 try + 2 retries); the final one goes through.
    await control.setFaults({ github: { error5xx: 1, limit: 3, operations: ['CreateDeploymentStatus'] } });
    const r = reporter(settings({ deploymentEnvironment: 'production', prComment: false }));
    r.rolloutStarted(
      { ...promotionReport(), result: 'in-progress', reason: 'starting' },
      'acme/shop#1.1~abc',
    );
    await r.finish(promotionReport());
    const [deployment] = (await control.github()).deployments;
    expect(deployment!.statuses.map((s) => s.state)).toEqual(['success']);
    const warnings = log.warning.mock.calls.map((c) => c[0]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/in_progress status .*HTTP 500.*later statuses are still sent/);
  });

  it('a 403 on deployments is one warning naming deployments: write; the comment is refused the same way', async () => {
    await scenario({ forbidWrites: true });
    const r = reporter(settings({ deploymentEnvironment: 'production' }));
    r.rolloutStarted({ ...promotionReport(), result: 'in-progress' }, 'acme/shop#1.1~abc');
    r.progress({ ...promotionReport(), result: 'in-progress' });
    const published = await r.finish(promotionReport());
    const warnings = log.warning.mock.calls.map((c) => c[0]);
    expect(warnings).toHaveLength(2);
    expect(warnings.find((w) => w.includes('Deployments'))).toMatch(/HTTP 403.*deployments: write/);
    expect(warnings.find((w) => w.includes('comment'))).toMatch(/HTTP 403.*pull-requests: write/);
    expect(published.commentUrl).toBeUndefined();
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain('Promoted');
  });
});
