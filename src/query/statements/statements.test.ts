import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParameters } from '../../../test/fuzz/fuzz-runs.js';
import type { CatalogTable } from '../../catalog/index.js';
import { AppError } from '../../errors.js';
import type { AuthzCheck } from '../../lib/operation.js';
import type { PrepareOptions } from '../prepare.js';
import type { PreparedStatements, Statement } from './ast.js';
import type { StatementContext } from './context.js';
import { parseStatement, runStatement } from './index.js';
import { namePattern } from './statement-support.js';
import {
  createTableStatement,
  escapePathName,
  partitionName,
  tableInputOf,
  unescapePathName,
} from './table-ddl.js';

type CreateExternalTable = Extract<Statement, { kind: 'CreateExternalTable' }>;

const text = fc.string({ unit: 'binary', maxLength: 20 });
const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).map((s) => s.toLowerCase());
const type = fc.constantFrom(
  'int',
  'string',
  'decimal(10,2)',
  'array<struct<a:int,b:string>>',
  'map<string,int>',
);
const column = fc
  .record({ name, type, comment: fc.option(text, { nil: undefined }) })
  .map((c) => (c.comment === undefined ? { name: c.name, type: c.type } : c));
const properties = fc.dictionary(
  text.filter((k) => k !== 'comment' && k !== 'EXTERNAL' && k !== '__proto__'),
  text,
  { maxKeys: 3 },
);

const createTable: fc.Arbitrary<CreateExternalTable> = fc
  .record({
    name,
    columns: fc.uniqueArray(column, { selector: (c) => c.name, minLength: 1, maxLength: 3 }),
    partitionedBy: fc.uniqueArray(column, { selector: (c) => `p${c.name}`, maxLength: 2 }),
    comment: fc.option(text, { nil: undefined }),
    delimiter: fc.option(text, { nil: undefined }),
    serde: fc.option(fc.tuple(text, properties), { nil: undefined }),
    storedAs: fc.constantFrom('TEXTFILE', 'PARQUET', 'ORC', 'JSONFILE'),
    // A location is one line (anything else is refused as not an s3:// URL).
    location: text.filter((s) => !/[\n\r\u2028\u2029]/.test(s)).map((s) => `s3://bucket/${s}`),
    properties,
  })
  .map((r) => ({
    kind: 'CreateExternalTable',
    table: { name: r.name },
    ifNotExists: false,
    columns: r.columns,
    partitionedBy: r.partitionedBy.map((c) => ({ ...c, name: `p${c.name}` })),
    ...(r.comment !== undefined ? { comment: r.comment } : {}),
    ...(r.serde
      ? { rowFormat: { kind: 'serde', serde: r.serde[0], properties: r.serde[1] } }
      : r.delimiter !== undefined
        ? { rowFormat: { kind: 'delimited', fieldsTerminatedBy: r.delimiter } }
        : {}),
    storedAs: { format: r.storedAs },
    location: r.location,
    properties: r.properties,
  }));

describe('CREATE EXTERNAL TABLE as Glue keeps it', () => {
  it('reads back from SHOW CREATE TABLE as the same table, whatever its names and strings hold', () => {
    fc.assert(
      fc.property(createTable, (statement) => {
        const input = tableInputOf(statement);
        const table: CatalogTable = {
          database: 'db',
          definition: input,
          version: 1,
          createTime: 0,
          updateTime: 0,
        };
        const again = parseStatement(createTableStatement(table));
        expect(again?.kind).toBe('CreateExternalTable');
        expect(tableInputOf(again as CreateExternalTable)).toEqual(input);
      }),
      fuzzParameters(200),
    );
  });

  it("names partitions with Hive's path escaping, and reads the names back", () => {
    expect(partitionName([{ Name: 'Year' }, { Name: 'city' }], ['2024', 'a/b=c'])).toBe(
      'year=2024/city=a%2Fb%3Dc',
    );
    expect(escapePathName('')).toBe('__HIVE_DEFAULT_PARTITION__');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1 }), (value) => {
        expect(unescapePathName(escapePathName(value))).toBe(value);
        expect(escapePathName(value)).not.toMatch(/[/=]/);
      }),
      fuzzParameters(200),
    );
  });
});

