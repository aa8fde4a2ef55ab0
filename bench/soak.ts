import { promises as fs } from 'node:fs';
import { countFromEnv, type ServedSeawall, serveSeawall } from './harness.js';
import { runClient } from './soak-operations.js';
import {
  createRecorder,
  LABELS,
  SERVICES,
  type Service,
  type ServiceWindow,
  serverRss,
} from './soak-stats.js';
import { createClient, destroyClient, setUpWorkload, type Workload } from './soak-workload.js';

/** The issue's load: 64 clients for 10 minutes unless SOAK_SECONDS says otherwise. */
const CLIENTS = 64;
/** Memory is flat when the last third's mean RSS is at most this much above the second third's. */
const FLAT = { fraction: 0.15, mib: 64 };
/** At most this many lines of the server's own log are echoed; the rest are counted. */
const MAX_SERVER_LINES = 40;

/** One window's figures, as printed. */
interface WindowRow {
  elapsed: number;
  services: Record<Service, ServiceWindow>;
  rss: number;
  engines: number;
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
const mib = (value: number) => `${value.toFixed(0)} MiB`;
const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

function printWindow(row: WindowRow): void {
  const all = SERVICES.map((s) => row.services[s]);
  const sum = (field: 'requests' | 'errors' | 'throttled') => all.reduce((n, w) => n + w[field], 0);
  const latencies = SERVICES.map((s) => `${LABELS[s]} ${ms(row.services[s].p50)}/${ms(row.services[s].p99)}`);
  console.log(
    `  ${`${row.elapsed.toFixed(1)}s`.padStart(6)}  req ${String(sum('requests')).padStart(6)}  err ${sum('errors')}  thr ${sum('throttled')}  ${latencies.join('  ')}  rss ${mib(row.rss)} (engines ${mib(row.engines)})`,
  );
}

/**
 * Whether the server's memory is flat: the last third of the windows' mean RSS against the second third's (the
 * first third is warm-up: caches, pools, engines being started).
 */
export function memoryVerdict(rss: readonly number[]): { flat: boolean; second: number; last: number } {
  const third = Math.floor(rss.length / 3);
  const second = mean(rss.slice(third, 2 * third));
  const last = mean(rss.slice(2 * third));
  return { flat: last - second <= Math.max(second * FLAT.fraction, FLAT.mib), second, last };
}

function printMessages(title: string, messages: Map<string, number>): void {
  if (messages.size === 0) return;
  console.log(`  ${title}:`);
  for (const [text, count] of messages) console.log(`    ${String(count).padStart(6)} × ${text}`);
}

/** The run's summary; answers whether it passed (no errors, memory flat). */
function printSummary(
  workload: Workload,
  rows: readonly WindowRow[],
  seconds: number,
  loadMax: number,
): boolean {
  const { recorder, completed } = workload;
  const totals = recorder.totals();
  const all = SERVICES.map((s) => totals[s]);
  const requests = all.reduce((n, t) => n + t.requests, 0);
  const errors = all.reduce((n, t) => n + t.errors, 0);
  const throttled = all.reduce((n, t) => n + t.throttled, 0);
  console.log(
    `soak summary: ${requests} requests in ${seconds.toFixed(0)} s (${(requests / seconds).toFixed(0)}/s), errors ${errors}, throttled ${throttled}; ${completed.queries} Athena queries and ${completed.jobRuns} DataBrew job runs completed`,
  );
  for (const s of SERVICES) {
    const t = totals[s];
    console.log(
      `  ${LABELS[s].padEnd(9)} requests ${String(t.requests).padStart(7)}  errors ${t.errors}  throttled ${t.throttled}  p50 ${ms(t.p50)} ms  p99 ${ms(t.p99)} ms`,
    );
  }
  const rss = rows.map((r) => r.rss);
  const verdict = memoryVerdict(rss);
  const growth = ((verdict.last / verdict.second - 1) * 100).toFixed(1);
  console.log(
    `  server RSS: first window ${mib(rss[0] ?? Number.NaN)}, last window ${mib(rss.at(-1) ?? Number.NaN)}, max ${mib(Math.max(...rss))}; mean of the second third ${mib(verdict.second)}, of the last third ${mib(verdict.last)} (${growth}%): ${verdict.flat ? 'memory flat' : 'memory GROWING'}`,
  );
  const engines = rows.map((r) => r.engines);
  console.log(
    `  engine processes' RSS: first ${mib(engines[0] ?? Number.NaN)}, last ${mib(engines.at(-1) ?? Number.NaN)}, max ${mib(Math.max(...engines))}; load generator RSS max ${mib(loadMax)}`,
  );
  printMessages('errors', recorder.messages.errors);
  printMessages('throttled (not errors)', recorder.messages.throttles);
  return errors === 0 && verdict.flat;
}

/** Echoes the server's log lines (warnings and errors at the bench's log level), up to a limit. */
function echoServerLog(server: ServedSeawall): () => number {
  let lines = 0;
  let partial = '';
  server.child.stderr?.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete)
      if (lines++ < MAX_SERVER_LINES) console.log(`  server: ${line.slice(0, 600)}`);
  });
  return () => lines;
}

