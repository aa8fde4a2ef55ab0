import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParameters } from '../../../test/fuzz/fuzz-runs.js';
import { QueryRejected } from '../sandbox-tree.js';
import { parseStatement } from './grammar.js';
import { tokenize } from './tokens.js';

function rejected(sql: string): string {
  try {
    parseStatement(sql);
  } catch (error) {
    expect(error).toBeInstanceOf(QueryRejected);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${sql.slice(0, 80)}`);
}

describe('the statement grammar', () => {
  it('leaves queries to the SELECT path', () => {
    for (const sql of [
      'SELECT 1',
      ' with a as (select 1) select * from a',
      'VALUES 1',
      '(SELECT 1)',
      'TABLE t',
    ])
      expect(parseStatement(sql)).toBeUndefined();
    // A word no statement starts with is the sandbox's to refuse.
    expect(parseStatement('ATTACH x')).toBeUndefined();
  });

  it('reads SHOW and DESCRIBE in their forms', () => {
    expect(parseStatement('show tables in `Sales`')).toEqual({ kind: 'ShowTables', database: 'sales' });
    expect(parseStatement("SHOW TABLES IN `x` 'tick*|bike*';")).toEqual({
      kind: 'ShowTables',
      database: 'x',
      like: 'tick*|bike*',
    });
    expect(parseStatement("SHOW SCHEMAS LIKE 'v.*'")).toEqual({ kind: 'ShowDatabases', like: 'v.*' });
    expect(parseStatement('SHOW COLUMNS IN t FROM db')).toEqual({
      kind: 'ShowColumns',
      table: { name: 't', database: 'db' },
    });
    expect(parseStatement("SHOW TBLPROPERTIES db.t('classification')")).toEqual({
      kind: 'ShowTblProperties',
      table: { database: 'db', name: 't' },
      property: 'classification',
    });
    expect(parseStatement("DESCRIBE EXTENDED t PARTITION (year = '2024', m = 1)")).toEqual({
      kind: 'Describe',
      table: { name: 't' },
      extended: true,
      partition: [
        { key: 'year', value: '2024' },
        { key: 'm', value: '1' },
      ],
    });
    expect(rejected('DESCRIBE TABLE t')).toMatch(/single column is not supported/);
  });

  it('reads CREATE EXTERNAL TABLE with Hive types, row formats and properties', () => {
    const sql = `CREATE EXTERNAL TABLE IF NOT EXISTS city.\`Tickets\` (
      id bigint COMMENT 'the ticket', amount DECIMAL(10, 2), tags array<struct<a:int,b:string>>,
      attrs map<string,int> -- a comment
    ) COMMENT 'parking' PARTITIONED BY (year string)
    ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'
    /* stored */ STORED AS TEXTFILE LOCATION "s3://raw/tickets/"
    TBLPROPERTIES ('skip.header.line.count'='1', 'projection.enabled' = 'true')`;
    expect(parseStatement(sql)).toEqual({
      kind: 'CreateExternalTable',
      table: { database: 'city', name: 'tickets' },
      ifNotExists: true,
      columns: [
        { name: 'id', type: 'bigint', comment: 'the ticket' },
        { name: 'amount', type: 'decimal(10,2)' },
        { name: 'tags', type: 'array<struct<a:int,b:string>>' },
        { name: 'attrs', type: 'map<string,int>' },
      ],
      comment: 'parking',
      partitionedBy: [{ name: 'year', type: 'string' }],
      rowFormat: { kind: 'delimited', fieldsTerminatedBy: '\t', escapedBy: '\\', linesTerminatedBy: '\n' },
      storedAs: { format: 'TEXTFILE' },
      location: 's3://raw/tickets/',
      properties: { 'skip.header.line.count': '1', 'projection.enabled': 'true' },
    });
    const serde = parseStatement(`CREATE EXTERNAL TABLE t (a string)
      ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
      WITH SERDEPROPERTIES ("separatorChar" = ",", 'quoteChar' = '\\"')
      STORED AS INPUTFORMAT 'in' OUTPUTFORMAT 'out' LOCATION 's3://b/p/'`);
    expect(serde).toMatchObject({
      rowFormat: {
        kind: 'serde',
        serde: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
        properties: { separatorChar: ',', quoteChar: '"' },
      },
      storedAs: { inputFormat: 'in', outputFormat: 'out' },
    });
    expect(
      parseStatement("CREATE EXTERNAL TABLE t (a string) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\001'"),
    ).toMatchObject({ rowFormat: { kind: 'delimited', fieldsTerminatedBy: '\x01' } });
    expect(rejected('CREATE TABLE t (a int)')).toMatch(/Only external table creation is supported/);
    expect(rejected('CREATE EXTERNAL TABLE t (a map<string>)')).toMatch(/map takes 2 types/);
  });

  it('keeps the source text of a SELECT inside a statement', () => {
    expect(
      parseStatement(
        "CREATE TABLE t WITH (format = 'PARQUET', partitioned_by = ARRAY['y']) AS SELECT 1 WITH NO DATA",
      ),
    ).toEqual({
      kind: 'CreateTableAs',
      table: { name: 't' },
      ifNotExists: false,
      properties: { format: 'PARQUET', partitioned_by: ['y'] },
      query: 'SELECT 1',
      withData: false,
    });
    expect(parseStatement('INSERT INTO db.t (a, "B") SELECT a, b FROM s;')).toEqual({
      kind: 'InsertInto',
      table: { database: 'db', name: 't' },
      columns: ['a', 'b'],
      query: 'SELECT a, b FROM s',
    });
    expect(parseStatement('INSERT INTO t (SELECT 1)')).toMatchObject({ query: '(SELECT 1)' });
    expect(parseStatement("UNLOAD (SELECT ')' AS x) TO 's3://b/u/' WITH (format = 'JSON')")).toEqual({
      kind: 'Unload',
      query: "SELECT ')' AS x",
      location: 's3://b/u/',
      properties: { format: 'JSON' },
    });
    expect(parseStatement('EXPLAIN (FORMAT JSON) SELECT 1')).toEqual({
      kind: 'Explain',
      analyze: false,
      format: 'JSON',
      query: 'SELECT 1',
    });
    expect(parseStatement('CREATE OR REPLACE VIEW v AS SELECT * FROM t')).toEqual({
      kind: 'CreateView',
      view: { name: 'v' },
      orReplace: true,
      query: 'SELECT * FROM t',
    });
    expect(parseStatement('PREPARE q FROM SELECT * FROM t WHERE a = ?')).toEqual({
      kind: 'Prepare',
      name: 'q',
      statement: 'SELECT * FROM t WHERE a = ?',
    });
    expect(parseStatement("EXECUTE q USING 'a,b', DATE '2024-01-01', f(1, 2)")).toEqual({
      kind: 'Execute',
      name: 'q',
      parameters: ["'a,b'", "DATE '2024-01-01'", 'f(1, 2)'],
    });
    expect(parseStatement('DEALLOCATE PREPARE q')).toEqual({ kind: 'Deallocate', name: 'q' });
    expect(rejected('EXECUTE q USING , 1')).toMatch(/mismatched input ','\. Expecting: <expression>/);
    expect(rejected('EXECUTE q USING 1,')).toMatch(/mismatched input '<EOF>'/);
  });

  it('reads DDL on databases, tables and partitions', () => {
    expect(parseStatement('DROP DATABASE IF EXISTS d CASCADE')).toEqual({
      kind: 'DropDatabase',
      name: 'd',
      ifExists: true,
      cascade: true,
    });
    expect(
      parseStatement("CREATE DATABASE d COMMENT 'c' LOCATION 's3://b/' WITH DBPROPERTIES ('k'='v')"),
    ).toEqual({
      kind: 'CreateDatabase',
      name: 'd',
      ifNotExists: false,
      comment: 'c',
      location: 's3://b/',
      properties: { k: 'v' },
    });
    expect(
      parseStatement(
        "ALTER TABLE t ADD IF NOT EXISTS PARTITION (y='1') LOCATION 's3://b/1/' PARTITION (y='2')",
      ),
    ).toEqual({
      kind: 'AlterTableAddPartitions',
      table: { name: 't' },
      ifNotExists: true,
      partitions: [
        { spec: [{ key: 'y', value: '1' }], location: 's3://b/1/' },
        { spec: [{ key: 'y', value: '2' }] },
      ],
    });
    expect(parseStatement("ALTER TABLE t DROP PARTITION (y='1'), PARTITION (y='2')")).toMatchObject({
      kind: 'AlterTableDropPartitions',
      partitions: [[{ key: 'y', value: '1' }], [{ key: 'y', value: '2' }]],
    });
    expect(parseStatement('MSCK REPAIR TABLE db.t')).toEqual({
      kind: 'MsckRepairTable',
      table: { database: 'db', name: 't' },
    });
    expect(rejected('ALTER TABLE t RENAME TO u')).toMatch(/ALTER TABLE ... RENAME is not supported/);
    expect(parseStatement("ALTER TABLE t SET TBLPROPERTIES ('a'='1')")).toEqual({
      kind: 'AlterTable',
      table: { name: 't' },
      change: { kind: 'SetProperties', properties: { a: '1' } },
    });
    expect(parseStatement('ALTER TABLE t ADD COLUMNS (b map<string,int>)')).toMatchObject({
      change: { kind: 'AddColumns', columns: [{ name: 'b', type: 'map<string,int>' }] },
    });
    expect(parseStatement("ALTER TABLE t SET LOCATION 's3://b/new/'")).toMatchObject({
      change: { kind: 'SetLocation', location: 's3://b/new/' },
    });
  });

  it('says where it stopped, as Athena does', () => {
    expect(rejected('SHOW x')).toMatch(/^line 1:6: mismatched input 'x'\. Expecting: 'DATABASES', /);
    expect(rejected('DROP TABLE')).toBe("line 1:11: mismatched input '<EOF>'. Expecting: <identifier>");
    expect(rejected("SHOW TABLES\n  IN db 'p' extra")).toMatch(/^line 2:13: mismatched input 'extra'/);
  });

  it('refuses hostile input with QueryRejected', () => {
    expect(rejected("SHOW TABLES 'unterminated")).toMatch(/line 1:13: string literal is not terminated/);
    expect(rejected('SHOW TABLES /* open')).toMatch(/comment is not terminated/);
    expect(rejected('SHOW TABLES IN ``')).toMatch(/Zero-length delimited identifier/);
    expect(rejected('SHOW TABLES IN db\0')).toMatch(/token recognition error at: '\\u0000'/);
    const deep = `CREATE EXTERNAL TABLE t (a ${'array<'.repeat(5000)}int${'>'.repeat(5000)})`;
    expect(rejected(deep)).toMatch(/nested too deeply/);
    const wide = `UNLOAD ${'('.repeat(5000)}SELECT 1${')'.repeat(5000)} TO 's3://b/' WITH (format = 'JSON')`;
    expect(rejected(wide)).toMatch(/nested too deeply/);
    const huge = `SHOW TABLES '${'x'.repeat(2 ** 20)}`;
    expect(rejected(huge)).toMatch(/not terminated/);
    expect(parseStatement(`SHOW TABLES '${"\\'".repeat(2 ** 16)}'`)).toMatchObject({
      like: "'".repeat(2 ** 16),
    });
  });

  it('throws nothing but QueryRejected, whatever it is given', () => {
    const words = fc.constantFrom(
      'SHOW',
      'TABLES',
      'CREATE',
      'EXTERNAL',
      'TABLE',
      'ALTER',
      'ADD',
      'PARTITION',
      'DESCRIBE',
      'DROP',
      'MSCK',
      'REPAIR',
      'INSERT',
      'INTO',
      'UNLOAD',
      'EXECUTE',
      'USING',
      'PREPARE',
      'FROM',
      'EXPLAIN',
      'WITH',
      'AS',
      'ROW',
      'FORMAT',
      'SERDE',
      'STORED',
      'LOCATION',
      'TBLPROPERTIES',
      'array',
      '<',
      '>',
      'struct',
      ':',
      '(',
      ')',
      ',',
      '=',
      "'s'",
      '"q"',
      '`b`',
      '1',
      '/*',
      '--',
      "'",
      '\\',
      ';',
      'ARRAY',
      '[',
      ']',
      '\0',
    );
    const sql = fc.oneof(
      fc.array(words, { maxLength: 24 }).map((parts) => parts.join(' ')),
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.tuple(words, fc.string({ maxLength: 60 })).map(([w, s]) => `${w} ${s}`),
    );
    fc.assert(
      fc.property(sql, (text) => {
        try {
          parseStatement(text);
          tokenize(text, 'hive');
        } catch (error) {
          if (!(error instanceof QueryRejected)) throw error;
        }
      }),
      fuzzParameters(200),
    );
  });
});
