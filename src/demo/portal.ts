import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * A connector for OpenDataSoft portals (opendata.vancouver.ca and hundreds of other cities): the Explore API
 * v2.1 export endpoint, which streams a whole dataset, filtered by ODSQL, with no row limit.
 */
export interface PortalExportOptions {
  /** The portal's origin, e.g. `https://opendata.vancouver.ca`. */
  portalUrl: string;
  datasetId: string;
  /** An ODSQL `where` clause, sent as is. */
  where?: string;
  /** Field separator; the portal's default is ';'. */
  delimiter?: string;
  /** Header with field labels (as the portal's download button gives) rather than API names. Default true. */
  useLabels?: boolean;
  /** Time zone for datetime fields (the portal defaults to UTC). */
  timezone?: string;
  signal?: AbortSignal;
  /** How long to wait for the answer to start, and then for each next piece of it. Default 60 s. */
  timeoutMs?: number;
}

export interface PortalExport {
  url: string;
  contentType: string;
  /** The CSV bytes as the portal sends them, BOM included. */
  stream: Readable;
}

/** An expected failure talking to a portal, with a one-line message fit for a CLI. */
export class PortalError extends Error {
  override readonly name = 'PortalError';
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Field names are back-quoted so that names which are ODSQL keywords (`date`) stay field names. */
export function odsqlField(name: string): string {
  return `\`${name.replaceAll('`', '')}\``;
}

/**
 * Rows whose date field falls in one of `years`. An OR of `year(f) = y` terms: `year()` and `or` are
 * documented ODSQL, while a list form of `in` is not, and a date-literal range would compare in UTC.
 */
export function odsqlYearIn(field: string, years: readonly number[]): string {
  if (years.length === 0) throw new Error('at least one year is needed');
  for (const year of years) if (!Number.isInteger(year)) throw new Error(`not a year: ${year}`);
  return years.map((year) => `year(${odsqlField(field)}) = ${year}`).join(' or ');
}

function baseUrl(portalUrl: string): string {
  return portalUrl.replace(/\/+$/, '');
}

export function portalExportUrl(options: Omit<PortalExportOptions, 'signal' | 'timeoutMs'>): string {
  const url = new URL(
    `${baseUrl(options.portalUrl)}/api/explore/v2.1/catalog/datasets/${encodeURIComponent(options.datasetId)}/exports/csv`,
  );
  url.searchParams.set('delimiter', options.delimiter ?? ';');
  url.searchParams.set('use_labels', String(options.useLabels ?? true));
  if (options.timezone) url.searchParams.set('timezone', options.timezone);
  if (options.where) url.searchParams.set('where', options.where);
  return url.toString();
}

function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The portal's own words about a failure: ODS answers `{"error_code": …, "message": …}`. */
async function failureReason(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown; error_code?: unknown };
    if (typeof body.message === 'string') return oneLine(body.message);
    if (typeof body.error_code === 'string') return body.error_code;
  } catch {
    // not JSON: fall through to the raw text
  }
  return oneLine(text) || response.statusText;
}

interface TimeoutState {
  hit: boolean;
  ms: number;
  /** Whether the CSV had begun to arrive: then the portal stalled rather than never answered. */
  streaming: boolean;
}

function connectionFailure(error: unknown, url: string, timeout: TimeoutState): PortalError {
  if (timeout.hit && timeout.streaming) {
    return new PortalError(`portal stopped sending for ${timeout.ms} ms mid-export: ${url}`, {
      cause: error,
    });
  }
  if (timeout.hit) {
    return new PortalError(`portal did not answer within ${timeout.ms} ms: ${url}`, { cause: error });
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new PortalError(`cannot reach portal ${new URL(url).origin}: ${reason}`, { cause: error });
}

/** A CSV export starts with a BOM or a header; an HTML page or a JSON error body gives itself away. */
function looksLikeMarkupOrJson(first: Uint8Array): boolean {
  const text = Buffer.from(first.subarray(0, 64))
    .toString('utf8')
    .replace(/^\ufeff/, '')
    .trimStart();
  return text.startsWith('<') || text.startsWith('{') || text.startsWith('[');
}

interface Watchdog {
  readonly signal: AbortSignal;
  readonly state: TimeoutState;
  /** Restarts the countdown: called whenever the portal makes progress. */
  arm(): void;
  release(): void;
}

/** Aborts the request when the portal makes no progress for `ms`, or when the caller's signal fires. */
function watchdog(ms: number, caller: AbortSignal | undefined): Watchdog {
  const controller = new AbortController();
  const state: TimeoutState = { hit: false, ms, streaming: false };
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort();
  caller?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    state,
    arm() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.hit = true;
        controller.abort();
      }, ms);
      // The socket keeps the process alive while bytes flow; the timer alone must not.
      timer.unref();
    },
    release() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

