import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { athenaClient, athenaQuery, waitForQuery } from './helpers/athena.js';
import { awsCli } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let athena: AthenaClient;
let s3: S3Client;
let glue: GlueClient;

async function put(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: body }));
}

/** Runs a statement; answers its execution and its result rows (values of each row). */
async function run(sql: string, database?: string, client = athena) {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ...(database ? { QueryExecutionContext: { Database: database } } : {}),
    }),
  );
  const execution = await waitForQuery(client, QueryExecutionId as string);
  if (execution.Status?.State !== 'SUCCEEDED')
    return { execution, rows: [] as string[][], columns: [] as string[] };
  const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId }));
  const rows = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? ''));
  const columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
  return { execution, rows, columns };
}

async function ok(sql: string, database?: string) {
  const result = await run(sql, database);
  expect(result.execution.Status?.StateChangeReason).toBeUndefined();
  expect(result.execution.Status?.State).toBe('SUCCEEDED');
  return result;
}

async function reason(sql: string, database?: string, client = athena): Promise<string> {
  const { execution } = await run(sql, database, client);
  expect(execution.Status?.State).toBe('FAILED');
  expect(execution.Status?.AthenaError?.ErrorCategory).toBe(2);
  return execution.Status?.StateChangeReason ?? '';
}

beforeAll(async () => {
  t = await startTestSeawall();
  athena = athenaClient(t);
  s3 = t.s3();
  glue = new GlueClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
  await put('trees/trees.csv', 'id,species\n1,maple\n2,oak\n3,cedar\n');
  await put('tickets/year=2023/a.csv', '1,10.5\n2,4.5\n');
  await put('tickets/year=2024/b.csv', '3,100\n');
  await put('tickets/year=2024/_SUCCESS', '');
  await put('tickets/notes/readme.csv', '9,9\n');
});
afterAll(async () => {
  athena.destroy();
  glue.destroy();
  await t.close();
});

const TREES = `CREATE EXTERNAL TABLE trees (id int COMMENT 'the tree', species string)
  ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
  STORED AS TEXTFILE
  LOCATION 's3://lake/trees/'
  TBLPROPERTIES ('skip.header.line.count'='1', 'projection.enabled'='false')`;

