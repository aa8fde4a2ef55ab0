import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Readable } from 'node:stream';
import { AppError, badRequest, internalError, isAppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { type ApiRequest, type ApiResponse, parseQuery, type SlowAnswer } from '../lib/http.js';
import { extendedRequestId, requestId as newRequestId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { createMemoryBudget } from '../lib/memory-budget.js';
import {
  type AnyOperation,
  type AuditExchange,
  type AuditSink,
  type Authorizer,
  isDenial,
  isReadOnly,
  type OperationEvent,
  type OperationRequest,
  type Principal,
} from '../lib/operation.js';
import { anonymousRequest, isUnsigned } from './anonymous.js';
import { type AuthThrottleOptions, createAuthThrottle } from './auth-throttle.js';
import {
  type Authenticated,
  authenticate,
  claimedAccessKey,
  type IdentityLookup,
  type RequestLine,
  signedService,
} from './authenticate.js';
import {
  answerClientError,
  DEFAULT_HTTP_LIMITS,
  type HttpLimits,
  idleVerdict,
  limitConnections,
  requestTimeout,
  serverOptions,
} from './connection-guards.js';
import { authenticateForm } from './post-form.js';
import { type Protocol, renderError, type ServiceEndpoint, wireErrorCode } from './protocols.js';
import { endWith, pendingAnswer, setAnswerHeaders } from './slow-answer.js';
import { type TlsCredentials, tlsServerOptions } from './tls.js';

export type { AuthThrottleOptions } from './auth-throttle.js';
export type { HttpLimits } from './connection-guards.js';

/** Paths under this prefix are Seawall's own (health, console); bucket names cannot contain '_'. */
export const INTERNAL_PREFIX = '/_seawall/';

export type InternalRoute = (req: IncomingMessage, path: string) => Promise<ApiResponse | undefined>;

export interface HttpServerDeps {
  services: Readonly<Record<string, ServiceEndpoint>>;
  internal: InternalRoute;
  iam: IdentityLookup;
  authorizer: Authorizer;
  /** Receives one event per routed request, after its answer (metrics, key use). */
  onEvent?: (event: OperationEvent) => void;
  /** Records every routed request durably before its answer is sent (the audit trail). */
  audit?: AuditSink;
  clock: Clock;
  region: string;
  logger: Logger;
  /** Timeouts and the connection cap; each defaults to its constant in connection-guards.ts. */
  limits?: Partial<HttpLimits>;
  /** What requests may buffer in all (bodies read whole, result pages); 512 MiB unless given. */
  memoryBudgetBytes?: number;
  /** Serves HTTPS with this certificate and key instead of plain HTTP, on the same port. */
  tls?: TlsCredentials;
  /** How failed authentication backs off (server/auth-throttle.ts has the defaults). */
  authThrottle?: AuthThrottleOptions;
}

/** `/_seawall` itself too, which redirects to the console. */
function isInternal(rawPath: string): boolean {
  return rawPath.startsWith(INTERNAL_PREFIX) || rawPath === INTERNAL_PREFIX.slice(0, -1);
}

/**
 * S3 refuses a path whose escapes decode to bytes that are not UTF-8 (a client escapes a key's raw bytes and
 * signs them so) with InvalidURI, before it looks at any signature. A `%` that begins no escape stays literal,
 * as the key's decoding keeps it.
 */
function checkS3Path(rawPath: string): void {
  try {
    decodeURIComponent(rawPath.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    throw badRequest('InvalidURI', "Couldn't parse the specified URI.");
  }
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
  if (known) return known.protocolOf?.(line) ?? known.protocol;
  if (line.headers['x-amz-target'] !== undefined) return 'awsJson';
  return 'restXml';
}

/** Writes a response, its headers as setAnswerHeaders sets them. */
async function send(
  res: ServerResponse,
  response: ApiResponse,
  head: boolean,
  own = false,
  sent?: { bytes: number },
): Promise<void> {
  const body = response.body;
  if (res.headersSent) {
    // Already answered, by the idle timeout while this request's body had stopped arriving.
    if (body instanceof Readable) body.destroy();
    return;
  }
  setAnswerHeaders(res, response.status, response.headers ?? {}, own);
  if (body === undefined || head) {
    if (body instanceof Readable) body.destroy();
    if (!res.hasHeader('content-length') && !head) res.setHeader('content-length', 0);
    res.end();
    return;
  }
  if (!(body instanceof Readable)) res.setHeader('content-length', Buffer.byteLength(body));
  await endWith(res, body, sent);
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

/** Whether the request came over TLS (aws:SecureTransport; S3 takes SSE-C keys only so). */
function overTls(req: IncomingMessage): boolean {
  return 'encrypted' in req.socket && req.socket.encrypted === true;
}

/** Sends `100 Continue` when something first reads the request's body, not before. */
function continueOnRead(req: IncomingMessage, res: ServerResponse): void {
  const read = req._read.bind(req);
  req._read = (size: number) => {
    req._read = read;
    if (!res.headersSent) res.writeContinue();
    read(size);
  };
}

/** What requests may buffer at once, in all: a fraction of the default heap, far from exhausting it. */
const MEMORY_BUDGET_BYTES = 512 * 2 ** 20;

/** What the pipeline learnt of a request as it went, for its log line and event. */
interface Trace {
  readonly requestId: string;
  /** The protocol the answer is in, which decides the error code it carries. */
  protocol?: Protocol;
  /** Body bytes of the answer sent so far, and when its first byte was ready (ms after the request began). */
  readonly sent: { bytes: number };
  firstByteMs?: number;
  readonly sourceIp: string;
  service?: string;
  region?: string;
  principal?: Principal;
  operation?: AnyOperation;
  /** The IAM action the request was authorized for (its operation's, or the one the request chose). */
  action?: string;
  resources: readonly string[];
  error?: unknown;
  /** The status of an error that ended an answer begun as a 200 (S3's keep-alive), which metrics count. */
  outcome?: number;
  /** The decoded input, once decoding got that far. */
  input?: unknown;
  /** Resources authorized beyond the operation's own (a copy's source), named in its record too. */
  checked: string[];
  /** The audit trail's pending row for a call that may change something. */
  begun?: number;
  /** The event the call's record was made of, once it is being recorded (a call is recorded once). */
  answered?: OperationEvent;
}

/**
 * The one listener: Seawall's own routes, then the request pipeline (authenticate, resolve, decode,
 * authorize, handle), which reports one event per request.
 */
export function createHttpServer(deps: HttpServerDeps): Server {
  const { services, logger } = deps;
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...deps.limits };
  // A slow answer's spaces are what keeps its connection from the idle timeout: the default interval is
  // shortened under a short idle timeout, and a longer one refused.
  if (deps.limits?.slowAnswerIntervalMs === undefined)
    limits.slowAnswerIntervalMs = Math.min(limits.slowAnswerIntervalMs, limits.idleTimeoutMs / 2);
  else if (limits.slowAnswerIntervalMs >= limits.idleTimeoutMs)
    throw new RangeError('slowAnswerIntervalMs must be shorter than idleTimeoutMs');
  const budget = createMemoryBudget(deps.memoryBudgetBytes ?? MEMORY_BUDGET_BYTES);
  const throttle = createAuthThrottle({
    clock: deps.clock,
    logger,
    ...(deps.authThrottle ? { options: deps.authThrottle } : {}),
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const started = performance.now();
    const line = requestLine(req);
    const head = line.method === 'HEAD';
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', extendedRequestId(requestId));
    res.setHeader('x-amzn-requestid', requestId);
    res.setHeader('server', 'Seawall');
    // The server's own clock, which the SDKs correct their signing clocks by when the two differ.
    res.setHeader('date', deps.clock.now().toUTCString());
    let protocol: Protocol = 'restXml';
    watchIdle(req, res, () => renderError(requestTimeout(), protocol, requestId, head), head);
    if (isInternal(line.rawPath)) {
      await serveInternal(req, res, line, head, requestId, started);
      return;
    }
    const trace: Trace = {
      requestId,
      sourceIp: req.socket.remoteAddress ?? '',
      resources: [],
      checked: [],
      sent: { bytes: 0 },
    };
    const memory = budget.lease();
    const slow = pendingAnswer(res, limits.slowAnswerIntervalMs, trace.sent);
    try {
      protocol = protocolFor(line, services);
      trace.protocol = protocol;
      if (protocol === 'restXml') checkS3Path(line.rawPath);
      // The service the request says it is signed for, kept even if its signature then fails.
      const claimed = signedService(line);
      if (claimed !== undefined) trace.service = claimed;
      for (const [name, value] of Object.entries(await crossOriginHeaders(line))) res.setHeader(name, value);
      // S3 answers a preflight (OPTIONS) to anyone, without looking at any signature it may carry.
      const auth =
        protocol === 'restXml' && (isUnsigned(line) || line.method === 'OPTIONS')
          ? anonymousRequest(req, line, deps.region)
          : await throttle.guard(() => authenticate(req, line, deps, memory.reserve), {
              sourceIp: trace.sourceIp,
              protocol,
              service: claimed,
              accessKeyId: claimedAccessKey(line),
            });
      trace.service = auth.service;
      trace.region = auth.region;
      trace.principal = auth.principal;
      const endpoint = services[auth.service];
      if (!endpoint)
        throw new AppError('NotImplemented', 501, `The service '${auth.service}' is not served here.`);
      const request = operationRequest(requestId, line, auth, req, memory.reserve, trace, slow);
      const response = await runOperation(endpoint, request, trace, line, started);
      // The answer is final: one that began early must keep to the headers it offered (a completion that
      // finds its upload completed by another names that one's version), else it ends in an error.
      if (slow.settle() && !slow.keeps(response))
        throw internalError(new Error('the answer would name other headers than those it began with'));
      await audit(trace, line, started, response.status, response);
      trace.firstByteMs = (slow.startedAt ?? performance.now()) - started;
      if (slow.started) await slow.finish(response);
      else await send(res, response, head, false, trace.sent);
    } catch (error) {
      slow.settle();
      trace.error = error;
      // Answered already by the idle timeout; this is the stalled body giving up as the connection closed.
      if (res.writableEnded) return;
      // A SlowDown is the server declining work (its memory budget, a throttled guesser), not failing.
      if (!(error instanceof AppError) || (error.status >= 500 && error.code !== 'SlowDown')) {
        logger.error({ err: error, requestId, method: line.method, path: line.rawPath }, 'request failed');
      }
      if (res.headersSent && !slow.started) {
        res.destroy();
        return;
      }
      // An unread request body would otherwise be read and thrown away; closing is cheaper.
      if (!req.complete && !slow.started) res.setHeader('connection', 'close');
      const answer = renderError(error, protocol, requestId, head);
      // The status the error stands for, where it ends an answer that went out as a 200 (metrics count it).
      if (slow.started) trace.outcome = answer.status;
      // A failed call is answered even when it cannot be recorded (a full disk fails the record as it failed
      // the call); the log keeps what the trail could not.
      await audit(trace, line, started, answer.status, answer).catch((failure: unknown) => {
        logger.error({ err: failure, requestId }, 'could not record a call in the audit trail');
      });
      trace.firstByteMs = (slow.startedAt ?? performance.now()) - started;
      // An answer already under way as a 200 ends with the error's document, as S3's does.
      if (slow.started) await slow.finish(answer);
      else await send(res, answer, head, false, trace.sent);
    } finally {
      slow.cancel();
      memory.release();
      finish(res, line, requestId, started, trace);
    }
  }

  /** What the audit trail is shown of a call. */
  function exchangeOf(trace: Trace, line: RequestLine, response?: ApiResponse): AuditExchange {
    return {
      input: trace.input,
      query: line.query,
      host: line.headers.host ?? '',
      requestHeaders: line.headers,
      ...(response ? { response } : {}),
      ...(trace.error !== undefined ? { error: trace.error } : {}),
    };
  }

  /** Records the call durably before its answer goes out (once; a failure to record is the call's error). */
  function audit(
    trace: Trace,
    line: RequestLine,
    started: number,
    status: number,
    response?: ApiResponse,
  ): Promise<void> {
    if (!deps.audit || trace.answered) return Promise.resolve();
    trace.answered = eventOf(trace, line, started, status);
    return deps.audit.record(trace.answered, exchangeOf(trace, line, response), trace.begun);
  }

  /**
   * The headers the service a request is for gives its answer, whatever the outcome, before it is
   * authenticated (S3's CORS headers). Only S3 has any, and only for its own requests: anonymous ones and those
   * signed for it; never for Seawall's own routes, which are served before this.
   */
  async function crossOriginHeaders(line: RequestLine): Promise<Readonly<Record<string, string>>> {
    if (line.headers.origin === undefined) return {};
    const service = isUnsigned(line) ? 's3' : signedService(line);
    const endpoint = service === undefined ? undefined : services[service];
    if (!endpoint?.crossOriginHeaders) return {};
    return endpoint.crossOriginHeaders({ ...line, host: line.headers.host ?? '' });
  }

  /** Resolve → decode → authorize → handle: every operation of every service runs through here. */
  async function runOperation(
    endpoint: ServiceEndpoint,
    routed: OperationRequest,
    trace: Trace,
    line: RequestLine,
    started: number,
  ): Promise<ApiResponse> {
    const { operation, raw } = await endpoint.resolve(routed);
    trace.operation = operation;
    const request = operation.form ? await formRequest(routed, trace) : routed;
    trace.principal = request.principal;
    const input = await operation.decode(raw, request);
    trace.input = input;
    const resources = await operation.resources(input, request);
    trace.resources = resources;
    const action = operation.actionFor?.(input, request) ?? operation.action;
    trace.action = action;
    if (!operation.anyPrincipal && (!operation.itemized || resources.length > 0)) {
      const conditions = operation.conditions?.(input, request);
      const lookUp = operation.lookedUpConditions;
      await request
        .authorize({
          action,
          resources,
          ...(conditions ? { conditions } : {}),
          ...(lookUp ? { lookedUpConditions: (resource) => lookUp(input, request, resource) } : {}),
        })
        .catch(async (error: unknown) => {
          if (isAppError(error) && error.code === 'AccessDenied') await operation.denied?.(input, request);
          throw error;
        });
    }
    if (deps.audit && !isReadOnly(operation)) {
      trace.begun = await deps.audit.begin(eventOf(trace, line, started, 0), exchangeOf(trace, line));
    }
    return operation.handle(input, request);
  }

  /** The request of an operation whose caller signed a form: its principal is the form's signer. */
  async function formRequest(request: OperationRequest, trace: Trace): Promise<OperationRequest> {
    const { principal, form, body } = await throttle.guard(() => authenticateForm(request, deps), {
      sourceIp: trace.sourceIp,
      protocol: 'restXml',
    });
    return {
      ...request,
      principal,
      form,
      body,
      authorize: (check) => {
        trace.checked.push(...check.resources);
        return deps.authorizer.authorize(principal, check, request.facts);
      },
    };
  }

  function operationRequest(
    requestId: string,
    line: RequestLine,
    auth: Authenticated,
    req: IncomingMessage,
    reserve: (bytes: number) => void,
    trace: Trace,
    slowAnswer: SlowAnswer,
  ): OperationRequest {
    const facts = {
      sourceIp: req.socket.remoteAddress ?? '',
      secureTransport: overTls(req),
      time: deps.clock.now(),
      userAgent: line.headers['user-agent'] ?? '',
    };
    const base: ApiRequest = {
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
      reserve,
      slowAnswer,
    };
    return {
      ...base,
      facts,
      // The resources a handler checks besides its operation's own are named in the call's record too.
      authorize: (check) => {
        trace.checked.push(...check.resources);
        return deps.authorizer.authorize(auth.principal, check, facts);
      },
    };
  }

  /** The one log line and the one event of a routed request, however it ended. */
  function finish(
    res: ServerResponse,
    line: RequestLine,
    requestId: string,
    started: number,
    trace: Trace,
  ): void {
    const durationMs = Math.round(performance.now() - started);
    const status = trace.outcome ?? res.statusCode;
    const errorCode =
      trace.error === undefined ? undefined : wireErrorCode(trace.error, trace.protocol ?? 'restXml');
    logger.info(
      {
        requestId,
        method: line.method,
        path: line.rawPath,
        status,
        api: trace.service,
        op: trace.operation?.name,
        principal: trace.principal?.accessKeyId,
        ...(errorCode ? { error: errorCode } : {}),
        ms: durationMs,
      },
      'request',
    );
    // A call answered outside the pipeline's own path (the idle timeout) is recorded here, after the fact.
    audit(trace, line, started, status).catch((error: unknown) => {
      logger.error({ err: error, requestId }, 'could not record a call in the audit trail');
    });
    // The event its record was made of, when it was recorded; its duration runs to the end of the answer.
    const bytesIn = Number(
      line.headers['x-amz-decoded-content-length'] ?? line.headers['content-length'] ?? 0,
    );
    deps.onEvent?.({
      ...(trace.answered ?? eventOf(trace, line, started, status)),
      status,
      durationMs,
      bytesIn: Number.isFinite(bytesIn) ? bytesIn : 0,
      bytesOut: trace.sent.bytes,
      ...(trace.firstByteMs !== undefined ? { firstByteMs: trace.firstByteMs } : {}),
    });
  }

  /**
   * The operation a request that failed before it was resolved (its signature, say) names, where its line and
   * headers say it without the body: a JSON protocol's X-Amz-Target, for an operation the service declares.
   */
  function claimedOperation(trace: Trace, line: RequestLine): { operation?: string; readOnly?: boolean } {
    const endpoint = trace.service === undefined ? undefined : services[trace.service];
    const target = line.headers['x-amz-target'];
    if (endpoint === undefined || target === undefined) return {};
    const protocol = endpoint.protocolOf?.(line) ?? endpoint.protocol;
    if (protocol !== 'awsJson' && protocol !== 'awsJson1_0') return {};
    const name = target.slice(target.lastIndexOf('.') + 1);
    const operation = endpoint.operations.find((op) => op.name === name);
    return operation ? { operation: operation.name, readOnly: isReadOnly(operation) } : {};
  }

  /** The event of a routed request as far as it has gone. */
  function eventOf(trace: Trace, line: RequestLine, started: number, status: number): OperationEvent {
    const durationMs = Math.round(performance.now() - started);
    const errorCode =
      trace.error === undefined ? undefined : wireErrorCode(trace.error, trace.protocol ?? 'restXml');
    const resources =
      trace.checked.length > 0 ? [...new Set([...trace.resources, ...trace.checked])] : trace.resources;
    const claimed = trace.principal ? undefined : claimedAccessKey(line);
    return {
      requestId: trace.requestId,
      time: new Date(deps.clock.now().getTime() - durationMs),
      ...(trace.service ? { service: trace.service } : {}),
      ...(trace.region ? { region: trace.region } : {}),
      ...(trace.operation
        ? {
            operation: trace.operation.name,
            action: trace.action ?? trace.operation.action,
            readOnly: isReadOnly(trace.operation),
          }
        : claimedOperation(trace, line)),
      resources,
      ...(trace.principal ? { principal: trace.principal } : {}),
      ...(!trace.principal && claimed ? { accessKeyId: claimed } : {}),
      sourceIp: trace.sourceIp,
      userAgent: line.headers['user-agent'] ?? '',
      outcome: trace.error === undefined ? 'success' : isDenial(errorCode) ? 'denied' : 'failed',
      status,
      ...(errorCode ? { errorCode } : {}),
      durationMs,
    };
  }

  async function serveInternal(
    req: IncomingMessage,
    res: ServerResponse,
    line: RequestLine,
    head: boolean,
    requestId: string,
    started: number,
  ): Promise<void> {
    try {
      const response = await deps.internal(req, line.rawPath.slice(INTERNAL_PREFIX.length));
      await send(
        res,
        response ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' },
        head,
        true,
      );
    } catch (error) {
      logger.error({ err: error, requestId, path: line.rawPath }, 'request failed');
      if (res.headersSent) res.destroy();
      else await send(res, renderError(error, 'restXml', requestId, head), head);
    } finally {
      logger.info(
        {
          requestId,
          method: line.method,
          path: line.rawPath,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'unhandled request failure');
      res.destroy();
    });
  };
  // The same handler and guards either way; HTTPS only adds the handshake (and its own timeout) in front.
  const server: Server = deps.tls
    ? createHttpsServer({ ...serverOptions(limits), ...tlsServerOptions(deps.tls, limits) }, listener)
    : createServer(serverOptions(limits), listener);
  // `Expect: 100-continue` is answered once the body is first read (after the signature is verified, for
  // S3), so a refused request never sends its body. An expectation Seawall cannot meet is refused with 417
  // (RFC 9110 §10.1.1) before anything else; an empty Expect asks for nothing.
  server.on('checkContinue', (req, res) => {
    continueOnRead(req, res);
    server.emit('request', req, res);
  });
  server.on('checkExpectation', (req, res) => {
    if ((req.headers.expect ?? '').trim() === '') {
      server.emit('request', req, res);
      return;
    }
    res.writeHead(417, { connection: 'close', 'content-length': 0 });
    res.end();
  });
  limitConnections(server, limits, logger);
  server.on('clientError', answerClientError);
  return server;
}
