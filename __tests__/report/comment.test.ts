// The sticky comment against the local cloud's GitHub: created once, then edited in place (the
// comment's history shows the edits), found again across runs through pagination, never taken
// from another author, never rewritten unchanged, and a 403 is one warning, not a failure.
import { jest } from '@jest/globals';
import { LocalCloudControl, type GitHubScenario } from '../../sim/control-client.js';
import { startLocalCloud, type LocalCloud } from '../../sim/server.js';
import { commentMarker, StickyComment, type RunEvent } from '../../src/report/comment.js';
import { createGitHub } from '../../src/report/github.js';

/** As long as the run's own wait for GitHub at the end: Octokit's throttling paces writes (1 s; 3 s between new comments). */
const SETTLE_MS = 10_000;

let cloud: LocalCloud;
let control: LocalCloudControl;
let requests: AbortController;
let log: { info: jest.Mock<(m: string) => void>; warning: jest.Mock<(m: string) => void> };

const repo = { owner: 'acme', repo: 'shop' };
const KEY = 'lambda/orders/live/';
const MARKER = commentMarker(KEY);
const MERGE_SHA = 'b'.repeat(40);
const onPullRequest: RunEvent = { name: 'pull_request', payload: { pull_request: { number: 12 } } };

beforeAll(async () => {
  cloud = await startLocalCloud();
  control = new LocalCloudControl(cloud.url);
});
afterAll(() => cloud.close());
afterEach(() => requests.abort());

async function scenario(github: GitHubScenario = {}): Promise<void> {
  await control.reset();
  await control.loadScenario({
    github: {
      pulls: [{ repo: 'acme/shop', number: 12, mergeCommitSha: MERGE_SHA, merged: true }],
      ...github,
    },
  });
  requests = new AbortController();
  log = { info: jest.fn(), warning: jest.fn() };
}

function sticky(event: RunEvent = onPullRequest, key = KEY): StickyComment {
  const github = createGitHub('ghs_token', { GITHUB_API_URL: cloud.url }, requests.signal);
  return new StickyComment(github, repo, event, key, log);
}

const ours = async (issue = 12) =>
  (await control.comments('acme/shop', issue)).filter((c) => c.body.startsWith(MARKER));
const githubWrites = async () => (await control.writes('github')).length;

