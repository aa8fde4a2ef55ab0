import { RE2JS } from 're2js';
import { AppError, badRequest } from '../errors.js';
import {
  epochSeconds,
  type JsonInput,
  type JsonOperations,
  jsonService,
  memberRefusal,
  optionalNumber,
  optionalString,
  requiredString,
} from '../lib/aws-json.js';
import type { ApiRequest } from '../lib/http.js';
import type { ServiceEndpoint } from '../lib/operation.js';
import type { GlueArns } from './catalog-arns.js';
import { partitionKeyOf } from './catalog-service.js';
import type { CatalogDatabase, CatalogPartition, CatalogService, CatalogTable } from './catalog-types.js';
import {
  catalogOp,
  databaseInputShape,
  page,
  parseShape,
  partitionInputShape,
  tableInputShape,
} from './glue-shapes.js';
import { MAX_EXPRESSION, partitionFilter } from './partition-expression.js';

/** What a `*` after it repeats, in a regular expression. */
const REPEATABLE_ENDS: ReadonlySet<string> = new Set(['.', ')', ']', '?', '+', '}']);

/**
 * The expression with each `*` that repeats nothing made `.*`: not one after `.`, `)`, `]` or a quantifier
 * (`?`, `+`, `}`), nor one escaped or inside a character class.
 */
