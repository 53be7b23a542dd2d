/**
 * The few GitHub REST endpoints the action uses: the token's user, issue comments (paginated,
 * with each comment's history of bodies), pull requests of a commit, deployments and their
 * statuses; plus a switch that answers 403 to writes, as a fork's read-only token would.
 */
import {
  ApiError,
  RestRouter,
  isRecord,
  jsonResponse,
  parseJsonObject,
  str,
  type Operation,
  type Params,
  type Service,
  type SimRequest,
  type SimResponse,
} from '../core/http.js';

export interface GitHubUser {
  login: string;
  id: number;
  type: 'Bot' | 'User';
}

export interface Comment {
  id: number;
  repo: string;
  issue: number;
  body: string;
  user: GitHubUser;
  createdAt: string;
  updatedAt: string;
  /** Every body the comment has had, oldest first (the current one last). */
  history: { body: string; at: string }[];
}

export interface PullRequest {
  repo: string;
  number: number;
  title: string;
  state: 'open' | 'closed';
  headSha: string;
  headRef: string;
  baseRef: string;
  mergeCommitSha?: string;
  merged: boolean;
}

export interface DeploymentStatus {
  id: number;
  state: string;
  description: string;
  environment: string;
  logUrl: string;
  environmentUrl: string;
  createdAt: string;
  creator: GitHubUser;
}

export interface Deployment {
  id: number;
  repo: string;
  ref: string;
  sha: string;
  task: string;
  environment: string;
  description: string;
  payload: unknown;
  productionEnvironment: boolean;
  transientEnvironment: boolean;
  creator: GitHubUser;
  createdAt: string;
  statuses: DeploymentStatus[];
}

export interface GitHubSettings {
  /** Login of the owner of any token not listed in `tokens`. Default github-actions[bot]. */
  defaultUser: string;
  /** token → login; when non-empty, other tokens are refused with 401 Bad credentials. */
  tokens: Record<string, string>;
  /** Answer 403 "Resource not accessible by integration" to every write. */
  forbidWrites: boolean;
}

export const DEFAULT_GITHUB_SETTINGS: GitHubSettings = {
  defaultUser: 'github-actions[bot]',
  tokens: {},
  forbidWrites: false,
};

const DOCS = 'https://docs.github.com/rest';
const WEB = 'https://github.com';

const notFound = (): ApiError => new ApiError(404, 'NotFound', 'Not Found');
const unprocessable = (message: string): ApiError =>
  new ApiError(422, 'Unprocessable', message, { fields: { errors: [{ message }] } });

interface Ctx {
  req: SimRequest;
  user: () => GitHubUser;
  input: () => Record<string, unknown>;
  base: string;
}

export class GitHubService implements Service {
  readonly name = 'github' as const;
  settings: GitHubSettings = { ...DEFAULT_GITHUB_SETTINGS };
  readonly comments = new Map<number, Comment>();
  readonly deployments = new Map<number, Deployment>();
  pulls: PullRequest[] = [];
  private nextId = 1000;
  private readonly router = new RestRouter<Ctx>();