type Reader = ReadableStreamDefaultReader<Uint8Array>;
type ReadResult = Awaited<ReturnType<Reader['read']>>;

async function* bodyChunks(
  reader: Reader,
  first: ReadResult,
  dog: Watchdog,
  failure: (error: unknown) => PortalError,
): AsyncGenerator<Uint8Array> {
  try {
    if (!first.done) yield first.value;
    for (;;) {
      dog.arm();
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } catch (error) {
    throw failure(error);
  } finally {
    dog.release();
    await reader.cancel().catch(() => undefined);
  }
}

/** Checks the answer is a CSV export and reads its first chunk; anything else is a PortalError. */
async function openCsv(response: Response, datasetId: string, url: string, dog: Watchdog) {
  const contentType = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    const reason = await failureReason(response);
    throw new PortalError(
      `portal answered HTTP ${response.status} for dataset '${datasetId}': ${reason} (${url})`,
      {
        status: response.status,
      },
    );
  }
  if (/html|json|xml/i.test(contentType)) {
    await response.body?.cancel();
    throw new PortalError(`portal answered ${contentType.split(';')[0]}, not CSV (${url})`);
  }
  if (!response.body) throw new PortalError(`portal answered without a body (${url})`);
  const reader = response.body.getReader();
  dog.arm();
  const first = await reader.read();
  if (!first.done && looksLikeMarkupOrJson(first.value)) {
    await reader.cancel();
    throw new PortalError(`portal answered something that is not CSV (${url})`);
  }
  return { contentType, reader, first };
}

/**
 * Starts an export and answers once the portal has begun sending CSV. The bytes stream through; nothing is
 * held in memory beyond the chunk in flight. HTTP errors, timeouts and non-CSV answers reject with a
 * one-line PortalError; a stall mid-stream errors the stream the same way.
 */
export async function fetchPortalExport(options: PortalExportOptions): Promise<PortalExport> {
  const url = portalExportUrl(options);
  const dog = watchdog(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.signal);
  const failure = (error: unknown): PortalError => {
    if (error instanceof PortalError) return error;
    if (options.signal?.aborted) return new PortalError(`export cancelled (${url})`, { cause: error });
    return connectionFailure(error, url, dog.state);
  };
  dog.arm();
  try {
    const response = await fetch(url, {
      signal: dog.signal,
      headers: { accept: 'text/csv', 'user-agent': 'seawall-ingest' },
    });
    const { contentType, reader, first } = await openCsv(response, options.datasetId, url, dog);
    dog.state.streaming = true;
    const stream = Readable.from(bodyChunks(reader, first, dog, failure), { objectMode: false });
    // A stream destroyed before it was read never runs the generator's cleanup: release the socket here.
    stream.once('close', () => {
      dog.release();
      reader.cancel().catch(() => undefined);
    });
    return { url, contentType, stream };
  } catch (error) {
    dog.release();
    throw failure(error);
  }
}

/** Whether the portal's catalog API answers within the timeout. Never throws. */
export async function isPortalReachable(portalUrl: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl(portalUrl)}/api/explore/v2.1/catalog/datasets?limit=1`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export interface IngestFromPortalOptions extends PortalExportOptions {
  s3: S3Client;
  bucket: string;
  key: string;
  /** Where to spool the export; the system temporary directory by default. */
  tempDir?: string;
}

export interface PortalIngestResult {
  bucket: string;
  key: string;
  bytes: number;
  sourceUrl: string;
  etag: string | undefined;
}

/**
 * Exports a dataset from a portal into an object. The export is spooled to a temporary file first because
 * PutObject needs the length up front (the portal streams without one) and Seawall has no multipart upload
 * yet; the file is removed whatever happens.
 */
export async function ingestFromPortal(options: IngestFromPortalOptions): Promise<PortalIngestResult> {
  const { s3, bucket, key } = options;
  const exported = await fetchPortalExport(options);
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'seawall-ingest-'));
  try {
    const file = join(dir, 'export.csv');
    await pipeline(exported.stream, createWriteStream(file, { mode: 0o600 }));
    const { size } = await stat(file);
    const result = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: size,
        ContentType: 'text/csv; charset=utf-8',
        Metadata: { 'source-url': exported.url },
      }),
    );
    return { bucket, key, bytes: size, sourceUrl: exported.url, etag: result.ETag };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
