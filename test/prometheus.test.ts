import { readFileSync } from 'node:fs';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationEvent } from '../src/lib/operation.js';
import { createPrometheusExporter, MAX_ERROR_CODES, type ScrapeRequest } from '../src/monitor/prometheus.js';
import { failure } from './helpers/failure.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const TOKEN = 'prometheus-test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const BUCKET = 'scraped-bucket-q3';
const KEY = 'private/payroll-2024.csv';
/** Grafana's reference to the dashboard's data source variable (a literal `${…}`, not a template). */
const DATASOURCE_VARIABLE = '$' + '{datasource}';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  /** `# TYPE` of each metric family. */
  types: Map<string, string>;
  samples: Sample[];
}

/** The Prometheus text format (0.0.4): `# TYPE` lines and samples, label values unescaped. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      labels[name as string] = (value as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const raw = match[3] as string;
    samples.push({ name: match[1] as string, labels, value: raw === '+Inf' ? Infinity : Number(raw) });
  }
  return { types, samples };
}

/** A sample's labels as one readable key: `name=value` pairs sorted by name. */
const keyOf = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** The samples of `name` whose service and operation are those of `series` (`operation=…,service=…`). */
function samplesOf(exposition: Exposition, name: string, series: string): Sample[] {
  return exposition.samples.filter(
    (s) =>
      s.name === name &&
      keyOf({ operation: s.labels.operation ?? '', service: s.labels.service ?? '' }) === series,
  );
}

function seriesOf(exposition: Exposition, name: string): Map<string, number> {
  return new Map(exposition.samples.filter((s) => s.name === name).map((s) => [keyOf(s.labels), s.value]));
}

/** How each series of a counter moved between two scrapes; unmoved series left out. */
function moved(before: Exposition, after: Exposition, name: string): Record<string, number> {
  const earlier = seriesOf(before, name);
  const changes: Record<string, number> = {};
  for (const [key, value] of seriesOf(after, name)) {
    const delta = value - (earlier.get(key) ?? 0);
    if (delta !== 0) changes[key] = delta;
  }
  return changes;
}

async function scrape(url: string, init: { headers?: Record<string, string>; method?: string } = {}) {
  const answer = await fetch(`${url}/_seawall/metrics`, init);
  return { status: answer.status, body: await answer.text(), type: answer.headers.get('content-type') };
}

/** A signed JSON-protocol call naming an operation (and perhaps a service) nothing declares. */
async function inventedCall(t: TestSeawall, service: string, target: string): Promise<number> {
  const body = '{}';
  const headers = await signedHeaders(t, {
    method: 'POST',
    path: '/',
    service,
    headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
    body,
  });
  return (await rawRequest(t.url, { method: 'POST', path: '/', headers, body })).status;
}

