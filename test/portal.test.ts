import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError, type CliIo } from '../src/cli/commands.js';
import { ingestCommand } from '../src/cli/ingest-command.js';
import { csvLine, parseCsv } from '../src/demo/csv-text.js';
import {
  type DatasetKey,
  DEFAULT_SAMPLES_DIR,
  DEMO_DATASETS,
  type DemoDataset,
  demoDataset,
  portalWhere,
  samplePath,
  VANCOUVER_TIMEZONE,
} from '../src/demo/datasets.js';
import {
  fetchPortalExport,
  type IngestFromPortalOptions,
  ingestFromPortal,
  isPortalReachable,
  PortalError,
} from '../src/demo/portal.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const SAMPLES = process.env.SEAWALL_SAMPLES_DIR ?? DEFAULT_SAMPLES_DIR;
const EXPORT_PATH = /^\/api\/explore\/v2\.1\/catalog\/datasets\/([^/]+)\/exports\/csv$/;

/** A dataset as the fake portal holds it: API field names, labels, and rows of strings in label order. */
interface PortalDataset {
  names: string[];
  labels: readonly string[];
  rows: string[][];
}

/** The real sample as the portal stores it: JSON Lines become fields; 3-1-1's geom dict becomes "lat, lon". */
function loadSample(dataset: DemoDataset): PortalDataset {
  const text = readFileSync(samplePath(dataset, SAMPLES), 'utf8');
  let rows: string[][];
  if (dataset.sampleFormat.kind === 'jsonl') {
    rows = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        return dataset.sampleColumns.map((c) => (record[c] === null ? '' : String(record[c])));
      });
  } else {
    rows = parseCsv(text, dataset.sampleFormat.delimiter).slice(1);
  }
  const is311 = dataset.key === 'service_requests_311';
  if (is311) rows = rows.map((row) => row.map((v, i) => (i === 12 && v ? `${row[10]}, ${row[11]}` : v)));
  const names = is311
    ? [...dataset.sampleColumns]
    : dataset.portalColumns.map((label) => label.toLowerCase());
  return { names, labels: dataset.portalColumns, rows };
}

/** The ODSQL this connector sends for years: `year(\`field\`) = 2023 or …`. Anything else is refused. */
function parseYearWhere(where: string): { field: string; years: Set<string> } | undefined {
  const terms = where
    .split(/\s+or\s+/i)
    .map((term) => /^year\(`?(\w+)`?\)\s*=\s*(\d{4})$/i.exec(term.trim()));
  if (terms.length === 0 || terms.some((m) => !m)) return undefined;
  const fields = new Set(terms.map((m) => m?.[1] as string));
  if (fields.size !== 1) return undefined;
  return { field: [...fields][0] as string, years: new Set(terms.map((m) => m?.[2] as string)) };
}

function answerJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** The Explore v2.1 export endpoint, serving the real samples, plus datasets that misbehave on purpose. */
function startFakePortal(): Promise<{ url: string; server: Server; requests: URL[] }> {
  const datasets = new Map(DEMO_DATASETS.map((d) => [d.portalDatasetId, loadSample(d)]));
  const requests: URL[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://portal');
    requests.push(url);
    if (url.pathname === '/api/explore/v2.1/catalog/datasets') {
      return answerJson(res, 200, { total_count: datasets.size, results: [] });
    }
    const id = decodeURIComponent(EXPORT_PATH.exec(url.pathname)?.[1] ?? '');
    if (id === 'html-page')
      return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>');
    if (id === 'silent') return; // never answers
    if (id === 'stall')
      return res.writeHead(200, { 'content-type': 'text/csv' }).write('\ufeffa;b\r\n1;2\r\n');
    const dataset = datasets.get(id);
    if (!dataset) return answerJson(res, 404, { error_code: 'NotFound', message: `Unknown dataset: ${id}` });
    const where = url.searchParams.get('where');
    const filter = where ? parseYearWhere(where) : undefined;
    const column = filter ? dataset.names.indexOf(filter.field) : -1;
    if (where && (!filter || column < 0)) {
      return answerJson(res, 400, {
        error_code: 'ODSQLError',
        message: `Unknown field or syntax in ${where}`,
      });
    }
    const delimiter = url.searchParams.get('delimiter') ?? ';';
    const header = url.searchParams.get('use_labels') === 'true' ? dataset.labels : dataset.names;
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
    let chunk =
      (url.searchParams.get('with_bom') === 'false' ? '' : '\ufeff') + csvLine(header, delimiter, '\r\n');
    for (const row of dataset.rows) {
      if (filter && !filter.years.has((row[column] as string).slice(0, 4))) continue;
      chunk += csvLine(row, delimiter, '\r\n');
      if (chunk.length > 65_536) {
        if (!res.write(chunk)) await once(res, 'drain');
        chunk = '';
      }
    }
    res.end(chunk);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests }),
    ),
  );
}