describe('Athena DDL through the API', () => {
  it('creates a database and an external table as Athena registers them in Glue', async () => {
    const created = await ok('CREATE DATABASE city');
    expect(created.execution.StatementType).toBe('DDL');
    expect(created.execution.SubstatementType).toBe('CREATE_DATABASE');
    expect(created.execution.ResultConfiguration?.OutputLocation).toMatch(/\.txt$/);
    expect(created.rows).toEqual([]);
    const table = await ok(TREES, 'city');
    expect(table.execution.SubstatementType).toBe('CREATE_TABLE');
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'trees' }));
    expect(Table?.TableType).toBe('EXTERNAL_TABLE');
    expect(Table?.Parameters).toMatchObject({
      EXTERNAL: 'TRUE',
      'skip.header.line.count': '1',
      'projection.enabled': 'false',
    });
    expect(Table?.StorageDescriptor).toMatchObject({
      Location: 's3://lake/trees/',
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        Parameters: { 'field.delim': ',', 'serialization.format': ',' },
      },
      Columns: [
        { Name: 'id', Type: 'int', Comment: 'the tree' },
        { Name: 'species', Type: 'string' },
      ],
    });
    // The header line is skipped, as skip.header.line.count says.
    expect(await athenaQuery(athena, 'SELECT id, species FROM trees ORDER BY id', 'city')).toEqual([
      ['id', 'species'],
      ['1', 'maple'],
      ['2', 'oak'],
      ['3', 'cedar'],
    ]);
    expect(await reason(TREES, 'city')).toMatch(/AlreadyExistsException: Table city\.trees already exists/);
    await ok(TREES.replace('CREATE EXTERNAL TABLE', 'CREATE EXTERNAL TABLE IF NOT EXISTS'), 'city');
  });

  it('answers SHOW and DESCRIBE in Athena shapes', async () => {
    const databases = await ok("SHOW DATABASES LIKE 'ci*'");
    expect(databases).toMatchObject({ columns: ['database_name'], rows: [['city']] });
    expect(databases.execution).toMatchObject({
      StatementType: 'UTILITY',
      SubstatementType: 'SHOW_DATABASES',
    });
    expect(await ok('SHOW TABLES IN city')).toMatchObject({ columns: ['tab_name'], rows: [['trees']] });
    expect((await ok("SHOW TABLES 'x*|tr*'", 'city')).rows).toEqual([['trees']]);
    expect((await ok("SHOW TABLES 'x*'", 'city')).rows).toEqual([]);
    expect((await ok("SHOW TABLES 'trees.*'", 'city')).rows).toEqual([['trees']]);
    expect((await ok("SHOW TABLES 'TREE'", 'city')).rows).toEqual([]);
    expect((await ok("SHOW TABLES 'T.EES'", 'city')).rows).toEqual([['trees']]);
    expect((await ok('SHOW COLUMNS IN trees', 'city')).rows).toEqual([
      ['id'.padEnd(20)],
      ['species'.padEnd(20)],
    ]);
    const described = await ok('DESCRIBE city.trees');
    expect(described.columns).toEqual(['col_name']);
    expect(described.rows).toEqual([
      [`${'id'.padEnd(20)}\t${'int'.padEnd(20)}\t${'the tree'.padEnd(20)}`],
      [`${'species'.padEnd(20)}\t${'string'.padEnd(20)}\t${''.padEnd(20)}`],
    ]);
    await ok("CREATE VIEW oaks AS SELECT id FROM trees WHERE species = 'oak'", 'city');
    expect(await ok('SHOW VIEWS IN city')).toMatchObject({ columns: ['tab_name'], rows: [['oaks']] });
    expect((await ok('SHOW TABLES', 'city')).rows).toEqual([['oaks'], ['trees']]);
    expect(await reason('DROP TABLE oaks', 'city')).toMatch(/Cannot drop a view with DROP TABLE/);
    expect(await reason('SHOW CREATE TABLE oaks', 'city')).toMatch(/oaks is a view: use SHOW CREATE VIEW/);
    await ok('DROP VIEW oaks', 'city');
    const formatted = (await ok('DESCRIBE FORMATTED trees', 'city')).rows.map((r) => r[0] ?? '');
    expect(formatted.slice(0, 3)).toEqual([
      `${'# col_name'.padEnd(20)}\t${'data_type'.padEnd(20)}\t${'comment'.padEnd(20)}`,
      ['', '', ''].map((f) => f.padEnd(20)).join('\t'),
      `${'id'.padEnd(20)}\t${'int'.padEnd(20)}\t${'the tree'.padEnd(20)}`,
    ]);
    expect(formatted).toContain(
      `${'Location:'.padEnd(20)}\t${'s3://lake/trees/'.padEnd(20)}\t${''.padEnd(20)}`,
    );
    expect(formatted).toContain(`\t${'skip.header.line.count'.padEnd(20)}\t${'1'.padEnd(20)}`);
    expect(formatted).toContain(
      `${'SerDe Library:'.padEnd(20)}\t${'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe'}\t${''.padEnd(20)}`,
    );
    expect(formatted.find((l) => l.startsWith('CreateTime:'))).toMatch(
      /^CreateTime:\s+\t[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}\s*\t/,
    );
    expect((await ok("SHOW TBLPROPERTIES trees('skip.header.line.count')", 'city')).rows).toEqual([['1']]);
    expect((await ok('SHOW TBLPROPERTIES trees', 'city')).rows).toContainEqual(['EXTERNAL\tTRUE']);
  });

  it('gives SHOW CREATE TABLE text that creates the same table again', async () => {
    const shown = await ok('SHOW CREATE TABLE trees', 'city');
    expect(shown.columns).toEqual(['createtab_stmt']);
    const ddl = shown.rows.map((r) => r[0]).join('\n');
    expect(ddl).toMatch(
      /^CREATE EXTERNAL TABLE `trees`\(\n {2}`id` int COMMENT 'the tree', \n {2}`species` string\)/,
    );
    const before = await glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'trees' }));
    expect((await ok('DROP TABLE trees', 'city')).execution.SubstatementType).toBe('DROP_TABLE');
    await ok(ddl, 'city');
    const after = await glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'trees' }));
    expect(after.Table?.StorageDescriptor).toEqual(before.Table?.StorageDescriptor);
    expect(after.Table?.Parameters).toEqual(before.Table?.Parameters);
  });

  it('alters a table: properties, added columns and location', async () => {
    const set = await ok(
      "ALTER TABLE trees SET TBLPROPERTIES ('classification'='csv', 'owner.team'='parks')",
      'city',
    );
    expect(set.execution).toMatchObject({
      StatementType: 'DDL',
      SubstatementType: 'ALTER_TABLE_SET_TBLPROPERTIES',
    });
    expect((await ok("SHOW TBLPROPERTIES trees('owner.team')", 'city')).rows).toEqual([['parks']]);
    await ok("ALTER TABLE trees ADD COLUMNS (height double COMMENT 'metres')", 'city');
    expect(await athenaQuery(athena, 'SELECT id, height FROM trees WHERE id = 1', 'city')).toEqual([
      ['id', 'height'],
      ['1', 'NULL'],
    ]);
    expect(await reason('ALTER TABLE trees ADD COLUMNS (species string)', 'city')).toMatch(
      /Duplicate column name: species/,
    );
    await ok("ALTER TABLE trees SET LOCATION 's3://lake/trees-moved/'", 'city');
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'city', Name: 'trees' }));
    expect(Table?.StorageDescriptor?.Location).toBe('s3://lake/trees-moved/');
    expect(Table?.StorageDescriptor?.Columns?.at(-1)).toEqual({
      Name: 'height',
      Type: 'double',
      Comment: 'metres',
    });
    await ok("ALTER TABLE trees SET LOCATION 's3://lake/trees/'", 'city');
  });

  it('adds, repairs and drops partitions, and queries read them', async () => {
    await ok(
      `CREATE EXTERNAL TABLE tickets (id int, amount double) PARTITIONED BY (year string)
       ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://lake/tickets'`,
      'city',
    );
    const added = await ok("ALTER TABLE tickets ADD PARTITION (year = '2023')", 'city');
    expect(added.execution.SubstatementType).toBe('ALTER_TABLE_ADD_PARTITION');
    expect((await ok('SHOW PARTITIONS tickets', 'city')).rows).toEqual([['year=2023']]);
    expect((await ok("DESCRIBE tickets PARTITION (year = '2023')", 'city')).rows).toHaveLength(8);
    expect(await reason("DESCRIBE tickets PARTITION (year = '2024')", 'city')).toBe(
      'FAILED: SemanticException [Error 10006]: Partition not found {year=2024}',
    );
    expect(await athenaQuery(athena, 'SELECT count(*) AS n FROM tickets', 'city')).toEqual([['n'], ['2']]);
    const repaired = await ok('MSCK REPAIR TABLE city.tickets');
    expect(repaired.rows).toEqual([
      ['Partitions not in metastore:\ttickets:year=2024'],
      ['Repair: Added partition to metastore tickets:year=2024'],
    ]);
    expect((await ok('SHOW PARTITIONS tickets', 'city')).rows).toEqual([['year=2023'], ['year=2024']]);
    expect(
      await athenaQuery(
        athena,
        'SELECT year, sum(amount) AS total FROM tickets GROUP BY year ORDER BY year',
        'city',
      ),
    ).toEqual([
      ['year', 'total'],
      ['2023', '15.0'],
      ['2024', '100.0'],
    ]);
    expect((await ok('MSCK REPAIR TABLE tickets', 'city')).rows).toEqual([]);
    await ok("ALTER TABLE tickets DROP PARTITION (year = '2023')", 'city');
    expect((await ok('SHOW PARTITIONS tickets', 'city')).rows).toEqual([['year=2024']]);
    expect(await reason("ALTER TABLE tickets DROP PARTITION (year = '1999')", 'city')).toMatch(
      /Partition not found/,
    );
    expect(await reason("ALTER TABLE tickets ADD PARTITION (month = '1')", 'city')).toMatch(
      /does not match the partition columns/,
    );
  });

  it('drops tables without touching their data, and databases only when empty or with CASCADE', async () => {
    await ok('DROP TABLE tickets', 'city');
    await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'tickets/year=2024/b.csv' }));
    expect(await reason('DROP TABLE tickets', 'city')).toMatch(/Table not found tickets/);
    await ok('DROP TABLE IF EXISTS tickets', 'city');
    expect(await reason('DROP DATABASE city')).toMatch(/Database city is not empty/);
    await ok('CREATE DATABASE IF NOT EXISTS city');
    await ok('DROP DATABASE city CASCADE');
    expect(await reason('SHOW TABLES IN city')).toBe(
      'FAILED: SemanticException [Error 10072]: Database does not exist: city',
    );
    await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'trees/trees.csv' }));
  });
});

