import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListTopicsCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataDb } from '../src/db/database.js';
import { migrationNames } from '../src/db/migrations.js';
import { iamMigrations } from '../src/iam/index.js';
import { queryMigrations } from '../src/query/index.js';
import { storageMigrations } from '../src/storage/index.js';
import { athenaClient, athenaQuery } from './helpers/athena.js';
import { postgresAdmin, postgresUrl } from './helpers/postgres.js';
import { startTestSeawall, tempDir } from './helpers/seawall.js';
import { setTopicPolicy } from './helpers/sns.js';
import { webhook } from './helpers/webhook.js';

// The machine's PostgreSQL (trust auth on loopback); each run works in a database of its own.
const database = `seawall_test_${randomBytes(6).toString('hex')}`;
const url = postgresUrl(database);

/** The blob files under a data directory's objects/blobs, by name. */
async function blobFiles(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'objects', 'blobs');
  const shards = await fs.readdir(root).catch(() => [] as string[]);
  const names = await Promise.all(
    shards.map((shard) => fs.readdir(join(root, shard)).catch(() => [] as string[])),
  );
  return names.flat().sort();
}

const admin = postgresAdmin;

beforeAll(async () => {
  await admin(`CREATE DATABASE ${database}`);
});
afterAll(async () => {
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin(`DROP DATABASE IF EXISTS ${database}_events WITH (FORCE)`);
  await admin(`DROP DATABASE IF EXISTS ${database}_own WITH (FORCE)`);
  await admin(`DROP DATABASE IF EXISTS ${database}_other WITH (FORCE)`);
});

