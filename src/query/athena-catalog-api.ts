import { RE2JS } from 're2js';
import type { CatalogService, CatalogTable, ColumnShape } from '../catalog/index.js';
import { catalogArns } from '../catalog/index.js';
import { type AppError, badRequest, isAppError } from '../errors.js';
import {
  epochSeconds,
  type JsonInput,
  jsonOperation as op,
  optionalNumber,
  optionalString,
  requiredString,
} from '../lib/aws-json.js';
import type { ApiRequest } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { offsetPage } from '../lib/page-token.js';

/** The one data catalog Seawall has: its Glue Data Catalog, under the name Athena gives it. */
const CATALOG = 'AwsDataCatalog';
/** Athena's limit on ListTableMetadata's Expression. */
const MAX_EXPRESSION = 256;

function invalid(message: string): AppError {
  return badRequest('InvalidRequestException', message);
}

const invalidToken = () => invalid('NextToken is not valid.');

/** An Athena data catalog's ARN (what athena:GetDatabase and the like are authorized on). */
function dataCatalogArn(req: ApiRequest, name: string): string {
  return `arn:aws:athena:${req.region}:${req.principal.accountId}:datacatalog/${name}`;
}

const namedCatalog = (input: JsonInput<'CatalogName'>, req: ApiRequest) => [
  dataCatalogArn(req, typeof input.CatalogName === 'string' ? input.CatalogName : ''),
];

/** The catalog a request names; catalog names are case-insensitive (`awsdatacatalog` in a query's context). */
function requireCatalog(name: string, code: 'InvalidRequestException' | 'MetadataException'): void {
  if (name.toLowerCase() !== CATALOG.toLowerCase())
    throw badRequest(code, `Catalog ${name.slice(0, 256)} was not found.`);
}

/** What Athena answers when the Glue Data Catalog has no such database or table. */
async function fromGlue<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isAppError(error) && error.code === 'EntityNotFoundException')
      throw badRequest(
        'MetadataException',
        'Entity Not Found (Service: AmazonDataCatalog; Status Code: 400; Error Code: EntityNotFoundException)',
      );
    throw error;
  }
}

function pageOf<T>(items: T[], input: JsonInput<'NextToken' | 'MaxResults'>, min: number) {
  const max = optionalNumber(input, 'MaxResults', 'InvalidRequestException') ?? 50;
  if (!Number.isInteger(max) || max < min || max > 50)
    throw invalid(`MaxResults must be between ${min} and 50.`);
  return offsetPage(items, optionalString(input, 'NextToken', 'InvalidRequestException'), max, invalidToken);
}

function columnsOut(columns: readonly ColumnShape[] | undefined) {
  return (columns ?? []).map((c) => ({
    Name: c.Name,
    ...(c.Type !== undefined ? { Type: c.Type } : {}),
    ...(c.Comment !== undefined ? { Comment: c.Comment } : {}),
  }));
}

/**
 * A Glue table as Athena's TableMetadata shows it: its own Parameters, with the storage descriptor's
 * location, formats and SerDe folded in as Athena reports them (`location`, `inputformat`,
 * `serde.serialization.lib`, `serde.param.<name>`).
 */
function tableMetadata(table: CatalogTable) {
  const { definition } = table;
  const sd = definition.StorageDescriptor ?? {};
  const parameters: Record<string, string> = { ...(definition.Parameters ?? {}) };
  if (sd.Location !== undefined) parameters.location = sd.Location;
  if (sd.InputFormat !== undefined) parameters.inputformat = sd.InputFormat;
  if (sd.OutputFormat !== undefined) parameters.outputformat = sd.OutputFormat;
  if (sd.SerdeInfo?.SerializationLibrary !== undefined)
    parameters['serde.serialization.lib'] = sd.SerdeInfo.SerializationLibrary;
  for (const [key, value] of Object.entries(sd.SerdeInfo?.Parameters ?? {}))
    parameters[`serde.param.${key}`] = value;
  return {
    Name: definition.Name,
    CreateTime: epochSeconds(table.createTime),
    LastAccessTime: definition.LastAccessTime ?? 0,
    ...(definition.TableType !== undefined ? { TableType: definition.TableType } : {}),
    Columns: columnsOut(sd.Columns),
    PartitionKeys: columnsOut(definition.PartitionKeys),
    Parameters: parameters,
  };
}

/** A ListTableMetadata Expression: a regular expression matched against whole table names, in linear time. */
function namePattern(expression: string | undefined): RE2JS | undefined {
  if (expression === undefined || expression === '') return undefined;
  if (expression.length > MAX_EXPRESSION)
    throw invalid(`Expression must be at most ${MAX_EXPRESSION} characters.`);
  try {
    return RE2JS.compile(expression);
  } catch {
    throw invalid('Expression is not a valid regular expression.');
  }
}

