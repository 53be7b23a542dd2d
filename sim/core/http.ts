/**
 * The shared plumbing of the local cloud: the request and response shapes every service works
 * with, the error type, and the two dispatchers (REST paths and JSON-RPC targets).
 */
import type { IncomingHttpHeaders } from 'node:http';

export type ServiceName = 'lambda' | 'cloudwatch' | 'apigateway' | 'apigatewayv2' | 'codedeploy' | 'github';

export const SERVICES: readonly ServiceName[] = [
  'lambda',
  'cloudwatch',
  'apigateway',
  'apigatewayv2',
  'codedeploy',
  'github',
];

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** An error a service answers with; each service renders it in its own wire format. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: {
      headers?: Record<string, string>;
      /** Extra members of the error body. */
      fields?: Record<string, unknown>;
      /** CloudWatch's query-compatible code (`x-amzn-query-error`). */
      queryCode?: string;
    } = {},
  ) {
    super(message);
  }
}

/** One resolved operation of a service, ready to run. */
export interface Operation {
  name: string;
  /** True for anything that is not a read (Get/List/Describe); such requests go to the writes log. */
  write: boolean;
  /** The resource the operation addresses, for the writes log. */
  target?: string;
  run(): SimResponse | Promise<SimResponse>;
}

export interface Service {
  readonly name: ServiceName;
  /** The operation this request addresses, or undefined when the request is not this service's. */
  resolve(req: SimRequest): Operation | undefined;
  /** Renders an error in the service's wire format. */
  errorResponse(err: ApiError): SimResponse;
  /** The error this service answers when it throttles (with the fault's Retry-After, when set). */
  throttleError(retryAfterSeconds?: number): ApiError;
  /** The error this service answers for an internal failure. */
  internalError(): ApiError;
}

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: value === undefined ? '' : JSON.stringify(value),
  };
}

/** Parses a JSON body into an object; an empty body is `{}`. */
export function parseJsonObject(
  body: Buffer,
  invalid: (message: string) => ApiError,
): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('Could not parse request body into json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export type Params = Record<string, string>;

interface Route<C> {
  method: string;
  segments: string[];
  name: string;
  write: boolean;
  handler: (ctx: C, params: Params) => SimResponse | Promise<SimResponse>;
  target?: (params: Params) => string;
}

/**
 * A REST router: patterns such as `/2015-03-31/functions/{FunctionName}/aliases/{Name}`, where
 * each `{label}` matches one URL-decoded path segment.
 */
export class RestRouter<C> {
  private readonly routes: Route<C>[] = [];

  add(
    method: string,
    pattern: string,
    name: string,
    handler: Route<C>['handler'],
    opts: { write?: boolean; target?: (params: Params) => string } = {},
  ): this {
    this.routes.push({
      method,
      segments: splitPath(pattern),
      name,
      handler,
      write: opts.write ?? !/^(Get|List|Describe)/.test(name),
      target: opts.target,
    });
    return this;
  }

  /** Finds the route for a request; `undefined` when no pattern matches the path. */
  match(
    method: string,
    path: string,
  ): { route: Route<C>; params: Params } | { methodNotAllowed: true } | undefined {
    const segments = splitPath(path);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method) return { route, params };
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }

  /** Resolves a request to an operation bound to a context built from the parameters. */
  resolve(req: SimRequest, context: (params: Params) => C, unknown: () => ApiError): Operation | undefined {
    const found = this.match(req.method, req.path);
    if (!found) return undefined;
    if ('methodNotAllowed' in found) {
      return {
        name: 'Unknown',
        write: req.method !== 'GET',
        run: () => {
          throw unknown();
        },
      };
    }
    const { route, params } = found;
    return {
      name: route.name,
      write: route.write,
      target: route.target?.(params),
      run: () => route.handler(context(params), params),
    };
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], actual: string[]): Params | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const a = actual[i] as string;
    if (p.startsWith('{') && p.endsWith('}')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(a);
      } catch {
        return undefined;
      }
      params[p.slice(1, -1)] = decoded;
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}

/** A JSON-RPC operation table: `X-Amz-Target: <prefix>.<Op>` with a JSON object body. */
export interface RpcOperation {
  write?: boolean;
  handler: (input: Record<string, unknown>) => unknown;
  target?: (input: Record<string, unknown>) => string | undefined;
}

export function resolveRpc(
  req: SimRequest,
  targetPrefix: string,
  operations: Record<string, RpcOperation>,
  errors: { unknownOperation: (op: string) => ApiError; invalidBody: (message: string) => ApiError },
  contentType: string,
): Operation | undefined {
  const header = req.headers['x-amz-target'];
  const target = Array.isArray(header) ? header[0] : header;
  if (!target || !target.startsWith(targetPrefix + '.')) return undefined;
  const opName = target.slice(targetPrefix.length + 1);
  const op = Object.prototype.hasOwnProperty.call(operations, opName) ? operations[opName] : undefined;
  if (!op) {
    return {
      name: opName,
      write: !/^(Get|List|Describe|Batch ?Get)/.test(opName),
      run: () => {
        throw errors.unknownOperation(opName);
      },
    };
  }
  let input: Record<string, unknown> | undefined;
  const parse = (): Record<string, unknown> => (input ??= parseJsonObject(req.body, errors.invalidBody));
  let target_: string | undefined;
  try {
    target_ = op.target?.(parse());
  } catch {
    target_ = undefined;
  }
  return {
    name: opName,
    write: op.write ?? !/^(Get|List|Describe|BatchGet)/.test(opName),
    target: target_,
    run: () => {
      const result = op.handler(parse());
      return { status: 200, headers: { 'content-type': contentType }, body: JSON.stringify(result ?? {}) };
    },
  };
}

/** Reads an optional string member. */
export function str(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key];
  return typeof v === 'string' ? v : undefined;
}

/** Reads an optional number member. */
export function num(input: Record<string, unknown>, key: string): number | undefined {
  const v = input[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function nowIso(): string {
  return new Date().toISOString();
}