  constructor(private readonly clock: () => number = Date.now) {
    const R = '/repos/{owner}/{repo}';
    const repo = (p: Params): string => `${p['owner']}/${p['repo']}`;
    const write = (target: (p: Params) => string) => ({ write: true, target });
    this.router
      .add('GET', '/user', 'GetUser', (c) => {
        const user = c.user();
        // As on GitHub: an installation token (the job's GITHUB_TOKEN) has no user to show.
        if (user.type === 'Bot')
          throw new ApiError(403, 'Forbidden', 'Resource not accessible by integration');
        return jsonResponse(200, userOut(user));
      })
      .add('GET', `${R}/issues/{number}/comments`, 'ListComments', (c, p) =>
        this.listComments(c, repo(p), Number(p['number'])),
      )
      .add(
        'POST',
        `${R}/issues/{number}/comments`,
        'CreateComment',
        (c, p) => this.createComment(c, repo(p), Number(p['number'])),
        write((p) => `${repo(p)}#${p['number']}`),
      )
      .add('GET', `${R}/issues/comments/{id}`, 'GetComment', (c, p) =>
        jsonResponse(200, this.commentOut(c, this.comment(repo(p), p['id']))),
      )
      .add(
        'PATCH',
        `${R}/issues/comments/{id}`,
        'UpdateComment',
        (c, p) => this.updateComment(c, repo(p), p['id']),
        write((p) => `${repo(p)} comment ${p['id']}`),
      )
      .add(
        'DELETE',
        `${R}/issues/comments/{id}`,
        'DeleteComment',
        (_c, p) => {
          this.comments.delete(this.comment(repo(p), p['id']).id);
          return { status: 204, headers: {}, body: '' };
        },
        write((p) => `${repo(p)} comment ${p['id']}`),
      )
      .add('GET', `${R}/commits/{sha}/pulls`, 'ListPullsForCommit', (c, p) =>
        jsonResponse(
          200,
          this.pulls
            .filter(
              (pr) => pr.repo === repo(p) && (pr.headSha === p['sha'] || pr.mergeCommitSha === p['sha']),
            )
            .map((pr) => pullOut(pr)),
        ),
      )
      .add('GET', `${R}/pulls/{number}`, 'GetPull', (_c, p) => {
        const pr = this.pulls.find((x) => x.repo === repo(p) && x.number === Number(p['number']));
        if (!pr) throw notFound();
        return jsonResponse(200, pullOut(pr));
      })
      .add(
        'POST',
        `${R}/deployments`,
        'CreateDeployment',
        (c, p) => this.createDeployment(c, repo(p)),
        write(repo),
      )
      .add('GET', `${R}/deployments`, 'ListDeployments', (c, p) => this.listDeployments(c, repo(p)))
      .add('GET', `${R}/deployments/{id}`, 'GetDeployment', (c, p) =>
        jsonResponse(200, this.deploymentOut(c, this.deployment(repo(p), p['id']))),
      )
      .add(
        'POST',
        `${R}/deployments/{id}/statuses`,
        'CreateDeploymentStatus',
        (c, p) => this.createStatus(c, repo(p), p['id']),
        write((p) => `${repo(p)} deployment ${p['id']}`),
      )
      .add('GET', `${R}/deployments/{id}/statuses`, 'ListDeploymentStatuses', (c, p) => {
        const d = this.deployment(repo(p), p['id']);
        const all = [...d.statuses].reverse().map((s) => this.statusOut(c, d, s));
        return this.page(c, all);
      });
  }

  resolve(req: SimRequest): Operation | undefined {
    if (req.path !== '/user' && !req.path.startsWith('/repos/')) return undefined;
    let parsed: Record<string, unknown> | undefined;
    const ctx: Ctx = {
      req,
      user: () => this.authenticate(req),
      input: () =>
        (parsed ??= parseJsonObject(
          req.body,
          (m) => new ApiError(400, 'BadRequest', `Problems parsing JSON: ${m}`),
        )),
      base: `http://${req.headers.host ?? '127.0.0.1'}`,
    };
    const op = this.router.resolve(req, () => ctx, notFound);
    if (op) {
      const run = op.run;
      // Every endpoint needs a valid token; writes may be forbidden by the switch.
      op.run = () => {
        ctx.user();
        if (op.write && this.settings.forbidWrites) {
          throw new ApiError(403, 'Forbidden', 'Resource not accessible by integration');
        }
        return run();
      };
      return op;
    }
    return {
      name: 'Unknown',
      write: req.method !== 'GET',
      run: () => {
        throw notFound();
      },
    };
  }

