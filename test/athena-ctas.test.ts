import {
  type AthenaClient,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, waitForQuery } from './helpers/athena.js';
import { clientConfig, csvTableCommand } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let athena: AthenaClient;
let s3: S3Client;
let glue: GlueClient;
let resultsBucket: string;

interface Ran {
  execution: QueryExecution;
  rows: string[][];
  columns: string[];
  updateCount?: number;
}

/** Runs a statement in database `city`; answers its execution and result rows (a SELECT's header row dropped). */
async function run(sql: string, client = athena): Promise<Ran> {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({ QueryString: sql, QueryExecutionContext: { Database: 'city' } }),
  );
  const execution = await waitForQuery(client, QueryExecutionId as string);
  if (execution.Status?.State !== 'SUCCEEDED') return { execution, rows: [], columns: [] };
  const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId }));
  const columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
  let rows = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? 'NULL'));
  if (
    rows[0]?.join() === columns.join() &&
    execution.StatementType === 'DML' &&
    execution.SubstatementType === 'SELECT'
  )
    rows = rows.slice(1);
  return { execution, rows, columns, updateCount: page.UpdateCount };
}

async function ok(sql: string, client = athena): Promise<Ran> {
  const result = await run(sql, client);
  expect(result.execution.Status?.StateChangeReason, sql).toBeUndefined();
  expect(result.execution.Status?.State).toBe('SUCCEEDED');
  return result;
}

async function reason(sql: string, client = athena): Promise<string> {
  const { execution } = await run(sql, client);
  expect(execution.Status?.State, sql).toBe('FAILED');
  const text = execution.Status?.StateChangeReason ?? '';
  expect(text).not.toContain(t.dataDir);
  return text;
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

async function objectText(bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToString()) ?? '';
}

function csvTable(name: string, location: string) {
  return csvTableCommand('city', name, location, [
    { Name: 'id', Type: 'bigint' },
    { Name: 'species', Type: 'string' },
    { Name: 'height', Type: 'bigint' },
  ]);
}

beforeAll(async () => {
  t = await startTestSeawall();
  athena = athenaClient(t);
  s3 = t.s3();
  glue = new GlueClient(clientConfig(t));
  resultsBucket = `aws-athena-query-results-${t.credentials.accountId}-${t.credentials.region}`;
  for (const bucket of ['lake', 'vault']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const rows = 'id,species,height\n1,maple,12\n2,oak,20\n3,maple,8\n';
  await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/trees/data.csv', Body: rows }));
  await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'secret/data.csv', Body: rows }));
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'city' } }));
  await glue.send(csvTable('trees', 's3://lake/raw/trees/'));
  await glue.send(csvTable('secret', 's3://vault/secret/'));
});
afterAll(async () => {
  glue.destroy();
  athena.destroy();
  await t.close();
});

