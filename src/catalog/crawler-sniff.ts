import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  EngineFailure,
  type EngineLauncher,
  type EngineProcess,
  reusableEngine,
  startEngine,
} from '../engine/index.js';
import { quoteLiteral } from '../lib/sql.js';
import type { StorageService } from '../storage/index.js';
import type { ColumnShape } from './glue-shapes.js';
import { hiveTypeOf } from './hive-types.js';
import type { DataFormat } from './table-reader.js';

const PARQUET_MAGIC = Buffer.from('PAR1');
/**
 * How much of a text file the crawler reads to infer its schema, like Glue's classifiers, which read the start
 * of a file. Reading a whole file would let one gzip bomb (1 MB expanding to 1 GiB) hold a crawl for minutes.
 */
export const SAMPLE_BYTES = 8 * 2 ** 20;

export interface CsvDialect {
  delimiter: string;
  quote: string;
  escape: string;
  header: string;
}

export type Sniffed = { columns: ColumnShape[]; csv?: CsvDialect };

/** What the crawler learns of one file. */
export interface SniffedFile {
  sniffed: Sniffed;
  format: DataFormat;
  gzip: boolean;
  /** The object is marked as synthetic data (its `seawall-synthetic` metadata), so its table will be too. */
  synthetic: boolean;
}

/** Reads the format and schema of a crawl's files, one engine for the whole crawl. */
export interface Sniffer {
  /**
   * A file's format and schema: its first bytes say gzip or Parquet; Parquet's footer is read in place, text
   * formats from a bounded sample. Throws UnreadableFile with the reason a file cannot be read.
   */
  sniffFile(bucket: string, key: string): Promise<SniffedFile>;
  /** Stops the sniffing engine. */
  close(): Promise<void>;
}

/** A file the crawler cannot read; the message says why, in the user's terms. */
export class UnreadableFile extends Error {}

/** An object listed for the crawl and deleted before it was read is skipped like any unreadable file. */
function deletedMeanwhile(error: { code?: string }): never {
  if (error.code === 'NoSuchKey') throw new UnreadableFile('the object was deleted during the crawl');
  throw error;
}

function formatOfFile(key: string, head: Buffer): { format: DataFormat; gzip: boolean } {
  const gzip = key.endsWith('.gz') || (head[0] === 0x1f && head[1] === 0x8b);
  const base = key.replace(/\.gz$/, '').toLowerCase();
  if (head.subarray(0, 4).equals(PARQUET_MAGIC) || base.endsWith('.parquet'))
    return { format: 'parquet', gzip: false };
  if (/\.(jsonl|ndjson|json)$/.test(base) || (!gzip && head[0] === 0x7b)) return { format: 'json', gzip };
  return { format: 'csv', gzip };
}

/** The sniffer writes "(empty)" when a file has no quoting; reading it back with '"' changes nothing. */
function sniffedChar(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  return text.length === 1 ? text : '"';
}

/**
 * The first SAMPLE_BYTES of a text file, decompressed; when the file goes on, cut after its last whole line so
 * the sniffer sees no half row.
 */
async function sampleOf(body: Readable, gzip: boolean): Promise<Buffer> {
  const source = gzip ? body.pipe(createGunzip()) : body;
  const chunks: Buffer[] = [];
  let size = 0;
  let complete = true;
  try {
    for await (const chunk of source) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= SAMPLE_BYTES) {
        complete = false;
        break;
      }
    }
  } catch (error) {
    throw new UnreadableFile(`not a readable ${gzip ? 'gzip ' : ''}file: ${(error as Error).message}`);
  } finally {
    source.destroy();
    body.destroy();
  }
  const sample = Buffer.concat(chunks).subarray(0, SAMPLE_BYTES);
  const lastLine = sample.lastIndexOf(0x0a);
  return complete || lastLine < 0 ? sample : sample.subarray(0, lastLine + 1);
}

async function sniff(
  engine: EngineProcess,
  signal: AbortSignal,
  path: string,
  format: DataFormat,
): Promise<Sniffed> {
  if (format === 'csv') {
    const [row] = await engine.rows(
      `SELECT Delimiter, Quote, Escape, HasHeader, Columns FROM sniff_csv(${quoteLiteral(path)}, sample_size=20480)`,
      { signal },
    );
    const columns = ((row?.Columns ?? []) as { name: string; type: string }[]).map((c) => ({
      Name: c.name,
      Type: hiveTypeOf(c.type),
    }));
    return {
      columns,
      csv: {
        delimiter: String(row?.Delimiter ?? ','),
        quote: sniffedChar(row?.Quote),
        escape: sniffedChar(row?.Escape),
        header: row?.HasHeader ? '1' : '0',
      },
    };
  }
  const reader =
    format === 'json'
      ? `read_json(${quoteLiteral(path)}, format='newline_delimited', sample_size=20480)`
      : `read_parquet(${quoteLiteral(path)})`;
  const rows = await engine.rows(`DESCRIBE SELECT * FROM ${reader}`, { signal });
  return {
    columns: rows.map((r) => ({ Name: String(r.column_name), Type: hiveTypeOf(String(r.column_type)) })),
  };
}

/**
 * The engine that sniffs a crawl's files, in a worker process: a hostile file can crash it, and the crawl then
 * goes on with a new one.
 */
export function createSniffer(deps: {
  storage: StorageService;
  launcher: EngineLauncher;
  signal: AbortSignal;
}): Sniffer {
  const engine = reusableEngine(() =>
    startEngine(deps.launcher, () => deps.storage.filesForEngine([]), {
      label: 'crawler',
      threads: 1,
      memoryLimitMb: 512,
      maxTempMb: 256,
    }),
  );

  return {
    async sniffFile(bucket: string, key: string): Promise<SniffedFile> {
      const first = await deps.storage
        .openObject(bucket, key, (o) => ({ start: 0, end: Math.min(o.size, 16) - 1 }))
        .catch(deletedMeanwhile);
      const head = Buffer.concat(await first.body.toArray());
      const { format, gzip } = formatOfFile(key, head);
      const files = await deps.storage
        .filesForEngine(format === 'parquet' ? [{ bucket, key, name: 'sample.parquet' }] : [])
        .catch(deletedMeanwhile);
      const path = files.paths[0] ?? join(files.dir, `sample.${format}`);
      try {
        if (format !== 'parquet') {
          const { body } = await deps.storage.openObject(bucket, key).catch(deletedMeanwhile);
          await fs.writeFile(path, await sampleOf(body, gzip), { mode: 0o600 });
        }
        const sniffed = await engine.use((sniffer) => sniff(sniffer, deps.signal, path, format));
        return {
          sniffed,
          format,
          gzip,
          synthetic: first.object.userMetadata['seawall-synthetic'] === 'true',
        };
      } catch (error) {
        if (error instanceof UnreadableFile) throw error;
        if (deps.signal.aborted || !(error instanceof EngineFailure)) throw error;
        // DuckDB names the file it failed on; the engine's scratch path means nothing to the user (and is not theirs to see).
        throw new UnreadableFile((error.message.split('\n')[0] ?? 'unreadable').split(path).join(key));
      } finally {
        await files.release();
      }
    },

    close: () => engine.close(),
  };
}