describe('tables read as Athena reads them', () => {
  it('skips every header line, splits on Ctrl-A by default and reads partitions by projection', async () => {
    await ok('CREATE DATABASE formats');
    await put('ctrl-a/data.txt', 'title\nsecond header\n1\u0001a,b\n2\u0001c\n');
    await ok(
      `CREATE EXTERNAL TABLE ctrl_a (id int, label string) ROW FORMAT DELIMITED LOCATION 's3://lake/ctrl-a/'
       TBLPROPERTIES ('skip.header.line.count'='2')`,
      'formats',
    );
    expect(await athenaQuery(athena, 'SELECT * FROM ctrl_a ORDER BY id', 'formats')).toEqual([
      ['id', 'label'],
      ['1', 'a,b'],
      ['2', 'c'],
    ]);
    await ok(
      `CREATE EXTERNAL TABLE projected (id int) PARTITIONED BY (year int) LOCATION 's3://lake/tickets/'
       TBLPROPERTIES ('projection.enabled'='true', 'projection.year.type'='integer', 'projection.year.range'='2023,2024')`,
      'formats',
    );
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'formats', Name: 'projected' }));
    expect(Table?.Parameters).toMatchObject({ 'projection.year.range': '2023,2024' });
    // The projected years' folders are read (notes/ is not a projected partition), with no partitions added.
    expect(
      await athenaQuery(
        athena,
        'SELECT year, count(*) AS n FROM projected GROUP BY year ORDER BY year',
        'formats',
      ),
    ).toEqual([
      ['year', 'n'],
      ['2023', '2'],
      ['2024', '1'],
    ]);
    await ok(
      `CREATE EXTERNAL TABLE projected_later (id int) PARTITIONED BY (year int) LOCATION 's3://lake/tickets/'
       TBLPROPERTIES ('projection.enabled'='true', 'projection.year.type'='integer', 'projection.year.range'='2024,2030')`,
      'formats',
    );
    expect(
      await athenaQuery(athena, 'SELECT year, count(*) AS n FROM projected_later GROUP BY year', 'formats'),
    ).toEqual([
      ['year', 'n'],
      ['2024', '1'],
    ]);
    await ok(
      `CREATE EXTERNAL TABLE projected_injected (id int) PARTITIONED BY (year int) LOCATION 's3://lake/tickets/'
       TBLPROPERTIES ('projection.enabled'='true', 'projection.year.type'='injected')`,
      'formats',
    );
    expect(await reason('SELECT count(*) FROM projected_injected', 'formats')).toMatch(
      /partition projection type of year must be enum, integer or date \(injected is not supported\)/,
    );
  });
});