describe('views', () => {
  it('are stored in Glue as Athena stores them and can be queried, replaced, shown and dropped', async () => {
    const created = await ok("CREATE VIEW maples AS SELECT id, height FROM trees WHERE species = 'maple'");
    expect(created.execution.StatementType).toBe('DDL');
    expect((await ok('SELECT sum(height) AS total FROM maples')).rows).toEqual([['20']]);
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'maples' }));
    expect(Table?.TableType).toBe('VIRTUAL_VIEW');
    expect(Table?.ViewExpandedText).toBe('/* Presto View */');
    expect(Table?.Parameters).toEqual({ presto_view: 'true', comment: 'Presto View' });
    expect(Table?.StorageDescriptor?.Columns).toEqual([
      { Name: 'id', Type: 'bigint' },
      { Name: 'height', Type: 'bigint' },
    ]);
    const text = Table?.ViewOriginalText ?? '';
    expect(text).toMatch(/^\/\* Presto View: [A-Za-z0-9+/=]+ \*\/$/);
    const definition = JSON.parse(Buffer.from(text.slice(16, -3), 'base64').toString('utf8'));
    expect(definition).toMatchObject({
      originalSql: "SELECT id, height FROM trees WHERE species = 'maple'",
      catalog: 'awsdatacatalog',
      schema: 'city',
      columns: [
        { name: 'id', type: 'bigint' },
        { name: 'height', type: 'bigint' },
      ],
    });

    expect(await reason('CREATE VIEW maples AS SELECT 1 AS x')).toContain(
      "View already exists: 'awsdatacatalog.city.maples'",
    );
    expect(await reason('CREATE VIEW trees AS SELECT 1 AS x')).toContain('Table already exists');
    await ok(
      "CREATE OR REPLACE VIEW maples AS SELECT id, height FROM trees WHERE species = 'maple' AND height > 10",
    );
    // A view of a view, in another database's context, and its SQL shown back.
    await ok('CREATE VIEW tall AS SELECT count(*) AS n FROM maples');
    expect((await ok('SELECT n FROM city.tall')).rows).toEqual([['1']]);
    const shown = await ok('SHOW CREATE VIEW tall');
    expect(shown.rows.map((r) => r[0]).join('\n')).toContain('SELECT count(*) AS n FROM maples');
    expect(await reason('CREATE OR REPLACE VIEW maples AS SELECT * FROM tall')).toContain(
      'View is recursive',
    );

    await ok('DROP VIEW tall');
    expect(await reason('SELECT * FROM tall')).toContain("Table 'awsdatacatalog.city.tall' does not exist");
    expect(await reason('DROP VIEW tall')).toContain("View 'awsdatacatalog.city.tall' does not exist");
    await ok('DROP VIEW IF EXISTS tall');
    expect(await reason('DROP VIEW trees')).toContain('Did you mean DROP TABLE');
  });

  it('refuses a cycle of views written into the catalog directly', async () => {
    await ok('CREATE VIEW loop_a AS SELECT id FROM trees');
    await ok('CREATE VIEW loop_b AS SELECT id FROM loop_a');
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'loop_b' }));
    const definition = JSON.parse(
      Buffer.from((Table?.ViewOriginalText ?? '').slice(16, -3), 'base64').toString(),
    );
    const looped = { ...definition, originalSql: 'SELECT id FROM loop_b' };
    await glue.send(
      new UpdateTableCommand({
        DatabaseName: 'city',
        TableInput: {
          Name: 'loop_a',
          TableType: 'VIRTUAL_VIEW',
          Parameters: { presto_view: 'true', comment: 'Presto View' },
          ViewOriginalText: `/* Presto View: ${Buffer.from(JSON.stringify(looped)).toString('base64')} */`,
          ViewExpandedText: '/* Presto View */',
          StorageDescriptor: { Columns: [{ Name: 'id', Type: 'bigint' }], Location: '' },
        },
      }),
    );
    expect(await reason('SELECT * FROM loop_b')).toMatch(/refers to itself/);
  });

  it('fail as stale when a table underneath no longer answers the columns they record', async () => {
    await glue.send(csvTable('growing', 's3://lake/raw/trees/'));
    await ok('CREATE VIEW everything AS SELECT * FROM growing');
    expect((await ok('SELECT count(*) AS n FROM everything')).rows).toEqual([['3']]);
    const grown = csvTable('growing', 's3://lake/raw/trees/').input.TableInput;
    grown?.StorageDescriptor?.Columns?.push({ Name: 'planted', Type: 'date' });
    await glue.send(new UpdateTableCommand({ DatabaseName: 'city', TableInput: grown }));
    expect(await reason('SELECT count(*) FROM everything')).toContain(
      "View 'awsdatacatalog.city.everything' is stale or in invalid state",
    );
  });

  it("are read with the caller's access to every table underneath", async () => {
    await ok('CREATE VIEW open_trees AS SELECT species FROM trees');
    await ok('CREATE VIEW hidden AS SELECT species FROM secret');
    const iam = new IAMClient(clientConfig(t));
    await iam.send(new CreateUserCommand({ UserName: 'analyst' }));
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'analyst',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonAthenaFullAccess',
      }),
    );
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'analyst',
        PolicyName: 'lake',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:ListBucket'],
              Resource: ['arn:aws:s3:::lake', 'arn:aws:s3:::lake/*'],
            },
          ],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'analyst' }));
    iam.destroy();
    const analyst = athenaClient(t, {
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    try {
      expect((await ok('SELECT count(*) AS n FROM open_trees', analyst)).rows).toEqual([['3']]);
      const denied = await reason('SELECT count(*) FROM hidden', analyst);
      expect(denied).toContain('Insufficient permissions to execute the query.');
      expect(denied).toContain('arn:aws:s3:::vault/secret/');
      expect(await reason('CREATE VIEW mine AS SELECT * FROM secret', analyst)).toContain(
        'Insufficient permissions',
      );
      // Writes are the caller's too: nothing is written or registered where they may not put objects.
      const ctas = await reason(
        "CREATE TABLE analyst_copy WITH (external_location = 's3://lake/curated/analyst/') AS SELECT * FROM trees",
        analyst,
      );
      expect(ctas).toContain('s3:PutObject on resource: "arn:aws:s3:::lake/curated/analyst/');
      expect(await keysUnder('lake', 'curated/analyst/')).toEqual([]);
      await expect(
        glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'analyst_copy' })),
      ).rejects.toMatchObject({ name: 'EntityNotFoundException' });
      const unloadDenied = await reason(
        "UNLOAD (SELECT 1 AS x) TO 's3://lake/exports/analyst/' WITH (format = 'JSON')",
        analyst,
      );
      expect(unloadDenied).toContain('s3:PutObject');
      // A view the caller may not look up is not even read (this one is not an Athena view at all).
      await glue.send(
        new CreateTableCommand({
          DatabaseName: 'city',
          TableInput: {
            Name: 'spark_view',
            TableType: 'VIRTUAL_VIEW',
            ViewOriginalText: 'SELECT * FROM trees',
            StorageDescriptor: { Columns: [{ Name: 'id', Type: 'bigint' }], Location: '' },
          },
        }),
      );
      expect(await reason('SELECT * FROM spark_view')).toContain('HIVE_INVALID_VIEW_DATA');
      const admin = new IAMClient(clientConfig(t));
      await admin.send(
        new PutUserPolicyCommand({
          UserName: 'analyst',
          PolicyName: 'no-view',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Action: 'glue:GetTable',
                Resource: `arn:aws:glue:${t.credentials.region}:${t.credentials.accountId}:table/city/spark_view`,
              },
            ],
          }),
        }),
      );
      admin.destroy();
      const lookUp = await reason('SELECT * FROM spark_view', analyst);
      expect(lookUp).toContain('glue:GetTable');
      expect(lookUp).not.toContain('HIVE_INVALID_VIEW_DATA');
    } finally {
      analyst.destroy();
    }
  });
});

