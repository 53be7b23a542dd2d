/**
 * The local cloud's HTTP server: one port on 127.0.0.1 that answers the AWS SDK (Lambda,
 * CloudWatch, API Gateway, CodeDeploy), Octokit (GitHub REST) and the control API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Cloud, type CloudOptions } from './core/cloud.js';
import { CONTROL_PREFIX, ControlApi } from './core/control.js';
import { ApiError, jsonResponse, type Service, type SimRequest, type SimResponse } from './core/http.js';

export interface LocalCloudOptions extends Partial<CloudOptions> {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** How often traffic and alarm evaluation advance, in ms. Default 100. */
  tickMs?: number;
}

export interface LocalCloud {
  /** Base URL, e.g. http://127.0.0.1:4566 (no trailing slash). */
  url: string;
  port: number;
  /** The live state: services, metrics, traffic, faults, writes. */
  state: Cloud;
  control: ControlApi;
  close(): Promise<void>;
}

export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const { port = 0, host = '127.0.0.1', tickMs = 100, ...cloudOptions } = opts;
  const cloud = new Cloud(cloudOptions);
  const control = new ControlApi(cloud);
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    handle(cloud, control, req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        send(res, jsonResponse(500, { message: e instanceof Error ? e.message : String(e) }));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const timer = setInterval(() => cloud.tick(), tickMs);
  timer.unref();

  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    state: cloud,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function handle(
  cloud: Cloud,
  control: ControlApi,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://local');
  const simReq: SimRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body,
  };

  if (simReq.path === CONTROL_PREFIX || simReq.path.startsWith(CONTROL_PREFIX + '/')) {
    send(res, await control.handle(simReq));
    return;
  }

  let service: Service | undefined;
  let op: ReturnType<Service['resolve']>;
  for (const s of cloud.services()) {
    try {
      op = s.resolve(simReq);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      send(res, s.errorResponse(e));
      return;
    }
    if (op) {
      service = s;
      break;
    }
  }
  if (!service || !op) {
    send(
      res,
      jsonResponse(404, { message: `The local cloud has no service for ${simReq.method} ${simReq.path}` }),
    );
    return;
  }

  const record = (status: number): void => {
    if (op?.write) {
      cloud.writes.add({
        service: service.name,
        operation: op.name,
        time: new Date(cloud.clock()).toISOString(),
        ...(op.target !== undefined ? { target: op.target } : {}),
        method: simReq.method,
        path: simReq.path,
        status,
        ...(typeof simReq.headers['user-agent'] === 'string'
          ? { userAgent: simReq.headers['user-agent'] }
          : {}),
      });
    }
  };

  const fault = cloud.faults.decide(service.name, op.name);
  if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault.kind === 'drop') {
    record(0);
    req.socket.destroy();
    return;
  }

  let response: SimResponse;
  if (fault.kind === 'throttle') {
    response = service.errorResponse(throttleFor(cloud, service));
  } else if (fault.kind === 'error5xx') {
    response = service.errorResponse(service.internalError());
  } else {
    try {
      response = await op.run();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      response = service.errorResponse(e);
    }
  }
  record(response.status);
  if (fault.kind === 'dropAfter') {
    // Done, but the answer is lost on the way back.
    req.socket.destroy();
    return;
  }
  send(res, response);
}

function throttleFor(cloud: Cloud, service: Service): ApiError {
  const retryAfter = cloud.faults.get(service.name)?.retryAfterSeconds;
  return service.throttleError(retryAfter);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: SimResponse): void {
  const body = r.body ?? '';
  res.writeHead(r.status, {
    'x-amzn-requestid': cryptoId(),
    ...r.headers,
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

let counter = 0;
function cryptoId(): string {
  counter = (counter + 1) % 0xffffffff;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}
