import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { IamService } from '../iam/index.js';
import type { Clock } from '../lib/clock.js';
import { type ApiResponse, parseQuery } from '../lib/http.js';
import { requestId as newRequestId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { createMemoryBudget } from '../lib/memory-budget.js';
import { authenticate, type RequestLine, signedService } from './authenticate.js';
import {
  answerClientError,
  DEFAULT_HTTP_LIMITS,
  type HttpLimits,
  idleVerdict,
  limitConnections,
  requestTimeout,
  serverOptions,
  UNTRUSTED_CONTENT_HEADERS,
} from './connection-guards.js';
import { type Protocol, renderError, type ServiceEndpoint } from './protocols.js';

export type { HttpLimits } from './connection-guards.js';

/** Paths under this prefix are Seawall's own (health, console); bucket names cannot contain '_'. */
export const INTERNAL_PREFIX = '/_seawall/';

export type InternalRoute = (req: IncomingMessage, path: string) => Promise<ApiResponse | undefined>;

export interface HttpServerDeps {
  services: Readonly<Record<string, ServiceEndpoint>>;
  internal: InternalRoute;
  iam: Pick<IamService, 'signingIdentity'>;
  clock: Clock;
  region: string;
  logger: Logger;
  /** Timeouts and the connection cap; each defaults to its constant in connection-guards.ts. */
  limits?: Partial<HttpLimits>;
  /** What requests may buffer in all (bodies read whole, result pages); 512 MiB unless given. */
  memoryBudgetBytes?: number;
}

/** `/_seawall` itself too, which redirects to the console. */
function isInternal(rawPath: string): boolean {
  return rawPath.startsWith(INTERNAL_PREFIX) || rawPath === INTERNAL_PREFIX.slice(0, -1);
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) headers[name] = values.join(',');
  }
  return headers;
}

function protocolFor(line: RequestLine, services: HttpServerDeps['services']): Protocol {
  const service = signedService(line);
  const known = service ? services[service] : undefined;
  if (known) return known.protocol;
  if (line.headers['x-amz-target'] !== undefined) return 'awsJson';
  return 'restXml';
}

/**
 * Writes a response. Only Seawall's own routes may bring their own Content-Security-Policy (the console's
 * page does); everything else, objects and API answers and errors alike, is sandboxed here, once.
 */
async function send(res: ServerResponse, response: ApiResponse, head: boolean, own = false): Promise<void> {
  const body = response.body;
  if (res.headersSent) {
    // Already answered, by the idle timeout while this request's body had stopped arriving.
    if (body instanceof Readable) body.destroy();
    return;
  }
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  for (const [name, value] of Object.entries(UNTRUSTED_CONTENT_HEADERS)) {
    if (!own || !res.hasHeader(name)) res.setHeader(name, value);
  }
  if (body === undefined || head) {
    if (body instanceof Readable) body.destroy();
    if (!res.hasHeader('content-length') && !head) res.setHeader('content-length', 0);
    res.end();
    return;
  }
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
    return;
  }
  await new Promise<void>((resolve) => {
    pipeline(body, res, () => resolve());
  });
}

function requestLine(req: IncomingMessage): RequestLine {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    query: parseQuery(q < 0 ? '' : url.slice(q + 1)),
    headers: flattenHeaders(req),
  };
}

/**
 * Acts on the idle timeout of a request's connection (Node's own reaction would be to drop the socket,
 * whatever the exchange was doing): a stalled upload is answered with `stalled` and the connection closed.
 */
function watchIdle(
  req: IncomingMessage,
  res: ServerResponse,
  stalled: () => ApiResponse,
  head: boolean,
): void {
  res.on('timeout', () => {
    const verdict = idleVerdict(req, res);
    if (verdict === 'close') res.destroy();
    else if (verdict === 'answer') {
      res.setHeader('connection', 'close');
      void send(res, stalled(), head);
    }
  });
}

/** The one listener: Seawall's own routes, then SigV4 authentication, then the signed-for service. */
/** What requests may buffer at once, in all: a fraction of the default heap, far from exhausting it. */
const MEMORY_BUDGET_BYTES = 512 * 2 ** 20;

export function createHttpServer(deps: HttpServerDeps): Server {
  const { services, logger } = deps;
  const budget = createMemoryBudget(deps.memoryBudgetBytes ?? MEMORY_BUDGET_BYTES);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const started = performance.now();
    const line = requestLine(req);
    const head = line.method === 'HEAD';
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amzn-requestid', requestId);
    res.setHeader('server', 'Seawall');
    let protocol: Protocol = 'restXml';
    let service: string | undefined;
    let principal: string | undefined;
    watchIdle(req, res, () => renderError(requestTimeout(), protocol, requestId, head), head);
    const memory = budget.lease();
    try {
      if (isInternal(line.rawPath)) {
        const response = await deps.internal(req, line.rawPath.slice(INTERNAL_PREFIX.length));
        await send(
          res,
          response ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' },
          head,
          true,
        );
        return;
      }
      protocol = protocolFor(line, services);
      const auth = await authenticate(req, line, deps, memory.reserve);
      service = auth.service;
      principal = auth.principal.accessKeyId;
      const endpoint = services[auth.service];
      if (!endpoint)
        throw new AppError('NotImplemented', 501, `The service '${auth.service}' is not served here.`);
      const response = await endpoint.handle({
        requestId,
        method: line.method,
        rawPath: line.rawPath,
        query: line.query,
        headers: auth.headers,
        body: auth.body,
        trailers: auth.trailers,
        contentLength: auth.contentLength,
        principal: auth.principal,
        region: auth.region,
        host: line.headers.host ?? '',
        reserve: memory.reserve,
      });
      await send(res, response, head);
    } catch (error) {
      // Answered already by the idle timeout; this is the stalled body giving up as the connection closed.
      if (res.writableEnded) return;
      if (!(error instanceof AppError) || error.status >= 500) {
        logger.error({ err: error, requestId, method: line.method, path: line.rawPath }, 'request failed');
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // An unread request body would otherwise be read and thrown away; closing is cheaper.
      if (!req.complete) res.setHeader('connection', 'close');
      await send(res, renderError(error, protocol, requestId, head), head);
    } finally {
      memory.release();
      logger.info(
        {
          requestId,
          method: line.method,
          path: line.rawPath,
          status: res.statusCode,
          api: service,
          principal,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    }
  }

  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...deps.limits };
  const server = createServer(serverOptions(limits), (req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'unhandled request failure');
      res.destroy();
    });
  });
  limitConnections(server, limits, logger);
  server.on('clientError', answerClientError);
  return server;
}
