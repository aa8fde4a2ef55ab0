import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { IamService } from '../iam/index.js';
import type { Clock } from '../lib/clock.js';
import { type ApiResponse, parseQuery } from '../lib/http.js';
import { requestId as newRequestId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { authenticate, type RequestLine, signedService } from './authenticate.js';
import { type Protocol, renderError, type ServiceEndpoint } from './protocols.js';

/** Paths under this prefix are Seawall's own (health, console); bucket names cannot contain '_'. */
export const INTERNAL_PREFIX = '/_seawall/';
/** Node's default; a larger header section is answered with S3's RequestHeaderSectionTooLarge. */
const MAX_HEADER_BYTES = 16 * 1024;

export type InternalRoute = (req: IncomingMessage, path: string) => Promise<ApiResponse | undefined>;

export interface HttpServerDeps {
  services: Readonly<Record<string, ServiceEndpoint>>;
  internal: InternalRoute;
  iam: IamService;
  clock: Clock;
  region: string;
  logger: Logger;
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

async function send(res: ServerResponse, response: ApiResponse, head: boolean): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  const body = response.body;
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

/** The one listener: Seawall's own routes, then SigV4 authentication, then the signed-for service. */
export function createHttpServer(deps: HttpServerDeps): Server {
  const { services, logger } = deps;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const line: RequestLine = {
      method: req.method ?? 'GET',
      rawPath: q < 0 ? url : url.slice(0, q),
      query: parseQuery(q < 0 ? '' : url.slice(q + 1)),
      headers: flattenHeaders(req),
    };
    const head = line.method === 'HEAD';
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amzn-requestid', requestId);
    res.setHeader('server', 'Seawall');
    let protocol: Protocol = 'restXml';
    let service: string | undefined;
    let principal: string | undefined;
    try {
      if (line.rawPath.startsWith(INTERNAL_PREFIX)) {
        const response = await deps.internal(req, line.rawPath.slice(INTERNAL_PREFIX.length));
        await send(
          res,
          response ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' },
          head,
        );
        return;
      }
      protocol = protocolFor(line, services);
      const auth = await authenticate(req, line, deps);
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
      });
      await send(res, response, head);
    } catch (error) {
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

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'unhandled request failure');
      res.destroy();
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const code = tooLarge ? 'RequestHeaderSectionTooLarge' : 'BadRequest';
    const message = tooLarge
      ? 'Your request header section exceeds the maximum allowed size.'
      : 'The request could not be parsed as HTTP.';
    const rendered = renderError(new AppError(code, 400, message), 'restXml', newRequestId(), false);
    const body = String(rendered.body ?? '');
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}