  errorResponse(err: ApiError): SimResponse {
    return jsonResponse(
      err.status,
      { message: err.message, documentation_url: DOCS, status: String(err.status), ...err.extra.fields },
      { 'content-type': 'application/json; charset=utf-8', ...err.extra.headers },
    );
  }

  throttleError(): ApiError {
    return new ApiError(429, 'TooManyRequests', 'API rate limit exceeded', {
      headers: { 'retry-after': '1', 'x-ratelimit-remaining': '0' },
    });
  }

  internalError(): ApiError {
    return new ApiError(500, 'ServerError', 'Server Error');
  }

  /** The token's user; 401 without a token (or with an unknown one when tokens are listed). */
  authenticate(req: SimRequest): GitHubUser {
    const header = req.headers['authorization'];
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(Array.isArray(header) ? (header[0] ?? '') : (header ?? ''));
    if (!m) throw new ApiError(401, 'Unauthorized', 'Requires authentication');
    const token = m[1] as string;
    const listed = this.settings.tokens[token];
    if (!listed && Object.keys(this.settings.tokens).length > 0) {
      throw new ApiError(401, 'Unauthorized', 'Bad credentials');
    }
    const login = listed ?? this.settings.defaultUser;
    return { login, id: idOf(login), type: login.endsWith('[bot]') ? 'Bot' : 'User' };
  }

  // --- comments ----------------------------------------------------------------------------------

  private comment(repo: string, id: string | undefined): Comment {
    const c = this.comments.get(Number(id));
    if (!c || c.repo !== repo) throw notFound();
    return c;
  }

  private listComments(c: Ctx, repo: string, issue: number): SimResponse {
    const all = [...this.comments.values()]
      .filter((x) => x.repo === repo && x.issue === issue)
      .sort((a, b) => a.id - b.id)
      .map((x) => this.commentOut(c, x));
    return this.page(c, all);
  }

  private createComment(c: Ctx, repo: string, issue: number): SimResponse {
    const body = str(c.input(), 'body');
    if (body === undefined) throw unprocessable('"body" wasn\'t supplied.');
    return jsonResponse(201, this.commentOut(c, this.addComment(repo, issue, body, c.user())));
  }

  addComment(repo: string, issue: number, body: string, user: GitHubUser): Comment {
    const at = new Date(this.clock()).toISOString();
    const comment: Comment = {
      id: this.nextId++,
      repo,
      issue,
      body,
      user,
      createdAt: at,
      updatedAt: at,
      history: [{ body, at }],
    };
    this.comments.set(comment.id, comment);
    return comment;
  }

  private updateComment(c: Ctx, repo: string, id: string | undefined): SimResponse {
    const comment = this.comment(repo, id);
    const body = str(c.input(), 'body');
    if (body === undefined) throw unprocessable('"body" wasn\'t supplied.');
    const at = new Date(this.clock()).toISOString();
    comment.body = body;
    comment.updatedAt = at;
    comment.history.push({ body, at });
    return jsonResponse(200, this.commentOut(c, comment));
  }

  private commentOut(c: Ctx, x: Comment): Record<string, unknown> {
    const isPull = this.pulls.some((p) => p.repo === x.repo && p.number === x.issue);
    return {
      id: x.id,
      node_id: `IC_${x.id}`,
      url: `${c.base}/repos/${x.repo}/issues/comments/${x.id}`,
      html_url: `${WEB}/${x.repo}/${isPull ? 'pull' : 'issues'}/${x.issue}#issuecomment-${x.id}`,
      issue_url: `${c.base}/repos/${x.repo}/issues/${x.issue}`,
      body: x.body,
      user: userOut(x.user),
      created_at: x.createdAt,
      updated_at: x.updatedAt,
      author_association: 'NONE',
    };
  }

  // --- deployments -------------------------------------------------------------------------------

  private deployment(repo: string, id: string | undefined): Deployment {
    const d = this.deployments.get(Number(id));
    if (!d || d.repo !== repo) throw notFound();
    return d;
  }

