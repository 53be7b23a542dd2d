import { getOctokit } from '@actions/github';
import { LocalCloudControl } from '../control-client.js';
import { startLocalCloud, type LocalCloud } from '../server.js';

let cloud: LocalCloud;
let control: LocalCloudControl;
const octokit = (token = 'ghs_test') => getOctokit(token, { baseUrl: cloud.url });
const repo = { owner: 'acme', repo: 'shop' };

beforeAll(async () => {
  cloud = await startLocalCloud();
  control = new LocalCloudControl(cloud.url);
});
afterAll(async () => {
  await cloud.close();
});
beforeEach(async () => {
  await control.reset();
  await control.loadScenario({
    github: {
      pulls: [
        {
          repo: 'acme/shop',
          number: 12,
          title: 'Faster orders',
          headSha: 'a'.repeat(40),
          mergeCommitSha: 'b'.repeat(40),
          merged: true,
        },
      ],
      comments: Array.from({ length: 45 }, (_, i) => ({
        repo: 'acme/shop',
        issue: 12,
        body: `chatter ${i}`,
        user: 'someone',
      })),
    },
  });
});

it('checks the token and names its owner; the job token has none to show', async () => {
  // The job's GITHUB_TOKEN is an installation token: GET /user is refused, as on GitHub.
  await expect(octokit().rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });
  await control.setGitHub({ tokens: { ghp_personal: 'mona' } });
  const { data } = await octokit('ghp_personal').rest.users.getAuthenticated();
  expect(data.login).toBe('mona');
  await control.setGitHub({ tokens: {} });
  const res = await fetch(`${cloud.url}/user`);
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ message: 'Requires authentication' });
});

it('paginates comments with a Link header, creates and updates them with history', async () => {
  const first = await octokit().rest.issues.listComments({ ...repo, issue_number: 12, per_page: 20 });
  expect(first.data).toHaveLength(20);
  expect(first.headers.link).toContain('rel="next"');
  const all = await octokit().paginate(octokit().rest.issues.listComments, {
    ...repo,
    issue_number: 12,
    per_page: 20,
  });
  expect(all).toHaveLength(45);

  const created = await octokit().rest.issues.createComment({
    ...repo,
    issue_number: 12,
    body: '<!-- canary --> started',
  });
  expect(created.status).toBe(201);
  expect(created.data.user?.login).toBe('github-actions[bot]');
  expect(created.data.html_url).toBe(`https://github.com/acme/shop/pull/12#issuecomment-${created.data.id}`);
  await octokit().rest.issues.updateComment({
    ...repo,
    comment_id: created.data.id,
    body: '<!-- canary --> promoted',
  });

  const [mine] = (await control.comments('acme/shop', 12)).filter(
    (c) => c.user.login === 'github-actions[bot]',
  );
  expect(mine?.body).toBe('<!-- canary --> promoted');
  expect(mine?.history.map((h) => h.body)).toEqual(['<!-- canary --> started', '<!-- canary --> promoted']);
  expect((await control.writes('github')).map((w) => [w.operation, w.status])).toEqual([
    ['CreateComment', 201],
    ['UpdateComment', 200],
  ]);
});

it('finds the pull requests of a commit', async () => {
  const { data } = await octokit().rest.repos.listPullRequestsAssociatedWithCommit({
    ...repo,
    commit_sha: 'b'.repeat(40),
  });
  expect(data.map((p) => p.number)).toEqual([12]);
  const none = await octokit().rest.repos.listPullRequestsAssociatedWithCommit({
    ...repo,
    commit_sha: 'c'.repeat(40),
  });
  expect(none.data).toEqual([]);
});

it('records deployments and their statuses', async () => {
  const d = await octokit().rest.repos.createDeployment({
    ...repo,
    ref: 'main',
    environment: 'production',
    auto_merge: false,
    required_contexts: [],
  });
  expect(d.status).toBe(201);
  const id = (d.data as { id: number }).id;
  await octokit().rest.repos.createDeploymentStatus({
    ...repo,
    deployment_id: id,
    state: 'in_progress',
    log_url: 'https://run',
  });
  await octokit().rest.repos.createDeploymentStatus({ ...repo, deployment_id: id, state: 'success' });
  const statuses = await octokit().rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id });
  expect(statuses.data.map((s) => s.state)).toEqual(['success', 'in_progress']);
  const list = await octokit().rest.repos.listDeployments({ ...repo, environment: 'production' });
  expect(list.data.map((x) => x.id)).toEqual([id]);
});

it('answers 403 to writes when told to, and 401 to unknown tokens when tokens are listed', async () => {
  await control.setGitHub({ forbidWrites: true });
  await expect(
    octokit().rest.issues.createComment({ ...repo, issue_number: 12, body: 'x' }),
  ).rejects.toMatchObject({
    status: 403,
    message: expect.stringContaining('Resource not accessible by integration'),
  });
  await octokit().rest.issues.listComments({ ...repo, issue_number: 12 });
  await control.setGitHub({ forbidWrites: false, tokens: { good: 'octocat' } });
  expect((await octokit('good').rest.users.getAuthenticated()).data.login).toBe('octocat');
  await expect(octokit('bad').rest.users.getAuthenticated()).rejects.toMatchObject({ status: 401 });
});
