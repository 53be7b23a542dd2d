/**
 * Lambda over its REST-JSON protocol: functions, code and configuration updates that settle,
 * versions, aliases with every routing rule Lambda enforces, and Invoke that routes by weight and
 * emits the AWS/Lambda metrics a real invocation would.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  ApiError,
  RestRouter,
  isRecord,
  jsonResponse,
  num,
  parseJsonObject,
  str,
  type Operation,
  type Params,
  type Service,
  type SimRequest,
  type SimResponse,
} from '../core/http.js';
import type { MetricStore } from '../cloudwatch/metrics.js';
import type { Rng } from '../core/rng.js';

/** How a version behaves when invoked (by Invoke or by the traffic generator). */
export interface Behavior {
  /** Fraction of invocations that fail with a function error, 0..1. */
  errorRate: number;
  /** Mean duration in ms. */
  durationMs: number;
  /** Standard deviation of the duration in ms. */
  durationJitterMs: number;
  /** The JSON a successful invocation returns (default null). */
  response?: unknown;
  /**
   * Wall-clock ms the Invoke API waits before it answers (default 0): a slow function, such as a
   * traffic hook that outlasts its timeout. The traffic generator never waits.
   */
  latencyMs?: number;
}

export const DEFAULT_BEHAVIOR: Behavior = { errorRate: 0, durationMs: 100, durationJitterMs: 10 };

export interface FunctionVersion {
  version: string;
  codeSha256: string;
  codeSize: number;
  role: string;
  deadLetterTargetArn?: string;
  handler: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  description: string;
  environment: Record<string, string>;
  lastModified: string;
  revisionId: string;
  behavior: Behavior;
}

export interface Alias {
  name: string;
  functionVersion: string;
  description: string;
  weights: Record<string, number>;
  revisionId: string;
}

export interface InvocationRecord {
  time: string;
  qualifier?: string;
  executedVersion: string;
  error: boolean;
  durationMs: number;
  payload: string;
}

export interface LambdaFunction {
  name: string;
  latest: FunctionVersion;
  versions: Map<string, FunctionVersion>;
  nextVersion: number;
  aliases: Map<string, Alias>;
  /** Until this time (epoch ms), LastUpdateStatus is InProgress. */
  updateSettlesAt: number;
  /** Invocations made through the Invoke API (not the traffic generator), newest last. */
  invocations: InvocationRecord[];
}

export interface InvokeOutcome {
  executedVersion: string;
  error: boolean;
  durationMs: number;
  payload: string;
}

const ALIAS_NAME = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
const VERSION = /^(\$LATEST|[0-9]+)$/;
const MAX_INVOCATION_LOG = 1000;

const invalidParameter = (message: string): ApiError =>
  new ApiError(400, 'InvalidParameterValueException', message);
const validation = (message: string): ApiError => new ApiError(400, 'ValidationException', message);
const notFound = (message: string): ApiError => new ApiError(404, 'ResourceNotFoundException', message);
const conflict = (message: string): ApiError => new ApiError(409, 'ResourceConflictException', message);
const precondition = (): ApiError =>
  new ApiError(
    412,
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );

/** Error shapes whose message member is `Message` (the others use `message`). */
const CAPITAL_MESSAGE = new Set(['ResourceNotFoundException', 'ServiceException']);

export interface LambdaOptions {
  region: string;
  accountId: string;
  metrics: MetricStore;
  rng: Rng;
  /** How long LastUpdateStatus stays InProgress after an update. */
  updateSettleMs: number;
  clock?: () => number;
}

interface Ctx {
  req: SimRequest;
  input: () => Record<string, unknown>;
}

export class LambdaService implements Service {
  readonly name = 'lambda' as const;
  readonly functions = new Map<string, LambdaFunction>();
  private readonly router = new RestRouter<Ctx>();
  private readonly clock: () => number;

