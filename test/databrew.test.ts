import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateDatasetCommand,
  CreateRecipeCommand,
  CreateRecipeJobCommand,
  DataBrewClient,
  DescribeJobCommand,
  DescribeJobRunCommand,
  DescribeRecipeCommand,
  ListJobRunsCommand,
  ListJobsCommand,
  ListRecipesCommand,
  PublishRecipeCommand,
  StartJobRunCommand,
} from '@aws-sdk/client-databrew';
import { GetPartitionsCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery } from './helpers/athena.js';
import { awsCli } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let databrew: DataBrewClient;
let glue: GlueClient;
let s3: S3Client;

const steps = [
  { Action: { Operation: 'RENAME', Parameters: { sourceColumn: 'Kind', targetColumn: 'kind' } } },
  { Action: { Operation: 'TRIM', Parameters: { sourceColumn: 'kind', targetColumn: 'kind' } } },
  { Action: { Operation: 'UPPER_CASE', Parameters: { sourceColumn: 'kind' } } },
  { Action: { Operation: 'FILL_WITH_CUSTOM', Parameters: { sourceColumn: 'fee', value: '0' } } },
  {
    Action: {
      Operation: 'CHANGE_DATA_TYPE',
      Parameters: { sourceColumn: 'issued', columnDataType: 'timestamp' },
    },
  },
  { Action: { Operation: 'YEAR', Parameters: { sourceColumn: 'issued', targetColumn: 'year' } } },
  { Action: { Operation: 'DELETE_DUPLICATE_ROWS', Parameters: {} } },
];

async function runJob(name: string) {
  const { RunId } = await databrew.send(new StartJobRunCommand({ Name: name }));
  for (;;) {
    const run = await databrew.send(new DescribeJobRunCommand({ Name: name, RunId }));
    if (['SUCCEEDED', 'FAILED', 'STOPPED'].includes(run.State ?? '')) return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  t = await startTestSeawall();
  const common = {
    endpoint: t.url,
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
  };
  databrew = new DataBrewClient(common);
  glue = new GlueClient(common);
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'permits' }));
  const rows = [
    'id;Kind;fee;issued',
    '1; fence ;12.5;2023-12-31T23:30:00-08:00',
    '2;deck;;2024-02-01T10:00:00-08:00',
    '2;deck;;2024-02-01T10:00:00-08:00',
    '3;Shed;7;2024-03-01T00:00:00Z',
  ];
  await s3.send(
    new PutObjectCommand({ Bucket: 'permits', Key: 'raw/permits.csv', Body: `${rows.join('\r\n')}\r\n` }),
  );
});
afterAll(async () => {
  databrew.destroy();
  glue.destroy();
  await t.close();
});

