import { timingSafeEqual } from 'node:crypto';
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

const MAX_ERROR_CODES = 200;

export interface PrometheusExporter {
  onEvent(event: OperationEvent): void;
  route(req: IncomingMessage): Promise<ApiResponse>;
}

export function createPrometheusExporter(options: {
  operations: readonly AnyOperation[];
  token?: string;
}): PrometheusExporter {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'seawall_' });
  const requests = new Counter({
    name: 'seawall_requests_total',
    help: 'API requests answered, by service, operation, outcome and HTTP status.',
    labelNames: ['service', 'operation', 'outcome', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'seawall_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by service and operation.',
    labelNames: ['service', 'operation'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'seawall_errors_total',
    help: 'API requests answered with an error, by service, operation and error code.',
    labelNames: ['service', 'operation', 'code'] as const,
    registers: [registry],
  });
  const known = new Set(options.operations.map((op) => `${op.service}:${op.name}`));
  const services = new Set(options.operations.map((op) => op.service));
  const codes = new Set<string>();

  function labelsOf(event: OperationEvent): { service: string; operation: string } {
    const service = event.service && services.has(event.service) ? event.service : 'unknown';
    const operation =
      event.operation && known.has(`${service}:${event.operation}`) ? event.operation : 'unknown';
    return { service, operation };
  }

  function allowed(req: IncomingMessage): boolean {
    if (options.token !== undefined) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const a = Buffer.from(given);
      const b = Buffer.from(options.token);
      return a.length === b.length && timingSafeEqual(a, b);
    }
    return isLoopback(req.socket.remoteAddress ?? '');
  }

  return {
    onEvent(event) {
      const labels = labelsOf(event);
      requests.inc({ ...labels, outcome: event.outcome, status: String(event.status) });
      duration.observe(labels, event.durationMs / 1000);
      if (event.errorCode !== undefined) {
        const listed = codes.has(event.errorCode) || codes.size < MAX_ERROR_CODES;
        const code = listed && /^[A-Za-z0-9.]{1,64}$/.test(event.errorCode) ? event.errorCode : 'other';
        codes.add(code);
        errors.inc({ ...labels, code });
      }
    },
    async route(req) {
      const plain = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return { status: 405, headers: { ...plain, allow: 'GET, HEAD' }, body: 'Method Not Allowed' };
      if (!allowed(req))
        return options.token !== undefined
          ? { status: 401, headers: { ...plain, 'www-authenticate': 'Bearer' }, body: 'Unauthorized' }
          : {
              status: 403,
              headers: plain,
              body: 'Forbidden: set SEAWALL_METRICS_TOKEN to scrape from elsewhere',
            };
      return {
        status: 200,
        headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
        body: await registry.metrics(),
      };
    },
  };
}

function isLoopback(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}
