/*
 * UNLOAD (SELECT …) TO 's3://…/' WITH (format = …, compression = …, field_delimiter = …, partitioned_by = …):
 * the SELECT's rows written as files under a prefix that must be empty, as Athena requires, without a table.
 * Authorized as the caller: reading the SELECT's tables, s3:ListBucket and s3:PutObject on the destination.
 */
import { duckDbTypeOf, parseS3Url } from '../../catalog/index.js';
import { quoteIdent } from '../../lib/sql.js';
import { QueryRejected } from '../sandbox.js';
import type { Statement } from './ast.js';
import { prepareReadable } from './caller-checks.js';
import { writableHiveType } from './column-types.js';
import type { StatementContext, StatementResult } from './context.js';
import { folderUrl, requireEmpty, tableColumns } from './create-table-as.js';
import { overColumns, storeFiles, under, withSelectWriter } from './select-writer.js';
import { writeRequest } from './write-format.js';
import { rowCountResult } from './write-result.js';

type Unload = Extract<Statement, { kind: 'Unload' }>;

export async function unload(statement: Unload, ctx: StatementContext): Promise<StatementResult> {
  const request = writeRequest(statement.properties, 'unload');
  if (!/^s3:\/\/[^/]+/.test(statement.location))
    throw new QueryRejected(
      `INVALID_ARGUMENTS: The UNLOAD location '${statement.location.slice(0, 200)}' is not an s3:// URL.`,
    );
  const location = folderUrl(statement.location);
  parseS3Url(location);
  // As in Athena, a location must be empty unless the UNLOAD writes partitions: those add files to their
  // folders (file names carry the query's id, so nothing is overwritten).
  if (request.partitionedBy.length === 0) await requireEmpty(ctx, location, 'UNLOAD');
  const prepared = await prepareReadable(ctx, statement.query);
  return withSelectWriter(ctx, prepared, async (writer) => {
    const columns = tableColumns(writer.columns, request.partitionedBy).map((c) => ({
      name: c.name,
      type: duckDbTypeOf(writableHiveType(c)),
    }));
    const select = overColumns(columns.length, (column) =>
      columns.map((c, i) => `CAST(${column(i)} AS ${c.type}) AS ${quoteIdent(c.name)}`),
    );
    const { rows, files } = await writer.write(select, request.format, request.partitionedBy);
    await storeFiles(ctx, files, under(location));
    return rowCountResult('DML', 'UNLOAD', rows, writer.dataScanned);
  });
}