describe('PostgreSQL metadata backend', () => {
  it('runs the migrations once and leaves them applied', async () => {
    const first = await openMetadataDb({ postgresUrl: url }, [
      iamMigrations,
      queryMigrations,
      storageMigrations,
    ]);
    const tables = await first.db
      .selectFrom('information_schema.tables' as never)
      .select('table_name' as never)
      .where('table_schema' as never, '=', 'public' as never)
      .execute();
    const names = (tables as { table_name: string }[]).map((t) => t.table_name);
    for (const table of [
      'accounts',
      'access_keys',
      'buckets',
      'bucket_access',
      'object_versions',
      'bucket_settings',
      'catalog_tables',
      'catalog_partitions',
      'query_executions',
      'databrew_recipes',
      'databrew_job_runs',
    ]) {
      expect(names).toContain(table);
    }
    await first.close();
    const second = await openMetadataDb({ postgresUrl: url }, [
      iamMigrations,
      queryMigrations,
      storageMigrations,
    ]);
    const applied = await second.db
      .selectFrom('kysely_migration' as never)
      .selectAll()
      .execute();
    expect((applied as { name: string }[]).map((m) => m.name)).toEqual(
      migrationNames([iamMigrations, queryMigrations, storageMigrations]),
    );
    await second.close();
  });

  it('serves S3 with its metadata in PostgreSQL, listing keys in UTF-8 byte order', async () => {
    const t = await startTestSeawall({ env: { SEAWALL_METADATA_URL: url } });
    try {
      const s3 = t.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'pg-bucket' }));
      const keys = ['b', 'B', 'a/é', 'a/e', 'a/z', 'a/\u{1f600}', 'a/~'];
      for (const key of keys)
        await s3.send(new PutObjectCommand({ Bucket: 'pg-bucket', Key: key, Body: `body of ${key}` }));
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'pg-bucket' }));
      const byteOrder = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(listed.Contents?.map((c) => c.Key)).toEqual(byteOrder);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'pg-bucket', Key: 'a/é' }));
      expect(await got.Body?.transformToString()).toBe('body of a/é');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const rows = await client.query(
        'SELECT count(*)::int AS n, sum(size)::int AS bytes FROM object_versions',
      );
      await client.end();
      expect(rows.rows[0]).toEqual({
        n: keys.length,
        bytes: keys.reduce((n, k) => n + Buffer.byteLength(`body of ${k}`), 0),
      });

      // The catalog, a crawler and Athena keep their state in PostgreSQL as well.
      await s3.send(
        new PutObjectCommand({
          Bucket: 'pg-bucket',
          Key: 'tables/permits/data.csv',
          Body: 'id;kind\r\n1;fence\r\n2;deck\r\n',
        }),
      );
      const glue = new GlueClient({
        endpoint: t.url,
        region: t.credentials.region,
        credentials: s3.config.credentials,
      });
      await glue.send(
        new CreateCrawlerCommand({
          Name: 'pg',
          Role: await t.serviceRole(),
          DatabaseName: 'pg_db',
          Targets: { S3Targets: [{ Path: 's3://pg-bucket/tables/' }] },
        }),
      );
      await glue.send(new StartCrawlerCommand({ Name: 'pg' }));
      while ((await glue.send(new GetCrawlerCommand({ Name: 'pg' }))).Crawler?.State !== 'READY')
        await new Promise((r) => setTimeout(r, 50));
      glue.destroy();
      const athena = athenaClient(t);
      expect(await athenaQuery(athena, 'SELECT kind FROM pg_db.permits ORDER BY id')).toEqual([
        ['kind'],
        ['fence'],
        ['deck'],
      ]);
      athena.destroy();
    } finally {
      await t.close();
    }
  });

  it('keeps SNS topics, subscriptions and the S3 event outbox in PostgreSQL, and delivers through them', async () => {
    await admin(`CREATE DATABASE ${database}_events`);
    const events = new URL(url);
    events.pathname = `/${database}_events`;
    const t = await startTestSeawall({
      env: { SEAWALL_METADATA_URL: events.toString(), SEAWALL_SNS_ENDPOINTS: 'any' },
    });
    const sns = new SNSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const hook = await webhook();
    try {
      const s3 = t.s3();
      const Bucket = 'pg-events';
      await s3.send(new CreateBucketCommand({ Bucket }));
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'pg-topic' }));
      await setTopicPolicy(sns, TopicArn, [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: TopicArn,
        },
      ]);
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook.url }));
      const [confirmation] = await hook.waitFor(1);
      expect((await fetch(confirmation?.body.SubscribeURL ?? '')).status).toBe(200);
      const attributes = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
      expect(attributes.Attributes).toMatchObject({ SubscriptionsConfirmed: '1', SubscriptionsPending: '0' });
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: { TopicConfigurations: [{ TopicArn, Events: ['s3:ObjectCreated:*'] }] },
        }),
      );
      await s3.send(new PutObjectCommand({ Bucket, Key: 'a.csv', Body: 'x\n' }));
      const [, test, created] = await hook.waitFor(3);
      expect(JSON.parse(test?.body.Message ?? '{}')).toMatchObject({ Event: 's3:TestEvent' });
      expect(JSON.parse(created?.body.Message ?? '{}')).toMatchObject({
        Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: 'a.csv' } } }],
      });
      await sns.send(new DeleteTopicCommand({ TopicArn }));
      // What is left is the topic Seawall's shipped alarms notify.
      expect((await sns.send(new ListTopicsCommand({}))).Topics?.map((topic) => topic.TopicArn)).toEqual([
        TopicArn?.replace(/:[^:]+$/, ':seawall-alarms'),
      ]);
    } finally {
      sns.destroy();
      await hook.close();
      await t.close();
    }
  });

  it("refuses to start on a database that is not the data directory's, and removes no blob", async () => {
    const dataDir = tempDir();
    const ownUrl = url.replace(`/${database}`, `/${database}_own`);
    const otherUrl = url.replace(`/${database}`, `/${database}_other`);
    await admin(`CREATE DATABASE ${database}_own`);
    await admin(`CREATE DATABASE ${database}_other`);
    const own = await startTestSeawall({ dataDir, env: { SEAWALL_METADATA_URL: ownUrl } });
    try {
      const s3 = own.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'kept-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'kept-bucket', Key: 'record.csv', Body: 'a,b\n1,2\n' }));
    } finally {
      await own.close();
    }
    const blobsBefore = await blobFiles(dataDir);
    expect(blobsBefore.length).toBeGreaterThan(0);
    // A wrong --metadata-url: an empty database, which the start would fill with a new account.
    await expect(startTestSeawall({ dataDir, env: { SEAWALL_METADATA_URL: otherUrl } })).rejects.toThrow(
      /not this installation's metadata/,
    );
    expect(await blobFiles(dataDir)).toEqual(blobsBefore);
    // Its own database again: the object is there.
    const again = await startTestSeawall({ dataDir, env: { SEAWALL_METADATA_URL: ownUrl } });
    try {
      const got = await again.s3().send(new GetObjectCommand({ Bucket: 'kept-bucket', Key: 'record.csv' }));
      expect(await got.Body?.transformToString()).toBe('a,b\n1,2\n');
    } finally {
      await again.close();
    }
  });
});
