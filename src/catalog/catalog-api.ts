import { badRequest } from '../errors.js';
import {
  epochSeconds,
  jsonService,
  optionalNumber,
  optionalString,
  requiredString,
} from '../lib/aws-json.js';
import type { ApiRequest } from '../lib/http.js';
import {
  type CatalogPartition,
  type CatalogService,
  type CatalogTable,
  partitionKeyOf,
} from './catalog-service.js';
import type { CrawlerService, CrawlerView } from './crawler-service.js';
import {
  crawlerInputShape,
  databaseInputShape,
  parseShape,
  partitionInputShape,
  tableInputShape,
} from './glue-shapes.js';

type Input = Record<string, unknown>;

function page<T>(items: T[], input: Input): { items: T[]; NextToken?: string } {
  const start =
    input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), 'base64url').toString());
  if (!Number.isInteger(start) || start < 0)
    throw badRequest('InvalidInputException', 'The NextToken is not valid.');
  const max = Math.min(optionalNumber(input, 'MaxResults') ?? 100, 1000);
  const items2 = items.slice(start, start + max);
  return start + max < items.length
    ? { items: items2, NextToken: Buffer.from(String(start + max)).toString('base64url') }
    : { items: items2 };
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

function crawlerOut(crawler: CrawlerView) {
  const { Tags: _tags, ...definition } = crawler.definition;
  const last = crawler.lastCrawl;
  return {
    ...definition,
    Classifiers: [],
    State: crawler.state,
    CrawlElapsedTime: crawler.elapsedMs,
    CreationTime: epochSeconds(crawler.createTime),
    LastUpdated: epochSeconds(crawler.updateTime),
    Version: crawler.version,
    ...(last
      ? {
          LastCrawl: {
            Status: last.Status,
            ...(last.ErrorMessage ? { ErrorMessage: last.ErrorMessage } : {}),
            LogGroup: last.LogGroup,
            LogStream: last.LogStream,
            MessagePrefix: last.MessagePrefix,
            StartTime: epochSeconds(last.StartTime),
          },
        }
      : {}),
  };
}

function values(input: Input): string[] {
  const list = input.PartitionValues;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string'))
    throw badRequest('InvalidInputException', 'PartitionValues must be a list of strings.');
  return list as string[];
}

