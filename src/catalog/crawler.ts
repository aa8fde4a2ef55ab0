import { RE2JS } from 're2js';
import type { EngineLauncher } from '../engine/index.js';
import type { Logger } from '../lib/logger.js';
import type { Authorize } from '../lib/operation.js';
import type { StorageService } from '../storage/index.js';
import { authorizeLocationRead, type GlueArns } from './catalog-arns.js';
import { catalogName, partitionKeyOf } from './catalog-service.js';
import type { CatalogService } from './catalog-types.js';
import { createSniffer, type SniffedFile, type Sniffer, UnreadableFile } from './crawler-sniff.js';
import type { ColumnShape, CrawlerInput, TableInput } from './glue-shapes.js';
import { type DataFormat, isDataKey, parseS3Url } from './table-reader.js';

/** A file the crawler could not read, and why; the crawl goes on without it, as Glue's does. */
export interface SkippedFile {
  location: string;
  reason: string;
}

export interface CrawlOutcome {
  tablesCreated: number;
  tablesUpdated: number;
  tablesDeleted: number;
  skipped: SkippedFile[];
}

/** How many files of one table the crawler tries before giving up on the table. */
const SNIFF_ATTEMPTS = 10;

interface FoundFile {
  key: string;
  size: number;
  /** Hive partition segments (`year=2024`) between the table root and the file. */
  partition: [string, string][];
}

interface FoundTable {
  name: string;
  bucket: string;
  root: string;
  files: FoundFile[];
}

const HIVE_SEGMENT = /^([^=/]+)=([^/]*)$/;

/** Turns a folder name into a table name the way Glue's crawler does: lower case, `_` for the rest. */
export function tableNameOf(folder: string): string {
  return (
    folder
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
      .replace(/^_+|_+$/g, '') || 'table'
  );
}

/**
 * A crawler exclusion (Glue's glob: `*` within a folder, `**` across folders, `?` one character) as a
 * pattern matched by RE2: the glob is the client's, and a backtracking RegExp of many `**` would let one
 * exclusion hold the event loop for hours.
 */
function globPattern(glob: string): RE2JS {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return RE2JS.compile(out, RE2JS.DOTALL);
}

/**
 * Groups a target's objects into tables: files directly under the target (or under hive `k=v` folders of it)
 * form one table named after the target's folder; each other first-level folder is a table of its own.
 */
async function findTables(
  storage: StorageService,
  path: string,
  exclusions: string[],
  prefixName: string,
): Promise<FoundTable[]> {
  const { bucket, prefix } = parseS3Url(path);
  const excluded = exclusions.map(globPattern);
  const tables = new Map<string, FoundTable>();
  const rootName = tableNameOf(prefix.split('/').filter(Boolean).at(-1) ?? bucket);
  for await (const object of storage.listAll(bucket, prefix)) {
    const relative = object.key.slice(prefix.length);
    if (!isDataKey(object.key) || object.size === 0 || excluded.some((e) => e.matches(relative))) continue;
    const segments = relative.split('/');
    segments.pop();
    const first = segments[0];
    const own = first === undefined || HIVE_SEGMENT.test(first);
    const root = own ? prefix : `${prefix}${first}/`;
    const name = prefixName + (own ? rootName : tableNameOf(first as string));
    let table = tables.get(root);
    if (!table) {
      table = { name, bucket, root, files: [] };
      tables.set(root, table);
    }
    const partition = (own ? segments : segments.slice(1))
      .map((s) => HIVE_SEGMENT.exec(s))
      .filter((m) => m !== null)
      .map((m) => [m[1] as string, m[2] as string] as [string, string]);
    table.files.push({ key: object.key, size: object.size, partition });
  }
  return [...tables.values()];
}

function partitionKeysOf(table: FoundTable): ColumnShape[] {
  const [first] = table.files;
  const names = first?.partition.map(([k]) => k) ?? [];
  const consistent = table.files.every(
    (f) => f.partition.length === names.length && f.partition.every(([k], i) => k === names[i]),
  );
  if (!consistent)
    throw new Error(`the files of ${table.name} are not laid out in the same partition folders`);
  return names.map((name, i) => {
    const numeric = table.files.every((f) => /^-?\d{1,9}$/.test(f.partition[i]?.[1] ?? ''));
    return { Name: name, Type: numeric ? 'int' : 'string' };
  });
}

