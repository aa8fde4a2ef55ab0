import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { GetQueryExecutionCommand, ListQueryExecutionsCommand } from '@aws-sdk/client-athena';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateDatasetCommand,
  CreateRecipeCommand,
  CreateRecipeJobCommand,
  DataBrewClient,
  PublishRecipeCommand,
} from '@aws-sdk/client-databrew';
import { CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery } from './helpers/athena.js';
import { runToEnd } from './helpers/databrew.js';
import { clientConfig, csvTableCommand } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

/**
 * Where a dataset's values reach the data directory other than as objects: messages that quote a value (a cast
 * that failed, a line that did not parse), which Seawall keeps as metadata and as log lines. Each test puts a
 * marker in a value, makes something fail on it, stops the server (its logs are stored, its databases closed)
 * and searches every file of the data directory for the marker (encryption-at-rest.test.ts covers what a crawl,
 * a recipe job and a query that succeed leave).
 */

/** Files under `dir` whose bytes contain `needle` (read in chunks, a needle across two is still seen). */
async function filesContaining(dir: string, needle: Buffer): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    let tail = Buffer.alloc(0);
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      const window = Buffer.concat([tail, chunk as Buffer]);
      if (window.includes(needle)) {
        found.push(path);
        break;
      }
      tail = window.subarray(Math.max(0, window.length - needle.length + 1));
    }
  }
  return found;
}

describe('a value quoted in a message never reaches the data directory in plaintext', () => {
  const dirs: string[] = [];
  const running: TestSeawall[] = [];
  afterAll(async () => {
    for (const t of running) await t.close();
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  /** A server on a data directory of the test's own, which outlives it (to be searched, and started again). */
  async function start(dataDir?: string): Promise<TestSeawall> {
    const dir = dataDir ?? tempDir();
    if (!dataDir) dirs.push(dir);
    // Logged at info, as `seawall serve` is by default: its lines are kept in CloudWatch Logs (logs.db), as are
    // job runs' logs, written with each flush of the built-in metrics.
    const t = await startTestSeawall({
      dataDir: dir,
      logLevel: 'info',
      env: { SEAWALL_METRICS_FLUSH_SECONDS: '0.2' },
    });
    running.push(t);
    return t;
  }

  async function stop(t: TestSeawall): Promise<void> {
    running.splice(running.indexOf(t), 1);
    await t.close();
  }

  it("in a failed query's StateChangeReason, which still quotes it as Athena does, after a restart too", async () => {
    const marker = `plaintext-marker-${randomBytes(12).toString('hex')}`;
    const t = await start();
    const s3 = t.s3();
    const glue = new GlueClient(clientConfig(t));
    await s3.send(new CreateBucketCommand({ Bucket: 'marked' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'marked', Key: 'notes/rows.csv', Body: `id,note\n1,5\n2,${marker}\n` }),
    );
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'marked' } }));
    await glue.send(
      csvTableCommand('marked', 'notes', 's3://marked/notes/', [
        { Name: 'id', Type: 'int' },
        { Name: 'note', Type: 'string' },
      ]),
    );
    glue.destroy();
    const athena = athenaClient(t);
    // Trino quotes the value a cast or a parse failed on, and so does Athena's StateChangeReason.
    await expect(athenaQuery(athena, 'SELECT CAST(note AS integer) FROM notes', 'marked')).rejects.toThrow(
      `FAILED: INVALID_CAST_ARGUMENT: Cannot cast '${marker}' to INTEGER`,
    );
    await expect(athenaQuery(athena, 'SELECT json_parse(note) FROM notes', 'marked')).rejects.toThrow(marker);
    athena.destroy();
    await stop(t);
    expect(await filesContaining(t.dataDir, Buffer.from(marker))).toEqual([]);

    // Sealed, not lost: the next server on the directory answers the same reasons.
    const again = await start(t.dataDir);
    const next = athenaClient(again);
    try {
      const { QueryExecutionIds } = await next.send(new ListQueryExecutionsCommand({}));
      const reasons: string[] = [];
      for (const id of QueryExecutionIds ?? []) {
        const { QueryExecution } = await next.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
        reasons.push(QueryExecution?.Status?.StateChangeReason ?? '');
        expect(QueryExecution?.Status?.AthenaError?.ErrorMessage).toBe(
          QueryExecution?.Status?.StateChangeReason,
        );
      }
      expect(reasons).toHaveLength(2);
      expect(reasons).toContain(`INVALID_CAST_ARGUMENT: Cannot cast '${marker}' to INTEGER`);
      expect(reasons.filter((reason) => reason.includes(marker))).toHaveLength(2);
    } finally {
      next.destroy();
    }
  });

  it('in a recipe job run that failed on it: its ErrorMessage, its job log and the server log', async () => {
    const marker = `plaintext-marker-${randomBytes(12).toString('hex')}`;
    const t = await start();
    const s3 = t.s3();
    const databrew = new DataBrewClient(clientConfig(t));
    await s3.send(new CreateBucketCommand({ Bucket: 'marked' }));
    // A field the engine takes for a number from the first records, and a later record whose value is not one.
    const records: string[] = [];
    for (let i = 0; i < 30_000; i++) records.push(JSON.stringify({ id: i, amount: i }));
    records.push(JSON.stringify({ id: 30_000, amount: marker }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'marked', Key: 'raw/records.json', Body: `${records.join('\n')}\n` }),
    );
    await databrew.send(
      new CreateRecipeCommand({
        Name: 'dedupe',
        Steps: [{ Action: { Operation: 'DELETE_DUPLICATE_ROWS', Parameters: {} } }],
      }),
    );
    await databrew.send(new PublishRecipeCommand({ Name: 'dedupe' }));
    await databrew.send(
      new CreateDatasetCommand({
        Name: 'records',
        Format: 'JSON',
        Input: { S3InputDefinition: { Bucket: 'marked', Key: 'raw/' } },
      }),
    );
    await databrew.send(
      new CreateRecipeJobCommand({
        Name: 'marked-job',
        RoleArn: await t.serviceRole(),
        DatasetName: 'records',
        RecipeReference: { Name: 'dedupe', RecipeVersion: '1.0' },
        Outputs: [{ Location: { Bucket: 'marked', Key: 'curated/' }, Format: 'CSV', Overwrite: true }],
      }),
    );
    const run = await runToEnd(databrew, 'marked-job');
    expect(run.State).toBe('FAILED');
    // What the engine said is the run's ErrorMessage, and it quotes the value.
    expect(run.ErrorMessage).toContain(marker);
    databrew.destroy();
    // Its job log is written before the server stops.
    const logs = new CloudWatchLogsClient(clientConfig(t));
    try {
      const ended = async () => {
        const { events } = await logs.send(
          new GetLogEventsCommand({
            logGroupName: '/aws-glue-databrew/jobs/marked-job',
            logStreamName: run.RunId,
            startFromHead: true,
          }),
        );
        return events?.map((event) => event.message ?? '').find((message) => message.includes(' ended '));
      };
      await expect
        .poll(() => ended().catch(() => undefined), { timeout: 30_000, interval: 100 })
        .toBeDefined();
      // It says how the run ended; the run's ErrorMessage is DescribeJobRun's to give.
      expect(await ended()).toMatch(/^Job run db_\w+ of marked-job ended FAILED after [\d.]+ s\.$/);
    } finally {
      logs.destroy();
    }
    await stop(t);
    expect(await filesContaining(t.dataDir, Buffer.from(marker))).toEqual([]);
  });
});