/** The Glue Data Catalog API (awsJson1_1, X-Amz-Target AWSGlue.*). */
export function createGlueApi(deps: { catalog: CatalogService; crawlers: CrawlerService }) {
  const { catalog, crawlers } = deps;
  const account = (req: ApiRequest) => req.principal.accountId;
  return jsonService('AWSGlue', {
    CreateDatabase: async (input) => {
      await catalog.createDatabase(parseShape(databaseInputShape, input.DatabaseInput, 'databaseInput'));
      return {};
    },
    GetDatabase: async (input, req) => {
      const db = await catalog.getDatabase(requiredString(input, 'Name'));
      return {
        Database: {
          Name: db.name,
          ...db.definition,
          CreateTime: epochSeconds(db.createTime),
          CatalogId: account(req),
        },
      };
    },
    GetDatabases: async (input, req) => {
      const { items, NextToken } = page(await catalog.getDatabases(), input);
      return {
        DatabaseList: items.map((db) => ({
          Name: db.name,
          ...db.definition,
          CreateTime: epochSeconds(db.createTime),
          CatalogId: account(req),
        })),
        NextToken,
      };
    },
    UpdateDatabase: async (input) => {
      await catalog.updateDatabase(
        requiredString(input, 'Name'),
        parseShape(databaseInputShape, input.DatabaseInput, 'databaseInput'),
      );
      return {};
    },
    DeleteDatabase: async (input) => {
      await catalog.deleteDatabase(requiredString(input, 'Name'));
      return {};
    },
    CreateTable: async (input) => {
      await catalog.createTable(
        requiredString(input, 'DatabaseName'),
        parseShape(tableInputShape, input.TableInput, 'tableInput'),
      );
      return {};
    },
    GetTable: async (input, req) => ({
      Table: tableOut(
        await catalog.getTable(requiredString(input, 'DatabaseName'), requiredString(input, 'Name')),
        account(req),
      ),
    }),
    GetTables: async (input, req) => {
      const expression = optionalString(input, 'Expression');
      let tables = await catalog.getTables(requiredString(input, 'DatabaseName'));
      if (expression) {
        // Glue's Expression is a regular expression over table names (e.g. "parking.*").
        let pattern: RegExp;
        try {
          pattern = new RegExp(`^(?:${expression.slice(0, 512)})$`);
        } catch {
          throw badRequest('InvalidInputException', 'Expression is not a valid regular expression.');
        }
        tables = tables.filter((t) => pattern.test(t.definition.Name));
      }
      const { items, NextToken } = page(tables, input);
      return { TableList: items.map((t) => tableOut(t, account(req))), NextToken };
    },
    UpdateTable: async (input) => {
      await catalog.updateTable(
        requiredString(input, 'DatabaseName'),
        parseShape(tableInputShape, input.TableInput, 'tableInput'),
        { skipArchive: input.SkipArchive === true },
      );
      return {};
    },
    DeleteTable: async (input) => {
      await catalog.deleteTable(requiredString(input, 'DatabaseName'), requiredString(input, 'Name'));
      return {};
    },
    GetTableVersions: async (input, req) => {
      const versions = await catalog.getTableVersions(
        requiredString(input, 'DatabaseName'),
        requiredString(input, 'TableName'),
      );
      const { items, NextToken } = page(versions, input);
      return {
        TableVersions: items.map((t) => ({ Table: tableOut(t, account(req)), VersionId: String(t.version) })),
        NextToken,
      };
    },
    CreatePartition: async (input) => {
      await catalog.createPartition(
        requiredString(input, 'DatabaseName'),
        requiredString(input, 'TableName'),
        parseShape(partitionInputShape, input.PartitionInput, 'partitionInput'),
      );
      return {};
    },
    BatchCreatePartition: async (input) => {
      const list = Array.isArray(input.PartitionInputList) ? input.PartitionInputList : [];
      if (list.length === 0 || list.length > 100)
        throw badRequest('InvalidInputException', 'PartitionInputList must hold 1 to 100 partitions.');
      const Errors: unknown[] = [];
      for (const item of list) {
        const partition = parseShape(partitionInputShape, item, 'partitionInputList');
        try {
          await catalog.createPartition(
            requiredString(input, 'DatabaseName'),
            requiredString(input, 'TableName'),
            partition,
          );
        } catch (error) {
          const e = error as { code?: string; message: string };
          if (!e.code) throw error;
          Errors.push({
            PartitionValues: partition.Values,
            ErrorDetail: { ErrorCode: e.code, ErrorMessage: e.message },
          });
        }
      }
      return { Errors };
    },
    GetPartition: async (input, req) => ({
      Partition: partitionOut(
        await catalog.getPartition(
          requiredString(input, 'DatabaseName'),
          requiredString(input, 'TableName'),
          values(input),
        ),
        account(req),
      ),
    }),
    GetPartitions: async (input, req) => {
      if (input.Expression !== undefined)
        throw badRequest(
          'InvalidInputException',
          'GetPartitions Expression filters are not supported by Seawall yet; list all partitions instead.',
        );
      const max = Math.min(optionalNumber(input, 'MaxResults') ?? 1000, 1000);
      const after = optionalString(input, 'NextToken');
      const after2 = after === undefined ? undefined : Buffer.from(after, 'base64url').toString();
      const partitions = await catalog.getPartitions(
        requiredString(input, 'DatabaseName'),
        requiredString(input, 'TableName'),
        after2,
        max,
      );
      const last = partitions.at(-1);
      return {
        Partitions: partitions.map((p) => partitionOut(p, account(req))),
        ...(partitions.length === max && last
          ? { NextToken: Buffer.from(partitionKeyOf(last.definition.Values)).toString('base64url') }
          : {}),
      };
    },
    DeletePartition: async (input) => {
      await catalog.deletePartition(
        requiredString(input, 'DatabaseName'),
        requiredString(input, 'TableName'),
        values(input),
      );
      return {};
    },
    CreateCrawler: async (input) => {
      await crawlers.create(parseShape(crawlerInputShape, input, 'crawler'));
      return {};
    },
    GetCrawler: async (input) => ({ Crawler: crawlerOut(await crawlers.get(requiredString(input, 'Name'))) }),
    GetCrawlers: async (input) => {
      const { items, NextToken } = page(await crawlers.list(), input);
      return { Crawlers: items.map(crawlerOut), NextToken };
    },
    ListCrawlers: async (input) => {
      const { items, NextToken } = page(await crawlers.list(), input);
      return { CrawlerNames: items.map((c) => c.definition.Name), NextToken };
    },
    GetCrawlerMetrics: async (input) => {
      const names = Array.isArray(input.CrawlerNameList) ? (input.CrawlerNameList as string[]) : undefined;
      const all = (await crawlers.list()).filter((c) => !names || names.includes(c.definition.Name));
      return {
        CrawlerMetricsList: all.map((c) => ({
          CrawlerName: c.definition.Name,
          StillEstimating: false,
          TimeLeftSeconds: 0,
          LastRuntimeSeconds: c.elapsedMs / 1000,
          MedianRuntimeSeconds: c.elapsedMs / 1000,
          TablesCreated: c.lastCrawl?.outcome?.tablesCreated ?? 0,
          TablesUpdated: c.lastCrawl?.outcome?.tablesUpdated ?? 0,
          TablesDeleted: c.lastCrawl?.outcome?.tablesDeleted ?? 0,
        })),
      };
    },
    StartCrawler: async (input) => {
      await crawlers.start(requiredString(input, 'Name'));
      return {};
    },
    DeleteCrawler: async (input) => {
      await crawlers.delete(requiredString(input, 'Name'));
      return {};
    },
  });
}