describe('Prometheus exposition', () => {
  let t: TestSeawall;
  beforeAll(async () => {
    t = await startTestSeawall({ env: { SEAWALL_METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts exactly the calls made, by service, operation, outcome and error code', async () => {
    const first = await scrape(t.url, { headers: AUTH });
    expect(first.status).toBe(200);
    expect(first.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const before = parseExposition(first.body);

    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'x' }));
    for (let i = 0; i < 3; i++)
      await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }))).Body?.transformToString();
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' })))).toEqual({
      code: 'NoSuchKey',
      status: 404,
    });
    const client = { endpoint: t.url, region: t.credentials.region, credentials: t.credentials };
    const kms = new KMSClient(client);
    const sts = new STSClient(client);
    try {
      await kms.send(new ListKeysCommand({}));
      await sts.send(new GetCallerIdentityCommand({}));
    } finally {
      kms.destroy();
      sts.destroy();
    }
    // Names a client invents become `unknown`, never series of their own.
    expect(await inventedCall(t, 'kms', 'TrentService.InventedOperation')).toBe(400);
    expect(await inventedCall(t, 'inventedsvc', 'InventedService_20240101.InventedOperation')).toBe(501);

    const text = (await scrape(t.url, { headers: AUTH })).body;
    const after = parseExposition(text);
    expect(moved(before, after, 'seawall_requests_total')).toEqual({
      'operation=CreateBucket,outcome=success,service=s3,status=200': 1,
      'operation=PutObject,outcome=success,service=s3,status=200': 1,
      'operation=GetObject,outcome=success,service=s3,status=200': 3,
      'operation=GetObject,outcome=failed,service=s3,status=404': 1,
      'operation=ListKeys,outcome=success,service=kms,status=200': 1,
      'operation=GetCallerIdentity,outcome=success,service=sts,status=200': 1,
      'operation=unknown,outcome=failed,service=kms,status=400': 1,
      'operation=unknown,outcome=failed,service=unknown,status=501': 1,
    });
    expect(moved(before, after, 'seawall_errors_total')).toEqual({
      'code=NoSuchKey,operation=GetObject,service=s3': 1,
      'code=UnknownOperationException,operation=unknown,service=kms': 1,
      'code=NotImplemented,operation=unknown,service=unknown': 1,
    });
    expect(moved(before, after, 'seawall_request_duration_seconds_count')).toEqual({
      'operation=CreateBucket,service=s3': 1,
      'operation=PutObject,service=s3': 1,
      'operation=GetObject,service=s3': 4,
      'operation=ListKeys,service=kms': 1,
      'operation=GetCallerIdentity,service=sts': 1,
      'operation=unknown,service=kms': 1,
      'operation=unknown,service=unknown': 1,
    });
    expect(text).not.toMatch(/Invented/i);
  });

  it('keeps each histogram consistent: cumulative buckets, +Inf equal to the count, the count to the requests', async () => {
    const exposition = parseExposition((await scrape(t.url, { headers: AUTH })).body);
    expect(exposition.types.get('seawall_request_duration_seconds')).toBe('histogram');
    const counts = seriesOf(exposition, 'seawall_request_duration_seconds_count');
    expect(counts.size).toBeGreaterThan(0);
    for (const [series, count] of counts) {
      const buckets = samplesOf(exposition, 'seawall_request_duration_seconds_bucket', series)
        .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), value: s.value }))
        .sort((a, b) => a.le - b.le);
      expect(buckets.length, series).toBeGreaterThan(5);
      for (let i = 1; i < buckets.length; i++)
        expect(buckets[i]?.value, series).toBeGreaterThanOrEqual(buckets[i - 1]?.value ?? 0);
      expect(buckets.at(-1), series).toEqual({ le: Infinity, value: count });
      const sum = seriesOf(exposition, 'seawall_request_duration_seconds_sum').get(series);
      expect(sum, series).toBeGreaterThanOrEqual(0);
      const answered = samplesOf(exposition, 'seawall_requests_total', series);
      expect(
        answered.reduce((total, s) => total + s.value, 0),
        series,
      ).toBe(count);
    }
  });

  it("exposes the process's own figures and nothing secret or user-named", async () => {
    const text = (await scrape(t.url, { headers: AUTH })).body;
    const { types } = parseExposition(text);
    expect(types.get('seawall_process_cpu_seconds_total')).toBe('counter');
    expect(types.get('seawall_process_resident_memory_bytes')).toBe('gauge');
    expect(types.get('seawall_nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(types.get('seawall_nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(types.get('seawall_nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    expect(types.get('seawall_nodejs_gc_duration_seconds')).toBe('histogram');
    expect(types.get('seawall_nodejs_active_handles_total')).toBe('gauge');
    for (const name of types.keys()) expect(name).toMatch(/^seawall_/);
    for (const secret of [
      t.credentials.secretAccessKey,
      t.credentials.accessKeyId,
      t.seawall.accountId,
      TOKEN,
      BUCKET,
      KEY,
      'arn:aws',
    ])
      expect(text).not.toContain(secret);
  });

  it('answers only a request bearing the token, to GET and HEAD', async () => {
    expect((await scrape(t.url)).status).toBe(401);
    const wrongSameLength = `Bearer ${TOKEN.slice(0, -1)}x`;
    for (const authorization of [
      wrongSameLength,
      'Bearer short',
      `Bearer ${TOKEN}extra`,
      `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
      TOKEN,
    ]) {
      const refused = await scrape(t.url, { headers: { authorization } });
      expect(refused.status, authorization).toBe(401);
      expect(refused.body).not.toContain('seawall_');
    }
    expect((await scrape(t.url, { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    const head = await scrape(t.url, { method: 'HEAD', headers: AUTH });
    expect(head).toMatchObject({ status: 200, body: '', type: 'text/plain; version=0.0.4; charset=utf-8' });
    expect((await scrape(t.url, { method: 'POST', headers: AUTH })).status).toBe(405);
  });

  it('ships a Grafana dashboard whose every query names a metric the endpoint exposes', async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8'),
    ) as {
      templating: { list: { name: string; type: string; query: string }[] };
      panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
    };
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const { types } = parseExposition((await scrape(t.url, { headers: AUTH })).body);
    const exposed = new Set(
      [...types].flatMap(([name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name],
      ),
    );
    const named = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(DATASOURCE_VARIABLE);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        const names = target.expr.match(/\bseawall_[a-z0-9_]+/g) ?? [];
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) {
          expect(exposed.has(name), `${panel.title}: ${name}`).toBe(true);
          named.add(name);
        }
      }
    }
    for (const wanted of [
      'seawall_requests_total',
      'seawall_errors_total',
      'seawall_request_duration_seconds_bucket',
      'seawall_process_resident_memory_bytes',
      'seawall_process_cpu_seconds_total',
      'seawall_nodejs_eventloop_lag_p99_seconds',
    ])
      expect(named).toContain(wanted);
  });
});

/** A request as the route sees it, from `remoteAddress`. */
const fromPeer = (
  remoteAddress: string,
  headers: Record<string, string> = {},
  method = 'GET',
): ScrapeRequest => ({
  method,
  headers,
  socket: { remoteAddress },
});

describe('who may scrape', () => {
  it('without a token, this machine only', async () => {
    const exporter = createPrometheusExporter({ operations: [] });
    for (const peer of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])
      expect((await exporter.route(fromPeer(peer))).status, peer).toBe(200);
    for (const peer of ['10.0.0.5', '192.168.1.2', '::ffff:192.168.1.2', 'fe80::1', '2001:db8::1', ''])
      expect((await exporter.route(fromPeer(peer))).status, peer).toBe(403);
    expect((await exporter.route(fromPeer('127.0.0.1', {}, 'POST'))).status).toBe(405);
  });

  it('with a token, whoever bears it, wherever they are', async () => {
    const exporter = createPrometheusExporter({ operations: [], token: TOKEN });
    expect((await exporter.route(fromPeer('10.0.0.5', AUTH))).status).toBe(200);
    expect((await exporter.route(fromPeer('127.0.0.1'))).status).toBe(401);
    expect((await exporter.route(fromPeer('10.0.0.5', { authorization: 'Bearer nope' }))).status).toBe(401);
  });

  it('answers a default server (no token) over loopback', async () => {
    const s = await startTestSeawall();
    try {
      const answer = await scrape(s.url);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/^# TYPE seawall_requests_total counter$/m);
    } finally {
      await s.close();
    }
  });
});

describe('label cardinality', () => {
  const event = (service: string, operation: string, errorCode: string): OperationEvent => ({
    requestId: 'r',
    time: new Date(),
    service,
    operation,
    resources: [],
    sourceIp: '127.0.0.1',
    userAgent: 'test',
    outcome: 'failed',
    status: 400,
    errorCode,
    durationMs: 3,
  });

  it('stays bounded whatever services, operations and error codes requests carry', async () => {
    const exporter = createPrometheusExporter({ operations: [{ service: 's3', name: 'GetObject' }] });
    for (let i = 0; i < 1000; i++) {
      exporter.onEvent(event('s3', `Invented${i}`, `Code${i}`));
      exporter.onEvent(event(`svc${i}`, 'GetObject', 'Bad code with spaces'));
    }
    exporter.onEvent(event('s3', 'GetObject', 'NoSuchKey'));
    const { body } = await exporter.route(fromPeer('127.0.0.1'));
    const { samples } = parseExposition(String(body));
    const requests = samples.filter((s) => s.name === 'seawall_requests_total');
    expect(new Set(requests.map((s) => `${s.labels.service}:${s.labels.operation}`))).toEqual(
      new Set(['s3:unknown', 'unknown:unknown', 's3:GetObject']),
    );
    const codes = new Set(samples.filter((s) => s.name === 'seawall_errors_total').map((s) => s.labels.code));
    expect(codes.size).toBeLessThanOrEqual(MAX_ERROR_CODES + 1);
    expect(codes).toContain('other');
    expect(codes).not.toContain('Bad code with spaces');
  });
});