async function objectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await object.Body?.transformToByteArray()) ?? []).toString('utf8');
}

/** The sample's own lines (it is a portal export) whose date column falls in 2023 or 2024. */
function sampleLinesOf(dataset: DemoDataset): string[] {
  const column = dataset.sampleColumns.indexOf(dataset.yearField.sample);
  const lines = readFileSync(samplePath(dataset, SAMPLES), 'utf8')
    .replace(/^\ufeff/, '')
    .split('\r\n');
  return lines.slice(1).filter((line) => /^(2023|2024)-/.test(line.split(';')[column] ?? ''));
}

/** A loopback URL on a port that was free a moment ago and now has no listener. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function fakeIo(env: Record<string, string> = {}): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    env,
    stopSignal: new Promise(() => {}),
  };
}

describe('OpenDataSoft portal connector and seawall ingest', () => {
  let portal: Awaited<ReturnType<typeof startFakePortal>>;
  let seawall: TestSeawall;
  let s3: S3Client;

  beforeAll(async () => {
    portal = await startFakePortal();
    seawall = await startTestSeawall();
    s3 = seawall.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'raw' }));
  });
  afterAll(async () => {
    portal.server.closeAllConnections();
    portal.server.close();
    await seawall.close();
  });

  /** Ingests a demo dataset's 2023 and 2024 rows through the connector into `raw`. */
  const ingest = (key: DatasetKey, objectKey: string, extra: Partial<IngestFromPortalOptions> = {}) => {
    const dataset = demoDataset(key);
    const where = portalWhere(dataset);
    return ingestFromPortal({
      portalUrl: portal.url,
      datasetId: dataset.portalDatasetId,
      where,
      s3,
      bucket: 'raw',
      key: objectKey,
      ...extra,
    });
  };

  it('ingests exactly the 2023 and 2024 parking tickets, as the portal exports them', async () => {
    const dataset = demoDataset('parking_tickets');
    const result = await ingest('parking_tickets', 'parking/tickets.csv', { timezone: VANCOUVER_TIMEZONE });
    const sent = Object.fromEntries((portal.requests.at(-1) as URL).searchParams);
    expect(sent).toEqual({
      where: 'year(`entrydate`) = 2023 or year(`entrydate`) = 2024',
      use_labels: 'true',
      delimiter: ';',
      timezone: 'America/Vancouver',
    });
    const text = await objectText(s3, 'raw', 'parking/tickets.csv');
    expect(Buffer.byteLength(text)).toBe(result.bytes);
    expect(text.startsWith(`\ufeff${dataset.portalColumns.join(';')}\r\n`)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text, ';').slice(1);
    expect(rows.filter((r) => r[7] === '2023')).toHaveLength(10_349);
    expect(rows.filter((r) => r[7] === '2024')).toHaveLength(11_435);
    expect(rows).toHaveLength(21_784);
    const sample = readFileSync(samplePath(dataset, SAMPLES), 'utf8').trimEnd().split('\n');
    rows.forEach((row, i) => {
      const record = JSON.parse(sample[i] as string) as Record<string, unknown>;
      expect(row).toEqual(dataset.sampleColumns.map((c) => (record[c] === null ? '' : String(record[c]))));
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'raw', Key: 'parking/tickets.csv' }));
    expect(head.Metadata?.['source-url']).toBe(result.sourceUrl);
  });

  it('ingests lost animals and business licences line for line, and 3-1-1 with labels and its geo point', async () => {
    for (const key of ['lost_animals', 'business_licences'] as const) {
      await ingest(key, key);
      const lines = (await objectText(s3, 'raw', key)).split('\r\n');
      expect(lines[0]).toBe(`\ufeff${demoDataset(key).sampleColumns.join(';')}`);
      expect(lines.slice(1, -1)).toEqual(sampleLinesOf(demoDataset(key)));
    }
    expect(sampleLinesOf(demoDataset('lost_animals'))).toHaveLength(610 + 575);
    expect(sampleLinesOf(demoDataset('business_licences'))).toHaveLength(1006 + 1792);

    await ingest('service_requests_311', '311.csv');
    const [header, ...rows] = parseCsv(await objectText(s3, 'raw', '311.csv'), ';');
    expect(header).toEqual(demoDataset('service_requests_311').portalColumns);
    expect(rows.filter((r) => r[4]?.startsWith('2023-'))).toHaveLength(2595);
    expect(rows.filter((r) => r[4]?.startsWith('2024-'))).toHaveLength(7405);
    expect(rows).toHaveLength(10_000);
    for (const row of rows) expect(row[12]).toMatch(/^(|49\.\d+, -123\.\d+)$/);
  });

  it('seawall ingest creates the bucket and reports, with the data directory or the environment', async () => {
    const dataset = demoDataset('parking_tickets');
    const io = fakeIo();
    const args = { portal: portal.url, dataset: dataset.portalDatasetId, where: portalWhere(dataset) };
    const code = await ingestCommand.run(
      {
        values: { ...args, bucket: 'landing', 'data-dir': seawall.dataDir, 'endpoint-url': seawall.url },
        positionals: [],
      },
      io,
    );
    expect(code).toBe(0);
    expect(io.lines).toHaveLength(1);
    expect(io.lines[0]).toMatch(
      /^ingested \d+ bytes from http:\/\/127\.0\.0\.1:\d+\/\S+ into s3:\/\/landing\/parking-tickets\/parking-tickets\.csv$/,
    );
    const text = await objectText(s3, 'landing', 'parking-tickets/parking-tickets.csv');
    expect(text.split('\r\n')).toHaveLength(1 + 21_784 + 1);

    const { accessKeyId, secretAccessKey, region } = seawall.credentials;
    const env = {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: region,
    };
    const fromEnv = fakeIo({ ...env, AWS_ENDPOINT_URL: seawall.url });
    expect(await ingestCommand.run({ values: { ...args, key: 'env.csv' }, positionals: [] }, fromEnv)).toBe(
      0,
    );
    expect(await objectText(s3, 'raw', 'env.csv')).toBe(text);

    const missing = ingestCommand.run(
      { values: { ...args, dataset: 'no-such-dataset' }, positionals: [] },
      fromEnv,
    );
    await expect(missing).rejects.toThrow(CliError);
    await expect(missing).rejects.toThrow(
      /^portal answered HTTP 404 for dataset 'no-such-dataset': Unknown dataset/,
    );
    await expect(ingestCommand.run({ values: args, positionals: [] }, fakeIo())).rejects.toThrow(
      /no credentials/,
    );
  });

  it('fails in one clear line for an unknown dataset, a bad query, a non-CSV answer and a silent portal', async () => {
    const attempt = (datasetId: string, extra: { where?: string; timeoutMs?: number } = {}) =>
      fetchPortalExport({ portalUrl: portal.url, datasetId, ...extra }).then(
        () => new Error('expected a failure'),
        (error: unknown) => error as Error,
      );
    const cases = [
      [
        await attempt('no-such-dataset'),
        /HTTP 404 for dataset 'no-such-dataset': Unknown dataset: no-such-dataset/,
      ],
      [await attempt('parking-tickets', { where: 'year(`nope`) = 2023' }), /HTTP 400 .*Unknown field/],
      [await attempt('html-page'), /portal answered text\/html, not CSV/],
      [await attempt('silent', { timeoutMs: 300 }), /portal did not answer within 300 ms/],
    ] as const;
    for (const [error, message] of cases) {
      expect(error).toBeInstanceOf(PortalError);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    }
    const closedUrl = await closedPortUrl();
    const closed = await fetchPortalExport({ portalUrl: closedUrl, datasetId: 'x' }).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(PortalError);
    expect((closed as Error).message).toBe(`cannot reach portal ${closedUrl}: ECONNREFUSED`);
  });

  it('an export that stalls half-way fails the ingest and leaves no object and no spool file', async () => {
    const tempDir = mkdtempSync(join(tmpdir(), 'portal-spool-'));
    const stalled = ingest('parking_tickets', 'stalled.csv', { datasetId: 'stall', timeoutMs: 300, tempDir });
    await expect(stalled).rejects.toThrow(/^portal stopped sending for 300 ms mid-export: http:\S+$/);
    expect(readdirSync(tempDir)).toEqual([]);
    rmSync(tempDir, { recursive: true });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'raw', Key: 'stalled.csv' }))).rejects.toThrow();
  });

  it('tells whether a portal is reachable, within the timeout', async () => {
    expect(await isPortalReachable(portal.url, 2000)).toBe(true);
    expect(await isPortalReachable(await closedPortUrl(), 500)).toBe(false);
    // Accepts connections and never answers: only the timeout can end the wait.
    const mute = createServer(() => {});
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const started = Date.now();
    const reachable = await isPortalReachable(
      `http://127.0.0.1:${(mute.address() as AddressInfo).port}`,
      300,
    );
    expect(reachable).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    mute.closeAllConnections();
    mute.close();
  });
});