describe('CREATE TABLE AS', () => {
  it('writes partitioned Parquet under the results location and registers the table and its partitions', async () => {
    const created = await ok(
      "CREATE TABLE by_species WITH (format = 'PARQUET', write_compression = 'SNAPPY', partitioned_by = ARRAY['species']) AS SELECT id, height, species FROM trees",
    );
    expect(created.execution.StatementType).toBe('DDL');
    expect(created.execution.SubstatementType).toBe('CREATE_TABLE_AS_SELECT');
    expect(created.columns).toEqual(['rows']);
    expect(created.rows).toEqual([['3']]);
    expect(created.updateCount).toBe(3);
    const queryId = created.execution.QueryExecutionId ?? '';

    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'by_species' }));
    const location = `s3://${resultsBucket}/tables/${queryId}/`;
    expect(Table?.StorageDescriptor?.Location).toBe(location);
    expect(Table?.StorageDescriptor?.Columns).toEqual([
      { Name: 'id', Type: 'bigint' },
      { Name: 'height', Type: 'bigint' },
    ]);
    expect(Table?.PartitionKeys).toEqual([{ Name: 'species', Type: 'string' }]);
    expect(Table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toContain('ParquetHiveSerDe');
    const { Partitions } = await glue.send(
      new GetPartitionsCommand({ DatabaseName: 'city', TableName: 'by_species' }),
    );
    expect(Partitions?.map((p) => p.Values?.[0]).sort()).toEqual(['maple', 'oak']);
    expect(Partitions?.find((p) => p.Values?.[0] === 'oak')?.StorageDescriptor?.Location).toBe(
      `${location}species=oak/`,
    );

    const keys = await keysUnder(resultsBucket, `tables/${queryId}/`);
    expect(keys.some((k) => k.startsWith(`tables/${queryId}/species=maple/`))).toBe(true);
    const file = await s3.send(new GetObjectCommand({ Bucket: resultsBucket, Key: keys[0] as string }));
    const bytes = Buffer.from((await file.Body?.transformToByteArray()) ?? []);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(-4).toString()).toBe('PAR1');
    const manifest = await objectText(resultsBucket, `${queryId}-manifest.csv`);
    expect(manifest.trim().split('\n').sort()).toEqual(keys.map((k) => `s3://${resultsBucket}/${k}`).sort());

    const totals = await ok(
      'SELECT species, sum(height) AS total FROM by_species GROUP BY species ORDER BY species',
    );
    expect(totals.rows).toEqual([
      ['maple', '20'],
      ['oak', '20'],
    ]);
    expect(await reason('CREATE TABLE by_species AS SELECT 1 AS x')).toContain(
      "Destination table 'awsdatacatalog.city.by_species' already exists",
    );
    expect((await ok('CREATE TABLE IF NOT EXISTS by_species AS SELECT 1 AS x')).rows).toEqual([['0']]);
  });

  it('writes JSON and TEXTFILE at an external location, and WITH NO DATA writes no file', async () => {
    await ok(
      "CREATE TABLE tall_json WITH (format = 'JSON', write_compression = 'NONE', external_location = 's3://lake/curated/tall_json') AS SELECT id, species FROM trees WHERE height > 10",
    );
    const [jsonKey, ...more] = await keysUnder('lake', 'curated/tall_json/');
    expect(more).toEqual([]);
    const lines = (await objectText('lake', jsonKey as string)).trim().split('\n').sort();
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { id: 1, species: 'maple' },
      { id: 2, species: 'oak' },
    ]);
    expect((await ok('SELECT id, species FROM tall_json ORDER BY id')).rows).toEqual([
      ['1', 'maple'],
      ['2', 'oak'],
    ]);

    // DuckDB cannot partition JSON: each partition is written in turn, its value escaped as Hive does.
    await ok(
      "CREATE TABLE json_parts WITH (format = 'JSON', partitioned_by = ARRAY['kind'], external_location = 's3://lake/curated/json_parts/') AS SELECT id, CASE id WHEN 1 THEN 'a/b' WHEN 2 THEN NULL ELSE 'c' END AS kind FROM trees",
    );
    const folders = (await keysUnder('lake', 'curated/json_parts/')).map((k) => k.split('/')[2]).sort();
    expect(folders).toEqual(['kind=__HIVE_DEFAULT_PARTITION__', 'kind=a%2Fb', 'kind=c']);
    expect((await ok('SELECT id, kind FROM json_parts ORDER BY id')).rows).toEqual([
      ['1', 'a/b'],
      ['2', 'NULL'],
      ['3', 'c'],
    ]);

    await ok(
      "CREATE TABLE pipes WITH (format = 'TEXTFILE', field_delimiter = '|', write_compression = 'NONE', external_location = 's3://lake/curated/pipes/') AS SELECT id, species, CAST(NULL AS varchar) AS note FROM trees",
    );
    const [textKey] = await keysUnder('lake', 'curated/pipes/');
    expect((await objectText('lake', textKey as string)).trim().split('\n').sort()).toEqual([
      '1|maple|',
      '2|oak|',
      '3|maple|',
    ]);
    expect((await ok('SELECT species, note IS NULL AS missing FROM pipes WHERE id = 2')).rows).toEqual([
      ['oak', 'true'],
    ]);

    const empty = await ok('CREATE TABLE empty_copy AS SELECT * FROM trees WITH NO DATA');
    expect(empty.rows).toEqual([['0']]);
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'empty_copy' }));
    expect(Table?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual(['id', 'species', 'height']);
    const emptyPrefix = (Table?.StorageDescriptor?.Location ?? '').replace(`s3://${resultsBucket}/`, '');
    expect(await keysUnder(resultsBucket, emptyPrefix)).toEqual([]);
    expect((await ok('SELECT count(*) AS n FROM empty_copy')).rows).toEqual([['0']]);
  });

  it('refuses a location that holds data, and what it cannot write', async () => {
    expect(
      await reason(
        "CREATE TABLE again WITH (external_location = 's3://lake/raw/trees/') AS SELECT * FROM trees",
      ),
    ).toContain('HIVE_PATH_ALREADY_EXISTS: Target directory for table');
    // A column Trino leaves unnamed cannot become a table's or a view's column.
    expect(await reason('CREATE TABLE unnamed AS SELECT count(*) FROM trees')).toContain(
      'Column name not specified at position 1',
    );
    expect(
      await reason('CREATE VIEW unnamed_v AS SELECT species, count(*) FROM trees GROUP BY species'),
    ).toContain('Column name not specified at position 2');
    expect(await reason("CREATE TABLE o WITH (format = 'ORC') AS SELECT 1 AS x")).toContain(
      'Format ORC is not supported',
    );
    expect(
      await reason("CREATE TABLE b WITH (bucketed_by = ARRAY['x'], bucket_count = 4) AS SELECT 1 AS x"),
    ).toContain('Bucketed tables');
    expect(
      await reason("CREATE TABLE p WITH (partitioned_by = ARRAY['id']) AS SELECT id, species FROM trees"),
    ).toContain('HIVE_COLUMN_ORDER_MISMATCH');
    expect(await reason('CREATE TABLE z AS SELECT current_timestamp AS now')).toContain(
      'Unsupported Hive type',
    );
  });
});

