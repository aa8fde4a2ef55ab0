import { type CatalogService, type ColumnShape, hiveTypeOf, type TableInput } from '../catalog/index.js';
import type { RecipeJobDefinition } from './recipe-job.js';

function unescapePartition(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `year=2024/month=1/part-x.parquet` → partition values in key order, and the folder they name. */
function partitionOf(relativePath: string, keys: string[]): { values: string[]; folder: string } {
  const segments = relativePath.split('/');
  const folder = segments.slice(0, -1).join('/');
  const values = keys.map((key) => {
    const segment = segments.find((s) => s.startsWith(`${key}=`));
    return segment === undefined ? '' : unescapePartition(segment.slice(key.length + 1));
  });
  return { values, folder };
}

/** Registers a job's output as a catalog table (a new version if it exists) and syncs its partitions. */
export async function registerOutput(
  deps: { catalog: CatalogService },
  output: NonNullable<RecipeJobDefinition['DataCatalogOutputs']>[number],
  location: string,
  columns: readonly { name: string; type: string }[],
  partitionBy: string[],
  relativeKeys: string[],
  info: { recipe: string; rows: number; synthetic: boolean; format: string; compression: string },
): Promise<string> {
  const hive = (c: { name: string; type: string }): ColumnShape => ({
    Name: c.name,
    Type: hiveTypeOf(c.type),
  });
  const input: TableInput = {
    Name: output.TableName,
    TableType: 'EXTERNAL_TABLE',
    Description: `Written by the DataBrew recipe ${info.recipe}`,
    PartitionKeys: partitionBy.map((name) =>
      hive(columns.find((c) => c.name === name) as { name: string; type: string }),
    ),
    Parameters: {
      classification: info.format,
      compressionType: info.compression,
      recordCount: String(info.rows),
      'seawall.recipe': info.recipe,
      ...(info.synthetic ? { 'seawall.synthetic': 'true' } : {}),
    },
    StorageDescriptor: {
      Columns: columns.filter((c) => !partitionBy.includes(c.name)).map(hive),
      Location: location.endsWith('/') ? location : `${location}/`,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        Parameters: { 'serialization.format': '1' },
      },
      Compressed: info.compression !== 'none',
      NumberOfBuckets: -1,
    },
  };
  await deps.catalog.ensureDatabase(output.DatabaseName);
  const exists = await deps.catalog.getTable(output.DatabaseName, output.TableName).then(
    () => true,
    () => false,
  );
  if (exists) await deps.catalog.updateTable(output.DatabaseName, input);
  else await deps.catalog.createTable(output.DatabaseName, input);
  if (partitionBy.length > 0) {
    const wanted = new Map<string, { values: string[]; folder: string }>();
    for (const key of relativeKeys) {
      const partition = partitionOf(key, partitionBy);
      wanted.set(JSON.stringify(partition.values), partition);
    }
    const existing = await deps.catalog.allPartitions(output.DatabaseName, output.TableName);
    for (const partition of existing) {
      if (!wanted.has(JSON.stringify(partition.definition.Values)))
        await deps.catalog.deletePartition(
          output.DatabaseName,
          output.TableName,
          partition.definition.Values,
        );
    }
    const have = new Set(existing.map((p) => JSON.stringify(p.definition.Values)));
    for (const [key, { values, folder }] of wanted) {
      if (have.has(key)) continue;
      await deps.catalog.createPartition(output.DatabaseName, output.TableName, {
        Values: values,
        StorageDescriptor: {
          ...input.StorageDescriptor,
          Location: `${input.StorageDescriptor?.Location}${folder}/`,
        },
      });
    }
  }
  return `${output.DatabaseName}.${output.TableName}`;
}
