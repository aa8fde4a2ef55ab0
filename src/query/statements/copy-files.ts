/*
 * The COPY that writes a SELECT's rows into a statement's scratch folder (see select-writer.ts). Parquet and
 * text are partitioned by DuckDB itself; DuckDB cannot partition JSON, so a partitioned JSON write copies
 * each partition's rows to its `k=v/` folder in turn, with Hive's escaping of the value.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { EngineProcess } from '../../engine/index.js';
import { quoteIdent, quoteLiteral } from '../../lib/sql.js';
import { QueryRejected } from '../sandbox.js';
import { copyOptions, type FileFormat, fileName } from './write-format.js';

/** Athena's limit on the partitions one CTAS, INSERT INTO or UNLOAD writes. */
export const MAX_WRITTEN_PARTITIONS = 100;

/** Hive's folder for a NULL partition value. */
const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

export function tooManyPartitions(): QueryRejected {
  return new QueryRejected(
    `HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of ${MAX_WRITTEN_PARTITIONS} open writers for partitions/buckets.`,
  );
}

/** Characters Hive escapes in a partition folder's value, besides control characters. */
const ESCAPED = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '{', '[', ']', '^']);

/** A partition value as Hive writes it in a folder name: `/`, `=`, `%`, control characters… as %XX. */
export function hiveEscape(value: string | null): string {
  if (value === null) return HIVE_DEFAULT_PARTITION;
  let out = '';
  for (const c of value) {
    const code = c.codePointAt(0) as number;
    out +=
      code < 0x20 || code === 0x7f || ESCAPED.has(c)
        ? `%${code.toString(16).toUpperCase().padStart(2, '0')}`
        : c;
  }
  return out;
}

/** Copies `selectSql`'s rows into `outDir` as files of `format`; answers the rows written. */
export async function copyToFiles(
  engine: EngineProcess,
  outDir: string,
  selectSql: string,
  format: FileFormat,
  partitionBy: readonly string[],
  stem: string,
  signal: AbortSignal,
): Promise<number> {
  // A partition column's name becomes a folder name: only Hive's plain names may.
  for (const key of partitionBy)
    if (!/^[a-z0-9_]+$/.test(key))
      throw new QueryRejected(
        `NOT_SUPPORTED: Partition column name '${key}' is not supported (letters, digits, _).`,
      );
  const copy = async (sql: string, target: string, partitions: readonly string[]) => {
    const [copied] = await engine.rows(
      `COPY (\n${sql}\n) TO ${quoteLiteral(target)} (${copyOptions(format, partitions, stem)})`,
      { signal },
    );
    return Number(Object.values(copied ?? {})[0] ?? 0);
  };
  if (partitionBy.length === 0) return copy(selectSql, join(outDir, fileName(format, stem)), []);
  if (format.kind !== 'json') return copy(selectSql, outDir, partitionBy);
  const keys = partitionBy.map(quoteIdent);
  const tuples = await engine.rows(
    `SELECT DISTINCT ${keys.map((k, i) => `CAST(${k} AS VARCHAR) AS ${quoteIdent(`p${i}`)}`).join(', ')} FROM (\n${selectSql}\n) LIMIT ${MAX_WRITTEN_PARTITIONS + 1}`,
    { signal },
  );
  if (tuples.length > MAX_WRITTEN_PARTITIONS) throw tooManyPartitions();
  let rows = 0;
  for (const tuple of tuples) {
    const values = partitionBy.map((_, i) => tuple[`p${i}`] as string | null);
    const folder = join(outDir, ...partitionBy.map((key, i) => `${key}=${hiveEscape(values[i] ?? null)}`));
    await fs.mkdir(folder, { recursive: true });
    const where = keys
      .map((k, i) => {
        const value = values[i] ?? null;
        return value === null ? `${k} IS NULL` : `CAST(${k} AS VARCHAR) = ${quoteLiteral(value)}`;
      })
      .join(' AND ');
    const rest = `SELECT * EXCLUDE (${keys.join(', ')}) FROM (\n${selectSql}\n) WHERE ${where}`;
    rows += await copy(rest, join(folder, fileName(format, stem)), []);
  }
  return rows;
}