/** A context with an in-memory store of prepared statements; `denied` names actions the caller may not do. */
function context(denied: string[] = []) {
  const store = new Map<string, string>();
  const prepared: PreparedStatements = {
    get: async (workgroup, n) => {
      const statement = store.get(`${workgroup}/${n}`);
      return statement === undefined ? undefined : { statement };
    },
    put: async (workgroup, n, statement) => {
      store.set(`${workgroup}/${n}`, statement);
    },
    delete: async (workgroup, n) => store.delete(`${workgroup}/${n}`),
  };
  const prepares: { sql: string; options: PrepareOptions | undefined }[] = [];
  const ctx = {
    workgroup: 'primary',
    region: 'ca-west-1',
    database: 'city',
    caller: {
      principal: { accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/a', type: 'User' },
      facts: {},
    },
    authorizer: {
      authorize: async (_principal: unknown, check: AuthzCheck) => {
        if (denied.includes(check.action))
          throw new AppError('AccessDenied', 403, `not allowed: ${check.action}`);
      },
    },
    prepared,
    parser: {},
    prepareSelect: async (_parser: unknown, sql: string, _db: unknown, options?: PrepareOptions) => {
      prepares.push({ sql, options });
      return { sql, tables: [] };
    },
  } as unknown as StatementContext;
  return { ctx, prepares };
}

async function run(sql: string, ctx: StatementContext) {
  return runStatement(parseStatement(sql) as Statement, ctx);
}

describe('prepared statements', () => {
  it('prepares, executes with parameters and deallocates', async () => {
    const { ctx, prepares } = context();
    expect(
      await run('PREPARE by_species FROM SELECT * FROM trees WHERE species = ? AND id > ?', ctx),
    ).toMatchObject({
      statementType: 'UTILITY',
      substatementType: 'PREPARE',
    });
    const executed = await run("EXECUTE by_species USING 'oak', 2", ctx);
    expect(executed).toMatchObject({ kind: 'select', statementType: 'DML' });
    expect(prepares).toEqual([
      { sql: 'SELECT * FROM trees WHERE species = ? AND id > ?', options: { parameters: ["'oak'", '2'] } },
    ]);
    await run('DEALLOCATE PREPARE by_species', ctx);
    await expect(run('EXECUTE by_species', ctx)).rejects.toThrow('Prepared statement not found: by_species');
    await expect(run('DEALLOCATE PREPARE by_species', ctx)).rejects.toThrow('Prepared statement not found');
  });

  it('refuses what cannot be prepared, and callers without the rights', async () => {
    const { ctx } = context(['athena:GetPreparedStatement']);
    await expect(run('PREPARE p FROM DROP TABLE trees', ctx)).rejects.toThrow(
      /DropTable statement cannot be prepared/,
    );
    await run('PREPARE p FROM SELECT 1', ctx);
    await expect(run('EXECUTE p', ctx)).rejects.toThrow(
      /^Insufficient permissions to execute the query\. not allowed: athena:GetPreparedStatement$/,
    );
  });
});

describe("SHOW's LIKE patterns", () => {
  it('match whole names, case-insensitively, with * or .* for any characters and | between choices', () => {
    const names = ['tickets', 'trees', 'tree_ids', 'bikes'];
    const matching = (pattern: string) => names.filter(namePattern(pattern));
    expect(matching('t*')).toEqual(['tickets', 'trees', 'tree_ids']);
    expect(matching('TREE.*')).toEqual(['trees', 'tree_ids']);
    expect(matching('tree')).toEqual([]);
    expect(matching('bikes|*ets')).toEqual(['tickets', 'bikes']);
    expect(matching('(a+)+b')).toEqual([]);
    expect(() => namePattern('[')).toThrow(/is not a valid pattern/);
  });
});