  constructor(private readonly opts: LambdaOptions) {
    this.clock = opts.clock ?? Date.now;
    const F = '/2015-03-31/functions';
    const fn = (p: Params): string => p['FunctionName'] ?? '';
    const alias = (p: Params): string => `${p['FunctionName']}:${p['Name']}`;
    this.router
      .add('POST', F, 'CreateFunction', (c) => this.createFunction(c.input()), { write: true })
      .add('GET', F, 'ListFunctions', () => this.listFunctions())
      .add('GET', `${F}/{FunctionName}`, 'GetFunction', (c, p) => this.getFunction(fn(p), c.req))
      .add('DELETE', `${F}/{FunctionName}`, 'DeleteFunction', (c, p) => this.deleteFunction(fn(p), c.req), {
        target: fn,
      })
      .add('GET', `${F}/{FunctionName}/configuration`, 'GetFunctionConfiguration', (c, p) =>
        jsonResponse(200, this.configurationFor(fn(p), c.req.query.get('Qualifier') ?? undefined)),
      )
      .add(
        'PUT',
        `${F}/{FunctionName}/code`,
        'UpdateFunctionCode',
        (c, p) => this.updateCode(fn(p), c.input()),
        {
          target: fn,
        },
      )
      .add(
        'PUT',
        `${F}/{FunctionName}/configuration`,
        'UpdateFunctionConfiguration',
        (c, p) => this.updateConfiguration(fn(p), c.input()),
        { target: fn },
      )
      .add(
        'POST',
        `${F}/{FunctionName}/versions`,
        'PublishVersion',
        (c, p) => this.publishVersion(fn(p), c.input()),
        {
          target: fn,
        },
      )
      .add('GET', `${F}/{FunctionName}/versions`, 'ListVersionsByFunction', (c, p) =>
        this.listVersions(fn(p), c.req),
      )
      .add(
        'POST',
        `${F}/{FunctionName}/aliases`,
        'CreateAlias',
        (c, p) => this.createAlias(fn(p), c.input()),
        {
          target: (p) => `${p['FunctionName']}`,
        },
      )
      .add('GET', `${F}/{FunctionName}/aliases`, 'ListAliases', (c, p) => this.listAliases(fn(p), c.req))
      .add('GET', `${F}/{FunctionName}/aliases/{Name}`, 'GetAlias', (_c, p) =>
        jsonResponse(200, this.aliasOut(this.fn(fn(p)), this.alias(fn(p), p['Name'] ?? ''))),
      )
      .add(
        'PUT',
        `${F}/{FunctionName}/aliases/{Name}`,
        'UpdateAlias',
        (c, p) => this.updateAlias(fn(p), p['Name'] ?? '', c.input()),
        {
          target: alias,
        },
      )
      .add(
        'DELETE',
        `${F}/{FunctionName}/aliases/{Name}`,
        'DeleteAlias',
        (_c, p) => this.deleteAlias(fn(p), p['Name'] ?? ''),
        {
          target: alias,
        },
      )
      .add('POST', `${F}/{FunctionName}/invocations`, 'Invoke', (c, p) => this.invokeHttp(fn(p), c.req), {
        target: (p) => `${p['FunctionName']}`,
      });
  }

  // --- Service ---------------------------------------------------------------------------------

  resolve(req: SimRequest): Operation | undefined {
    if (!/^\/20\d\d-\d\d-\d\d\//.test(req.path)) return undefined;
    let parsed: Record<string, unknown> | undefined;
    const input = (): Record<string, unknown> =>
      (parsed ??= parseJsonObject(req.body, (m) => new ApiError(400, 'InvalidRequestContentException', m)));
    const op = this.router.resolve(
      req,
      () => ({ req, input }),
      () => this.unknown(req),
    );
    if (op) {
      // Invocation target: include the qualifier, so the writes log says what was invoked.
      const q = req.query.get('Qualifier');
      if (q && op.target) op.target = `${op.target}:${q}`;
      return op;
    }
    return {
      name: 'Unknown',
      write: req.method !== 'GET',
      run: () => {
        throw this.unknown(req);
      },
    };
  }

  private unknown(req: SimRequest): ApiError {
    return new ApiError(
      404,
      'UnknownOperationException',
      `The local cloud does not implement Lambda ${req.method} ${req.path}`,
    );
  }

  errorResponse(err: ApiError): SimResponse {
    const body: Record<string, unknown> = {
      Type: err.status < 500 ? 'User' : 'Service',
      [CAPITAL_MESSAGE.has(err.code) ? 'Message' : 'message']: err.message,
      ...err.extra.fields,
    };
    return jsonResponse(err.status, body, { 'x-amzn-errortype': err.code, ...err.extra.headers });
  }

  throttleError(retryAfterSeconds = 0.2): ApiError {
    return new ApiError(429, 'TooManyRequestsException', 'Rate exceeded', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      fields: { Reason: 'CallerRateLimitExceeded' },
    });
  }

  internalError(): ApiError {
    return new ApiError(500, 'ServiceException', 'An internal error occurred (injected fault).');
  }

  reset(): void {
    this.functions.clear();
  }

  // --- names and lookups -----------------------------------------------------------------------