const SERDE: Record<DataFormat, { input: string; output: string; serde: string }> = {
  csv: {
    input: 'org.apache.hadoop.mapred.TextInputFormat',
    output: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serde: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
  },
  json: {
    input: 'org.apache.hadoop.mapred.TextInputFormat',
    output: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serde: 'org.openx.data.jsonserde.JsonSerDe',
  },
  parquet: {
    input: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    output: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  },
};

/** What differs between two table definitions as far as reading the data goes (not counts or times). */
function shapeOf(input: TableInput): string {
  const { StorageDescriptor: sd, PartitionKeys, Parameters } = input;
  return JSON.stringify([
    sd?.Columns,
    sd?.Location,
    sd?.SerdeInfo,
    sd?.InputFormat,
    PartitionKeys,
    Parameters?.classification,
    Parameters?.compressionType,
    Parameters?.['seawall.synthetic'],
  ]);
}

export interface CrawlDeps {
  catalog: CatalogService;
  storage: StorageService;
  launcher: EngineLauncher;
  logger: Logger;
  /** Aborted when the crawl is stopped or runs out of time. */
  signal: AbortSignal;
  /** Authorizes what the crawl reads and writes, as a session of the crawler's role. */
  authorize: Authorize;
  /** `arn:aws:glue:<region>:<account>`, the prefix of the catalog's ARNs. */
  arns: GlueArns;
}

/** Crawls every S3 target of a crawler into its database, creating or versioning tables and partitions. */
export async function crawl(
  deps: CrawlDeps,
  crawler: CrawlerInput,
  crawlerName: string,
): Promise<CrawlOutcome> {
  const outcome: CrawlOutcome = { tablesCreated: 0, tablesUpdated: 0, tablesDeleted: 0, skipped: [] };
  const database = catalogName(crawler.DatabaseName ?? 'default');
  const catalogArns = [deps.arns.catalog, deps.arns.database(database)];
  await deps.authorize({ action: 'glue:GetDatabase', resources: catalogArns });
  if (!(await deps.catalog.getDatabase(database).catch(() => undefined)))
    await deps.authorize({ action: 'glue:CreateDatabase', resources: catalogArns });
  await deps.catalog.ensureDatabase(database);
  for (const target of crawler.Targets.S3Targets) {
    // The crawler's role must be able to list and read what it crawls, as Glue's service role must.
    await authorizeLocationRead(deps.storage, deps.authorize, deps.arns, target.Path);
  }
  const sniffer = createSniffer(deps);
  try {
    for (const target of crawler.Targets.S3Targets) {
      for (const found of await findTables(
        deps.storage,
        target.Path,
        target.Exclusions ?? [],
        crawler.TablePrefix ?? '',
      )) {
        deps.signal.throwIfAborted();
        const created = await crawlTable(deps, sniffer, database, found, crawlerName, outcome.skipped);
        if (created === 'created') outcome.tablesCreated++;
        if (created === 'updated') outcome.tablesUpdated++;
      }
    }
  } finally {
    await sniffer.close();
  }
  return outcome;
}

/**
 * Catalogs one table from the first of its files that can be read; files that cannot are skipped with their
 * reason. A table none of whose first files can be read is left out.
 */