/**
 * Athena's view of the Glue Data Catalog: the AwsDataCatalog and its databases and tables. Each operation is
 * authorized on the data catalog's ARN, and then, as Athena does, the Glue actions that read what it shows.
 */
export function createCatalogMetadataOperations(catalog: CatalogService) {
  const glue = (req: OperationRequest) => catalogArns(req.region, req.principal.accountId);
  return {
    ListDataCatalogs: op(
      ['NextToken', 'MaxResults', 'WorkGroup'],
      () => ['*'],
      async (input) => {
        const { items, NextToken } = pageOf([{ CatalogName: CATALOG, Type: 'GLUE' }], input, 2);
        return { DataCatalogsSummary: items, ...(NextToken ? { NextToken } : {}) };
      },
    ),
    GetDataCatalog: op(
      ['Name', 'WorkGroup'],
      (i, req) => [dataCatalogArn(req, typeof i.Name === 'string' ? i.Name : '')],
      async (input, req) => {
        requireCatalog(requiredString(input, 'Name', 'InvalidRequestException'), 'InvalidRequestException');
        return {
          DataCatalog: {
            Name: CATALOG,
            Description: 'AWS Glue Data Catalog',
            Type: 'GLUE',
            Parameters: { 'catalog-id': req.principal.accountId },
          },
        };
      },
    ),
    ListDatabases: op(
      ['CatalogName', 'NextToken', 'MaxResults', 'WorkGroup'],
      namedCatalog,
      async (input, req) => {
        requireCatalog(requiredString(input, 'CatalogName', 'InvalidRequestException'), 'MetadataException');
        const arns = glue(req);
        await req.authorize({ action: 'glue:GetDatabases', resources: [arns.catalog, arns.database('*')] });
        const { items, NextToken } = pageOf(await catalog.getDatabases(), input, 1);
        return {
          DatabaseList: items.map((db) => ({
            Name: db.name,
            ...(db.definition.Description ? { Description: db.definition.Description } : {}),
            Parameters: db.definition.Parameters ?? {},
          })),
          ...(NextToken ? { NextToken } : {}),
        };
      },
    ),
    GetDatabase: op(['CatalogName', 'DatabaseName', 'WorkGroup'], namedCatalog, async (input, req) => {
      requireCatalog(requiredString(input, 'CatalogName', 'InvalidRequestException'), 'MetadataException');
      const name = requiredString(input, 'DatabaseName', 'InvalidRequestException');
      const arns = glue(req);
      await req.authorize({ action: 'glue:GetDatabase', resources: [arns.catalog, arns.database(name)] });
      const db = await fromGlue(() => catalog.getDatabase(name));
      return {
        Database: {
          Name: db.name,
          ...(db.definition.Description ? { Description: db.definition.Description } : {}),
          Parameters: db.definition.Parameters ?? {},
        },
      };
    }),
    ListTableMetadata: op(
      ['CatalogName', 'DatabaseName', 'Expression', 'NextToken', 'MaxResults', 'WorkGroup'],
      namedCatalog,
      async (input, req) => {
        requireCatalog(requiredString(input, 'CatalogName', 'InvalidRequestException'), 'MetadataException');
        const database = requiredString(input, 'DatabaseName', 'InvalidRequestException');
        const pattern = namePattern(optionalString(input, 'Expression', 'InvalidRequestException'));
        const arns = glue(req);
        await req.authorize({
          action: 'glue:GetTables',
          resources: [arns.catalog, arns.database(database), arns.table(database, '*')],
        });
        const tables = (await fromGlue(() => catalog.getTables(database))).filter(
          (t) => !pattern || pattern.matches(t.definition.Name),
        );
        const { items, NextToken } = pageOf(tables, input, 1);
        return { TableMetadataList: items.map(tableMetadata), ...(NextToken ? { NextToken } : {}) };
      },
    ),
    GetTableMetadata: op(
      ['CatalogName', 'DatabaseName', 'TableName', 'WorkGroup'],
      namedCatalog,
      async (input, req) => {
        requireCatalog(requiredString(input, 'CatalogName', 'InvalidRequestException'), 'MetadataException');
        const database = requiredString(input, 'DatabaseName', 'InvalidRequestException');
        const table = requiredString(input, 'TableName', 'InvalidRequestException');
        await req.authorize({ action: 'glue:GetTable', resources: glue(req).tablePath(database, table) });
        return { TableMetadata: tableMetadata(await fromGlue(() => catalog.getTable(database, table))) };
      },
    ),
  };
}
