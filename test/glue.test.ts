import { createReadStream, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchDeleteTableCommand,
  BatchGetPartitionCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeletePartitionCommand,
  DeleteTableCommand,
  GetCrawlerCommand,
  GetCrawlersCommand,
  GetDatabaseCommand,
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  GetTableVersionsCommand,
  GlueClient,
  ListCrawlersCommand,
  StartCrawlerCommand,
  UpdatePartitionCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { SAMPLE_FILES } from './helpers/vancouver.js';

let t: TestSeawall;
let glue: GlueClient;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  glue = new GlueClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
  });
});
afterAll(async () => {
  glue.destroy();
  await t.close();
});

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error('expected a failure');
}

async function crawlAndWait(name: string): Promise<void> {
  await glue.send(new StartCrawlerCommand({ Name: name }));
  for (let i = 0; i < 600; i++) {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
    if (Crawler?.State === 'READY') {
      expect(Crawler.LastCrawl?.ErrorMessage ?? '').toBe('');
      expect(Crawler.LastCrawl?.Status).toBe('SUCCEEDED');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('crawler did not finish');
}

async function put(bucket: string, key: string, body: Buffer | string, metadata?: Record<string, string>) {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ...(metadata ? { Metadata: metadata } : {}),
    }),
  );
}

describe('Glue Data Catalog API', () => {
  it('manages databases and tables with versions, in Glue shapes and errors', async () => {
    await glue.send(
      new CreateDatabaseCommand({ DatabaseInput: { Name: 'Civic', Description: 'city data' } }),
    );
    expect(await failure(glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'civic' } })))).toBe(
      'AlreadyExistsException',
    );
    const { Database } = await glue.send(new GetDatabaseCommand({ Name: 'civic' }));
    expect(Database).toMatchObject({
      Name: 'civic',
      Description: 'city data',
      CatalogId: t.credentials.accountId,
    });
    expect(Database?.CreateTime).toBeInstanceOf(Date);
    expect((await glue.send(new GetDatabasesCommand({}))).DatabaseList?.map((d) => d.Name)).toContain(
      'civic',
    );
    expect(await failure(glue.send(new GetDatabaseCommand({ Name: 'nope' })))).toBe(
      'EntityNotFoundException',
    );

    const tableInput = {
      Name: 'Permits',
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'csv' },
      PartitionKeys: [{ Name: 'year', Type: 'int' }],
      StorageDescriptor: {
        Columns: [
          { Name: 'id', Type: 'bigint' },
          { Name: 'kind', Type: 'string' },
        ],
        Location: 's3://civic/permits/',
      },
    };
    await glue.send(new CreateTableCommand({ DatabaseName: 'civic', TableInput: tableInput }));
    expect(
      await failure(glue.send(new CreateTableCommand({ DatabaseName: 'civic', TableInput: tableInput }))),
    ).toBe('AlreadyExistsException');
    expect(
      await failure(glue.send(new CreateTableCommand({ DatabaseName: 'nodb', TableInput: tableInput }))),
    ).toBe('EntityNotFoundException');
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'civic', Name: 'permits' }));
    expect(Table).toMatchObject({
      Name: 'permits',
      DatabaseName: 'civic',
      VersionId: '1',
      StorageDescriptor: { Location: 's3://civic/permits/' },
    });
    await glue.send(
      new UpdateTableCommand({
        DatabaseName: 'civic',
        TableInput: {
          ...tableInput,
          StorageDescriptor: {
            ...tableInput.StorageDescriptor,
            Columns: [...tableInput.StorageDescriptor.Columns, { Name: 'fee', Type: 'double' }],
          },
        },
      }),
    );
    const versions = await glue.send(
      new GetTableVersionsCommand({ DatabaseName: 'civic', TableName: 'permits' }),
    );
    expect(versions.TableVersions?.map((v) => v.VersionId)).toEqual(['2', '1']);
    expect(versions.TableVersions?.[1]?.Table?.StorageDescriptor?.Columns).toHaveLength(2);

    const batch = await glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'civic',
        TableName: 'permits',
        PartitionInputList: [
          { Values: ['2023'] },
          { Values: ['2024'] },
          { Values: ['2024'] },
          { Values: ['2024', 'extra'] },
        ],
      }),
    );
    expect(batch.Errors?.map((e) => e.ErrorDetail?.ErrorCode)).toEqual([
      'AlreadyExistsException',
      'InvalidInputException',
    ]);
    expect(
      (
        await glue.send(new GetPartitionsCommand({ DatabaseName: 'civic', TableName: 'permits' }))
      ).Partitions?.map((p) => p.Values),
    ).toEqual([['2023'], ['2024']]);
    await glue.send(
      new DeletePartitionCommand({ DatabaseName: 'civic', TableName: 'permits', PartitionValues: ['2023'] }),
    );
    await glue.send(new DeleteTableCommand({ DatabaseName: 'civic', Name: 'permits' }));
    expect(await failure(glue.send(new GetTableCommand({ DatabaseName: 'civic', Name: 'permits' })))).toBe(
      'EntityNotFoundException',
    );
    expect(
      await failure(glue.send(new CreateTableCommand({ DatabaseName: 'civic', TableInput: { Name: '' } }))),
    ).toBe('InvalidInputException');
  });

  it('reads, moves and deletes partitions in batches, and deletes tables in a batch', async () => {
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'batches' } }));
    for (const Name of ['a', 'b'])
      await glue.send(
        new CreateTableCommand({
          DatabaseName: 'batches',
          TableInput: {
            Name,
            StorageDescriptor: { Columns: [{ Name: 'x', Type: 'string' }], Location: 's3://lake/a/' },
            PartitionKeys: [{ Name: 'year', Type: 'string' }],
          },
        }),
      );
    const table = { DatabaseName: 'batches', TableName: 'a' };
    await glue.send(
      new BatchCreatePartitionCommand({
        ...table,
        PartitionInputList: ['2022', '2023', '2024'].map((year) => ({
          Values: [year],
          StorageDescriptor: { Location: `s3://lake/a/year=${year}/` },
        })),
      }),
    );
    // GetPartitions with an Expression filters on the keys, and pages what passes.
    const filtered = async (Expression: string, MaxResults?: number, NextToken?: string) =>
      glue.send(new GetPartitionsCommand({ ...table, Expression, MaxResults, NextToken }));
    expect((await filtered("year >= '2023'")).Partitions?.map((p) => p.Values)).toEqual([['2023'], ['2024']]);
    const first = await filtered("year IN ('2022', '2024')", 1);
    expect(first.Partitions?.map((p) => p.Values)).toEqual([['2022']]);
    const second = await filtered("year IN ('2022', '2024')", 1, first.NextToken);
    expect(second.Partitions?.map((p) => p.Values)).toEqual([['2024']]);
    expect(await failure(filtered("colour = 'red'"))).toBe('InvalidInputException');
    for (const MaxResults of [0, -1, 1001])
      expect(await failure(filtered("year = '2024'", MaxResults))).toBe('InvalidInputException');
    const cli = await awsCli(t.dataDir, t.url, [
      'glue',
      'get-partitions',
      '--database-name',
      'batches',
      '--table-name',
      'a',
      '--expression',
      "year BETWEEN '2023' AND '2030' AND NOT year = '2024'",
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).Partitions.map((p: { Values: string[] }) => p.Values)).toEqual([['2023']]);

    const got = await glue.send(
      new BatchGetPartitionCommand({
        ...table,
        PartitionsToGet: [{ Values: ['2024'] }, { Values: ['1999'] }],
      }),
    );
    expect(got.Partitions?.map((p) => [p.Values, p.TableName, p.StorageDescriptor?.Location])).toEqual([
      [['2024'], 'a', 's3://lake/a/year=2024/'],
    ]);
    expect(got.UnprocessedKeys).toEqual([]);
    expect(
      await failure(
        glue.send(
          new BatchGetPartitionCommand({ ...table, TableName: 'c', PartitionsToGet: [{ Values: ['2024'] }] }),
        ),
      ),
    ).toBe('EntityNotFoundException');
    expect(await failure(glue.send(new BatchGetPartitionCommand({ ...table, PartitionsToGet: [] })))).toBe(
      'InvalidInputException',
    );

    // UpdatePartition replaces the definition; the values cannot change (Glue: delete and create instead).
    const created = (await glue.send(new GetPartitionsCommand(table))).Partitions?.[0]?.CreationTime;
    await glue.send(
      new UpdatePartitionCommand({
        ...table,
        PartitionValueList: ['2022'],
        PartitionInput: { Values: ['2022'], StorageDescriptor: { Location: 's3://lake/a/old/' } },
      }),
    );
    const updated = (await glue.send(new GetPartitionsCommand(table))).Partitions ?? [];
    expect(updated.map((p) => [p.Values, p.StorageDescriptor?.Location])).toEqual([
      [['2022'], 's3://lake/a/old/'],
      [['2023'], 's3://lake/a/year=2023/'],
      [['2024'], 's3://lake/a/year=2024/'],
    ]);
    expect(updated[0]?.CreationTime).toEqual(created);
    const update = (from: string, to: string[]) =>
      glue.send(
        new UpdatePartitionCommand({ ...table, PartitionValueList: [from], PartitionInput: { Values: to } }),
      );
    expect(await failure(update('1999', ['1999']))).toBe('EntityNotFoundException');
    expect(await failure(update('2022', ['2021']))).toBe('InvalidInputException');
    expect(await failure(update('2022', ['2022', 'x']))).toBe('InvalidInputException');

    const deleted = await glue.send(
      new BatchDeletePartitionCommand({
        ...table,
        PartitionsToDelete: [{ Values: ['2022'] }, { Values: ['1999'] }],
      }),
    );
    expect(deleted.Errors?.map((e) => [e.PartitionValues, e.ErrorDetail?.ErrorCode])).toEqual([
      [['1999'], 'EntityNotFoundException'],
    ]);
    expect((await glue.send(new GetPartitionsCommand(table))).Partitions?.map((p) => p.Values)).toEqual([
      ['2023'],
      ['2024'],
    ]);

    const dropped = await glue.send(
      new BatchDeleteTableCommand({ DatabaseName: 'batches', TablesToDelete: ['a', 'nope', 'b'] }),
    );
    expect(dropped.Errors?.map((e) => [e.TableName, e.ErrorDetail?.ErrorCode])).toEqual([
      ['nope', 'EntityNotFoundException'],
    ]);
    expect((await glue.send(new GetTablesCommand({ DatabaseName: 'batches' }))).TableList).toEqual([]);
    expect(
      await failure(
        glue.send(new BatchDeleteTableCommand({ DatabaseName: 'nowhere', TablesToDelete: ['a'] })),
      ),
    ).toBe('EntityNotFoundException');
  });

  it('answers JSON-protocol errors for bad requests and bad signatures', async () => {
    const body = '{not json';
    const headers = await signedHeaders(t, {
      method: 'POST',
      path: '/',
      service: 'glue',
      body,
      headers: { 'x-amz-target': 'AWSGlue.GetDatabases', 'content-type': 'application/x-amz-json-1.1' },
    });
    const bad = await rawRequest(t.url, { method: 'POST', path: '/', headers, body });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).__type).toBe('SerializationException');
    const unknownHeaders = await signedHeaders(t, {
      method: 'POST',
      path: '/',
      service: 'glue',
      body: '{}',
      headers: { 'x-amz-target': 'AWSGlue.LaunchRockets', 'content-type': 'application/x-amz-json-1.1' },
    });
    const unknown = await rawRequest(t.url, {
      method: 'POST',
      path: '/',
      headers: unknownHeaders,
      body: '{}',
    });
    expect(unknown.headers['x-amzn-errortype']).toBe('UnknownOperationException');
    const wrong = new GlueClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: 'wrong' },
    });
    expect(await failure(wrong.send(new GetDatabasesCommand({})))).toBe('InvalidSignatureException');
    const unknownKey = new GlueClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' },
    });
    expect(await failure(unknownKey.send(new GetDatabasesCommand({})))).toBe('UnrecognizedClientException');
    // The JSON services' wording, not S3's ("does not exist in our records").
    expect(await unknownKey.send(new GetDatabasesCommand({})).catch((error: Error) => error.message)).toBe(
      'The security token included in the request is invalid.',
    );
    wrong.destroy();
    unknownKey.destroy();
  });
});

