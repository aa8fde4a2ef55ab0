import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AppError } from '../errors.js';
import { extendedRequestId, requestId as newRequestId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { renderError } from './protocols.js';

/**
 * Time to receive a request's whole header section. A client sends its headers in one go; one that trickles
 * them (slowloris) or connects and says nothing would otherwise hold a connection, and a descriptor, for ever.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
/** How long a kept-alive connection may sit idle between requests: Node's default, and about what S3 allows. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * Longest silence while a body is arriving or a response is being read. It is an inactivity timeout, never a
 * total one: a 3 GiB upload on a slow link takes as long as it takes, as long as bytes keep coming.
 */
export const IDLE_TIMEOUT_MS = 30_000;
/**
 * How long a slow answer (lib/http.ts, SlowAnswer) keeps a client waiting in silence before its headers go out,
 * and then between the spaces that follow: well inside the SDKs' read timeouts (the aws cli's is 60 s) and this
 * server's own idle timeout.
 */
export const SLOW_ANSWER_INTERVAL_MS = 5_000;
/** Open connections at most; each costs a file descriptor, and the process has a limited number of them. */
export const MAX_CONNECTIONS = 1024;
/** Node's default; a larger header section is answered with S3's RequestHeaderSectionTooLarge. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Node checks header deadlines on a sweep (every 30 s by default); a timeout is only as sharp as the sweep. */
const MAX_SWEEP_MS = 1_000;
/** After answering a client error, how long the client has to read the answer before the socket is dropped. */
const LINGER_MS = 1_000;
/** Refused connections come in floods; one log line per interval says how many. */
const DROP_LOG_INTERVAL_MS = 10_000;

export interface HttpLimits {
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  slowAnswerIntervalMs: number;
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  headersTimeoutMs: HEADERS_TIMEOUT_MS,
  keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  slowAnswerIntervalMs: SLOW_ANSWER_INTERVAL_MS,
  maxConnections: MAX_CONNECTIONS,
};

/**
 * Headers a browser must see on anything that is not one of the console's own pages: a sandboxed document
 * has an opaque origin and runs no script, so an uploaded HTML or SVG file opened by its URL cannot reach a
 * signed-in console session; nosniff stops a browser from deciding that some other body is HTML after all.
 */
export const UNTRUSTED_CONTENT_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': 'sandbox',
  'x-content-type-options': 'nosniff',
};

/** The options createServer needs; `requestTimeout: 0` because a total deadline would cut slow large uploads. */
export function serverOptions(limits: HttpLimits): ServerOptions {
  return {
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout: 0,
    headersTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(
      MAX_SWEEP_MS,
      Math.max(10, Math.floor(limits.headersTimeoutMs / 4)),
    ),
  };
}

/** The connection cap and the inactivity timeout, which createServer's options do not take. */
export function limitConnections(server: Server, limits: HttpLimits, logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  let dropped = 0;
  server.on('drop', () => {
    dropped += 1;
    if (dropped > 1) return;
    setTimeout(() => {
      logger.warn({ dropped, maxConnections: limits.maxConnections }, 'refused connections over the cap');
      dropped = 0;
    }, DROP_LOG_INTERVAL_MS).unref();
  });
}

export function requestTimeout(): AppError {
  return new AppError(
    'RequestTimeout',
    400,
    'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.',
    { protocolCodes: { json: 'RequestTimeoutException' } },
  );
}

/**
 * What to do with an exchange whose connection has been silent for the idle timeout: answer a body that
 * stopped arriving, close on a client that stopped reading, and wait while the body is in and the server is
 * still working out the answer (joining a large multipart upload sends nothing for a while).
 */
export function idleVerdict(req: IncomingMessage, res: ServerResponse): 'answer' | 'close' | 'wait' {
  if (res.headersSent) return 'close';
  return req.complete ? 'wait' : 'answer';
}

/** The response in flight on a socket, which Node keeps on a field it does not type. */
function inFlight(socket: Socket): { headersSent: boolean } | null | undefined {
  return (socket as Socket & { _httpMessage?: { headersSent: boolean } | null })._httpMessage;
}

function clientErrorOf(error: NodeJS.ErrnoException): AppError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new AppError(
      'RequestHeaderSectionTooLarge',
      400,
      'Your request header section exceeds the maximum allowed size.',
      { fields: { MaxSizeAllowed: String(MAX_HEADER_BYTES) } },
    );
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return requestTimeout();
  return new AppError('BadRequest', 400, 'The request could not be parsed as HTTP.');
}

/**
 * Node's 'clientError': bytes that are not HTTP, a header section too large, or one that did not arrive in
 * time. There is no request to answer through, so the answer is written to the socket, which then closes.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A connection that never sent a byte asked nothing; and bytes written into a response already under way
  // would corrupt it for the client.
  const silent = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.bytesRead === 0;
  if (!socket.writable || silent || inFlight(socket)?.headersSent) {
    socket.destroy();
    return;
  }
  const requestId = newRequestId();
  const rendered = renderError(clientErrorOf(error), 'restXml', requestId, false);
  const body = String(rendered.body ?? '');
  const headers = {
    // As on every other answer: the ids its error document names.
    'x-amz-request-id': requestId,
    'x-amz-id-2': extendedRequestId(requestId),
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
    ...UNTRUSTED_CONTENT_HEADERS,
    Connection: 'close',
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  // Half-close, so the client can read the answer before it sees the connection go; then drop it whether or
  // not the client closes its side.
  socket.end(`HTTP/1.1 400 Bad Request\r\n${head.join('')}\r\n${body}`);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