describe('StickyComment', () => {
  beforeEach(() => scenario());

  it('creates the comment, then edits the same one: its history shows the updates', async () => {
    const comment = sticky();
    comment.update('step 1');
    await comment.settle(SETTLE_MS);
    comment.update('step 2');
    comment.update('promoted');
    expect(await comment.settle(SETTLE_MS)).toBe(true);
    const [found, ...others] = await ours();
    expect(others).toEqual([]);
    expect(found!.history.map((h) => h.body)).toEqual([`${MARKER}\nstep 1`, `${MARKER}\npromoted`]);
    expect(comment.url).toMatch(/\/acme\/shop\/(pull|issues)\/12#issuecomment-\d+$/);
    expect(log.warning).not.toHaveBeenCalled();
  });

  it('coalesces: twenty updates made while nothing was written become one write', async () => {
    const comment = sticky();
    for (let i = 1; i <= 20; i++) comment.update(`step ${i}`);
    await comment.settle(SETTLE_MS);
    const [found] = await ours();
    expect(found!.history.map((h) => h.body)).toEqual([`${MARKER}\nstep 20`]);
  });

  it('never rewrites an unchanged body, in the same run or a rerun', async () => {
    const first = sticky();
    first.update('promoted');
    await first.settle(SETTLE_MS);
    const writes = await githubWrites();
    first.update('promoted');
    await first.settle(SETTLE_MS);
    const rerun = sticky();
    rerun.update('promoted');
    await rerun.settle(SETTLE_MS);
    expect(await githubWrites()).toBe(writes);
    expect(rerun.url).toBe(first.url);
  });

  it('a rerun finds its comment behind three pages of others and edits it', async () => {
    const chatter = Array.from({ length: 250 }, (_, i) => ({
      repo: 'acme/shop',
      issue: 12,
      body: `chatter ${i}`,
    }));
    await scenario({
      comments: [
        ...chatter,
        { repo: 'acme/shop', issue: 12, body: `${MARKER}\nearlier run`, user: 'github-actions[bot]' },
      ],
    });
    const comment = sticky();
    comment.update('this run');
    await comment.settle(SETTLE_MS);
    const [found, ...others] = await ours();
    expect(others).toEqual([]);
    expect(found!.history.map((h) => h.body)).toEqual([`${MARKER}\nearlier run`, `${MARKER}\nthis run`]);
  });

  it("ignores another author's comment that carries the same marker", async () => {
    await scenario({
      comments: [{ repo: 'acme/shop', issue: 12, body: `${MARKER}\nplanted`, user: 'mallory' }],
    });
    const comment = sticky();
    comment.update('ours');
    await comment.settle(SETTLE_MS);
    const all = await ours();
    expect(all.map((c) => [c.user.login, c.body])).toEqual([
      ['mallory', `${MARKER}\nplanted`],
      ['github-actions[bot]', `${MARKER}\nours`],
    ]);
  });

  it('with an installation token (no GET /user), finds its comment by the marker among bots only', async () => {
    // A GitHub App's token writes as "<app>[bot]"; GET /user refuses it, as it refuses GITHUB_TOKEN.
    await scenario({
      defaultUser: 'release-app[bot]',
      comments: [
        { repo: 'acme/shop', issue: 12, body: `${MARKER}\nplanted`, user: 'mallory' },
        { repo: 'acme/shop', issue: 12, body: `${MARKER}\nearlier run`, user: 'release-app[bot]' },
      ],
    });
    const comment = sticky();
    comment.update('this run');
    await comment.settle(SETTLE_MS);
    const all = await ours();
    expect(all.map((c) => [c.user.login, c.body])).toEqual([
      ['mallory', `${MARKER}\nplanted`],
      ['release-app[bot]', `${MARKER}\nthis run`],
    ]);
  });

  it('writes the comment anew when a person deleted it during the rollout', async () => {
    const comment = sticky();
    comment.update('step 1');
    await comment.settle(SETTLE_MS);
    const [first] = await ours();
    const github = createGitHub('ghs_token', { GITHUB_API_URL: cloud.url }, requests.signal);
    await github.rest.issues.deleteComment({ ...repo, comment_id: first!.id });
    comment.update('promoted');
    await comment.settle(SETTLE_MS);
    const now = await ours();
    expect(now.map((c) => c.body)).toEqual([`${MARKER}\npromoted`]);
    expect(log.warning).not.toHaveBeenCalled();
  });

  it('keeps one comment per target: another alias or environment gets its own', async () => {
    const live = sticky();
    const staging = sticky(onPullRequest, 'lambda/orders/live/staging');
    live.update('live');
    staging.update('staging');
    await Promise.all([live.settle(SETTLE_MS), staging.settle(SETTLE_MS)]);
    const bodies = (await control.comments('acme/shop', 12)).map((c) => c.body).sort();
    expect(bodies).toEqual(
      [`${MARKER}\nlive`, `${commentMarker('lambda/orders/live/staging')}\nstaging`].sort(),
    );
  });

  it('on push, comments on the pull requests of the commit; none: skips quietly', async () => {
    const merged = sticky({ name: 'push', payload: {}, sha: MERGE_SHA });
    merged.update('promoted');
    await merged.settle(SETTLE_MS);
    expect(await ours()).toHaveLength(1);

    const direct = sticky({ name: 'push', payload: {}, sha: 'c'.repeat(40) });
    direct.update('promoted');
    await direct.settle(SETTLE_MS);
    expect(direct.url).toBeUndefined();
    expect(log.warning).not.toHaveBeenCalled();
    expect(log.info).toHaveBeenCalledWith('No pull request for this push event: no comment.');
  });

  it('a 403 is one warning naming pull-requests: write, and no throw', async () => {
    await scenario({ forbidWrites: true });
    const comment = sticky();
    comment.update('step 1');
    comment.update('step 2');
    await comment.settle(SETTLE_MS);
    comment.update('promoted');
    await comment.settle(SETTLE_MS);
    expect(log.warning).toHaveBeenCalledTimes(1);
    expect(log.warning.mock.calls[0]![0]).toMatch(
      /HTTP 403: Resource not accessible by integration.*pull-requests: write/,
    );
    expect(await ours()).toEqual([]);
  });

  it('update() never waits for GitHub, and settle() gives up after its time limit', async () => {
    await control.setFaults({ github: { delayMs: 2000 } });
    const comment = sticky();
    // update() returns nothing to wait for, and returns before GitHub has answered anything:
    // with every answer 2 s late, no comment exists yet when the five calls are done.
    for (let i = 0; i < 5; i++) expect(comment.update(`step ${i}`)).toBeUndefined();
    expect(await ours()).toEqual([]);
    expect(await comment.settle(100)).toBe(false);
    await control.clearFaults();
  });

  it('the marker cannot be closed by what it carries', () => {
    expect(commentMarker('lambda/x/live/--> <b>')).toBe(
      '<!-- serverless-canary:lambda%2Fx%2Flive%2F--%3E%20%3Cb%3E -->',
    );
  });
});
