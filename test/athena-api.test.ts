import {
  AthenaClient,
  BatchGetNamedQueryCommand,
  BatchGetPreparedStatementCommand,
  CreateNamedQueryCommand,
  CreatePreparedStatementCommand,
  CreateWorkGroupCommand,
  DeleteNamedQueryCommand,
  DeletePreparedStatementCommand,
  DeleteWorkGroupCommand,
  GetDatabaseCommand,
  GetDataCatalogCommand,
  GetNamedQueryCommand,
  GetPreparedStatementCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  ListDatabasesCommand,
  ListDataCatalogsCommand,
  ListNamedQueriesCommand,
  ListPreparedStatementsCommand,
  ListTableMetadataCommand,
  StartQueryExecutionCommand,
  UpdateNamedQueryCommand,
  UpdatePreparedStatementCommand,
} from '@aws-sdk/client-athena';
import { CreateDatabaseCommand, CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultResultsBucket } from '../src/query/index.js';
import { athenaClient, waitForQuery } from './helpers/athena.js';
import { awsCli } from './helpers/aws-cli.js';
import { clientConfig } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let athena: AthenaClient;
let glue: GlueClient;
let iam: IAMClient;

/** The error a call fails with: its name on the wire and its message. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: Error) => `${error.name}: ${error.message}`,
  );
}

function csvTable(name: string, location: string, partitioned = false) {
  return new CreateTableCommand({
    DatabaseName: 'lake',
    TableInput: {
      Name: name,
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
      ...(partitioned ? { PartitionKeys: [{ Name: 'year', Type: 'string', Comment: 'issue year' }] } : {}),
      StorageDescriptor: {
        Columns: [
          { Name: 'a', Type: 'bigint', Comment: 'first' },
          { Name: 'b', Type: 'string' },
        ],
        Location: location,
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: { 'field.delim': ',' },
        },
      },
    },
  });
}

beforeAll(async () => {
  t = await startTestSeawall();
  athena = athenaClient(t);
  glue = new GlueClient(clientConfig(t));
  iam = new IAMClient(clientConfig(t));
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'curated' }));
  await s3.send(
    new PutObjectCommand({ Bucket: 'curated', Key: 'tickets/2024.csv', Body: 'a,b\n1,x\n2,y\n3,z\n' }),
  );
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'lake', Description: 'The lake' } }));
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'archive' } }));
  await glue.send(csvTable('tickets', 's3://curated/tickets/'));
  await glue.send(csvTable('tickets_by_year', 's3://curated/by-year/', true));
  await glue.send(csvTable('licences', 's3://curated/licences/'));
});
afterAll(async () => {
  athena.destroy();
  glue.destroy();
  iam.destroy();
  await t.close();
});

describe('the data catalog through Athena', () => {
  it('lists AwsDataCatalog, a Glue catalog, and refuses catalogs it does not have', async () => {
    const { DataCatalogsSummary } = await athena.send(new ListDataCatalogsCommand({}));
    expect(DataCatalogsSummary).toEqual([{ CatalogName: 'AwsDataCatalog', Type: 'GLUE' }]);
    const { DataCatalog } = await athena.send(new GetDataCatalogCommand({ Name: 'AwsDataCatalog' }));
    expect(DataCatalog).toEqual({
      Name: 'AwsDataCatalog',
      Description: 'AWS Glue Data Catalog',
      Type: 'GLUE',
      Parameters: { 'catalog-id': t.credentials.accountId },
    });
    expect(await refusal(athena.send(new GetDataCatalogCommand({ Name: 'hive_metastore' })))).toBe(
      'InvalidRequestException: Catalog hive_metastore was not found.',
    );
    expect(await refusal(athena.send(new ListDatabasesCommand({ CatalogName: 'lambda_catalog' })))).toBe(
      'MetadataException: Catalog lambda_catalog was not found.',
    );
  });

  it('lists and reads databases, a page at a time', async () => {
    const first = await athena.send(
      new ListDatabasesCommand({ CatalogName: 'AwsDataCatalog', MaxResults: 1 }),
    );
    expect(first.DatabaseList).toEqual([{ Name: 'archive', Parameters: {} }]);
    const second = await athena.send(
      new ListDatabasesCommand({ CatalogName: 'AwsDataCatalog', MaxResults: 1, NextToken: first.NextToken }),
    );
    expect(second.DatabaseList).toEqual([{ Name: 'lake', Description: 'The lake', Parameters: {} }]);
    const { Database } = await athena.send(
      new GetDatabaseCommand({ CatalogName: 'awsdatacatalog', DatabaseName: 'lake' }),
    );
    expect(Database).toEqual({ Name: 'lake', Description: 'The lake', Parameters: {} });
    expect(
      await refusal(
        athena.send(new GetDatabaseCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: 'nope' })),
      ),
    ).toMatch(/^MetadataException: Entity Not Found \(Service: AmazonDataCatalog; .*EntityNotFoundException/);
  });

  it("shows a table's columns, partition keys, type and parameters as Athena does", async () => {
    const { TableMetadata } = await athena.send(
      new GetTableMetadataCommand({
        CatalogName: 'AwsDataCatalog',
        DatabaseName: 'lake',
        TableName: 'tickets_by_year',
      }),
    );
    expect(TableMetadata).toMatchObject({
      Name: 'tickets_by_year',
      LastAccessTime: new Date(0),
      TableType: 'EXTERNAL_TABLE',
      Columns: [
        { Name: 'a', Type: 'bigint', Comment: 'first' },
        { Name: 'b', Type: 'string' },
      ],
      PartitionKeys: [{ Name: 'year', Type: 'string', Comment: 'issue year' }],
      Parameters: {
        classification: 'csv',
        'skip.header.line.count': '1',
        location: 's3://curated/by-year/',
        inputformat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputformat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        'serde.serialization.lib': 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        'serde.param.field.delim': ',',
      },
    });
    expect(TableMetadata?.CreateTime).toBeInstanceOf(Date);
    expect(
      await refusal(
        athena.send(
          new GetTableMetadataCommand({
            CatalogName: 'AwsDataCatalog',
            DatabaseName: 'lake',
            TableName: 'nope',
          }),
        ),
      ),
    ).toMatch(/^MetadataException: Entity Not Found/);
  });

  it('filters tables by an Expression and pages through them', async () => {
    const list = (input: { Expression?: string; MaxResults?: number; NextToken?: string }) =>
      athena.send(
        new ListTableMetadataCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: 'lake', ...input }),
      );
    const all = await list({});
    expect(all.TableMetadataList?.map((m) => m.Name)).toEqual(['licences', 'tickets', 'tickets_by_year']);
    const matching = await list({ Expression: 'tickets.*' });
    expect(matching.TableMetadataList?.map((m) => m.Name)).toEqual(['tickets', 'tickets_by_year']);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await list({ MaxResults: 2, ...(token ? { NextToken: token } : {}) });
      expect(page.TableMetadataList?.length).toBeLessThanOrEqual(2);
      names.push(...(page.TableMetadataList ?? []).map((m) => m.Name ?? ''));
      token = page.NextToken;
    } while (token);
    expect(names).toEqual(['licences', 'tickets', 'tickets_by_year']);
    expect(await refusal(list({ Expression: '(' }))).toBe(
      'InvalidRequestException: Expression is not a valid regular expression.',
    );
  });

  it("takes athena's action on the data catalog and Glue's on what it reads, as the caller", async () => {
    await iam.send(new CreateUserCommand({ UserName: 'browser' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'browser' }));
    const policy = (statement: object) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...statement }] });
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'browser',
        PolicyName: 'athena',
        PolicyDocument: policy({
          Action: ['athena:ListDatabases', 'athena:GetTableMetadata'],
          Resource: `arn:aws:athena:${t.credentials.region}:${t.credentials.accountId}:datacatalog/AwsDataCatalog`,
        }),
      }),
    );
    const browser = new AthenaClient({
      ...clientConfig(t),
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    try {
      const denied = await refusal(browser.send(new ListDatabasesCommand({ CatalogName: 'AwsDataCatalog' })));
      expect(denied).toMatch(/^AccessDeniedException: .*not authorized to perform: glue:GetDatabases/);
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'browser',
          PolicyName: 'glue',
          PolicyDocument: policy({ Action: ['glue:GetDatabases', 'glue:GetTable'], Resource: '*' }),
        }),
      );
      const { DatabaseList } = await browser.send(
        new ListDatabasesCommand({ CatalogName: 'AwsDataCatalog' }),
      );
      expect(DatabaseList?.map((d) => d.Name)).toEqual(['archive', 'lake']);
      const { TableMetadata } = await browser.send(
        new GetTableMetadataCommand({
          CatalogName: 'AwsDataCatalog',
          DatabaseName: 'lake',
          TableName: 'tickets',
        }),
      );
      expect(TableMetadata?.Name).toBe('tickets');
      // No athena:GetDatabase on the catalog.
      expect(
        await refusal(
          browser.send(new GetDatabaseCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: 'lake' })),
        ),
      ).toMatch(/^AccessDeniedException: .*athena:GetDatabase on resource: .*datacatalog\/AwsDataCatalog/);
    } finally {
      browser.destroy();
    }
  });
});

describe('named queries', () => {
  it('creates, reads, lists, updates and deletes saved queries in a workgroup, and keeps them', async () => {
    const id = (
      await athena.send(
        new CreateNamedQueryCommand({
          Name: 'tickets per b',
          Description: 'Counts',
          Database: 'lake',
          QueryString: 'SELECT b, count(*) FROM tickets GROUP BY b',
        }),
      )
    ).NamedQueryId as string;
    const token = 'a'.repeat(40);
    const again = {
      Name: 'all',
      Database: 'lake',
      QueryString: 'SELECT * FROM tickets',
      ClientRequestToken: token,
    };
    const second = (await athena.send(new CreateNamedQueryCommand(again))).NamedQueryId as string;
    expect((await athena.send(new CreateNamedQueryCommand(again))).NamedQueryId).toBe(second);
    expect((await athena.send(new GetNamedQueryCommand({ NamedQueryId: id }))).NamedQuery).toEqual({
      NamedQueryId: id,
      Name: 'tickets per b',
      Description: 'Counts',
      Database: 'lake',
      QueryString: 'SELECT b, count(*) FROM tickets GROUP BY b',
      WorkGroup: 'primary',
    });
    const firstPage = await athena.send(new ListNamedQueriesCommand({ MaxResults: 1 }));
    expect(firstPage.NamedQueryIds).toEqual([id]);
    const secondPage = await athena.send(
      new ListNamedQueriesCommand({ MaxResults: 1, NextToken: firstPage.NextToken }),
    );
    expect(secondPage).toMatchObject({ NamedQueryIds: [second] });
    expect(secondPage.NextToken).toBeUndefined();

    await athena.send(
      new UpdateNamedQueryCommand({ NamedQueryId: id, Name: 'renamed', QueryString: 'SELECT 1' }),
    );
    const batch = await athena.send(new BatchGetNamedQueryCommand({ NamedQueryIds: [id, 'no-such-id'] }));
    expect(batch.NamedQueries?.map((q) => [q.Name, q.QueryString, q.Description])).toEqual([
      ['renamed', 'SELECT 1', 'Counts'],
    ]);
    expect(batch.UnprocessedNamedQueryIds).toEqual([
      {
        NamedQueryId: 'no-such-id',
        ErrorCode: 'InvalidRequestException',
        ErrorMessage: 'Named query no-such-id was not found.',
      },
    ]);
    await athena.send(new DeleteNamedQueryCommand({ NamedQueryId: id }));
    expect(await refusal(athena.send(new GetNamedQueryCommand({ NamedQueryId: id })))).toBe(
      `InvalidRequestException: Named query ${id} was not found.`,
    );
    expect(
      await refusal(
        athena.send(
          new CreateNamedQueryCommand({
            Name: 'x',
            Database: 'lake',
            QueryString: 'SELECT 1',
            WorkGroup: 'nope',
          }),
        ),
      ),
    ).toBe('InvalidRequestException: WorkGroup nope is not found.');

    // A workgroup holding named queries is deleted only with its contents.
    await athena.send(new CreateWorkGroupCommand({ Name: 'saved' }));
    await athena.send(
      new CreateNamedQueryCommand({
        Name: 'x',
        Database: 'lake',
        QueryString: 'SELECT 1',
        WorkGroup: 'saved',
      }),
    );
    expect(await refusal(athena.send(new DeleteWorkGroupCommand({ WorkGroup: 'saved' })))).toMatch(
      /not empty/,
    );
    await athena.send(new DeleteWorkGroupCommand({ WorkGroup: 'saved', RecursiveDeleteOption: true }));
  });
});

describe('prepared statements', () => {
  it('creates, reads, lists, updates and deletes statements of a workgroup as Athena does', async () => {
    const statement = (name: string, QueryStatement: string, Description?: string) =>
      new CreatePreparedStatementCommand({
        StatementName: name,
        WorkGroup: 'primary',
        QueryStatement,
        ...(Description ? { Description } : {}),
      });
    await athena.send(statement('tickets_of', 'SELECT * FROM lake.tickets WHERE a = ?', 'By a'));
    await athena.send(statement('one_b', 'SELECT b FROM lake.tickets WHERE b = ?'));
    expect(await refusal(athena.send(statement('one_b', 'SELECT 1')))).toBe(
      'InvalidRequestException: Prepared statement one_b already exists in workgroup primary.',
    );
    expect(await refusal(athena.send(statement('1bad', 'SELECT 1')))).toMatch(
      /^InvalidRequestException: StatementName must match/,
    );
    const { PreparedStatement } = await athena.send(
      new GetPreparedStatementCommand({ StatementName: 'tickets_of', WorkGroup: 'primary' }),
    );
    expect(PreparedStatement).toMatchObject({
      StatementName: 'tickets_of',
      QueryStatement: 'SELECT * FROM lake.tickets WHERE a = ?',
      WorkGroupName: 'primary',
      Description: 'By a',
    });
    expect(PreparedStatement?.LastModifiedTime).toBeInstanceOf(Date);
    await athena.send(
      new UpdatePreparedStatementCommand({
        StatementName: 'tickets_of',
        WorkGroup: 'primary',
        QueryStatement: 'SELECT a FROM lake.tickets WHERE a = ?',
      }),
    );
    const first = await athena.send(
      new ListPreparedStatementsCommand({ WorkGroup: 'primary', MaxResults: 1 }),
    );
    expect(first.PreparedStatements?.map((s) => s.StatementName)).toEqual(['one_b']);
    const rest = await athena.send(
      new ListPreparedStatementsCommand({ WorkGroup: 'primary', MaxResults: 1, NextToken: first.NextToken }),
    );
    expect(rest.PreparedStatements?.map((s) => s.StatementName)).toEqual(['tickets_of']);
    const batch = await athena.send(
      new BatchGetPreparedStatementCommand({
        WorkGroup: 'primary',
        PreparedStatementNames: ['tickets_of', 'gone'],
      }),
    );
    expect(batch.PreparedStatements?.map((s) => [s.StatementName, s.QueryStatement, s.Description])).toEqual([
      ['tickets_of', 'SELECT a FROM lake.tickets WHERE a = ?', 'By a'],
    ]);
    expect(batch.UnprocessedPreparedStatementNames).toEqual([
      {
        StatementName: 'gone',
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: 'Prepared statement gone was not found in workgroup primary.',
      },
    ]);
    await athena.send(new DeletePreparedStatementCommand({ StatementName: 'one_b', WorkGroup: 'primary' }));
    expect(
      await refusal(
        athena.send(new GetPreparedStatementCommand({ StatementName: 'one_b', WorkGroup: 'primary' })),
      ),
    ).toBe('ResourceNotFoundException: Prepared statement one_b was not found in workgroup primary.');
    expect(
      await refusal(
        athena.send(new DeletePreparedStatementCommand({ StatementName: 'one_b', WorkGroup: 'primary' })),
      ),
    ).toMatch(/^ResourceNotFoundException/);
    // The same statements are what SQL's EXECUTE reads.
    expect(await t.seawall.athena.saved.prepared.get('primary', 'tickets_of')).toEqual({
      statement: 'SELECT a FROM lake.tickets WHERE a = ?',
    });
  });
});

describe('results as Athena types them', () => {
  it("reports each column's type, precision and scale in ResultSetMetadata", async () => {
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString:
          "SELECT CAST(1 AS integer) AS i, CAST(2 AS bigint) AS bi, CAST(1.5 AS double) AS d, 'x' AS v, true AS t, DATE '2024-01-02' AS dt, TIMESTAMP '2024-01-02 03:04:05' AS ts, CAST(1.5 AS decimal(10,1)) AS dec, ARRAY[1, 2] AS arr",
      }),
    );
    const done = await waitForQuery(athena, QueryExecutionId as string);
    expect(done.Status?.StateChangeReason).toBeUndefined();
    const { ResultSet } = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
    expect(
      ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => [
        c.Name,
        c.Type,
        c.Precision,
        c.Scale,
        c.CaseSensitive,
      ]),
    ).toEqual([
      ['i', 'integer', 10, 0, false],
      ['bi', 'bigint', 19, 0, false],
      ['d', 'double', 17, 0, false],
      ['v', 'varchar', 2147483647, 0, true],
      ['t', 'boolean', 0, 0, false],
      ['dt', 'date', 0, 0, false],
      ['ts', 'timestamp', 3, 0, false],
      ['dec', 'decimal', 10, 1, false],
      ['arr', 'array', 0, 0, false],
    ]);
    expect(ResultSet?.ResultSetMetadata?.ColumnInfo?.[0]).toMatchObject({
      CatalogName: 'hive',
      SchemaName: '',
      TableName: '',
      Label: 'i',
      Nullable: 'UNKNOWN',
    });
  });
});

describe('the calls analysts tools make', () => {
  it("answers PyAthena's calls: a query in a workgroup, its results paged, table metadata, databases", async () => {
    const results = `s3://${defaultResultsBucket(t.credentials.accountId, t.credentials.region)}/pyathena/`;
    await athena.send(new CreateWorkGroupCommand({ Name: 'notebooks' }));
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT a, b FROM tickets ORDER BY a',
        QueryExecutionContext: { Database: 'lake' },
        WorkGroup: 'notebooks',
        ResultConfiguration: { OutputLocation: results },
      }),
    );
    await waitForQuery(athena, QueryExecutionId as string);
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    expect(QueryExecution).toMatchObject({
      Status: { State: 'SUCCEEDED' },
      WorkGroup: 'notebooks',
      ResultConfiguration: { OutputLocation: `${results}${QueryExecutionId}.csv` },
      StatementType: 'DML',
    });
    const rows: string[][] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await athena.send(
        new GetQueryResultsCommand({
          QueryExecutionId,
          MaxResults: 2,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      pages++;
      if (pages === 1)
        expect(page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => [c.Name, c.Type])).toEqual([
          ['a', 'bigint'],
          ['b', 'varchar'],
        ]);
      rows.push(...(page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? '')));
      token = page.NextToken;
    } while (token);
    expect(pages).toBe(2);
    expect(rows).toEqual([
      ['a', 'b'],
      ['1', 'x'],
      ['2', 'y'],
      ['3', 'z'],
    ]);
    const { TableMetadata } = await athena.send(
      new GetTableMetadataCommand({
        CatalogName: 'AwsDataCatalog',
        DatabaseName: 'lake',
        TableName: 'tickets',
      }),
    );
    expect(TableMetadata?.Columns?.map((c) => c.Name)).toEqual(['a', 'b']);
    const { DatabaseList } = await athena.send(new ListDatabasesCommand({ CatalogName: 'AwsDataCatalog' }));
    expect(DatabaseList?.map((d) => d.Name)).toContain('lake');
  });

  it('answers the aws cli: data catalogs, databases, table metadata and named queries', async () => {
    const cli = async (...args: string[]) => {
      const result = await awsCli(t.dataDir, t.url, ['athena', ...args, '--output', 'json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout);
    };
    expect(await cli('list-data-catalogs')).toEqual({
      DataCatalogsSummary: [{ CatalogName: 'AwsDataCatalog', Type: 'GLUE' }],
    });
    const databases = await cli('list-databases', '--catalog-name', 'AwsDataCatalog');
    expect(databases.DatabaseList.map((d: { Name: string }) => d.Name)).toEqual(['archive', 'lake']);
    const table = await cli(
      'get-table-metadata',
      '--catalog-name',
      'AwsDataCatalog',
      '--database-name',
      'lake',
      '--table-name',
      'tickets',
    );
    expect(table.TableMetadata).toMatchObject({
      Name: 'tickets',
      TableType: 'EXTERNAL_TABLE',
      Columns: [
        { Name: 'a', Type: 'bigint', Comment: 'first' },
        { Name: 'b', Type: 'string' },
      ],
      PartitionKeys: [],
    });
    const { NamedQueryId } = await athena.send(
      new CreateNamedQueryCommand({
        Name: 'cli',
        Database: 'lake',
        QueryString: 'SELECT 2',
        WorkGroup: 'notebooks',
      }),
    );
    expect(await cli('list-named-queries', '--work-group', 'notebooks')).toEqual({
      NamedQueryIds: [NamedQueryId],
    });
  });
});
