import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import BetterSqlite3 from 'better-sqlite3';
import { openMetricStore } from '../src/monitor/metric-store.js';
import {
  countFromEnv,
  percentile,
  ratio,
  runConcurrent,
  type ServedSeawall,
  serveSeawall,
} from './harness.js';
import { signS3 } from './sign.js';
import { send } from './storage.js';

/**
 * `npm run bench -- monitor`: PutMetricData datapoints/s; GetMetricData over a million datapoints (p50); and
 * what the built-in request metrics cost small-object GETs (a server measuring every request against one with
 * request metrics off, in pairs of runs).
 */

const PUT_REQUESTS = countFromEnv('BENCH_PUT_REQUESTS', 200);
const DATUMS = 1000;
const MILLION = countFromEnv('BENCH_METRIC_DATAPOINTS', 1_000_000);
const QUERIES = countFromEnv('BENCH_METRIC_QUERIES', 20);
const GETS = countFromEnv('BENCH_OBJECTS', 3000);
const PAIRS = countFromEnv('BENCH_PAIRS', 6);
const CONCURRENCY = 16;

function cloudWatch(seawall: ServedSeawall): CloudWatchClient {
  return new CloudWatchClient({
    endpoint: seawall.url,
    region: seawall.region,
    credentials: { accessKeyId: seawall.accessKeyId, secretAccessKey: seawall.secret },
  });
}

/** PutMetricData of 1000 datums a request over 100 metrics, against raw SQLite inserts of the same values. */
async function putBench(seawall: ServedSeawall): Promise<void> {
  const cw = cloudWatch(seawall);
  const now = Date.now();
  try {
    const seconds = await runConcurrent(PUT_REQUESTS, 4, async (i) => {
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'Bench/Put',
          MetricData: Array.from({ length: DATUMS }, (_, d) => ({
            MetricName: 'Latency',
            Dimensions: [{ Name: 'Shard', Value: `s${d % 100}` }],
            Timestamp: new Date(now - ((i * DATUMS + d) % 3600) * 1000),
            Value: (i * 7 + d) % 1000,
            Unit: 'Milliseconds',
          })),
        }),
      );
    });
    const rate = (PUT_REQUESTS * DATUMS) / seconds;
    // The baseline: the same values inserted one row each into a plain SQLite table, in one process.
    const dir = mkdtempSync(join(tmpdir(), 'seawall-bench-sqlite-'));
    const db = new BetterSqlite3(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE raw (metric TEXT, time INTEGER, value REAL)');
    const insert = db.prepare('INSERT INTO raw VALUES (?, ?, ?)');
    const started = performance.now();
    for (let i = 0; i < PUT_REQUESTS; i++)
      db.transaction(() => {
        for (let d = 0; d < DATUMS; d++)
          insert.run(`s${d % 100}`, now - ((i * DATUMS + d) % 3600) * 1000, (i * 7 + d) % 1000);
      })();
    const baseline = (PUT_REQUESTS * DATUMS) / ((performance.now() - started) / 1000);
    db.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `  PutMetricData  ${rate.toFixed(0).padStart(8)} datapoints/s  (${PUT_REQUESTS} requests of ${DATUMS}, concurrency 4, SDK, loopback)   raw SQLite rows ${baseline.toFixed(0)}/s   ratio ${ratio(rate, baseline)}`,
    );
  } finally {
    cw.destroy();
  }
}

/**
 * A million datapoints of one metric over the past 13 days written straight into a metric store (what
 * PutMetricData stores), then GetMetricData through the server: hourly over 13 days, by minute over a day, p99
 * over 13 days. The baseline is the naive store: a GROUP BY over the raw million rows in SQLite.
 */
