import { readdirSync, readFileSync } from 'node:fs';
import type { InitializeMiddleware, MiddlewareStack } from '@smithy/types';
import { percentile } from './harness.js';

export type Service = 's3' | 'athena' | 'glue' | 'databrew';
export const SERVICES: readonly Service[] = ['s3', 'athena', 'glue', 'databrew'];
export const LABELS: Record<Service, string> = {
  s3: 'S3',
  athena: 'Athena',
  glue: 'Glue',
  databrew: 'DataBrew',
};

/**
 * The answers a server gives when it declines work for a legitimate reason (a rate, a memory budget, a
 * concurrency quota): counted and reported apart, never as failures.
 */
const THROTTLES: ReadonlySet<string> = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
]);

export const isThrottle = (error: unknown) => error instanceof Error && THROTTLES.has(error.name);

/** An error as one line: its name, code and HTTP status where it has them, and its message. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, $metadata } = error as { code?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode ? ` (HTTP ${$metadata.httpStatusCode})` : '';
  return `${error.name}${code ? ` ${code}` : ''}${status}: ${error.message}`.slice(0, 400);
}

/**
 * Latencies in buckets 2% apart from 0.1 ms to beyond 10 minutes: a whole run's percentiles in constant memory,
 * each within 2% of the exact figure.
 */
const MIN_MS = 0.1;
const GROWTH = 1.02;
const BUCKETS = 800;

function createHistogram() {
  const counts = new Uint32Array(BUCKETS);
  let total = 0;
  return {
    add(ms: number) {
      const i = Math.min(BUCKETS - 1, Math.ceil(Math.log(Math.max(ms, MIN_MS) / MIN_MS) / Math.log(GROWTH)));
      counts[i] = (counts[i] as number) + 1;
      total++;
    },
    /** The p-th percentile (0–100), as its bucket's upper bound; NaN when empty. */
    percentile(p: number): number {
      const rank = Math.max(1, Math.ceil((p / 100) * total));
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += counts[i] as number;
        if (seen >= rank) return MIN_MS * GROWTH ** i;
      }
      return Number.NaN;
    },
  };
}

export interface Tally {
  requests: number;
  errors: number;
  throttled: number;
}

const tally = (): Tally => ({ requests: 0, errors: 0, throttled: 0 });

export interface ServiceWindow extends Tally {
  p50: number;
  p99: number;
}

/** At most this many distinct messages are kept; the rest are only counted. */
const MAX_MESSAGES = 30;

/**
 * Every request's latency and outcome, per service: the current window's latencies (small: one window's worth),
 * a histogram for the whole run, and each distinct error and throttling message with how often it came.
 */
export function createRecorder() {
  const windows = new Map(SERVICES.map((s) => [s, { ...tally(), latencies: [] as number[] }]));
  const totals = new Map(SERVICES.map((s) => [s, { ...tally(), histogram: createHistogram() }]));
  const messages = { errors: new Map<string, number>(), throttles: new Map<string, number>() };
  const seen = new WeakSet<object>();

  function note(kind: 'errors' | 'throttles', text: string) {
    const map = messages[kind];
    if (map.has(text) || map.size < MAX_MESSAGES) map.set(text, (map.get(text) ?? 0) + 1);
  }

  function outcome(service: Service, what: string, error: unknown) {
    if (error instanceof Object) seen.add(error);
    const throttle = isThrottle(error);
    const field = throttle ? 'throttled' : 'errors';
    (windows.get(service) as Tally)[field]++;
    (totals.get(service) as Tally)[field]++;
    note(throttle ? 'throttles' : 'errors', `${LABELS[service]} ${what}: ${describeError(error)}`);
  }

  return {
    /** One request to `service`, answered (or failed, with the command it was) after `ms`. */
    request(service: Service, ms: number, failed?: { command: string; error: unknown }) {
      const window = windows.get(service) as Tally & { latencies: number[] };
      const total = totals.get(service) as Tally & { histogram: ReturnType<typeof createHistogram> };
      window.requests++;
      window.latencies.push(ms);
      total.requests++;
      total.histogram.add(ms);
      if (failed) outcome(service, failed.command, failed.error);
    },
    /** A failure no single request shows: a query or job run that failed, an answer with the wrong data. */
    failure(service: Service, what: string, error: unknown) {
      if (!(error instanceof Object && seen.has(error))) outcome(service, what, error);
    },
    /** The window since the last call, per service; a new window begins. */
    takeWindow(): Record<Service, ServiceWindow> {
      const taken = {} as Record<Service, ServiceWindow>;
      for (const [service, w] of windows) {
        const empty = w.latencies.length === 0;
        taken[service] = {
          requests: w.requests,
          errors: w.errors,
          throttled: w.throttled,
          p50: empty ? Number.NaN : percentile(w.latencies, 50),
          p99: empty ? Number.NaN : percentile(w.latencies, 99),
        };
        windows.set(service, { ...tally(), latencies: [] });
      }
      return taken;
    },
    /** The whole run so far, per service. */
    totals(): Record<Service, ServiceWindow> {
      const result = {} as Record<Service, ServiceWindow>;
      for (const [service, t] of totals)
        result[service] = {
          requests: t.requests,
          errors: t.errors,
          throttled: t.throttled,
          p50: t.histogram.percentile(50),
          p99: t.histogram.percentile(99),
        };
      return result;
    },
    messages,
  };
}

export type Recorder = ReturnType<typeof createRecorder>;

/**
 * Times every request a client sends, from the caller's side (serialising, signing, the round trip, parsing;
 * for GetObject, until its body starts), into `recorder`; with the client's retries off, one send is one request.
 */
export function timeRequests<Input extends object, Output extends object>(
  stack: MiddlewareStack<Input, Output>,
  service: Service,
  recorder: Recorder,
): void {
  const timing: InitializeMiddleware<Input, Output> = (next, context) => async (args) => {
    const started = performance.now();
    try {
      const result = await next(args);
      recorder.request(service, performance.now() - started);
      return result;
    } catch (error) {
      recorder.request(service, performance.now() - started, { command: context.commandName ?? '?', error });
      throw error;
    }
  };
  stack.add(timing, { step: 'initialize', name: 'soakTiming' });
}

const MiB = 1024 * 1024;

/** VmRSS of a process in MiB, or NaN once it is gone. */
function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? (Number(match[1]) * 1024) / MiB : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The processes `pid` started, and theirs (the server's sandboxed query engines). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of text === '' ? [] : text.split(' ').map(Number))
        found.push(child, ...descendants(child));
    }
  } catch {
    // The process (or a thread of it) ended while being read: what was found is what there is.
  }
  return found;
}

/** The server process's own RSS, and the sum of its child processes' RSS, in MiB. */
export function serverRss(pid: number): { own: number; children: number } {
  const children = descendants(pid)
    .map(rssOf)
    .filter((rss) => !Number.isNaN(rss));
  return { own: rssOf(pid), children: children.reduce((sum, rss) => sum + rss, 0) };
}