  private createDeployment(c: Ctx, repo: string): SimResponse {
    const i = c.input();
    const ref = str(i, 'ref');
    if (!ref) throw unprocessable('"ref" wasn\'t supplied.');
    const environment = str(i, 'environment') ?? 'production';
    const d: Deployment = {
      id: this.nextId++,
      repo,
      ref,
      sha: /^[0-9a-f]{40}$/.test(ref)
        ? ref
        : `${'0'.repeat(32)}${(this.nextId % 0xffffffff).toString(16).padStart(8, '0')}`,
      task: str(i, 'task') ?? 'deploy',
      environment,
      description: str(i, 'description') ?? '',
      payload: i['payload'] ?? {},
      productionEnvironment:
        typeof i['production_environment'] === 'boolean'
          ? i['production_environment']
          : environment === 'production',
      transientEnvironment: i['transient_environment'] === true,
      creator: c.user(),
      createdAt: new Date(this.clock()).toISOString(),
      statuses: [],
    };
    this.deployments.set(d.id, d);
    return jsonResponse(201, this.deploymentOut(c, d));
  }

  private listDeployments(c: Ctx, repo: string): SimResponse {
    const q = c.req.query;
    const all = [...this.deployments.values()]
      .filter(
        (d) =>
          d.repo === repo &&
          (!q.get('environment') || d.environment === q.get('environment')) &&
          (!q.get('ref') || d.ref === q.get('ref')) &&
          (!q.get('sha') || d.sha === q.get('sha')) &&
          (!q.get('task') || d.task === q.get('task')),
      )
      .sort((a, b) => b.id - a.id)
      .map((d) => this.deploymentOut(c, d));
    return this.page(c, all);
  }

  private createStatus(c: Ctx, repo: string, id: string | undefined): SimResponse {
    const d = this.deployment(repo, id);
    const i = c.input();
    const state = str(i, 'state');
    const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
    if (!state || !states.includes(state)) throw unprocessable(`state must be one of ${states.join(', ')}`);
    const s: DeploymentStatus = {
      id: this.nextId++,
      state,
      description: str(i, 'description') ?? '',
      environment: str(i, 'environment') ?? d.environment,
      logUrl: str(i, 'log_url') ?? str(i, 'target_url') ?? '',
      environmentUrl: str(i, 'environment_url') ?? '',
      createdAt: new Date(this.clock()).toISOString(),
      creator: c.user(),
    };
    d.statuses.push(s);
    // auto_inactive (default true): earlier successful deployments to the environment go inactive.
    if (state === 'success' && i['auto_inactive'] !== false) {
      for (const other of this.deployments.values()) {
        if (other === d || other.repo !== d.repo || other.environment !== d.environment) continue;
        const last = other.statuses[other.statuses.length - 1];
        if (last?.state === 'success') {
          other.statuses.push({ ...last, id: this.nextId++, state: 'inactive', createdAt: s.createdAt });
        }
      }
    }
    return jsonResponse(201, this.statusOut(c, d, s));
  }

  private deploymentOut(c: Ctx, d: Deployment): Record<string, unknown> {
    const url = `${c.base}/repos/${d.repo}/deployments/${d.id}`;
    return {
      id: d.id,
      node_id: `DE_${d.id}`,
      url,
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload,
      environment: d.environment,
      original_environment: d.environment,
      description: d.description,
      creator: userOut(d.creator),
      created_at: d.createdAt,
      updated_at: d.statuses[d.statuses.length - 1]?.createdAt ?? d.createdAt,
      statuses_url: `${url}/statuses`,
      repository_url: `${c.base}/repos/${d.repo}`,
      transient_environment: d.transientEnvironment,
      production_environment: d.productionEnvironment,
    };
  }