  arn(name: string, qualifier?: string): string {
    return `arn:aws:lambda:${this.opts.region}:${this.opts.accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
  }

  /** Splits a function reference (name, name:qualifier, partial or full ARN) into its parts. */
  parseName(ref: string): { name: string; qualifier?: string } {
    const full =
      /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):\d{12}:function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/.exec(
        ref,
      );
    if (full) {
      // Lambda serves a region's functions only; an ARN of another region is not found, and says so.
      if (full[1] !== this.opts.region) {
        throw notFound(
          `Functions from '${full[1]}' are not reachable in this region ('${this.opts.region}')`,
        );
      }
      return { name: full[2] as string, qualifier: full[3] };
    }
    const partial = /^\d{12}:function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/.exec(ref);
    const plain = /^([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/.exec(ref);
    const m = partial ?? plain;
    if (!m) {
      throw validation(
        `1 validation error detected: Value '${ref}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
      );
    }
    return { name: m[1] as string, qualifier: m[2] };
  }

  /** The function a reference names; 404 when it does not exist. */
  fn(ref: string): LambdaFunction {
    const { name } = this.parseName(ref);
    const f = this.functions.get(name);
    if (!f) throw notFound(`Function not found: ${this.arn(name)}`);
    return f;
  }

  alias(fnRef: string, aliasName: string): Alias {
    const f = this.fn(fnRef);
    const a = f.aliases.get(aliasName);
    if (!a) throw notFound(`Alias not found: ${this.arn(f.name, aliasName)}`);
    return a;
  }

  /** The qualifier of a request: from the name (name:qualifier) or the Qualifier parameter. */
  private qualifierOf(ref: string, explicit: string | undefined): string | undefined {
    const { qualifier } = this.parseName(ref);
    if (qualifier && explicit && qualifier !== explicit) {
      throw invalidParameter(
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    }
    return explicit ?? qualifier;
  }

  /** The version a qualifier designates ($LATEST, a number or an alias's primary version). */
  private versionFor(f: LambdaFunction, qualifier: string | undefined): FunctionVersion {
    if (!qualifier || qualifier === '$LATEST') return f.latest;
    const alias = f.aliases.get(qualifier);
    const v = alias ? alias.functionVersion : qualifier;
    const found = v === '$LATEST' ? f.latest : f.versions.get(v);
    if (!found) throw notFound(`Function not found: ${this.arn(f.name, qualifier)}`);
    return found;
  }

  lastUpdateStatus(f: LambdaFunction): 'InProgress' | 'Successful' {
    return this.clock() < f.updateSettlesAt ? 'InProgress' : 'Successful';
  }

  private ensureSettled(f: LambdaFunction): void {
    if (this.lastUpdateStatus(f) === 'InProgress') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn(f.name)}`,
      );
    }
  }

  // --- functions ---------------------------------------------------------------------------------

  /** Creates a function (used by CreateFunction and by scenarios). */
  addFunction(spec: {
    name: string;
    role: string;
    runtime?: string;
    handler?: string;
    description?: string;
    memorySize?: number;
    timeout?: number;
    deadLetterTargetArn?: string;
    environment?: Record<string, string>;
    code: { sha256: string; size: number };
    behavior?: Partial<Behavior>;
  }): LambdaFunction {
    if (this.functions.has(spec.name)) throw conflict(`Function already exist: ${spec.name}`);
    const latest: FunctionVersion = {
      version: '$LATEST',
      codeSha256: spec.code.sha256,
      codeSize: spec.code.size,
      role: spec.role,
      deadLetterTargetArn: spec.deadLetterTargetArn || undefined,
      handler: spec.handler ?? 'index.handler',
      runtime: spec.runtime ?? 'nodejs22.x',
      memorySize: spec.memorySize ?? 128,
      timeout: spec.timeout ?? 3,
      description: spec.description ?? '',
      environment: spec.environment ?? {},
      lastModified: lambdaDate(this.clock()),
      revisionId: randomUUID(),
      behavior: { ...DEFAULT_BEHAVIOR, ...spec.behavior },
    };
    const f: LambdaFunction = {
      name: spec.name,
      latest,
      versions: new Map(),
      nextVersion: 1,
      aliases: new Map(),
      updateSettlesAt: 0,
      invocations: [],
    };
    this.functions.set(spec.name, f);
    return f;
  }

  private createFunction(i: Record<string, unknown>): SimResponse {
    const name = str(i, 'FunctionName');
    if (!name)
      throw validation(
        "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null",
      );
    const role = str(i, 'Role');
    if (!role)
      throw validation(
        "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null",
      );
    const code = codeOf(i['Code']);
    const f = this.addFunction({
      name: this.parseName(name).name,
      role,
      runtime: str(i, 'Runtime'),
      handler: str(i, 'Handler'),
      description: str(i, 'Description'),
      memorySize: num(i, 'MemorySize'),
      timeout: num(i, 'Timeout'),
      deadLetterTargetArn: isRecord(i['DeadLetterConfig'])
        ? str(i['DeadLetterConfig'], 'TargetArn')
        : undefined,
      environment: envOf(i['Environment']),
      code,
      behavior: code.behavior,
    });
    if (i['Publish'] === true) this.publish(f, undefined);
    return jsonResponse(201, this.configOut(f, f.latest));
  }

  private listFunctions(): SimResponse {
    return jsonResponse(200, {
      Functions: [...this.functions.values()].map((f) => this.configOut(f, f.latest)),
    });
  }

  private getFunction(ref: string, req: SimRequest): SimResponse {
    const f = this.fn(ref);
    const qualifier = this.qualifierOf(ref, req.query.get('Qualifier') ?? undefined);
    const v = this.versionFor(f, qualifier);
    return jsonResponse(200, {
      Configuration: this.configOut(f, v, qualifier),
      Code: {
        RepositoryType: 'S3',
        Location: `https://awslambda-${this.opts.region}-tasks.s3.${this.opts.region}.amazonaws.com/snapshots/${this.opts.accountId}/${f.name}`,
      },
      Tags: {},
    });
  }

  /** The FunctionConfiguration of a function at a qualifier. */
  configurationFor(ref: string, qualifierParam?: string): Record<string, unknown> {
    const f = this.fn(ref);
    const qualifier = this.qualifierOf(ref, qualifierParam);
    return this.configOut(f, this.versionFor(f, qualifier), qualifier);
  }

  private deleteFunction(ref: string, req: SimRequest): SimResponse {
    const f = this.fn(ref);
    const qualifier = this.qualifierOf(ref, req.query.get('Qualifier') ?? undefined);
    if (qualifier && qualifier !== '$LATEST') {
      if (!f.versions.has(qualifier)) throw notFound(`Function not found: ${this.arn(f.name, qualifier)}`);
      const used = [...f.aliases.values()].find(
        (a) => a.functionVersion === qualifier || a.weights[qualifier] !== undefined,
      );
      if (used)
        throw conflict(`Unable to delete version because the following aliases reference it: [${used.name}]`);
      f.versions.delete(qualifier);
    } else {
      this.functions.delete(f.name);
    }
    return { status: 204, headers: {}, body: '' };
  }

  /** Applies a code update: a new $LATEST revision that settles after `updateSettleMs`. */
  setCode(f: LambdaFunction, code: { sha256: string; size: number; behavior?: Partial<Behavior> }): void {
    f.latest = {
      ...f.latest,
      codeSha256: code.sha256,
      codeSize: code.size,
      behavior: { ...f.latest.behavior, ...code.behavior },
    };
    this.touch(f);
  }

  private touch(f: LambdaFunction): void {
    f.latest.lastModified = lambdaDate(this.clock());
    f.latest.revisionId = randomUUID();
    f.updateSettlesAt = this.clock() + this.opts.updateSettleMs;
  }

  private updateCode(ref: string, i: Record<string, unknown>): SimResponse {
    const f = this.fn(ref);
    this.checkUnqualified(ref);
    this.ensureSettled(f);
    const revision = str(i, 'RevisionId');
    if (revision !== undefined && revision !== f.latest.revisionId) throw precondition();
    const code = codeOf(i);
    if (i['DryRun'] === true) return jsonResponse(200, this.configOut(f, f.latest));
    this.setCode(f, code);
    if (i['Publish'] === true) {
      const v = this.publish(f, undefined);
      return jsonResponse(200, this.configOut(f, v));
    }
    return jsonResponse(200, this.configOut(f, f.latest));
  }

  private updateConfiguration(ref: string, i: Record<string, unknown>): SimResponse {
    const f = this.fn(ref);
    this.checkUnqualified(ref);
    this.ensureSettled(f);
    const revision = str(i, 'RevisionId');
    if (revision !== undefined && revision !== f.latest.revisionId) throw precondition();
    const l = { ...f.latest };
    const role = str(i, 'Role');
    if (role !== undefined) l.role = role;
    if (isRecord(i['DeadLetterConfig']))
      l.deadLetterTargetArn = str(i['DeadLetterConfig'], 'TargetArn') || undefined;
    l.handler = str(i, 'Handler') ?? l.handler;
    l.runtime = str(i, 'Runtime') ?? l.runtime;
    l.description = str(i, 'Description') ?? l.description;
    l.memorySize = num(i, 'MemorySize') ?? l.memorySize;
    l.timeout = num(i, 'Timeout') ?? l.timeout;
    if (i['Environment'] !== undefined) l.environment = envOf(i['Environment']) ?? {};
    f.latest = l;
    this.touch(f);
    return jsonResponse(200, this.configOut(f, f.latest));
  }

  private checkUnqualified(ref: string): void {
    const { qualifier } = this.parseName(ref);
    if (qualifier && qualifier !== '$LATEST') {
      throw invalidParameter('Current operation does not support versions other than $LATEST');
    }
  }

  // --- versions ----------------------------------------------------------------------------------

  private publishVersion(ref: string, i: Record<string, unknown>): SimResponse {
    const f = this.fn(ref);
    this.checkUnqualified(ref);
    this.ensureSettled(f);
    const revision = str(i, 'RevisionId');
    if (revision !== undefined && revision !== f.latest.revisionId) throw precondition();
    const sha = str(i, 'CodeSha256');
    if (sha !== undefined && sha !== f.latest.codeSha256) {
      throw new ApiError(
        412,
        'PreconditionFailedException',
        `CodeSHA256 (${sha}) is different from current CodeSHA256 in $LATEST (${f.latest.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    const v = this.publish(f, str(i, 'Description'));
    return jsonResponse(201, this.configOut(f, v));
  }

  /** Publishes $LATEST, or returns the latest version when code and configuration are unchanged. */
  publish(f: LambdaFunction, description: string | undefined, number?: string): FunctionVersion {
    const newest = [...f.versions.values()].sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (!number && newest && configHash(newest) === configHash(f.latest)) return newest;
    const version = number ?? String(f.nextVersion);
    f.nextVersion = Math.max(f.nextVersion, Number(version) + 1);
    const v: FunctionVersion = {
      ...f.latest,
      version,
      description: description ?? f.latest.description,
      behavior: { ...f.latest.behavior },
      revisionId: randomUUID(),
      lastModified: lambdaDate(this.clock()),
    };
    f.versions.set(version, v);
    return v;
  }

  private listVersions(ref: string, req: SimRequest): SimResponse {
    const f = this.fn(ref);
    const all = [f.latest, ...[...f.versions.values()].sort((a, b) => Number(a.version) - Number(b.version))];
    const { page, next } = paginate(all, req);
    return jsonResponse(200, {
      Versions: page.map((v) => this.configOut(f, v, v.version === '$LATEST' ? undefined : v.version)),
      ...(next ? { NextMarker: next } : {}),
    });
  }

  // --- aliases -----------------------------------------------------------------------------------

  private createAlias(ref: string, i: Record<string, unknown>): SimResponse {
    const name = str(i, 'Name');
    if (name === undefined)
      throw validation(
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
      );
    if (name.length > 128 || !ALIAS_NAME.test(name)) {
      throw validation(
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`,
      );
    }
    const fv = str(i, 'FunctionVersion');
    if (fv === undefined)
      throw validation(
        "1 validation error detected: Value null at 'functionVersion' failed to satisfy constraint: Member must not be null",
      );
    const description = str(i, 'Description') ?? '';
    const weights = this.checkAliasSyntax(fv, description, i['RoutingConfig']);
    const f = this.fn(ref);
    if (f.aliases.has(name)) throw conflict(`Alias already exists: ${this.arn(f.name, name)}`);
    this.checkAliasSemantics(f, fv, weights ?? {});
    const alias: Alias = {
      name,
      functionVersion: fv,
      description,
      weights: weights ?? {},
      revisionId: randomUUID(),
    };
    f.aliases.set(name, alias);
    return jsonResponse(201, this.aliasOut(f, alias));
  }

  private updateAlias(ref: string, name: string, i: Record<string, unknown>): SimResponse {
    const fvIn = str(i, 'FunctionVersion');
    const descIn = str(i, 'Description');
    const weightsIn = this.checkAliasSyntax(fvIn, descIn, i['RoutingConfig']);
    const f = this.fn(ref);
    const alias = this.alias(ref, name);
    const revision = str(i, 'RevisionId');
    if (revision !== undefined && revision !== alias.revisionId) throw precondition();
    const fv = fvIn ?? alias.functionVersion;
    const weights = weightsIn ?? alias.weights;
    this.checkAliasSemantics(f, fv, weights);
    alias.functionVersion = fv;
    alias.weights = weights;
    if (descIn !== undefined) alias.description = descIn;
    alias.revisionId = randomUUID();
    return jsonResponse(200, this.aliasOut(f, alias));
  }

  /**
   * Checks what Lambda's request validation checks (ValidationException): the version pattern,
   * the description length, the routing map's keys and weights. Returns the weights, if given.
   */
  private checkAliasSyntax(
    fv: string | undefined,
    description: string | undefined,
    routing: unknown,
  ): Record<string, number> | undefined {
    if (fv !== undefined && (fv.length > 1024 || !VERSION.test(fv))) {
      throw validation(
        `1 validation error detected: Value '${fv}' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)`,
      );
    }
    if (description !== undefined && description.length > 256) {
      throw validation(
        `1 validation error detected: Value '${description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256`,
      );
    }
    if (routing === undefined || routing === null) return undefined;
    if (!isRecord(routing)) throw invalidParameter('RoutingConfig must be an object.');
    const raw = routing['AdditionalVersionWeights'];
    if (raw === undefined || raw === null) return {};
    if (!isRecord(raw))
      throw invalidParameter('AdditionalVersionWeights must be a map of version to weight.');
    const weights: Record<string, number> = {};
    for (const [k, w] of Object.entries(raw)) {
      if (!/^[0-9]+$/.test(k) || k.length > 1024) {
        throw validation(
          `1 validation error detected: Value '${mapText(raw)}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]`,
        );
      }
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1) {
        throw validation(
          `1 validation error detected: Value '${mapText(raw)}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]`,
        );
      }
      weights[k] = w;
    }
    return weights;
  }

  /**
   * Creates or replaces an alias directly (scenarios), under the same rules as the API.
   */
  putAlias(
    fnName: string,
    name: string,
    version: string,
    weights: Record<string, number>,
    description = '',
  ): Alias {
    const w = this.checkAliasSyntax(version, description, { AdditionalVersionWeights: weights }) ?? {};
    const f = this.fn(fnName);
    this.checkAliasSemantics(f, version, w);
    const alias: Alias = {
      name,
      functionVersion: version,
      description,
      weights: w,
      revisionId: randomUUID(),
    };
    f.aliases.set(name, alias);
    return alias;
  }

  /** Checks what Lambda checks against the function's state (404 and InvalidParameterValue). */
  private checkAliasSemantics(f: LambdaFunction, fv: string, weights: Record<string, number>): void {
    const primary = fv === '$LATEST' ? f.latest : f.versions.get(fv);
    if (!primary) throw notFound(`Function not found: ${this.arn(f.name, fv)}`);
    const extra = Object.keys(weights);
    if (extra.length === 0) return;
    if (extra.length > 1) {
      throw invalidParameter(
        `Number of entries in AdditionalVersionWeights (${extra.length}) exceeds the maximum of 1. An alias can route traffic to at most two versions.`,
      );
    }
    if (fv === '$LATEST') {
      throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
    }
    const extraVersion = extra[0] as string;
    if (extraVersion === fv) {
      throw invalidParameter(
        `Invalid function version ${fv}. Function version ${fv} is already included in routing configuration.`,
      );
    }
    const secondary = f.versions.get(extraVersion);
    if (!secondary) throw notFound(`Function not found: ${this.arn(f.name, extraVersion)}`);
    if (secondary.role !== primary.role) {
      throw invalidParameter('Specified versions must be associated with the same execution role');
    }
    if ((secondary.deadLetterTargetArn ?? '') !== (primary.deadLetterTargetArn ?? '')) {
      throw invalidParameter(
        'Specified versions must be associated with the same dead letter queue configuration',
      );
    }
  }

  private deleteAlias(ref: string, name: string): SimResponse {
    const f = this.fn(ref);
    this.alias(ref, name);
    f.aliases.delete(name);
    return { status: 204, headers: {}, body: '' };
  }

  private listAliases(ref: string, req: SimRequest): SimResponse {
    const f = this.fn(ref);
    const version = req.query.get('FunctionVersion');
    const all = [...f.aliases.values()]
      .filter((a) => !version || a.functionVersion === version || a.weights[version] !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, next } = paginate(all, req);
    return jsonResponse(200, {
      Aliases: page.map((a) => this.aliasOut(f, a)),
      ...(next ? { NextMarker: next } : {}),
    });
  }

  // --- invoke ------------------------------------------------------------------------------------

  /**
   * One invocation: picks the version (by alias weights at random), decides the outcome by the
   * version's behaviour and records the AWS/Lambda metrics. Used by Invoke and by traffic.
   */
  invoke(ref: string, qualifierParam?: string): InvokeOutcome {
    const f = this.fn(ref);
    const qualifier = this.qualifierOf(ref, qualifierParam);
    const alias = qualifier ? f.aliases.get(qualifier) : undefined;
    let version: FunctionVersion;
    if (alias) {
      const [extra, weight] = Object.entries(alias.weights)[0] ?? [];
      const pick =
        extra !== undefined && weight !== undefined && this.opts.rng.next() < weight
          ? extra
          : alias.functionVersion;
      version = this.versionFor(f, pick);
    } else {
      version = this.versionFor(f, qualifier);
    }
    const b = version.behavior;
    const error = this.opts.rng.chance(b.errorRate);
    const durationMs = Math.max(
      1,
      Math.round((b.durationMs + b.durationJitterMs * this.opts.rng.normal()) * 100) / 100,
    );
    this.recordMetrics(f.name, qualifier, version.version, error, durationMs);
    const payload = error
      ? JSON.stringify({ errorType: 'Error', errorMessage: 'Simulated function error', trace: [] })
      : JSON.stringify(b.response ?? null);
    return { executedVersion: version.version, error, durationMs, payload };
  }

  /**
   * An invocation as the Invoke API makes it: routed and measured like `invoke`, and kept in the
   * function's invocation log with its payload (CodeDeploy's hook invocations use this too).
   */
  invokeLogged(ref: string, qualifierParam: string | undefined, payload: string): InvokeOutcome {
    const f = this.fn(ref);
    const outcome = this.invoke(ref, qualifierParam);
    f.invocations.push({
      time: new Date(this.clock()).toISOString(),
      qualifier: this.qualifierOf(ref, qualifierParam),
      executedVersion: outcome.executedVersion,
      error: outcome.error,
      durationMs: outcome.durationMs,
      payload: payload.slice(0, 10000),
    });
    if (f.invocations.length > MAX_INVOCATION_LOG) f.invocations.shift();
    return outcome;
  }

  private recordMetrics(
    fn: string,
    qualifier: string | undefined,
    version: string,
    error: boolean,
    duration: number,
  ): void {
    const now = this.clock();
    const dimsSets: Record<string, string>[] = [{ FunctionName: fn }];
    if (qualifier && qualifier !== '$LATEST') {
      dimsSets.push({ FunctionName: fn, Resource: `${fn}:${qualifier}` });
      if (!VERSION.test(qualifier))
        dimsSets.push({ FunctionName: fn, Resource: `${fn}:${qualifier}`, ExecutedVersion: version });
    }
    for (const dimensions of dimsSets) {
      const m = (metricName: string, value: number, unit: string): void =>
        this.opts.metrics.put(
          { namespace: 'AWS/Lambda', metricName, dimensions },
          now,
          [value],
          undefined,
          unit,
        );
      m('Invocations', 1, 'Count');
      m('Errors', error ? 1 : 0, 'Count');
      m('Duration', duration, 'Milliseconds');
    }
  }

  private async invokeHttp(ref: string, req: SimRequest): Promise<SimResponse> {
    const type = headerValue(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
      throw validation(
        `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      );
    }
    const f = this.fn(ref);
    const qualifier = req.query.get('Qualifier') ?? undefined;
    if (type === 'DryRun') {
      this.versionFor(f, this.qualifierOf(ref, qualifier));
      return { status: 204, headers: {}, body: '' };
    }
    if (req.body.length > 0) {
      try {
        JSON.parse(req.body.toString('utf8'));
      } catch {
        throw new ApiError(
          400,
          'InvalidRequestContentException',
          'Could not parse request body into json: Unexpected character',
        );
      }
    }
    const outcome = this.invokeLogged(ref, qualifier, req.body.toString('utf8'));
    const latencyMs = this.versionFor(f, outcome.executedVersion).behavior.latencyMs ?? 0;
    if (latencyMs > 0 && type === 'RequestResponse')
      await new Promise((r) => setTimeout(r, latencyMs).unref());
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amz-executed-version': outcome.executedVersion,
    };
    if (type === 'Event') return { status: 202, headers, body: '' };
    if (outcome.error) headers['x-amz-function-error'] = 'Unhandled';
    if (headerValue(req, 'x-amz-log-type') === 'Tail') {
      const log =
        `START RequestId: ${requestId} Version: ${outcome.executedVersion}\n` +
        `END RequestId: ${requestId}\n` +
        `REPORT RequestId: ${requestId}\tDuration: ${outcome.durationMs} ms\n`;
      headers['x-amz-log-result'] = Buffer.from(log).toString('base64');
    }
    return { status: 200, headers, body: outcome.payload };
  }

  // --- views -------------------------------------------------------------------------------------

  configOut(f: LambdaFunction, v: FunctionVersion, qualifier?: string): Record<string, unknown> {
    const isLatest = v.version === '$LATEST';
    return {
      FunctionName: f.name,
      FunctionArn: this.arn(
        f.name,
        qualifier && qualifier !== '$LATEST' ? qualifier : isLatest ? undefined : v.version,
      ),
      Runtime: v.runtime,
      Role: v.role,
      Handler: v.handler,
      CodeSize: v.codeSize,
      Description: v.description,
      Timeout: v.timeout,
      MemorySize: v.memorySize,
      LastModified: v.lastModified,
      CodeSha256: v.codeSha256,
      Version: v.version,
      ...(v.deadLetterTargetArn ? { DeadLetterConfig: { TargetArn: v.deadLetterTargetArn } } : {}),
      ...(Object.keys(v.environment).length > 0 ? { Environment: { Variables: v.environment } } : {}),
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: v.revisionId,
      State: 'Active',
      LastUpdateStatus: isLatest ? this.lastUpdateStatus(f) : 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
      LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${f.name}` },
    };
  }

  aliasOut(f: LambdaFunction, a: Alias): Record<string, unknown> {
    return {
      AliasArn: this.arn(f.name, a.name),
      Name: a.name,
      FunctionVersion: a.functionVersion,
      Description: a.description,
      ...(Object.keys(a.weights).length > 0
        ? { RoutingConfig: { AdditionalVersionWeights: { ...a.weights } } }
        : {}),
      RevisionId: a.revisionId,
    };
  }

  /** A plain view of a function for the control API. */
  functionView(f: LambdaFunction): Record<string, unknown> {
    return {
      name: f.name,
      arn: this.arn(f.name),
      lastUpdateStatus: this.lastUpdateStatus(f),
      latest: { ...this.configOut(f, f.latest), Behavior: f.latest.behavior },
      versions: Object.fromEntries(
        [...f.versions.values()].map((v) => [
          v.version,
          { ...this.configOut(f, v, v.version), Behavior: v.behavior },
        ]),
      ),
      aliases: Object.fromEntries([...f.aliases.values()].map((a) => [a.name, this.aliasOut(f, a)])),
      invocations: f.invocations,
    };
  }
}

