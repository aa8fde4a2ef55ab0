import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ApiResponse } from '../lib/http.js';
import type { AnyOperation, OperationEvent } from '../lib/operation.js';

/**
 * Prometheus exposition at /_seawall/metrics: requests, errors and latency per service and operation, from the
 * pipeline's one event per request, and the process's own figures (prom-client's default metrics). Labels come
 * only from the operation registry (an operation a client names that is not declared is `unknown`) and error
 * codes are capped, so no client can grow the number of series. Nothing names a bucket, key or principal.
 *
 * Who may read it: with a token configured (SEAWALL_METRICS_TOKEN), a request bearing it; without one, only
 * requests from this machine (loopback).
 */

/** Distinct error codes kept as labels; codes past these count as `other`. */
export const MAX_ERROR_CODES = 100;
/** What an error code label may look like (AWS's codes are words, some dotted: `AWS.SimpleQueueService.…`). */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9.]{0,63}$/;
/** Seconds; from a cached HEAD to a long Athena poll or a large upload. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What the route reads of a request: its method, its Authorization header and its peer. */
export type ScrapeRequest = Pick<IncomingMessage, 'method' | 'headers'> & {
  readonly socket: { readonly remoteAddress?: string | undefined };
};

export interface PrometheusExporter {
  /** Counts one request's event (the pipeline's `onEvent`). */
  onEvent(event: OperationEvent): void;
  /** `GET|HEAD /_seawall/metrics`. */
  route(req: ScrapeRequest): Promise<ApiResponse>;
}

let processRegistry: Registry | undefined;

/**
 * The process's figures (CPU, memory, event-loop lag, GC, handles), made once per process however many servers
 * it runs (tests run several): prom-client's collectors watch the event loop and GC for the process's lifetime.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'seawall_' });
  }
  return processRegistry;
}

/** The request metrics, in a registry of their own (never prom-client's global one). */
function requestMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({
      name: 'seawall_requests_total',
      help: 'API requests answered, by service, operation, outcome (success, denied, failed) and HTTP status.',
      labelNames: ['service', 'operation', 'outcome', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'seawall_request_duration_seconds',
      help: 'Time from a request arriving to its answer being sent, by service and operation.',
      labelNames: ['service', 'operation'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    errors: new Counter({
      name: 'seawall_errors_total',
      help: 'API requests answered with an error, by service, operation and error code.',
      labelNames: ['service', 'operation', 'code'] as const,
      registers: [registry],
    }),
  };
}

export function createPrometheusExporter(options: {
  /** The operation registry: the only services and operations that become labels. */
  operations: readonly Pick<AnyOperation, 'service' | 'name'>[];
  /** The bearer token a scrape must bear; without one, only loopback peers may scrape. */
  token?: string;
}): PrometheusExporter {
  const { registry, requests, duration, errors } = requestMetrics();
  const exposed = Registry.merge([registry, processMetrics()]);
  const known = new Set(options.operations.map((op) => `${op.service}:${op.name}`));
  const services = new Set(options.operations.map((op) => op.service));
  const codes = new Set<string>();
  const tokenDigest = options.token === undefined ? undefined : sha256(options.token);

  function labelsOf(event: OperationEvent): { service: string; operation: string } {
    const service = event.service !== undefined && services.has(event.service) ? event.service : 'unknown';
    const operation =
      event.operation !== undefined && known.has(`${service}:${event.operation}`)
        ? event.operation
        : 'unknown';
    return { service, operation };
  }

  /** The code's own label while fewer than MAX_ERROR_CODES are in use; `other` after, or for an odd one. */
  function codeLabel(code: string): string {
    if (codes.has(code)) return code;
    if (!ERROR_CODE.test(code) || codes.size >= MAX_ERROR_CODES) return 'other';
    codes.add(code);
    return code;
  }

  return {
    onEvent(event) {
      const labels = labelsOf(event);
      requests.inc({ ...labels, outcome: event.outcome, status: String(event.status) });
      duration.observe(labels, event.durationMs / 1000);
      if (event.errorCode !== undefined) errors.inc({ ...labels, code: codeLabel(event.errorCode) });
    },
    async route(req) {
      const refused = refusal(req, tokenDigest);
      if (refused) return refused;
      return {
        status: 200,
        headers: { 'content-type': exposed.contentType, 'cache-control': 'no-store' },
        body: await exposed.metrics(),
      };
    },
  };
}

const PLAIN = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

/** Why a scrape is refused (a wrong method, a missing or wrong token, a peer elsewhere), if it is. */
function refusal(req: ScrapeRequest, tokenDigest: Buffer | undefined): ApiResponse | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return { status: 405, headers: { ...PLAIN, allow: 'GET, HEAD' }, body: 'Method Not Allowed' };
  if (tokenDigest !== undefined) {
    if (bearerMatches(req.headers.authorization, tokenDigest)) return undefined;
    return {
      status: 401,
      headers: { ...PLAIN, 'www-authenticate': 'Bearer realm="seawall-metrics"' },
      body: 'Unauthorized',
    };
  }
  if (isLoopback(req.socket.remoteAddress ?? '')) return undefined;
  return {
    status: 403,
    headers: PLAIN,
    body: 'Forbidden: without SEAWALL_METRICS_TOKEN only this machine may scrape',
  };
}

/**
 * Whether an `Authorization: Bearer <token>` header bears the token. Digests are compared, in constant time, so
 * neither the token's characters nor its length show in how long a wrong guess takes.
 */
function bearerMatches(header: string | undefined, tokenDigest: Buffer): boolean {
  const given = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
  return given !== undefined && timingSafeEqual(sha256(given), tokenDigest);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** 127.0.0.0/8 and ::1 as Node reports peers, also IPv4-mapped (a dual-stack listener's IPv4 peers). */
export function isLoopback(address: string): boolean {
  const plain = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}