describe('crawlers', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'raw' }));
    const upload = async (key: string, file: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: 'raw',
          Key: key,
          Body: createReadStream(file),
          ContentLength: statSync(file).size,
        }),
      );
    await upload(
      'vancouver/parking_tickets/parking_tickets_2023_2024_sample.jsonl',
      SAMPLE_FILES.parking_tickets,
    );
    await upload(
      'vancouver/lost_animals/animal-control-inventory-lost-and-found.csv',
      SAMPLE_FILES.lost_animals,
    );
    await upload('vancouver/service_requests_311/raw_311.csv', SAMPLE_FILES.service_requests_311);
    await upload(
      'vancouver/business_licences/business-licences-restaurants.csv',
      SAMPLE_FILES.business_licences,
    );
    // Hive partitions, gzip, Parquet, quoted multi-line fields, a header-less file.
    const bom = '\ufeff';
    await put(
      'raw',
      'shapes/permits/year=2023/part-0.csv',
      `${bom}id;kind;fee\r\n1;"Fence";12.5\r\n2;"Deck, ""large""";40\r\n`,
    );
    await put('raw', 'shapes/permits/year=2024/part-0.csv', `${bom}id;kind;fee\r\n3;"Shed";7.25\r\n`);
    await put(
      'raw',
      'shapes/notes/notes.csv.gz',
      gzipSync('id,note,created\n1,"first line\nsecond line",2024-02-01\n2,plain,2024-03-05\n'),
    );
    await put(
      'raw',
      'shapes/headless/data.csv',
      '10,alpha,2024-01-01\n20,beta,2024-01-02\n30,gamma,2024-01-03\n',
    );
    const dir = tempDir('seawall-parquet-');
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    await c.run(
      `COPY (SELECT range AS n, 'v' || range AS label, DATE '2024-01-01' + CAST(range AS INTEGER) AS day FROM range(50)) TO '${dir}/x.parquet' (FORMAT parquet)`,
    );
    c.closeSync();
    await put('raw', 'shapes/measures/x.parquet', (await import('node:fs')).readFileSync(`${dir}/x.parquet`));
  });

  it('infers the Vancouver samples: delimiters, BOM, CRLF, JSON Lines and types', async () => {
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'vancouver-raw',
        Role: await t.serviceRole(),
        DatabaseName: 'vancouver_raw',
        Targets: { S3Targets: [{ Path: 's3://raw/vancouver/' }] },
      }),
    );
    await crawlAndWait('vancouver-raw');
    const tables = (await glue.send(new GetTablesCommand({ DatabaseName: 'vancouver_raw' }))).TableList ?? [];
    expect(tables.map((x) => x.Name)).toEqual([
      'business_licences',
      'lost_animals',
      'parking_tickets',
      'service_requests_311',
    ]);
    const byName: Record<string, (typeof tables)[number]> = Object.fromEntries(
      tables.map((x) => [x.Name, x]),
    );
    const columns = (name: string) =>
      Object.fromEntries((byName[name]?.StorageDescriptor?.Columns ?? []).map((col) => [col.Name, col.Type]));
    expect(byName.parking_tickets?.Parameters?.classification).toBe('json');
    expect(columns('parking_tickets')).toMatchObject({
      Block: 'bigint',
      Street: 'string',
      EntryDate: 'date',
      Bylaw: 'bigint',
      Section: 'string',
      BI_ID: 'bigint',
    });
    expect(byName.lost_animals?.Parameters).toMatchObject({
      classification: 'csv',
      delimiter: ';',
      'skip.header.line.count': '1',
    });
    expect(Object.keys(columns('lost_animals'))).toEqual(['Breed', 'Color', 'Date', 'Name', 'Sex', 'State']);
    expect(columns('lost_animals').Date).toBe('date');
    expect(byName.service_requests_311?.Parameters?.delimiter).toBe(',');
    expect(Object.keys(columns('service_requests_311'))).toContain('service_request_open_timestamp');
    expect(Object.keys(columns('business_licences'))[0]).toBe('FOLDERYEAR');
    expect(columns('business_licences')).toHaveProperty('geo_point_2d');
    expect(byName.business_licences?.StorageDescriptor?.Location).toBe(
      's3://raw/vancouver/business_licences/',
    );
  });

  it('infers hive partitions, gzip, Parquet, multi-line fields and header-less files, and versions changed tables', async () => {
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'shapes',
        Role: await t.serviceRole(),
        DatabaseName: 'shapes',
        TablePrefix: 'raw_',
        Targets: { S3Targets: [{ Path: 's3://raw/shapes/' }] },
      }),
    );
    await crawlAndWait('shapes');
    const get = async (name: string) =>
      (await glue.send(new GetTableCommand({ DatabaseName: 'shapes', Name: name }))).Table;
    const permits = await get('raw_permits');
    expect(permits?.PartitionKeys).toEqual([{ Name: 'year', Type: 'int' }]);
    expect(permits?.StorageDescriptor?.Columns?.map((c) => `${c.Name}:${c.Type}`)).toEqual([
      'id:bigint',
      'kind:string',
      'fee:double',
    ]);
    const partitions = await glue.send(
      new GetPartitionsCommand({ DatabaseName: 'shapes', TableName: 'raw_permits' }),
    );
    expect(partitions.Partitions?.map((p) => [p.Values, p.StorageDescriptor?.Location])).toEqual([
      [['2023'], 's3://raw/shapes/permits/year=2023/'],
      [['2024'], 's3://raw/shapes/permits/year=2024/'],
    ]);
    const notes = await get('raw_notes');
    expect(notes?.Parameters?.compressionType).toBe('gzip');
    expect(notes?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual(['id', 'note', 'created']);
    expect(
      (await get('raw_measures'))?.StorageDescriptor?.Columns?.map((c) => `${c.Name}:${c.Type}`),
    ).toEqual(['n:bigint', 'label:string', 'day:date']);
    const headless = await get('raw_headless');
    expect(headless?.Parameters?.['skip.header.line.count']).toBe('0');
    expect(headless?.StorageDescriptor?.Columns).toHaveLength(3);

    // A new column in new files: the crawl updates the table and keeps the previous definition.
    await put('raw', 'shapes/permits/year=2025/part-0.csv', 'id;kind;fee;inspector\r\n4;Pool;99;Lee\r\n');
    await put('raw', 'shapes/permits/year=2023/part-0.csv', 'id;kind;fee;inspector\r\n1;Fence;12.5;Kim\r\n');
    await crawlAndWait('shapes');
    const versions = await glue.send(
      new GetTableVersionsCommand({ DatabaseName: 'shapes', TableName: 'raw_permits' }),
    );
    expect(versions.TableVersions?.length).toBe(2);
    expect(versions.TableVersions?.[0]?.Table?.StorageDescriptor?.Columns?.map((c) => c.Name)).toContain(
      'inspector',
    );
    expect(versions.TableVersions?.[1]?.Table?.StorageDescriptor?.Columns?.map((c) => c.Name)).not.toContain(
      'inspector',
    );
    expect(
      (await glue.send(new GetPartitionsCommand({ DatabaseName: 'shapes', TableName: 'raw_permits' })))
        .Partitions,
    ).toHaveLength(3);
    const crawlers = await glue.send(new GetCrawlersCommand({}));
    expect(crawlers.Crawlers?.map((c) => c.Name)).toEqual(['shapes', 'vancouver-raw']);
    expect(
      await failure(
        glue.send(
          new CreateCrawlerCommand({
            Name: 'bad',
            Role: 'r',
            Targets: { S3Targets: [{ Path: 'file:///etc' }] },
          }),
        ),
      ),
    ).toBe('InvalidInputException');
  });

  it('matches GetTables expressions in linear time, and refuses what it cannot match', async () => {
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'patterns' } }));
    for (const name of [`${'a'.repeat(40)}-`, 'parking_tickets', 'parking_2024'])
      await glue.send(
        new CreateTableCommand({
          DatabaseName: 'patterns',
          TableInput: { Name: name, StorageDescriptor: { Columns: [{ Name: 'x', Type: 'string' }] } },
        }),
      );
    const names = async (Expression: string) =>
      ((await glue.send(new GetTablesCommand({ DatabaseName: 'patterns', Expression }))).TableList ?? []).map(
        (table) => table.Name,
      );
    // A backtracking matcher takes hours on this pattern and name; the server must answer at once.
    expect(await names('(a+)+')).toEqual([]);
    expect(await names('(a+)+-')).toEqual([`${'a'.repeat(40)}-`]);
    expect((await names('parking.*')).sort()).toEqual(['parking_2024', 'parking_tickets']);
    expect(await names('parking_(tickets|x)')).toEqual(['parking_tickets']);
    // Wildcards as awswrangler writes them (name_contains, name_prefix), and any case.
    expect(await names('*tickets*')).toEqual(['parking_tickets']);
    expect((await names('parking*')).sort()).toEqual(['parking_2024', 'parking_tickets']);
    expect(await names('PARKING_2*')).toEqual(['parking_2024']);
    expect(await names('parking_[0-9]*')).toEqual(['parking_2024']);
    expect(await names('parking')).toEqual([]);
    // A * inside a character class, escaped, or after a quantifier is the regular expression's own.
    expect(await names('parking_[0-9*]+')).toEqual(['parking_2024']);
    expect(await names('parking\\*')).toEqual([]);
    expect(await names('**tickets')).toEqual(['parking_tickets']);
    expect(
      await failure(glue.send(new GetTablesCommand({ DatabaseName: 'patterns', Expression: '(a' }))),
    ).toBe('InvalidInputException');
    expect(
      await failure(
        glue.send(new GetTablesCommand({ DatabaseName: 'patterns', Expression: 'a'.repeat(2049) })),
      ),
    ).toBe('InvalidInputException');
  });

  it('applies crawler exclusions in linear time', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'globs' }));
    await put('globs', `lake/data/${'a'.repeat(900)}.csv`, 'id\n1\n');
    await put('globs', 'lake/skip/x.csv', 'id\n2\n');
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'globs',
        Role: await t.serviceRole(),
        DatabaseName: 'globs',
        // As a backtracking RegExp, the first pattern against that key takes longer than anyone waits.
        Targets: {
          S3Targets: [{ Path: 's3://globs/lake/', Exclusions: [`${'**a'.repeat(12)}**c`, 'skip/**'] }],
        },
      }),
    );
    await crawlAndWait('globs');
    const { TableList } = await glue.send(new GetTablesCommand({ DatabaseName: 'globs' }));
    expect(TableList?.map((table) => table.Name)).toEqual(['data']);
  });

  it('works from the aws cli', async () => {
    const out = await awsCli(t.dataDir, t.url, ['glue', 'get-tables', '--database-name', 'vancouver_raw']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).TableList.map((x: { Name: string }) => x.Name)).toContain(
      'parking_tickets',
    );
    const missing = await awsCli(t.dataDir, t.url, [
      'glue',
      'get-table',
      '--database-name',
      'vancouver_raw',
      '--name',
      'nope',
    ]);
    expect(missing.stderr).toContain('EntityNotFoundException');
  });
});