/** Runs the clients until the deadline (or the server exits), printing a line per window. */
async function drive(server: ServedSeawall, workload: Workload, seconds: number): Promise<WindowRow[]> {
  const windowMs = seconds >= 100 ? 10_000 : (seconds * 1000) / 10;
  const pid = server.child.pid as number;
  const rows: WindowRow[] = [];
  const started = performance.now();
  const tick = () => {
    const { own, children } = serverRss(pid);
    const row = { elapsed: (performance.now() - started) / 1000, services: workload.recorder.takeWindow() };
    rows.push({ ...row, rss: own, engines: children });
    printWindow(rows.at(-1) as WindowRow);
  };
  const clients = Array.from({ length: CLIENTS }, (_, i) => createClient(i, workload));
  const timer = setInterval(tick, windowMs);
  const stop = () => {
    workload.stopping = true;
  };
  const deadline = setTimeout(stop, seconds * 1000);
  const exited = (code: number | null, signal: string | null) => {
    console.log(`  the server exited (${signal ?? code}) during the run`);
    stop();
  };
  server.child.once('exit', exited);
  try {
    await Promise.all(clients.map((c) => runClient(c, workload)));
  } finally {
    clearInterval(timer);
    clearTimeout(deadline);
    server.child.off('exit', exited);
    for (const c of clients) destroyClient(c);
  }
  // The requests still in flight at the deadline, finished since the last tick.
  if (performance.now() - started - rows.length * windowMs > windowMs / 10) tick();
  return rows;
}

/**
 * `npm run bench -- soak`: 64 clients, each its own S3, Athena, Glue and DataBrew SDK clients, in a mixed
 * workload against one server in its own process for SOAK_SECONDS (600 unless told); a line per window with
 * latencies and the server's RSS, then a summary. Fails (exit code 1) on any error or on memory that grows.
 */
export async function soakBench(): Promise<void> {
  const seconds = countFromEnv('SOAK_SECONDS', 600);
  const recorder = createRecorder();
  const server = await serveSeawall();
  const serverLines = echoServerLog(server);
  let passed = false;
  try {
    // Now and then: some ten job runs in a soak (a minute apart in the full one), each after the last has ended.
    const jobEveryMs = Math.min(60_000, Math.max(5_000, (seconds * 1000) / 10));
    const workload = await setUpWorkload(server, recorder, jobEveryMs);
    console.log(
      `soak: ${CLIENTS} clients, mixed S3, Athena (≤ ${workload.maxQueries} queries in flight), Glue and DataBrew (a job run every ≥ ${workload.jobEveryMs / 1000} s) for ${seconds} s; per window: requests, errors, throttled, p50/p99 ms per service, server RSS`,
    );
    let loadMax = 0;
    const sampler = setInterval(() => {
      loadMax = Math.max(loadMax, process.memoryUsage().rss / 1024 / 1024);
    }, 1000);
    const rows = await drive(server, workload, seconds).finally(() => clearInterval(sampler));
    passed = printSummary(workload, rows, rows.at(-1)?.elapsed ?? seconds, loadMax);
    if (serverLines() > MAX_SERVER_LINES)
      console.log(`  server: ${serverLines() - MAX_SERVER_LINES} more log lines not shown`);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) await server.stop();
    await fs.rm(server.dataDir, { recursive: true, force: true });
  }
  if (!passed) process.exitCode = 1;
}