describe('statements Athena refuses', () => {
  it('names what is missing and where the syntax stops', async () => {
    await ok('CREATE DATABASE refusals');
    expect(await reason('DESCRIBE nowhere', 'refusals')).toBe(
      'FAILED: SemanticException [Error 10001]: Table not found nowhere',
    );
    // A statement that fails still reports its type; a query is DML, SELECT.
    const failed = await run('DROP TABLE nowhere', 'refusals');
    expect(failed.execution).toMatchObject({ StatementType: 'DDL', SubstatementType: 'DROP_TABLE' });
    const query = await run('SELECT 1');
    expect(query.execution).toMatchObject({ StatementType: 'DML', SubstatementType: 'SELECT' });
    expect(query.execution.ResultConfiguration?.OutputLocation).toMatch(/\.csv$/);
    expect(await reason('DESCRIBE nowhere.trees', 'refusals')).toBe(
      'FAILED: SemanticException [Error 10072]: Database does not exist: nowhere',
    );
    expect(await reason('SHOW TABLES IN default extra')).toMatch(/^line 1:24: mismatched input 'extra'/);
    expect(await reason('CREATE TABLE plain (a int)')).toMatch(/Only external table creation is supported/);
  });

  it('refuses hostile statements with a reason', async () => {
    expect(await reason("SHOW TABLES 'never closed")).toMatch(/string literal is not terminated/);
    expect(await reason('SHOW TABLES IN default\u0000')).toMatch(/token recognition error/);
    const deep = `CREATE EXTERNAL TABLE t (a ${'array<'.repeat(300)}int${'>'.repeat(300)}) LOCATION 's3://lake/t/'`;
    expect(await reason(deep)).toMatch(/nested too deeply/);
    expect(await reason(`SHOW TABLES '${'a'.repeat(2000)}'`)).toMatch(/longer than 1024/);
    // What Glue would refuse of a name is refused here too.
    expect(await reason(`CREATE DATABASE \`${'d'.repeat(256)}\``)).toMatch(/databaseInput\.Name/);
    expect(await reason('CREATE DATABASE `two\nlines`')).toMatch(/single-line string/);
  });

  it('acts as the caller: a user without Glue rights is denied', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'analyst' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'analyst',
        PolicyName: 'athena-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['athena:*', 's3:*'], Resource: '*' }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'analyst' }));
    iam.destroy();
    const keys = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    };
    const analyst = athenaClient(t, { credentials: keys });
    expect(await reason('CREATE DATABASE sneaky', undefined, analyst)).toMatch(
      /^Insufficient permissions to execute the query\. .*glue:CreateDatabase/,
    );
    expect(await reason('SHOW DATABASES', undefined, analyst)).toMatch(/glue:GetDatabases/);
    analyst.destroy();
    expect((await ok("SHOW DATABASES LIKE 'sneaky'")).rows).toEqual([]);
  });

  it('acts as the caller on exactly the databases and tables its policy names', async () => {
    await ok('CREATE DATABASE shared');
    await ok('CREATE DATABASE private');
    for (const db of ['shared', 'private'])
      await ok("CREATE EXTERNAL TABLE t (id int) LOCATION 's3://lake/trees/'", db);
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    const glueArn = `arn:aws:glue:${t.credentials.region}:${t.credentials.accountId}`;
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'reader',
        PolicyName: 'shared-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['athena:*', 's3:*'], Resource: '*' },
            {
              Effect: 'Allow',
              Action: ['glue:GetTables', 'glue:GetTable'],
              Resource: [`${glueArn}:catalog`, `${glueArn}:database/shared`, `${glueArn}:table/shared/*`],
            },
          ],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }));
    iam.destroy();
    const reader = athenaClient(t, {
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    const { execution, rows } = await run('SHOW TABLES IN shared', undefined, reader);
    expect(execution.Status?.State).toBe('SUCCEEDED');
    expect(rows).toEqual([['t']]);
    expect((await run('DESCRIBE t', 'shared', reader)).rows).toHaveLength(1);
    expect(await reason('SHOW TABLES IN private', undefined, reader)).toMatch(/glue:GetTables/);
    expect(await reason('DESCRIBE private.t', undefined, reader)).toMatch(/glue:GetTable/);
    expect(await reason('DROP TABLE t', 'shared', reader)).toMatch(/glue:DeleteTable/);
    expect(await reason('DROP DATABASE shared CASCADE', undefined, reader)).toMatch(/glue:DeleteDatabase/);
    reader.destroy();
    expect((await ok('SHOW TABLES IN shared')).rows).toEqual([['t']]);
  });
});

