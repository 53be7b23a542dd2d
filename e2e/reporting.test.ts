// Reporting end to end: the bundled action, run as the runner runs it, against the local cloud's
// AWS and GitHub. One sticky comment per target, edited through the rollout and by a rerun; a
// push comments on the commit's pull request; a 403 changes nothing but a warning; Deployments
// statuses arrive in order; the summary, the comment and the JSON report agree.
import { readFileSync } from 'node:fs';
import type { GitHubScenario } from '../sim/control-client.js';
import { parseMarker } from '../src/marker.js';
import { commentMarker } from '../src/report/comment.js';
import { mermaidBlocks, parseMermaid } from '../__tests__/support/mermaid.js';
import { useTestCloud, waitFor } from './local-cloud-env.js';
import { newRunnerContext, runStep, startStep } from './runner.js';
import {
  ALIAS,
  FUNCTION,
  githubWithPullRequest,
  lambdaScenario,
  MERGE_SHA,
  PULL_REQUEST,
  pullRequestEnv,
  pullRequestEvent,
  releaseInputs,
} from './scenarios.js';

const t = useTestCloud();
const PR = PULL_REQUEST;
const MARKER = commentMarker(`lambda/${FUNCTION}/${ALIAS}/`);

async function load(github: GitHubScenario = {}, canaryErrorRate = 0): Promise<void> {
  await t.control.reset({ clearWrites: true });
  await t.control.loadScenario(
    lambdaScenario({
      canaryErrorRate,
      extra: {
        github: { ...githubWithPullRequest, ...github },
      },
    }),
  );
}

function release(
  options: { event?: object; env?: Record<string, string>; inputs?: Record<string, string> } = {},
) {
  const ctx = newRunnerContext(options.event ?? pullRequestEvent);
  return runStep({
    step: 'main',
    ctx,
    inputs: releaseInputs({ strategy: '20%:2s, 50%:2s', 'github-token': 'ghs_e2e', ...options.inputs }),
    env: { ...t.env, ...pullRequestEnv, ...options.env },
  });
}

const ourComments = async () =>
  (await t.control.comments('acme/shop', PR)).filter((c) => c.body.startsWith(MARKER));