describe('DataBrew API', () => {
  it('validates recipes, naming the step at fault', async () => {
    const bad = databrew.send(
      new CreateRecipeCommand({
        Name: 'bad',
        Steps: [steps[0] as never, { Action: { Operation: 'LAUNCH_ROCKETS', Parameters: {} } }],
      }),
    );
    await expect(bad).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/Step 2 \(LAUNCH_ROCKETS\)/),
    });
    const missing = databrew.send(
      new CreateRecipeCommand({
        Name: 'bad2',
        Steps: [{ Action: { Operation: 'FILL_WITH_CUSTOM', Parameters: { sourceColumn: 'x' } } }],
      }),
    );
    await expect(missing).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/Step 1 \(FILL_WITH_CUSTOM\).*value/),
    });
    await expect(databrew.send(new DescribeRecipeCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('runs a recipe job into zstd Parquet, Hive-partitioned, and registers the table', async () => {
    await databrew.send(new CreateRecipeCommand({ Name: 'permits-clean', Steps: steps as never }));
    await expect(
      databrew.send(new CreateRecipeCommand({ Name: 'permits-clean', Steps: steps as never })),
    ).rejects.toMatchObject({ name: 'ConflictException' });
    await databrew.send(new PublishRecipeCommand({ Name: 'permits-clean' }));
    const published = await databrew.send(
      new DescribeRecipeCommand({ Name: 'permits-clean', RecipeVersion: '1.0' }),
    );
    expect(published.Steps).toHaveLength(steps.length);
    await databrew.send(
      new CreateDatasetCommand({
        Name: 'permits-raw',
        Format: 'CSV',
        FormatOptions: { Csv: { Delimiter: ';', HeaderRow: true } },
        Input: { S3InputDefinition: { Bucket: 'permits', Key: 'raw/' } },
      }),
    );
    const location = { Bucket: 'permits', Key: 'curated/permits/' };
    await databrew.send(
      new CreateRecipeJobCommand({
        Name: 'permits-job',
        RoleArn: await t.serviceRole(),
        DatasetName: 'permits-raw',
        RecipeReference: { Name: 'permits-clean', RecipeVersion: '1.0' },
        Outputs: [
          {
            Location: location,
            Format: 'PARQUET',
            CompressionFormat: 'ZSTD',
            PartitionColumns: ['year'],
            Overwrite: true,
          },
        ],
        DataCatalogOutputs: [
          { DatabaseName: 'civic', TableName: 'permits', S3Options: { Location: location } },
        ],
      }),
    );
    const run = await runJob('permits-job');
    expect(run.ErrorMessage ?? '').toBe('');
    expect(run.State).toBe('SUCCEEDED');
    const keys =
      (
        await s3.send(new ListObjectsV2Command({ Bucket: 'permits', Prefix: 'curated/permits/' }))
      ).Contents?.map((c) => c.Key) ?? [];
    expect(keys.some((k) => k?.startsWith('curated/permits/year=2024/'))).toBe(true);
    expect(keys.some((k) => k?.startsWith('curated/permits/year=2023/'))).toBe(false);

    // The bytes really are zstd Parquet: DuckDB reads the file's own metadata.
    const object = await s3.send(new GetObjectCommand({ Bucket: 'permits', Key: keys[0] as string }));
    const file = join(tempDir('seawall-parquet-'), 'part.parquet');
    writeFileSync(file, await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    const meta = (
      await c.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`)
    ).getRowsJson();
    c.closeSync();
    expect(meta).toEqual([['ZSTD']]);

    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'civic', Name: 'permits' }));
    expect(Table?.PartitionKeys).toEqual([{ Name: 'year', Type: 'int' }]);
    expect(Table?.StorageDescriptor?.Columns?.map((col) => `${col.Name}:${col.Type}`)).toEqual([
      'id:bigint',
      'kind:string',
      'fee:double',
      'issued:timestamp',
    ]);
    expect(
      (
        await glue.send(new GetPartitionsCommand({ DatabaseName: 'civic', TableName: 'permits' }))
      ).Partitions?.map((p) => p.Values),
    ).toEqual([['2024']]);

    const rows = await athenaQuery(
      athenaClient(t),
      'SELECT id, kind, fee, issued, year FROM civic.permits ORDER BY id',
    );
    expect(rows).toEqual([
      ['id', 'kind', 'fee', 'issued', 'year'],
      ['1', 'FENCE', '12.5', '2024-01-01 07:30:00.000', '2024'],
      ['2', 'DECK', '0.0', '2024-02-01 18:00:00.000', '2024'],
      ['3', 'SHED', '7.0', '2024-03-01 00:00:00.000', '2024'],
    ]);

    // A second run overwrites: the same rows, no duplicates.
    expect((await runJob('permits-job')).State).toBe('SUCCEEDED');
    expect((await athenaQuery(athenaClient(t), 'SELECT count(*) FROM civic.permits'))[1]).toEqual(['3']);
    expect((await databrew.send(new ListJobRunsCommand({ Name: 'permits-job' }))).JobRuns).toHaveLength(2);
  });

  it('fails a run with a clear error when the recipe does not fit the data', async () => {
    await databrew.send(
      new CreateRecipeCommand({
        Name: 'wrong-columns',
        Steps: [{ Action: { Operation: 'UPPER_CASE', Parameters: { sourceColumn: 'no_such_column' } } }],
      }),
    );
    await databrew.send(
      new CreateRecipeJobCommand({
        Name: 'wrong-job',
        RoleArn: await t.serviceRole(),
        DatasetName: 'permits-raw',
        RecipeReference: { Name: 'wrong-columns', RecipeVersion: 'LATEST_WORKING' },
        Outputs: [{ Location: { Bucket: 'permits', Key: 'wrong/' }, Format: 'PARQUET' }],
      }),
    );
    const run = await runJob('wrong-job');
    expect(run.State).toBe('FAILED');
    expect(run.ErrorMessage).toMatch(/Step 1 \(UPPER_CASE\).*no_such_column/);
  });
});

describe('DataBrew refuses what Seawall does not implement', () => {
  async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await promise;
    } catch (error) {
      return { code: (error as Error).name, message: (error as Error).message };
    }
    throw new Error('expected a refusal');
  }
  const location = { Bucket: 'permits', Key: 'refused/' };
  const job = {
    Name: 'refused-job',
    RoleArn: 'arn:aws:iam::000000000000:role/brew',
    DatasetName: 'permits-raw',
    RecipeReference: { Name: 'permits-clean', RecipeVersion: '1.0' },
    Outputs: [{ Location: location, Format: 'PARQUET' as const }],
  };

  it('refuses job settings it would not honour, and creates no job', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ EncryptionMode: 'SSE-S3' }, /EncryptionMode member of CreateRecipeJob is not implemented/],
      [{ EncryptionKeyArn: 'arn:aws:kms:ca-west-1:000000000000:key/x' }, /EncryptionKeyArn/],
      [{ LogSubscription: 'ENABLE' }, /LogSubscription ENABLE/],
      [{ Timeout: -5 }, /Timeout must be a whole number of minutes/],
      [{ MaxRetries: 2 }, /MaxRetries/],
      [{ ProjectName: 'p' }, /ProjectName/],
      [{ Outputs: [{ Location: location, Format: 'PARQUET', MaxOutputFiles: 1 }] }, /Outputs.MaxOutputFiles/],
      [
        { Outputs: [{ Location: location, Format: 'CSV', FormatOptions: { Csv: { Delimiter: ';' } } }] },
        /FormatOptions/,
      ],
      [{ Outputs: [{ Location: location, Format: 'AVRO' }] }, /Outputs.Format AVRO/],
      [
        { Outputs: [{ Location: location }, { Location: { Bucket: 'permits', Key: 'b/' } }] },
        /More than one/,
      ],
      [
        {
          DataCatalogOutputs: [
            {
              DatabaseName: 'civic',
              TableName: 't',
              S3Options: { Location: { Bucket: 'permits', Key: 'other/' } },
            },
          ],
        },
        /different from the Outputs location/,
      ],
    ];
    for (const [input, message] of cases) {
      const answer = await refusal(databrew.send(new CreateRecipeJobCommand({ ...job, ...input } as never)));
      expect(answer.code, JSON.stringify(input)).toBe('ValidationException');
      expect(answer.message).toMatch(message);
      expect((await refusal(databrew.send(new DescribeJobCommand({ Name: 'refused-job' })))).code).toBe(
        'ResourceNotFoundException',
      );
    }
    expect(
      (
        await refusal(
          databrew.send(new CreateRecipeCommand({ Name: 'tagged', Steps: steps as never, Tags: { a: 'b' } })),
        )
      ).message,
    ).toMatch(/Tags member of CreateRecipe/);
    const dataset = (extra: Record<string, unknown>) =>
      refusal(
        databrew.send(
          new CreateDatasetCommand({
            Name: 'refused-dataset',
            Input: { S3InputDefinition: { Bucket: 'permits', Key: 'raw/' } },
            ...extra,
          } as never),
        ),
      );
    expect((await dataset({ Format: 'EXCEL' })).message).toMatch(/Format EXCEL/);
    expect((await dataset({ PathOptions: { FilesLimit: { MaxFiles: 1 } } })).message).toMatch(
      /PathOptions member/,
    );
    expect((await dataset({ FormatOptions: { Excel: { HeaderRow: true } } })).message).toMatch(
      /FormatOptions.Excel/,
    );
    const cli = await awsCli(t.dataDir, t.url, [
      'databrew',
      'create-recipe-job',
      '--name',
      'cli-encrypted',
      '--role-arn',
      'arn:aws:iam::000000000000:role/brew',
      '--dataset-name',
      'permits-raw',
      '--recipe-reference',
      'Name=permits-clean,RecipeVersion=1.0',
      '--outputs',
      'Location={Bucket=permits,Key=cli/}',
      '--encryption-mode',
      'SSE-S3',
    ]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('(ValidationException)');
  });

  it('keeps what it accepts (RoleArn, MaxCapacity, tags) and honours list filters and pages', async () => {
    const role = await t.serviceRole();
    await databrew.send(
      new CreateRecipeJobCommand({
        ...job,
        RoleArn: role,
        Name: 'kept-job',
        MaxCapacity: 2,
        LogSubscription: 'DISABLE',
        Tags: { team: 'permits' },
      }),
    );
    const described = await databrew.send(new DescribeJobCommand({ Name: 'kept-job' }));
    expect([described.RoleArn, described.MaxCapacity, described.Tags]).toEqual([
      role,
      2,
      { team: 'permits' },
    ]);
    const byDataset = await databrew.send(new ListJobsCommand({ DatasetName: 'no-such-dataset' }));
    expect(byDataset.Jobs).toEqual([]);
    const page = await databrew.send(new ListRecipesCommand({ MaxResults: 1 }));
    expect(page.Recipes).toHaveLength(1);
    expect(page.NextToken).toBeDefined();
  });
});