async function crawlTable(
  deps: CrawlDeps,
  sniffer: Sniffer,
  database: string,
  found: FoundTable,
  crawlerName: string,
  skipped: SkippedFile[],
): Promise<'created' | 'updated' | 'unchanged' | 'skipped'> {
  let read: SniffedFile | undefined;
  for (const file of found.files.slice(0, SNIFF_ATTEMPTS)) {
    try {
      read = await sniffer.sniffFile(found.bucket, file.key);
      break;
    } catch (error) {
      if (!(error instanceof UnreadableFile)) throw error;
      skipped.push({ location: `s3://${found.bucket}/${file.key}`, reason: error.message });
      deps.logger.warn(
        { crawler: crawlerName, key: file.key, reason: error.message },
        'crawler skipped a file',
      );
    }
  }
  if (!read) return 'skipped';
  const { sniffed, format, gzip, synthetic } = read;
  const partitionKeys = partitionKeysOf(found);
  const partitionNames = new Set(partitionKeys.map((k) => k.Name.toLowerCase()));
  const columns = sniffed.columns.filter((c) => !partitionNames.has(c.Name.toLowerCase()));
  const serde = SERDE[format];
  const csv = sniffed.csv;
  const input: TableInput = {
    Name: found.name,
    TableType: 'EXTERNAL_TABLE',
    PartitionKeys: partitionKeys,
    Parameters: {
      classification: format,
      compressionType: gzip ? 'gzip' : 'none',
      typeOfData: 'file',
      UPDATED_BY_CRAWLER: crawlerName,
      objectCount: String(found.files.length),
      sizeKey: String(found.files.reduce((n, f) => n + f.size, 0)),
      ...(csv
        ? {
            delimiter: csv.delimiter,
            'skip.header.line.count': csv.header,
            areColumnsQuoted: 'false',
            columnsOrdered: 'true',
          }
        : {}),
      ...(synthetic ? { 'seawall.synthetic': 'true' } : {}),
    },
    StorageDescriptor: {
      Columns: columns,
      Location: `s3://${found.bucket}/${found.root}`,
      InputFormat: serde.input,
      OutputFormat: serde.output,
      Compressed: gzip,
      NumberOfBuckets: -1,
      SerdeInfo: {
        SerializationLibrary: serde.serde,
        Parameters: csv ? { 'field.delim': csv.delimiter, quoteChar: csv.quote, escapeChar: csv.escape } : {},
      },
      StoredAsSubDirectories: false,
    },
  };
  const tableArns = deps.arns.tablePath(database, found.name);
  await deps.authorize({ action: 'glue:GetTable', resources: tableArns });
  const existing = await deps.catalog.getTable(database, found.name).catch(() => undefined);
  let change: 'created' | 'updated' | 'unchanged' = 'unchanged';
  if (!existing) {
    await deps.authorize({ action: 'glue:CreateTable', resources: tableArns });
    await deps.catalog.createTable(database, input);
    change = 'created';
  } else if (shapeOf(existing.definition) !== shapeOf(input)) {
    await deps.authorize({ action: 'glue:UpdateTable', resources: tableArns });
    await deps.catalog.updateTable(database, {
      ...input,
      Parameters: { ...existing.definition.Parameters, ...input.Parameters },
    });
    change = 'updated';
  }
  if (partitionKeys.length > 0) {
    await deps.authorize({ action: 'glue:BatchCreatePartition', resources: tableArns });
    await syncPartitions(deps, database, found, input);
  }
  deps.logger.info(
    { database, table: found.name, change, format, files: found.files.length },
    'crawled table',
  );
  return change;
}

async function syncPartitions(
  deps: CrawlDeps,
  database: string,
  found: FoundTable,
  table: TableInput,
): Promise<void> {
  const wanted = new Map<string, string[]>();
  for (const file of found.files) {
    const values = file.partition.map(([, v]) => v);
    wanted.set(partitionKeyOf(values), values);
  }
  const existing = new Set(
    (await deps.catalog.allPartitions(database, found.name)).map((p) => partitionKeyOf(p.definition.Values)),
  );
  for (const [key, values] of wanted) {
    if (existing.has(key)) continue;
    const folder = (table.PartitionKeys ?? []).map((k, i) => `${k.Name}=${values[i]}`).join('/');
    await deps.catalog.createPartition(database, found.name, {
      Values: values,
      StorageDescriptor: {
        ...table.StorageDescriptor,
        Location: `${table.StorageDescriptor?.Location}${folder}/`,
      },
    });
  }
  for (const key of existing) {
    if (!wanted.has(key))
      await deps.catalog.deletePartition(database, found.name, JSON.parse(key) as string[]);
  }
}