async function queryBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'seawall-bench-'));
  const seawall = await serveSeawall([], dataDir);
  await seawall.stop();
  const now = Date.now();
  const span = 13 * 86_400_000;
  const store = openMetricStore(join(dataDir, 'metrics.db'));
  const metric = {
    namespace: 'Bench/Query',
    name: 'Latency',
    dimensions: [{ Name: 'Service', Value: 'api' }],
  };
  const raw = new BetterSqlite3(join(dataDir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.exec('CREATE TABLE raw (time INTEGER, value REAL); CREATE INDEX raw_time ON raw (time)');
  const insert = raw.prepare('INSERT INTO raw VALUES (?, ?)');
  const BATCH = 10_000;
  for (let from = 0; from < MILLION; from += BATCH) {
    const samples = [];
    const rows: [number, number][] = [];
    for (let i = from; i < Math.min(MILLION, from + BATCH); i++) {
      const time = now - span + Math.floor((i / MILLION) * span);
      const value = (i * 37) % 500;
      samples.push({
        metric,
        unit: 'Milliseconds',
        time,
        resolution: 60 as const,
        values: [[value, 1] as const],
      });
      rows.push([time, value]);
    }
    store.put(samples);
    raw.transaction(() => {
      for (const [time, value] of rows) insert.run(time, value);
    })();
  }
  store.close();
  const served = await serveSeawall([], dataDir);
  const cw = cloudWatch(served);
  try {
    const query = (period: number, stat: string, days: number) => ({
      StartTime: new Date(now - days * 86_400_000),
      EndTime: new Date(now),
      MetricDataQueries: [
        {
          Id: 'm1',
          MetricStat: {
            Metric: { Namespace: metric.namespace, MetricName: metric.name, Dimensions: metric.dimensions },
            Period: period,
            Stat: stat,
          },
        },
      ],
    });
    const cases = [
      ['hourly Average, 13 days', query(3600, 'Average', 13), 3_600_000, 13],
      ['per-minute Sum, 1 day', query(60, 'Sum', 1), 60_000, 1],
      ['hourly p99, 13 days', query(3600, 'p99', 13), 3_600_000, 13],
    ] as const;
    for (const [label, input, width, days] of cases) {
      const times: number[] = [];
      let points = 0;
      for (let i = 0; i < QUERIES; i++) {
        const started = performance.now();
        const out = await cw.send(new GetMetricDataCommand(input));
        times.push(performance.now() - started);
        points = out.MetricDataResults?.[0]?.Values?.length ?? 0;
      }
      const naive = raw.prepare(
        label.includes('p99')
          ? 'SELECT time / ? AS b, value FROM raw WHERE time >= ? ORDER BY b, value'
          : 'SELECT time / ? AS b, avg(value), sum(value) FROM raw WHERE time >= ? GROUP BY b',
      );
      const baseTimes: number[] = [];
      for (let i = 0; i < Math.min(QUERIES, 5); i++) {
        const started = performance.now();
        naive.all(width, now - days * 86_400_000);
        baseTimes.push(performance.now() - started);
      }
      const p50 = percentile(times, 50);
      const base = percentile(baseTimes, 50);
      console.log(
        `  GetMetricData ${label.padEnd(26)} over ${MILLION.toLocaleString('en-US')} datapoints: p50 ${p50.toFixed(1).padStart(7)} ms (${points} points)   naive SQLite GROUP BY ${base.toFixed(1)} ms   ratio ${ratio(base, p50)}×`,
      );
    }
  } finally {
    cw.destroy();
    raw.close();
    await served.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A served Seawall with request metrics on or off, a bucket of 100 small objects, and a GET runner. */
async function getSide(metrics: 'on' | 'off') {
  // Settings beyond the command's flags come from the environment, which the server inherits when spawned.
  process.env.SEAWALL_REQUEST_METRICS = metrics;
  const seawall = await serveSeawall([]).finally(() => {
    delete process.env.SEAWALL_REQUEST_METRICS;
  });
  const url = new URL(seawall.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const sign = (method: string, path: string) =>
    signS3({
      method,
      host: url.host,
      path,
      region: seawall.region,
      accessKeyId: seawall.accessKeyId,
      secret: seawall.secret,
    });
  const payload = Buffer.alloc(4096, 0x61);
  await send(url, agent, 'PUT', '/bench-get', sign('PUT', '/bench-get'));
  await runConcurrent(100, CONCURRENCY, async (i) => {
    const path = `/bench-get/o${i}`;
    await send(url, agent, 'PUT', path, { ...sign('PUT', path), 'content-length': payload.length }, payload);
  });
  const run = (count: number) =>
    runConcurrent(count, CONCURRENCY, async (i) => {
      const path = `/bench-get/o${i % 100}`;
      await send(url, agent, 'GET', path, sign('GET', path));
    });
  await run(500);
  return {
    run,
    async stop() {
      agent.destroy();
      await seawall.stop();
    },
  };
}

/**
 * Small-object GETs on a server with request metrics on against one with them off. Each pair starts a fresh
 * pair of servers, in turns which first (the second started measured a few percent faster even when both were
 * the same), and times them ABBA.
 */
async function getBench(): Promise<void> {
  const pairs: [on: number, off: number][] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const order: ('on' | 'off')[] = pair % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    const sides = {
      on: undefined as Awaited<ReturnType<typeof getSide>> | undefined,
      off: undefined as Awaited<ReturnType<typeof getSide>> | undefined,
    };
    try {
      for (const metrics of order) sides[metrics] = await getSide(metrics);
      const on = sides.on as NonNullable<typeof sides.on>;
      const off = sides.off as NonNullable<typeof sides.off>;
      const a1 = await on.run(GETS);
      const b1 = await off.run(GETS);
      const b2 = await off.run(GETS);
      const a2 = await on.run(GETS);
      pairs.push([a1 + a2, b1 + b2]);
    } finally {
      await sides.on?.stop();
      await sides.off?.stop();
    }
  }
  const rate = (i: 0 | 1) => (2 * PAIRS * GETS) / pairs.reduce((sum, p) => sum + p[i], 0);
  const ratios = pairs.map(([a, b]) => b / a).sort((x, y) => x - y);
  console.log(
    `  4 KiB GET, concurrency ${CONCURRENCY}, ${PAIRS} pairs of servers, ABBA runs of ${GETS}: request metrics on ${rate(0).toFixed(0)} obj/s, off ${rate(1).toFixed(0)} obj/s, on/off ${ratio(rate(0), rate(1))} (target ≥ 0.95; pairs: median ${percentile(ratios, 50).toFixed(2)}, ${(ratios[0] ?? 0).toFixed(2)}–${(ratios.at(-1) ?? 0).toFixed(2)})`,
  );
}

export async function monitorBench(): Promise<void> {
  console.log('monitor: CloudWatch metrics');
  const seawall = await serveSeawall([]);
  try {
    await putBench(seawall);
  } finally {
    await seawall.stop();
  }
  await queryBench();
  await getBench();
}
