/**
 * Just enough of API Gateway v2 (HTTP and WebSocket APIs) to tell them apart from REST APIs:
 * CreateApi, GetApi, GetApis, DeleteApi. Their ids are not REST API ids, so GetRestApi answers
 * NotFoundException for them, as AWS does, and GetApi finds them.
 */
import {
  ApiError,
  RestRouter,
  jsonResponse,
  parseJsonObject,
  str,
  type Operation,
  type Service,
  type SimRequest,
  type SimResponse,
} from '../core/http.js';
import { randomId } from './apigateway.js';

export interface HttpApi {
  id: string;
  name: string;
  protocolType: 'HTTP' | 'WEBSOCKET';
  description?: string;
  routeSelectionExpression: string;
  createdMs: number;
}

const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequestException', message);
const notFound = (message: string): ApiError => new ApiError(404, 'NotFoundException', message);

export class ApiGatewayV2Service implements Service {
  readonly name = 'apigatewayv2' as const;
  readonly apis = new Map<string, HttpApi>();
  private readonly router = new RestRouter<() => Record<string, unknown>>();

  constructor(
    private readonly region: string,
    private readonly clock: () => number = Date.now,
    /** Whether an id is taken by a REST API (one id space for both kinds, as in AWS). */
    private readonly restApiExists: (id: string) => boolean = () => false,
  ) {
    this.router
      .add('POST', '/v2/apis', 'CreateApi', (input) => jsonResponse(201, this.out(this.addApi(input()))))
      .add('GET', '/v2/apis', 'GetApis', () =>
        jsonResponse(200, { items: [...this.apis.values()].map((a) => this.out(a)) }),
      )
      .add('GET', '/v2/apis/{apiId}', 'GetApi', (_i, p) =>
        jsonResponse(200, this.out(this.api(p['apiId'] ?? ''))),
      )
      .add(
        'DELETE',
        '/v2/apis/{apiId}',
        'DeleteApi',
        (_i, p) => {
          this.api(p['apiId'] ?? '');
          this.apis.delete(p['apiId'] ?? '');
          return { status: 204, headers: {}, body: '' };
        },
        { target: (p) => p['apiId'] ?? '' },
      );
  }

  resolve(req: SimRequest): Operation | undefined {
    if (req.path !== '/v2/apis' && !req.path.startsWith('/v2/apis/')) return undefined;
    let parsed: Record<string, unknown> | undefined;
    const input = (): Record<string, unknown> => (parsed ??= parseJsonObject(req.body, badRequest));
    return (
      this.router.resolve(
        req,
        () => input,
        () => notFound('Invalid method or resource'),
      ) ?? {
        name: 'Unknown',
        write: req.method !== 'GET',
        run: () => {
          throw new ApiError(
            404,
            'UnknownOperationException',
            `The local cloud does not implement API Gateway v2 ${req.method} ${req.path}`,
          );
        },
      }
    );
  }

  api(id: string): HttpApi {
    const a = this.apis.get(id);
    if (!a) throw notFound(`Invalid API identifier specified ${id}`);
    return a;
  }

  /** Adds an HTTP or WebSocket API (CreateApi's input shape; `id` only from scenarios). */
  addApi(i: Record<string, unknown>): HttpApi {
    const name = str(i, 'name');
    const protocolType = str(i, 'protocolType');
    if (!name) throw badRequest('Invalid API name specified: it must be non-empty');
    if (protocolType !== 'HTTP' && protocolType !== 'WEBSOCKET') {
      throw badRequest(`Invalid protocol type specified: ${protocolType ?? ''}; must be HTTP or WEBSOCKET`);
    }
    const routeSelectionExpression = str(i, 'routeSelectionExpression');
    if (protocolType === 'WEBSOCKET' && !routeSelectionExpression) {
      throw badRequest('Route selection expression is required for a WebSocket API');
    }
    const id = str(i, 'id') ?? randomId();
    if (this.apis.has(id) || this.restApiExists(id))
      throw new ApiError(409, 'ConflictException', `API ${id} already exists`);
    const api: HttpApi = {
      id,
      name,
      protocolType,
      ...(str(i, 'description') ? { description: str(i, 'description') } : {}),
      routeSelectionExpression: routeSelectionExpression ?? '${request.method} ${request.path}',
      createdMs: this.clock(),
    };
    this.apis.set(id, api);
    return api;
  }

  out(a: HttpApi): Record<string, unknown> {
    const scheme = a.protocolType === 'HTTP' ? 'https' : 'wss';
    return {
      apiId: a.id,
      name: a.name,
      protocolType: a.protocolType,
      ...(a.description ? { description: a.description } : {}),
      apiEndpoint: `${scheme}://${a.id}.execute-api.${this.region}.amazonaws.com`,
      apiKeySelectionExpression: '$request.header.x-api-key',
      routeSelectionExpression: a.routeSelectionExpression,
      createdDate: new Date(a.createdMs).toISOString(),
      disableExecuteApiEndpoint: false,
    };
  }

  errorResponse(err: ApiError): SimResponse {
    return jsonResponse(
      err.status,
      { message: err.message },
      { 'x-amzn-errortype': err.code, ...err.extra.headers },
    );
  }

  throttleError(retryAfterSeconds = 1): ApiError {
    return new ApiError(429, 'TooManyRequestsException', 'Too Many Requests', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }

  internalError(): ApiError {
    return new ApiError(503, 'ServiceUnavailableException', 'Service Unavailable (injected fault)');
  }

  view(): Record<string, unknown> {
    return Object.fromEntries([...this.apis.values()].map((a) => [a.id, this.out(a)]));
  }
}