function starsAsWildcards(expression: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i] as string;
    if (c === '\\') {
      out += expression.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '*' && !REPEATABLE_ENDS.has(expression[i - 1] ?? '')) {
      out += '.*';
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Glue's Expression is a regular expression over table names (e.g. "parking.*"), matched whole and, as table
 * names are lower case, in any case; as in Hive's metastore patterns that Glue's follow, a `*` that repeats
 * nothing (not after `.`, `]`, `)` or a backslash) is any run of characters, so the wildcard patterns that
 * clients write (awswrangler's `*tickets*`, `parking*`) match as they do in Glue. A client chooses the pattern,
 * so it is matched by RE2 in linear time: JavaScript's backtracking RegExp would let `(a+)+` against a long name
 * hold the event loop for hours.
 */
function tableNamePattern(expression: string): RE2JS {
  if (expression.length > MAX_EXPRESSION)
    throw badRequest('InvalidInputException', `Expression must be at most ${MAX_EXPRESSION} characters.`);
  try {
    return RE2JS.compile(starsAsWildcards(expression), RE2JS.CASE_INSENSITIVE);
  } catch {
    throw badRequest('InvalidInputException', 'Expression is not a valid regular expression.');
  }
}

function tableOut(table: CatalogTable, catalogId: string) {
  const { Name, ...rest } = table.definition;
  return {
    Name,
    DatabaseName: table.database,
    ...rest,
    CreateTime: epochSeconds(table.createTime),
    UpdateTime: epochSeconds(table.updateTime),
    IsRegisteredWithLakeFormation: false,
    CatalogId: catalogId,
    VersionId: String(table.version),
  };
}

function partitionOut(partition: CatalogPartition, catalogId: string) {
  return {
    ...partition.definition,
    DatabaseName: partition.database,
    TableName: partition.table,
    CreationTime: epochSeconds(partition.createTime),
    CatalogId: catalogId,
  };
}

function values(input: JsonInput<'PartitionValues'>): string[] {
  const list = input.PartitionValues;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string'))
    throw badRequest('InvalidInputException', 'PartitionValues must be a list of strings.');
  return list as string[];
}

/**
 * A batch's list of partitions, each `{ Values: [...] }` (BatchGetPartition's PartitionsToGet and
 * BatchDeletePartition's PartitionsToDelete), from 1 to `max` of them.
 */
function partitionValueLists(list: unknown, member: string, max: number): string[][] {
  const invalid = () =>
    badRequest(
      'InvalidInputException',
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must be a list of 1 to ${max} partition value lists of strings`,
    );
  if (!Array.isArray(list) || list.length === 0 || list.length > max) throw invalid();
  return list.map((item) => {
    const values = (item as { Values?: unknown } | null)?.Values;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw invalid();
    return values as string[];
  });
}

/** A batch entry's ErrorDetail, from the catalog's error for it. */
function errorDetail(error: { code: string; message: string }) {
  return { ErrorCode: error.code, ErrorMessage: error.message };
}

/** The catalog's answer that an entity is not there, the entity named by its message ("Table ...", "partition"). */
function notFound(error: unknown, entity: RegExp): error is AppError {
  return error instanceof AppError && error.code === 'EntityNotFoundException' && entity.test(error.message);
}

/** BatchDeleteTable's TablesToDelete: 1 to 100 names. */
function tableNames(list: unknown): string[] {
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.length > 100 ||
    list.some((n) => typeof n !== 'string')
  )
    throw badRequest(
      'InvalidInputException',
      "1 validation error detected: Value at 'tablesToDelete' failed to satisfy constraint: Member must be a list of 1 to 100 table names",
    );
  return list as string[];
}

const SHARE_TYPES = ['ALL', 'FOREIGN', 'FEDERATED'];

/** A partition operation touches its table, in its database, in the catalog. */
function tableOf(arns: GlueArns, input: JsonInput<'DatabaseName' | 'TableName'>): string[] {
  return arns.tablePath(input.DatabaseName, input.TableName);
}

/**
 * The Glue Data Catalog's operations (awsJson1_1, X-Amz-Target AWSGlue.*). Each lists the input members it
 * honours; any other member is refused with InvalidInputException.
 */
export function createCatalogOperations(catalog: CatalogService): JsonOperations {
  const account = (req: ApiRequest) => req.principal.accountId;
  const databaseOut = (db: CatalogDatabase, req: ApiRequest) => ({
    Name: db.name,
    ...db.definition,
    CreateTime: epochSeconds(db.createTime),
    CatalogId: account(req),
  });
  return {
    CreateDatabase: catalogOp(
      'CreateDatabase',
      ['DatabaseInput'],
      (a, i) => [a.catalog, a.database((i.DatabaseInput as { Name?: unknown } | undefined)?.Name)],
      async (input) => {
        await catalog.createDatabase(parseShape(databaseInputShape, input.DatabaseInput, 'databaseInput'));
        return {};
      },
    ),
    GetDatabase: catalogOp(
      'GetDatabase',
      ['Name'],
      (a, i) => [a.catalog, a.database(i.Name)],
      async (input, req) => ({
        Database: databaseOut(await catalog.getDatabase(requiredString(input, 'Name')), req),
      }),
    ),
    GetDatabases: catalogOp(
      'GetDatabases',
      ['NextToken', 'MaxResults', 'ResourceShareType'],
      (a) => [a.catalog, a.database('*')],
      async (input, req) => {
        const share = optionalString(input, 'ResourceShareType') ?? 'ALL';
        if (!SHARE_TYPES.includes(share))
          throw badRequest('InvalidInputException', 'ResourceShareType must be ALL, FOREIGN or FEDERATED.');
        // No database is shared from another account or federated, so those views are empty.
        const all = share === 'ALL' ? await catalog.getDatabases() : [];
        const { items, NextToken } = page(all, input);
        return { DatabaseList: items.map((db) => databaseOut(db, req)), NextToken };
      },
    ),
    UpdateDatabase: catalogOp(
      'UpdateDatabase',
      ['Name', 'DatabaseInput'],
      (a, i) => [a.catalog, a.database(i.Name)],
      async (input) => {
        await catalog.updateDatabase(
          requiredString(input, 'Name'),
          parseShape(databaseInputShape, input.DatabaseInput, 'databaseInput'),
        );
        return {};
      },
    ),
    DeleteDatabase: catalogOp(
      'DeleteDatabase',
      ['Name'],
      (a, i) => [a.catalog, a.database(i.Name), a.table(i.Name, '*')],
      async (input) => {
        await catalog.deleteDatabase(requiredString(input, 'Name'));
        return {};
      },
    ),
    CreateTable: catalogOp(
      'CreateTable',
      ['DatabaseName', 'TableInput'],
      (a, i) => [
        a.catalog,
        a.database(i.DatabaseName),
        a.table(i.DatabaseName, (i.TableInput as { Name?: unknown } | undefined)?.Name),
      ],
      async (input) => {
        await catalog.createTable(
          requiredString(input, 'DatabaseName'),
          parseShape(tableInputShape, input.TableInput, 'tableInput'),
        );
        return {};
      },
    ),
    // IncludeStatusDetails asks for the progress of asynchronous view updates; Seawall has none to report.
    GetTable: catalogOp(
      'GetTable',
      ['DatabaseName', 'Name', 'IncludeStatusDetails'],
      (a, i) => [a.catalog, a.database(i.DatabaseName), a.table(i.DatabaseName, i.Name)],
      async (input, req) => ({
        Table: tableOut(
          await catalog.getTable(requiredString(input, 'DatabaseName'), requiredString(input, 'Name')),
          account(req),
        ),
      }),
    ),
    GetTables: catalogOp(
      'GetTables',
      ['DatabaseName', 'Expression', 'NextToken', 'MaxResults', 'IncludeStatusDetails'],
      (a, i) => [a.catalog, a.database(i.DatabaseName), a.table(i.DatabaseName, '*')],
      async (input, req) => {
        const expression = optionalString(input, 'Expression');
        let tables = await catalog.getTables(requiredString(input, 'DatabaseName'));
        if (expression) {
          const pattern = tableNamePattern(expression);
          tables = tables.filter((t) => pattern.matches(t.definition.Name));
        }
        const { items, NextToken } = page(tables, input);
        return { TableList: items.map((t) => tableOut(t, account(req))), NextToken };
      },
    ),
    UpdateTable: catalogOp(
      'UpdateTable',
      ['DatabaseName', 'TableInput', 'SkipArchive'],
      (a, i) => [
        a.catalog,
        a.database(i.DatabaseName),
        a.table(i.DatabaseName, (i.TableInput as { Name?: unknown } | undefined)?.Name),
      ],
      async (input) => {
        await catalog.updateTable(
          requiredString(input, 'DatabaseName'),
          parseShape(tableInputShape, input.TableInput, 'tableInput'),
          { skipArchive: input.SkipArchive === true },
        );
        return {};
      },
    ),
    DeleteTable: catalogOp(
      'DeleteTable',
      ['DatabaseName', 'Name'],
      (a, i) => [a.catalog, a.database(i.DatabaseName), a.table(i.DatabaseName, i.Name)],
      async (input) => {
        await catalog.deleteTable(requiredString(input, 'DatabaseName'), requiredString(input, 'Name'));
        return {};
      },
    ),
    BatchDeleteTable: catalogOp(
      'BatchDeleteTable',
      ['DatabaseName', 'TablesToDelete'],
      // The list is checked before it is authorized: each name is a resource the caller must be allowed.
      (a, i) => [
        a.catalog,
        a.database(i.DatabaseName),
        ...tableNames(i.TablesToDelete).map((name) => a.table(i.DatabaseName, name)),
      ],
      async (input) => {
        const database = requiredString(input, 'DatabaseName');
        const Errors: unknown[] = [];
        for (const name of tableNames(input.TablesToDelete)) {
          await catalog.deleteTable(database, name).catch((error: unknown) => {
            // A database that is not there fails the call; a table that is not there is that table's error.
            if (!notFound(error, /^Table /)) throw error;
            Errors.push({
              TableName: name,
              ErrorDetail: errorDetail(error),
            });
          });
        }
        return { Errors };
      },
    ),
    GetTableVersions: catalogOp(
      'GetTableVersions',
      ['DatabaseName', 'TableName', 'NextToken', 'MaxResults'],
      (a, i) => [a.catalog, a.database(i.DatabaseName), a.table(i.DatabaseName, i.TableName)],
      async (input, req) => {
        const versions = await catalog.getTableVersions(
          requiredString(input, 'DatabaseName'),
          requiredString(input, 'TableName'),
        );
        const { items, NextToken } = page(versions, input);
        return {
          TableVersions: items.map((t) => ({
            Table: tableOut(t, account(req)),
            VersionId: String(t.version),
          })),
          NextToken,
        };
      },
    ),
    CreatePartition: catalogOp(
      'CreatePartition',
      ['DatabaseName', 'TableName', 'PartitionInput'],
      tableOf,
      async (input) => {
        await catalog.createPartition(
          requiredString(input, 'DatabaseName'),
          requiredString(input, 'TableName'),
          parseShape(partitionInputShape, input.PartitionInput, 'partitionInput'),
        );
        return {};
      },
    ),
    BatchCreatePartition: catalogOp(
      'BatchCreatePartition',
      ['DatabaseName', 'TableName', 'PartitionInputList'],
      tableOf,
      async (input) => {
        const list = Array.isArray(input.PartitionInputList) ? input.PartitionInputList : [];
        if (list.length === 0 || list.length > 100)
          throw badRequest('InvalidInputException', 'PartitionInputList must hold 1 to 100 partitions.');
        const partitions = list.map((item) => parseShape(partitionInputShape, item, 'partitionInputList'));
        const Errors: unknown[] = [];
        for (const partition of partitions) {
          try {
            await catalog.createPartition(
              requiredString(input, 'DatabaseName'),
              requiredString(input, 'TableName'),
              partition,
            );
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            Errors.push({ PartitionValues: partition.Values, ErrorDetail: errorDetail(error) });
          }
        }
        return { Errors };
      },
    ),
    GetPartition: catalogOp(
      'GetPartition',
      ['DatabaseName', 'TableName', 'PartitionValues'],
      tableOf,
      async (input, req) => ({
        Partition: partitionOut(
          await catalog.getPartition(
            requiredString(input, 'DatabaseName'),
            requiredString(input, 'TableName'),
            values(input),
          ),
          account(req),
        ),
      }),
    ),
    GetPartitions: catalogOp(
      'GetPartitions',
      ['DatabaseName', 'TableName', 'Expression', 'NextToken', 'MaxResults', 'ExcludeColumnSchema'],
      tableOf,
      async (input, req) => {
        const max = optionalNumber(input, 'MaxResults') ?? 1000;
        if (!Number.isInteger(max) || max < 1 || max > 1000)
          throw badRequest(
            'InvalidInputException',
            `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000`,
          );
        const token = optionalString(input, 'NextToken');
        const database = requiredString(input, 'DatabaseName');
        const tableName = requiredString(input, 'TableName');
        const expression = optionalString(input, 'Expression');
        let after = token === undefined ? undefined : Buffer.from(token, 'base64url').toString();
        let partitions: CatalogPartition[];
        if (expression === undefined || expression.trim() === '') {
          partitions = await catalog.getPartitions(database, tableName, after, max);
        } else {
          const table = await catalog.getTable(database, tableName);
          const passes = partitionFilter(expression, table.definition.PartitionKeys ?? []);
          // Pages of the table's partitions in key order, filtered, until a page of answers is full.
          partitions = [];
          for (;;) {
            const scanned = await catalog.getPartitions(database, tableName, after, 1000);
            for (const partition of scanned) {
              if (partitions.length === max) break;
              if (passes(partition.definition.Values)) partitions.push(partition);
            }
            const last = scanned.at(-1);
            if (partitions.length === max || scanned.length < 1000 || !last) break;
            after = partitionKeyOf(last.definition.Values);
          }
        }
        const last = partitions.at(-1);
        return {
          Partitions: partitions.map((p) =>
            withoutColumns(partitionOut(p, account(req)), input.ExcludeColumnSchema === true),
          ),
          ...(partitions.length === max && last
            ? { NextToken: Buffer.from(partitionKeyOf(last.definition.Values)).toString('base64url') }
            : {}),
        };
      },
    ),
    BatchGetPartition: catalogOp(
      'BatchGetPartition',
      ['DatabaseName', 'TableName', 'PartitionsToGet'],
      tableOf,
      async (input, req) => {
        const keys = partitionValueLists(input.PartitionsToGet, 'partitionsToGet', 1000);
        const Partitions: unknown[] = [];
        for (const values of keys) {
          const found = await catalog
            .getPartition(requiredString(input, 'DatabaseName'), requiredString(input, 'TableName'), values)
            .catch((error: unknown) => {
              // A partition that is not there is left out of the answer, as Glue does.
              if (notFound(error, /^Cannot find partition\.$/)) return undefined;
              throw error;
            });
          if (found) Partitions.push(partitionOut(found, account(req)));
        }
        return { Partitions, UnprocessedKeys: [] };
      },
    ),
    BatchDeletePartition: catalogOp(
      'BatchDeletePartition',
      ['DatabaseName', 'TableName', 'PartitionsToDelete'],
      tableOf,
      async (input) => {
        const keys = partitionValueLists(input.PartitionsToDelete, 'partitionsToDelete', 25);
        const Errors: unknown[] = [];
        for (const values of keys) {
          await catalog
            .deletePartition(
              requiredString(input, 'DatabaseName'),
              requiredString(input, 'TableName'),
              values,
            )
            .catch((error: unknown) => {
              if (!notFound(error, /^Cannot find partition\.$/)) throw error;
              Errors.push({
                PartitionValues: values,
                ErrorDetail: errorDetail(error),
              });
            });
        }
        return { Errors };
      },
    ),
    UpdatePartition: catalogOp(
      'UpdatePartition',
      ['DatabaseName', 'TableName', 'PartitionValueList', 'PartitionInput'],
      tableOf,
      async (input) => {
        const [values] = partitionValueLists([{ Values: input.PartitionValueList }], 'partitionValueList', 1);
        await catalog.updatePartition(
          requiredString(input, 'DatabaseName'),
          requiredString(input, 'TableName'),
          values ?? [],
          parseShape(partitionInputShape, input.PartitionInput, 'partitionInput'),
        );
        return {};
      },
    ),
    DeletePartition: catalogOp(
      'DeletePartition',
      ['DatabaseName', 'TableName', 'PartitionValues'],
      tableOf,
      async (input) => {
        await catalog.deletePartition(
          requiredString(input, 'DatabaseName'),
          requiredString(input, 'TableName'),
          values(input),
        );
        return {};
      },
    ),
  };
}

/**
 * Glue's API: one signing name served by operations of several domains (the Data Catalog and its crawlers
 * here; Glue jobs and data quality add theirs), each group declared by its own domain.
 */
export function createGlueApi(groups: readonly JsonOperations[]): ServiceEndpoint {
  return jsonService({
    service: 'glue',
    iamPrefix: 'glue',
    targetPrefix: 'AWSGlue',
    operations: groups,
    refuse: memberRefusal('InvalidInputException'),
  });
}

/** GetPartitions' ExcludeColumnSchema: the partitions without their (table-wide) column lists. */
function withoutColumns<T extends { StorageDescriptor?: { Columns?: unknown } }>(
  partition: T,
  exclude: boolean,
): T {
  if (!exclude || !partition.StorageDescriptor) return partition;
  const { Columns: _columns, ...descriptor } = partition.StorageDescriptor;
  return { ...partition, StorageDescriptor: descriptor };
}