describe('Glue refuses what Seawall does not implement', () => {
  /** The code and message of a refused call. */
  async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await promise;
    } catch (error) {
      return { code: (error as Error).name, message: (error as Error).message };
    }
    throw new Error('expected a refusal');
  }

  const crawler = {
    Role: 'r',
    DatabaseName: 'refused',
    Targets: { S3Targets: [{ Path: 's3://lake/raw/' }] },
  };

  it('refuses crawler settings it would not honour, and creates no crawler', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ Schedule: 'cron(0 * * * ? *)' }, /Schedule member of CreateCrawler is not implemented/],
      [{ Configuration: '{"Version":1.0}' }, /Configuration member/],
      [{ Classifiers: ['mine'] }, /Classifiers member/],
      [{ LakeFormationConfiguration: { UseLakeFormationCredentials: true } }, /LakeFormationConfiguration/],
      [{ CrawlerSecurityConfiguration: 'sec' }, /CrawlerSecurityConfiguration/],
      [{ RecrawlPolicy: { RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' } }, /CRAWL_EVERYTHING is the only/],
      [{ SchemaChangePolicy: { UpdateBehavior: 'LOG' } }, /UPDATE_IN_DATABASE is the only/],
      [
        { SchemaChangePolicy: { DeleteBehavior: 'DELETE_FROM_DATABASE' } },
        /SchemaChangePolicy.DeleteBehavior/,
      ],
      [{ Targets: { JdbcTargets: [{ ConnectionName: 'db' }] } }, /Targets.JdbcTargets is not implemented/],
      [{ Targets: { S3Targets: [{ Path: 's3://lake/raw/', SampleSize: 3 }] } }, /S3Targets.0.SampleSize/],
      [{ CatalogId: '999999999999' }, /not authorized to perform: glue:CreateCrawler/],
    ];
    for (const [input, message] of cases) {
      const answer = await refusal(
        glue.send(new CreateCrawlerCommand({ ...crawler, Name: 'refused', ...input })),
      );
      expect(answer.code, JSON.stringify(input)).toBe(
        'CatalogId' in input ? 'AccessDeniedException' : 'InvalidInputException',
      );
      expect(answer.message).toMatch(message);
      expect(await failure(glue.send(new GetCrawlerCommand({ Name: 'refused' })))).toBe(
        'EntityNotFoundException',
      );
    }
  });

  it('accepts what the crawler does, and filters crawlers by tag', async () => {
    await glue.send(
      new CreateCrawlerCommand({
        ...crawler,
        Name: 'tagged',
        RecrawlPolicy: { RecrawlBehavior: 'CRAWL_EVERYTHING' },
        SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE' },
        Tags: { team: 'parks' },
        CatalogId: t.credentials.accountId,
      }),
    );
    expect((await glue.send(new ListCrawlersCommand({ Tags: { team: 'parks' } }))).CrawlerNames).toEqual([
      'tagged',
    ]);
    expect((await glue.send(new ListCrawlersCommand({ Tags: { team: 'roads' } }))).CrawlerNames).toEqual([]);
  });

  it('refuses catalog members and nested members it would drop', async () => {
    const table = { Name: 'refused', StorageDescriptor: { Location: 's3://lake/x/' } };
    const cases: [Promise<unknown>, string, RegExp][] = [
      [
        glue.send(new GetDatabaseCommand({ Name: 'civic', CatalogId: '999999999999' })),
        'AccessDeniedException',
        /catalog/,
      ],
      [
        glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'tagged' }, Tags: { a: 'b' } })),
        'InvalidInputException',
        /Tags member of CreateDatabase/,
      ],
      [
        glue.send(
          new CreateDatabaseCommand({
            DatabaseInput: { Name: 'link', TargetDatabase: { CatalogId: '1', DatabaseName: 'x' } },
          }),
        ),
        'InvalidInputException',
        /databaseInput.TargetDatabase is not implemented/,
      ],
      [
        glue.send(
          new CreateTableCommand({
            DatabaseName: 'civic',
            TableInput: { ...table, TargetTable: { DatabaseName: 'a', Name: 'b' } },
          }),
        ),
        'InvalidInputException',
        /tableInput.TargetTable/,
      ],
      [
        glue.send(
          new CreateTableCommand({
            DatabaseName: 'civic',
            TableInput: {
              Name: 'refused',
              StorageDescriptor: { SchemaReference: { SchemaVersionNumber: 1 } },
            },
          }),
        ),
        'InvalidInputException',
        /StorageDescriptor.SchemaReference/,
      ],
      [
        glue.send(new CreateTableCommand({ DatabaseName: 'civic', TableInput: table, TransactionId: 'tx' })),
        'InvalidInputException',
        /TransactionId/,
      ],
      [
        glue.send(
          new GetPartitionsCommand({
            DatabaseName: 'civic',
            TableName: 'permits',
            Segment: { SegmentNumber: 0, TotalSegments: 2 },
          }),
        ),
        'InvalidInputException',
        /Segment member of GetPartitions/,
      ],
      [
        glue.send(new GetTablesCommand({ DatabaseName: 'civic', QueryAsOfTime: new Date() })),
        'InvalidInputException',
        /QueryAsOfTime/,
      ],
    ];
    for (const [call, code, message] of cases) {
      const answer = await refusal(call);
      expect(answer.code).toBe(code);
      expect(answer.message).toMatch(message);
    }
    expect(await failure(glue.send(new GetTableCommand({ DatabaseName: 'civic', Name: 'refused' })))).toBe(
      'EntityNotFoundException',
    );
    expect(await failure(glue.send(new GetDatabaseCommand({ Name: 'tagged' })))).toBe(
      'EntityNotFoundException',
    );
    const cli = await awsCli(t.dataDir, t.url, [
      'glue',
      'create-crawler',
      '--name',
      'cli-scheduled',
      '--role',
      'r',
      '--targets',
      'S3Targets=[{Path=s3://lake/raw/}]',
      '--schedule',
      'cron(0 * * * ? *)',
    ]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('(InvalidInputException)');
    expect(cli.stderr).toContain('Schedule');
  });
});