describe('the aws cli', () => {
  it('runs a statement and reads its answer', async () => {
    const cli = (args: string[]) => awsCli(t.dataDir, t.url, ['athena', ...args, '--output', 'json']);
    const started = await cli([
      'start-query-execution',
      '--query-string',
      'CREATE DATABASE IF NOT EXISTS cli_db',
    ]);
    expect(started.stderr).toBe('');
    const id = JSON.parse(started.stdout).QueryExecutionId as string;
    await waitForQuery(athena, id);
    const show = await cli(['start-query-execution', '--query-string', "SHOW DATABASES LIKE 'cli*'"]);
    const showId = JSON.parse(show.stdout).QueryExecutionId as string;
    await waitForQuery(athena, showId);
    const execution = JSON.parse((await cli(['get-query-execution', '--query-execution-id', showId])).stdout);
    // Debian's cli (botocore 1.x) knows StatementType; SubstatementType came later.
    expect(execution.QueryExecution).toMatchObject({ StatementType: 'UTILITY' });
    const results = JSON.parse((await cli(['get-query-results', '--query-execution-id', showId])).stdout);
    expect(results.ResultSet.Rows).toEqual([{ Data: [{ VarCharValue: 'cli_db' }] }]);
    expect(
      (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Status
        ?.State,
    ).toBe('SUCCEEDED');
  });
});

describe('seawall query', () => {
  it("prints a statement's output under its column names (it has no header row)", async () => {
    await ok('CREATE DATABASE IF NOT EXISTS cli_db');
    const out: string[] = [];
    const io = {
      out: (text: string) => out.push(text),
      err: (text: string) => out.push(`error: ${text}`),
      env: {
        AWS_ACCESS_KEY_ID: t.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: t.credentials.secretAccessKey,
        AWS_REGION: t.credentials.region,
      },
      stopSignal: new Promise<string>(() => {}),
    };
    const args = ['--endpoint-url', t.url, '--output', 'json'];
    expect(await main(['query', "SHOW DATABASES LIKE 'cli*'", ...args], io)).toBe(0);
    expect(JSON.parse(out.pop() ?? '')).toEqual([{ database_name: 'cli_db' }]);
    expect(await main(['query', 'SELECT 1 AS one', ...args], io)).toBe(0);
    expect(JSON.parse(out.pop() ?? '')).toEqual([{ one: '1' }]);
  });
});
