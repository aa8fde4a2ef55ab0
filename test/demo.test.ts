import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetBucketEncryptionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { targetFromDataDir } from '../src/cli/client-target.js';
import { tempDir } from './helpers/seawall.js';
import { SAMPLES_DIR } from './helpers/vancouver.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'seawall.js');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts `seawall demo` and resolves with its endpoint and everything it printed once it is ready. */
function startDemo(
  dataDir: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; url: string; output: string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'demo', '--data-dir', dataDir, '--port', '0', '--offline', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (d: Buffer) => {
      output += d.toString();
      const url = /serving every API on (http:\/\/\S+)/.exec(output)?.[1];
      if (url && /Ready in/.test(output)) resolve({ child, url, output });
      if (/failed/.test(output)) reject(new Error(output));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`demo exited ${code}: ${output}`)));
  });
}

function query(dataDir: string, url: string, sql: string): string[][] {
  const out = spawnSync(
    process.execPath,
    [BIN, 'query', sql, '--data-dir', dataDir, '--endpoint-url', url, '--output', 'csv'],
    { encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(out.stderr);
  return out.stdout
    .trim()
    .split('\n')
    .map((line) => line.split(','));
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function clientsFor(dataDir: string, url: string) {
  const { credentials, region } = await targetFromDataDir(dataDir);
  return {
    s3: new S3Client({ endpoint: url, region, forcePathStyle: true, credentials }),
    glue: new GlueClient({ endpoint: url, region, credentials }),
    kms: new KMSClient({ endpoint: url, region, credentials }),
    athena: new AthenaClient({ endpoint: url, region, credentials }),
  };
}

describe('seawall demo', () => {
  it('loads, crawls and cleans the Vancouver samples into queryable tables, and reuses them on a second start', async () => {
    const dir = tempDir('seawall-demo-');
    const first = await startDemo(dir, ['--source', SAMPLES_DIR]);
    expect(first.output).toContain('/_seawall/console/');
    expect(first.output).toContain(join(dir, 'credentials'));
    // The audit trail is set up before the data arrives, so the load itself is recorded.
    expect(first.output).toMatch(
      /audit trail: arn:aws:cloudtrail:[a-z0-9-]+:\d{12}:trail\/vancouver-audit → s3:\/\/vancouver-audit\//,
    );
    expect(first.output).not.toContain('audit trail failed');
    expect(
      query(
        dir,
        first.url,
        'SELECT year, count(*) AS tickets FROM vancouver.parking_tickets GROUP BY year ORDER BY year',
      ),
    ).toEqual([
      ['year', 'tickets'],
      ['2023', '10349'],
      ['2024', '11435'],
    ]);
    expect(
      query(
        dir,
        first.url,
        'SELECT year, count(*) FROM vancouver.lost_animals GROUP BY year ORDER BY year',
      ).slice(1),
    ).toEqual([
      ['2023', '610'],
      ['2024', '575'],
    ]);
    // The quirks each SOURCE.md describes are gone from the curated tables.
    const [, parking] = query(
      dir,
      first.url,
      'SELECT count(*) FILTER (WHERE block = 0), count(*) FILTER (WHERE infraction_text IS NULL), count(*) FROM vancouver.parking_tickets',
    );
    expect(Number(parking?.[0])).toBe(0);
    expect(Number(parking?.[1])).toBeLessThan(Number(parking?.[2]) * 0.01);
    const [, animals] = query(
      dir,
      first.url,
      "SELECT count(*) FILTER (WHERE name = 'Not Provided'), count(DISTINCT color) - count(DISTINCT lower(color)) FROM vancouver.lost_animals",
    );
    expect(animals).toEqual(['0', '0']);
    const [, requests] = query(
      dir,
      first.url,
      "SELECT count(*) FILTER (WHERE address = '' OR local_area = ''), min(service_request_open_timestamp) FROM vancouver.service_requests_311",
    );
    expect(requests?.[0]).toBe('0');
    const [, licences] = query(
      dir,
      first.url,
      'SELECT any_value(typeof(number_of_employees)), any_value(typeof(issued_date)), sum(number_of_employees) > 0 FROM vancouver.business_licences',
    );
    // Athena's typeof names Trino's types.
    expect(licences).toEqual(['integer', 'timestamp(3)', 'true']);

    const c = await clientsFor(dir, first.url);
    const rawObjects = (await c.s3.send(new ListObjectsV2Command({ Bucket: 'vancouver-raw' }))).KeyCount;
    const curated = await c.s3.send(new ListObjectsV2Command({ Bucket: 'vancouver-curated' }));
    const curatedObjects = curated.KeyCount;
    // The lake is SSE-KMS under the customer managed key the demo made, with its alias: both zones, the
    // query results, and the objects the pipeline wrote.
    const { KeyMetadata } = await c.kms.send(new DescribeKeyCommand({ KeyId: 'alias/vancouver-lake' }));
    expect(KeyMetadata?.KeyManager).toBe('CUSTOMER');
    const { WorkGroup } = await c.athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
    const results = /^s3:\/\/([^/]+)/.exec(
      WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation ?? '',
    )?.[1];
    for (const Bucket of ['vancouver-raw', 'vancouver-curated', results]) {
      const { ServerSideEncryptionConfiguration } = await c.s3.send(
        new GetBucketEncryptionCommand({ Bucket }),
      );
      expect(
        ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault,
        Bucket,
      ).toEqual({
        SSEAlgorithm: 'aws:kms',
        KMSMasterKeyID: 'alias/vancouver-lake',
      });
    }
    const parquet = curated.Contents?.find((o) => o.Key?.endsWith('.parquet'))?.Key;
    const head = await c.s3.send(new HeadObjectCommand({ Bucket: 'vancouver-curated', Key: parquet }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', KeyMetadata?.Arn]);
    for (const client of Object.values(c)) client.destroy();
    await stop(first.child);

    const second = await startDemo(dir, ['--source', SAMPLES_DIR]);
    expect(second.output.match(/already loaded/g), second.output).toHaveLength(4);
    expect(second.output.match(/up to date/g)).toHaveLength(4);
    const again = await clientsFor(dir, second.url);
    expect((await again.s3.send(new ListObjectsV2Command({ Bucket: 'vancouver-raw' }))).KeyCount).toBe(
      rawObjects,
    );
    expect((await again.s3.send(new ListObjectsV2Command({ Bucket: 'vancouver-curated' }))).KeyCount).toBe(
      curatedObjects,
    );
    for (const client of Object.values(again)) client.destroy();
    expect(query(dir, second.url, 'SELECT count(*) FROM vancouver.parking_tickets')[1]).toEqual(['21784']);
    await stop(second.child);
    // Two whole demo starts, the first loading every dataset: about a minute on two cores.
  }, 180_000);

  it('generates labelled synthetic rows when neither the samples nor the portal are there', async () => {
    const dir = tempDir('seawall-demo-synthetic-');
    const nothing = join(dir, 'no-samples');
    mkdirSync(nothing);
    const demo = await startDemo(join(dir, 'data'), ['--source', nothing]);
    expect(demo.output.match(/synthetic rows/g)).toHaveLength(4);
    const c = await clientsFor(join(dir, 'data'), demo.url);
    for (const table of ['parking_tickets', 'lost_animals', 'service_requests_311', 'business_licences']) {
      const { Table } = await c.glue.send(new GetTableCommand({ DatabaseName: 'vancouver', Name: table }));
      expect(Table?.Parameters?.['seawall.synthetic'], table).toBe('true');
      const counts = query(
        join(dir, 'data'),
        demo.url,
        `SELECT year, count(*) FROM vancouver.${table} GROUP BY year ORDER BY year`,
      ).slice(1);
      expect(
        counts.map(([year]) => year),
        table,
      ).toEqual(['2023', '2024']);
    }
    for (const client of Object.values(c)) client.destroy();
    await stop(demo.child);
  }, 120_000);
});