/** The code identity of a Code/UpdateFunctionCode input: the ZipFile's SHA-256, or its location's. */
export function codeOf(input: unknown): { sha256: string; size: number; behavior?: Partial<Behavior> } {
  const i = isRecord(input) ? input : {};
  const zip = str(i, 'ZipFile');
  if (zip !== undefined) {
    const bytes = Buffer.from(zip, 'base64');
    return { sha256: sha256(bytes), size: bytes.length, behavior: behaviorFromZip(bytes) };
  }
  const location = [str(i, 'S3Bucket'), str(i, 'S3Key'), str(i, 'S3ObjectVersion'), str(i, 'ImageUri')]
    .filter(Boolean)
    .join('/');
  if (!location) {
    throw invalidParameter('Please provide a source for function code.');
  }
  return { sha256: sha256(Buffer.from(location)), size: 1024 };
}

/** A "zip" that is really JSON such as {"errorRate":0.2,"durationMs":80} sets the behaviour. */
function behaviorFromZip(bytes: Buffer): Partial<Behavior> | undefined {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    if (!isRecord(v)) return undefined;
    const b = behaviorPatch(v);
    return Object.keys(b).length > 0 ? b : undefined;
  } catch {
    return undefined;
  }
}

/** The behaviour members found in an object (errorRate, durationMs, durationJitterMs, response, latencyMs). */
export function behaviorPatch(v: Record<string, unknown>): Partial<Behavior> {
  const b: Partial<Behavior> = {};
  if (typeof v['errorRate'] === 'number') b.errorRate = v['errorRate'];
  if (typeof v['durationMs'] === 'number') b.durationMs = v['durationMs'];
  if (typeof v['durationJitterMs'] === 'number') b.durationJitterMs = v['durationJitterMs'];
  if ('response' in v) b.response = v['response'];
  if (typeof v['latencyMs'] === 'number') b.latencyMs = v['latencyMs'];
  return b;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('base64');
}

function envOf(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v) || !isRecord(v['Variables'])) return undefined;
  return Object.fromEntries(Object.entries(v['Variables']).map(([k, x]) => [k, String(x)]));
}

/** What PublishVersion compares: code and configuration. */
function configHash(v: FunctionVersion): string {
  return JSON.stringify([
    v.codeSha256,
    v.role,
    v.deadLetterTargetArn ?? '',
    v.handler,
    v.runtime,
    v.memorySize,
    v.timeout,
    v.description,
    Object.entries(v.environment).sort(),
  ]);
}

/** Lambda's LastModified format: 2024-01-01T00:00:00.000+0000. */
function lambdaDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function headerValue(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function mapText(m: Record<string, unknown>): string {
  return `{${Object.entries(m)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ')}}`;
}

function paginate<T>(all: T[], req: SimRequest): { page: T[]; next?: string } {
  const max = Number(req.query.get('MaxItems') ?? '50');
  const start = Number(req.query.get('Marker') ?? '0');
  if (!Number.isInteger(max) || max < 1 || max > 10000) {
    throw validation(
      `1 validation error detected: Value '${max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
    );
  }
  if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid marker');
  const page = all.slice(start, start + max);
  return { page, next: start + max < all.length ? String(start + max) : undefined };
}
