import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusExporter } from '../src/monitor/prometheus.js';
import { failure } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const TOKEN = 'prometheus-test-token-0123456789';

/** A scrape of /_seawall/metrics: status and body. */
async function scrape(url: string, headers: Record<string, string> = {}) {
  const answer = await fetch(`${url}/_seawall/metrics`, { headers });
  return { status: answer.status, body: await answer.text(), type: answer.headers.get('content-type') };
}

/** The value of one sample line of the exposition text, by metric name and exact labels. */
function sample(body: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of body.split('\n')) {
    const match = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = (match[2] ?? '').split(',').filter(Boolean).sort();
    if (got.length === wanted.length && got.every((l, i) => l === wanted[i])) return Number(match[3]);
  }
  return 0;
}

describe('Prometheus exposition', () => {
  let t: TestSeawall;
  beforeAll(async () => {
    t = await startTestSeawall({ env: { SEAWALL_METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts requests, errors and latency per operation, and only with the token', async () => {
    expect((await scrape(t.url)).status).toBe(401);
    expect((await scrape(t.url, { authorization: 'Bearer wrong-token-wrong-token-00' })).status).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const before = await scrape(t.url, auth);
    expect(before.status).toBe(200);
    expect(before.type).toContain('text/plain');
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'scraped' }));
    await s3.send(new PutObjectCommand({ Bucket: 'scraped', Key: 'k', Body: 'x' }));
    for (let i = 0; i < 3; i++)
      await (await s3.send(new GetObjectCommand({ Bucket: 'scraped', Key: 'k' }))).Body?.transformToString();
    await failure(s3.send(new GetObjectCommand({ Bucket: 'scraped', Key: 'missing' })));
    // An operation no service declares, named by a client: counted as unknown, never as a new series.
    await fetch(`${t.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'Nope_20200101.Invented', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    const after = await scrape(t.url, auth);
    const ok = { service: 's3', operation: 'GetObject', outcome: 'success', status: '200' };
    expect(
      sample(after.body, 'seawall_requests_total', ok) - sample(before.body, 'seawall_requests_total', ok),
    ).toBe(3);
    expect(
      sample(after.body, 'seawall_errors_total', {
        service: 's3',
        operation: 'GetObject',
        code: 'NoSuchKey',
      }),
    ).toBe(1);
    expect(
      sample(after.body, 'seawall_request_duration_seconds_count', { service: 's3', operation: 'GetObject' }),
    ).toBe(4);
    expect(
      sample(after.body, 'seawall_request_duration_seconds_bucket', {
        service: 's3',
        operation: 'GetObject',
        le: '+Inf',
      }),
    ).toBe(4);
    expect(after.body).not.toContain('Invented');
    expect(after.body).toMatch(/^seawall_process_resident_memory_bytes \d+/m);
    expect(after.body).toMatch(/^seawall_nodejs_eventloop_lag_seconds /m);
    // Nothing secret or user-named: no key, no bucket, no principal.
    expect(after.body).not.toContain(t.credentials.secretAccessKey);
    expect(after.body).not.toContain(t.credentials.accessKeyId);
    expect(after.body).not.toContain('scraped');
  });

  it('the example Grafana dashboard asks only for metrics the endpoint exposes', async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8'),
    ) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const body = (await scrape(t.url, { authorization: `Bearer ${TOKEN}` })).body;
    const exposed = new Set(
      [...body.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap((m) =>
        m[2] === 'histogram' ? [`${m[1]}_bucket`, `${m[1]}_count`, `${m[1]}_sum`] : [m[1] as string],
      ),
    );
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(6);
    for (const panel of dashboard.panels)
      for (const target of panel.targets)
        for (const name of target.expr.match(/seawall_[a-z0-9_]+/g) ?? [])
          expect(exposed.has(name), `${panel.title}: ${name}`).toBe(true);
  });
});

describe('who may scrape without a token', () => {
  it('is this machine only', async () => {
    const exporter = createPrometheusExporter({ operations: [] });
    const from = (remoteAddress: string) =>
      exporter.route({ method: 'GET', headers: {}, socket: { remoteAddress } } as unknown as Parameters<
        typeof exporter.route
      >[0]);
    expect((await from('127.0.0.1')).status).toBe(200);
    expect((await from('::1')).status).toBe(200);
    expect((await from('::ffff:127.0.0.1')).status).toBe(200);
    expect((await from('10.0.0.5')).status).toBe(403);
    expect((await from('::ffff:192.168.1.2')).status).toBe(403);
    const post = await exporter.route({
      method: 'POST',
      headers: {},
      socket: { remoteAddress: '127.0.0.1' },
    } as unknown as Parameters<typeof exporter.route>[0]);
    expect(post.status).toBe(405);
  });

  it('answers a default server on loopback', async () => {
    const t = await startTestSeawall();
    try {
      const answer = await new Promise<number>((resolve, reject) => {
        const url = new URL(`${t.url}/_seawall/metrics`);
        request({ host: url.hostname, port: url.port, path: url.pathname }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(answer).toBe(200);
    } finally {
      await t.close();
    }
  });
});