  private statusOut(c: Ctx, d: Deployment, s: DeploymentStatus): Record<string, unknown> {
    const url = `${c.base}/repos/${d.repo}/deployments/${d.id}`;
    return {
      id: s.id,
      node_id: `DES_${s.id}`,
      url: `${url}/statuses/${s.id}`,
      state: s.state,
      description: s.description,
      environment: s.environment,
      target_url: s.logUrl,
      log_url: s.logUrl,
      environment_url: s.environmentUrl,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      creator: userOut(s.creator),
      deployment_url: url,
      repository_url: `${c.base}/repos/${d.repo}`,
    };
  }

  // --- pagination --------------------------------------------------------------------------------

  /** One page of a list, with GitHub's `Link` header (first, prev, next, last). */
  private page(c: Ctx, all: unknown[]): SimResponse {
    const q = c.req.query;
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? '30') || 30));
    const page = Math.max(1, Number(q.get('page') ?? '1') || 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (n: number, rel: string): string => {
      const params = new URLSearchParams(q);
      params.set('per_page', String(perPage));
      params.set('page', String(n));
      return `<${c.base}${c.req.path}?${params.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return jsonResponse(200, all.slice((page - 1) * perPage, page * perPage), {
      'content-type': 'application/json; charset=utf-8',
      ...(links.length > 0 ? { link: links.join(', ') } : {}),
    });
  }

  reset(): void {
    this.settings = { ...DEFAULT_GITHUB_SETTINGS };
    this.comments.clear();
    this.deployments.clear();
    this.pulls = [];
  }

  /** Plain view for the control API. */
  view(): Record<string, unknown> {
    return {
      settings: this.settings,
      pulls: this.pulls,
      comments: [...this.comments.values()],
      deployments: [...this.deployments.values()],
    };
  }

  /** Applies settings and pull requests from a scenario or the control API. */
  configure(spec: Record<string, unknown>): void {
    if (typeof spec['defaultUser'] === 'string') this.settings.defaultUser = spec['defaultUser'];
    if (isRecord(spec['tokens'])) {
      this.settings.tokens = Object.fromEntries(
        Object.entries(spec['tokens']).map(([k, v]) => [k, String(v)]),
      );
    }
    if (typeof spec['forbidWrites'] === 'boolean') this.settings.forbidWrites = spec['forbidWrites'];
    if (Array.isArray(spec['pulls'])) {
      this.pulls = spec['pulls'].filter(isRecord).map((p) => ({
        repo: String(p['repo']),
        number: Number(p['number']),
        title: String(p['title'] ?? `Pull request #${p['number']}`),
        state: p['state'] === 'closed' ? 'closed' : 'open',
        headSha: String(p['headSha'] ?? ''),
        headRef: String(p['headRef'] ?? `feature-${p['number']}`),
        baseRef: String(p['baseRef'] ?? 'main'),
        ...(typeof p['mergeCommitSha'] === 'string' ? { mergeCommitSha: p['mergeCommitSha'] } : {}),
        merged: p['merged'] === true,
      }));
    }
  }
}

function userOut(u: GitHubUser): Record<string, unknown> {
  return {
    login: u.login,
    id: u.id,
    type: u.type,
    html_url: `${WEB}/${u.login.replace('[bot]', '')}`,
    site_admin: false,
  };
}

function pullOut(pr: PullRequest): Record<string, unknown> {
  return {
    number: pr.number,
    title: pr.title,
    state: pr.state,
    html_url: `${WEB}/${pr.repo}/pull/${pr.number}`,
    head: { sha: pr.headSha, ref: pr.headRef },
    base: { ref: pr.baseRef },
    merge_commit_sha: pr.mergeCommitSha ?? null,
    merged_at: pr.merged ? '2026-01-01T00:00:00Z' : null,
  };
}

function idOf(login: string): number {
  if (login === 'github-actions[bot]') return 41898282;
  let h = 7;
  for (let i = 0; i < login.length; i++) h = (h * 31 + login.charCodeAt(i)) % 100000000;
  return 41898282 + h;
}