describe('reporting against the local cloud', () => {
  it('a pull request gets one comment, edited through the rollout; it matches the summary and the JSON report', async () => {
    await load();
    const result = await release();
    expect(result.outputs.result).toBe('promoted');

    const [comment, ...others] = await ourComments();
    expect(others).toEqual([]);
    const bodies = comment!.history.map((h) => h.body);
    // Created when the rollout started, then edited at each step and at the end: never a new comment.
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    expect(bodies[0]).toContain('🔄 In progress');
    expect(bodies.at(-1)).toBe(`${MARKER}\n${result.summary}`);
    expect(result.outputs['comment-url']).toBe(
      `https://github.com/acme/shop/pull/${PR}#issuecomment-${comment!.id}`,
    );

    expect(result.summary).toContain('### ✅ Promoted: orders:live from version 1 to 2');
    expect(result.summary).toContain('| Source | pull\\_request of feature/faster\\-orders at');
    expect(result.summary).toMatch(/\| Invocations \| [1-9][\d,]* \| [1-9][\d,]* \|/);
    const [chart] = mermaidBlocks(result.summary);
    await expect(parseMermaid(chart!)).resolves.toBe('xychart');

    const json = JSON.parse(readFileSync(result.outputs.report!, 'utf8'));
    expect(json).toMatchObject({
      result: 'promoted',
      previousVersion: '1',
      targetVersion: '2',
      record: { outcome: 'promoted' },
    });
    expect(json.record.steps.map((s: { weight: number }) => s.weight)).toEqual([20, 50]);
    expect(json.record.steps[0].readings.length).toBeGreaterThan(0);
    expect(json.metrics.canary.invocations).toBeGreaterThan(0);

    // A rerun of the job finds the same comment and edits it (nothing to release now: no change).
    const rerun = await release({ env: { GITHUB_RUN_ATTEMPT: '2' } });
    expect(rerun.outputs.result).toBe('no-change');
    const [again, ...more] = await ourComments();
    expect(more).toEqual([]);
    expect(again!.id).toBe(comment!.id);
    expect(again!.body).toBe(`${MARKER}\n${rerun.summary}`);
    expect(again!.history.length).toBe(bodies.length + 1);
  });

  it('a push comments on the pull request its commit came from', async () => {
    await load();
    const result = await release({
      event: { ref: 'refs/heads/main', after: MERGE_SHA, repository: { full_name: 'acme/shop' } },
      env: { GITHUB_EVENT_NAME: 'push', GITHUB_SHA: MERGE_SHA, GITHUB_HEAD_REF: '' },
    });
    expect(result.outputs.result).toBe('promoted');
    const [comment] = await ourComments();
    expect(comment!.body).toContain('| Source | push of main at ccccccc by octocat |');
    expect(result.stdout).not.toContain('::warning::');
  });

  it('a 403 leaves the result as it was and prints the permission to add, once', async () => {
    await load({ forbidWrites: true });
    const result = await release({ inputs: { 'deployment-environment': 'production' } });
    expect(result.code).toBe(0);
    expect(result.outputs.result).toBe('promoted');
    expect(result.outputs['comment-url']).toBe('');
    const warnings = result.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    expect(warnings.filter((w) => w.includes('pull-requests: write'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('deployments: write'))).toHaveLength(1);
    expect(await ourComments()).toEqual([]);
    expect(result.summary).toContain('Promoted');
  });

  it('Deployments: in_progress then success, or failure after a rollback, with the run and environment URLs', async () => {
    await load();
    const inputs = {
      'deployment-environment': 'production',
      'environment-url': 'https://orders.example.com',
    };
    const promoted = await release({ inputs });
    expect(promoted.outputs.result).toBe('promoted');

    await t.control.deployCode(FUNCTION, { code: 'v3', errorRate: 0.3 });
    const rolledBack = await release({ inputs: { ...inputs, strategy: '20%:20s, 50%:20s' } });
    expect(rolledBack.outputs.result).toBe('rolled-back');

    const deployments = (await t.control.github()).deployments;
    expect(deployments.map((d) => [d.environment, d.sha, d.statuses.map((s) => s.state)])).toEqual([
      ['production', 'a'.repeat(40), ['in_progress', 'success']],
      ['production', 'a'.repeat(40), ['in_progress', 'failure']],
    ]);
    for (const status of deployments.flatMap((d) => d.statuses)) {
      expect(status).toMatchObject({
        logUrl: 'https://github.com/acme/shop/actions/runs/4242',
        environmentUrl: 'https://orders.example.com',
      });
    }
    // The rollback's report: the alarm's own reason, the canary's error rate beside the baseline's.
    expect(rolledBack.summary).toContain('#### Why it rolled back');
    expect(rolledBack.summary).toMatch(
      /> \*\*orders\\-live\\-errors\*\* is ALARM since .* UTC: Threshold Crossed/,
    );
    expect(rolledBack.summary).toMatch(/\| Error rate \| 0\.00% \| [1-9]\d*\.\d\d% \|/);
    // The comment is per target and environment: this one is new, and holds the rollback.
    const envComments = (await t.control.comments('acme/shop', PR)).filter((c) =>
      c.body.startsWith(commentMarker(`lambda/${FUNCTION}/${ALIAS}/production`)),
    );
    expect(envComments).toHaveLength(1);
    expect(envComments[0]!.body).toContain('↩️ Rolled back');
  });

  it('a killed main step: the post step rolls back and finishes the comment and the deployment', async () => {
    await load();
    const ctx = newRunnerContext(pullRequestEvent);
    const env = { ...t.env, ...pullRequestEnv };
    const inputs = releaseInputs({
      strategy: '20%:60s',
      'github-token': 'ghs_e2e',
      'deployment-environment': 'staging',
    });
    const main = startStep({ step: 'main', ctx, inputs, env });
    const marker = commentMarker(`lambda/${FUNCTION}/${ALIAS}/staging`);
    const comment = async () =>
      (await t.control.comments('acme/shop', PR)).find((c) => c.body.startsWith(marker));
    // Killed once traffic is split, and the comment and the deployment say it is in progress.
    await waitFor('the in-progress comment', async () => (await comment())?.body.includes('In progress'));
    await waitFor(
      'the split',
      async () =>
        (await t.control.alias(FUNCTION, ALIAS)).RoutingConfig?.AdditionalVersionWeights?.['2'] === 0.2,
    );
    await waitFor('the deployment in progress', async () =>
      (await t.control.github()).deployments[0]?.statuses.some((s) => s.state === 'in_progress'),
    );
    main.child.kill('SIGKILL');
    await main.done;

    const post = await runStep({ step: 'post', ctx, inputs, env });
    expect(post.outputs.result).toBe('rolled-back');
    expect((await t.control.alias(FUNCTION, ALIAS)).FunctionVersion).toBe('1');
    const final = (await comment())!;
    expect(final.body).toContain('↩️ Rolled back');
    expect(final.body).toContain('the main step did not finish');
    expect((await t.control.comments('acme/shop', PR)).filter((c) => c.body.startsWith(marker))).toHaveLength(
      1,
    );
    const [deployment] = (await t.control.github()).deployments;
    expect(deployment!.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
  });

  it('killed after promoting but before its report: the post step reports the promotion', async () => {
    await load();
    const ctx = newRunnerContext(pullRequestEvent);
    const env = { ...t.env, ...pullRequestEnv };
    const inputs = releaseInputs({
      strategy: 'AllAtOnce',
      'github-token': 'ghs_e2e',
      'deployment-environment': 'qa',
    });
    // CloudWatch answers the report's metrics query slowly: the main step dies while reading them,
    // after its promotion and before any of its final report.
    await t.control.setFaults({ cloudwatch: { delayMs: 5_000, operations: ['GetMetricData'] } });
    const main = startStep({ step: 'main', ctx, inputs, env });
    await waitFor('the deployment in progress', async () =>
      (await t.control.github()).deployments[0]?.statuses.some((s) => s.state === 'in_progress'),
    );
    await waitFor(
      'the promotion',
      async () => parseMarker((await t.control.alias(FUNCTION, ALIAS)).Description)?.state === 'promoted',
    );
    main.child.kill('SIGKILL');
    await main.done;
    await t.control.clearFaults();

    const post = await runStep({ step: 'post', ctx, inputs, env });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(
      'The main step did not finish its report; this run had already promoted the alias',
    );
    expect(post.outputs.result).toBe('promoted');
    expect((await t.control.alias(FUNCTION, ALIAS)).FunctionVersion).toBe('2');
    const [deployment] = (await t.control.github()).deployments;
    expect(deployment!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    const marker = commentMarker(`lambda/${FUNCTION}/${ALIAS}/qa`);
    const comment = (await t.control.comments('acme/shop', PR)).find((c) => c.body.startsWith(marker));
    expect(comment!.body).toContain('✅ Promoted');
  });
});