describe('INSERT INTO', () => {
  it('appends files in the table format and registers new partitions', async () => {
    await ok(
      "CREATE TABLE planted WITH (partitioned_by = ARRAY['species'], external_location = 's3://lake/curated/planted/') AS SELECT id, height, species FROM trees",
    );
    const before = await keysUnder('lake', 'curated/planted/');
    const inserted = await ok("INSERT INTO planted SELECT 4, 5, 'elm' UNION ALL SELECT 5, 7, 'oak'");
    expect(inserted.execution.StatementType).toBe('DML');
    expect(inserted.execution.SubstatementType).toBe('INSERT');
    expect(inserted.rows).toEqual([['2']]);
    expect(inserted.updateCount).toBe(2);
    await ok("INSERT INTO planted (species, id) SELECT 'oak', 6");
    // A NULL partition value goes where Hive puts it, and reads back as NULL.
    await ok('INSERT INTO planted SELECT 7, 1, NULL');
    await ok("INSERT INTO planted VALUES (8, 3, 'ash')");
    const after = await keysUnder('lake', 'curated/planted/');
    expect(after.filter((k) => before.includes(k))).toEqual(before);
    expect(after.filter((k) => k.startsWith('curated/planted/species=oak/'))).toHaveLength(3);
    const { Partitions } = await glue.send(
      new GetPartitionsCommand({ DatabaseName: 'city', TableName: 'planted' }),
    );
    expect(Partitions?.map((p) => p.Values?.[0]).sort()).toEqual([
      '__HIVE_DEFAULT_PARTITION__',
      'ash',
      'elm',
      'maple',
      'oak',
    ]);
    expect((await ok('SELECT id, height, species FROM planted ORDER BY id')).rows).toEqual([
      ['1', '12', 'maple'],
      ['2', '20', 'oak'],
      ['3', '8', 'maple'],
      ['4', '5', 'elm'],
      ['5', '7', 'oak'],
      ['6', 'NULL', 'oak'],
      ['7', '1', 'NULL'],
      ['8', '3', 'ash'],
    ]);
    expect(await reason('INSERT INTO planted SELECT 1, 2')).toContain(
      'Insert query has mismatched column types',
    );
    expect(await reason('INSERT INTO planted (nope) SELECT 1')).toContain(
      'Insert column name does not exist',
    );
    expect(await reason('INSERT INTO maples SELECT 1, 2')).toMatch(
      /Inserting into views is not supported|does not exist/,
    );
  });
});

describe('INSERT INTO a text table', () => {
  it('writes its delimiter and the header line the table skips', async () => {
    await glue.send(csvTable('saplings', 's3://lake/raw/saplings/'));
    await ok("INSERT INTO saplings SELECT id, 'yew, young', height FROM trees WHERE id < 3");
    const [key] = await keysUnder('lake', 'raw/saplings/');
    const lines = (await objectText('lake', key as string)).trim().split('\n');
    expect(lines[0]).toBe('id,species,height');
    expect(lines.slice(1).sort()).toEqual(['1,"yew, young",12', '2,"yew, young",20']);
    expect((await ok('SELECT species, sum(height) AS total FROM saplings GROUP BY species')).rows).toEqual([
      ['yew, young', '32'],
    ]);
  });
});

describe('UNLOAD', () => {
  it('writes files to an empty prefix, and refuses one that holds data', async () => {
    const unloaded = await ok(
      "UNLOAD (SELECT id, species FROM trees WHERE species = 'maple') TO 's3://lake/exports/maples/' WITH (format = 'JSON', compression = 'NONE')",
    );
    expect(unloaded.execution.StatementType).toBe('DML');
    const keys = await keysUnder('lake', 'exports/maples/');
    expect(keys).toHaveLength(1);
    const rows = (await objectText('lake', keys[0] as string))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.sort((a, b) => a.id - b.id)).toEqual([
      { id: 1, species: 'maple' },
      { id: 3, species: 'maple' },
    ]);
    expect(
      await reason("UNLOAD (SELECT 1 AS x) TO 's3://lake/exports/maples/' WITH (format = 'PARQUET')"),
    ).toContain('HIVE_PATH_ALREADY_EXISTS');
    await ok(
      "UNLOAD (SELECT height, species FROM trees) TO 's3://lake/exports/by_species/' WITH (format = 'PARQUET', partitioned_by = ARRAY['species'])",
    );
    const partitioned = await keysUnder('lake', 'exports/by_species/');
    expect(partitioned.map((k) => k.split('/')[2]).sort()).toEqual(['species=maple', 'species=oak']);
    // Partitioned, it adds files to the partitions' folders, as Athena's does.
    await ok(
      "UNLOAD (SELECT height, species FROM trees WHERE species = 'oak') TO 's3://lake/exports/by_species/' WITH (format = 'PARQUET', partitioned_by = ARRAY['species'])",
    );
    const again = await keysUnder('lake', 'exports/by_species/');
    expect(again.filter((k) => k.includes('species=oak/'))).toHaveLength(2);
    expect(again.filter((k) => partitioned.includes(k))).toEqual(partitioned);
  });
});

describe('EXPLAIN', () => {
  it("shows the engine's plan, runs it with ANALYZE, and validates", async () => {
    const plan = await ok('EXPLAIN SELECT species, count(*) FROM trees GROUP BY species');
    expect(plan.columns).toEqual(['Query Plan']);
    const text = plan.rows.map((r) => r[0]).join('\n');
    expect(text).toMatch(/GROUP_BY/);
    expect(text).not.toContain(t.dataDir);
    const analyzed = await ok('EXPLAIN ANALYZE SELECT count(*) FROM trees');
    expect(analyzed.rows.map((r) => r[0]).join('\n')).toMatch(/Query Profiling Information|Total Time/);
    expect(analyzed.execution.Statistics?.DataScannedInBytes).toBeGreaterThan(0);
    expect((await ok('EXPLAIN (FORMAT JSON) SELECT 1')).rows.map((r) => r[0]).join('\n')).toContain('"name"');
    expect((await ok('EXPLAIN (TYPE VALIDATE) SELECT id FROM trees')).rows).toEqual([['true']]);
    expect(await reason('EXPLAIN (TYPE IO) SELECT 1')).toContain('not supported');
    expect(await reason('EXPLAIN SELECT * FROM secret_nope')).toContain('does not exist');
  });
});
