import { Readable } from 'node:stream';

/**
 * A streaming reader of multipart/form-data (RFC 7578 over RFC 2046) for browser uploads: the fields before the
 * file are read into memory, bounded; the file's bytes are handed on as a stream, never held whole. What follows
 * the file is not read (S3 ignores fields after the file).
 */

/** Why a form could not be read: malformed framing, fields before the file past the bound, or no file. */
export type FormFailure = 'malformed' | 'tooLarge' | 'noFile';

export class FormParseError extends Error {
  readonly failure: FormFailure;
  constructor(failure: FormFailure, message: string) {
    super(message);
    this.name = 'FormParseError';
    this.failure = failure;
  }
}

/** A field of the form, its name as sent. */
export interface FormField {
  readonly name: string;
  readonly value: string;
}

/** The file part: its form name, the filename and content type its headers gave, and its bytes. */
export interface FormFile {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Readable;
}

export interface FormHead {
  /** The fields before the file, in order. */
  readonly fields: readonly FormField[];
  readonly file: FormFile;
}

/** RFC 2046: 1 to 70 characters of a restricted set, the last not a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The boundary of a `multipart/form-data` Content-Type, or undefined when it is not one (or has none). */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const [type, ...params] = splitParameters(contentType);
  if (type?.toLowerCase() !== 'multipart/form-data') return undefined;
  const boundary = parameterValue(params, 'boundary');
  return boundary !== undefined && BOUNDARY.test(boundary) ? boundary : undefined;
}

/** Splits `a; b=1; c="x;y"` at the semicolons outside quotes, trimmed. */
function splitParameters(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  parts.push(current.trim());
  return parts;
}

/**
 * A parameter's value: `name=token` or `name="quoted"`. Quoted strings are taken as browsers write them (HTML's
 * form encoding escapes `"` as %22 and leaves `\` alone), so a backslash is a character, not an escape.
 */
function parameterValue(params: readonly string[], name: string): string | undefined {
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== name) continue;
    const raw = param.slice(eq + 1).trim();
    return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  }
  return undefined;
}

/** RFC 5987 `filename*=UTF-8''%e2%82%ac.txt`; undefined when it is not of that form. */
function extendedValue(params: readonly string[], name: string): string | undefined {
  const raw = parameterValue(params, `${name}*`);
  const match = raw === undefined ? null : /^utf-8'[^']*'(.*)$/i.exec(raw);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1] as string);
  } catch {
    return undefined;
  }
}

interface PartHeaders {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
}

function parsePartHeaders(text: string): PartHeaders {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of text === '' ? [] : text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new FormParseError('malformed', 'A part header is not of the form name: value.');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  const [type, ...params] = splitParameters(disposition ?? '');
  const name = parameterValue(params, 'name');
  if (type?.toLowerCase() !== 'form-data' || name === undefined)
    throw new FormParseError('malformed', 'A part has no Content-Disposition: form-data with a name.');
  const filename = extendedValue(params, 'filename') ?? parameterValue(params, 'filename');
  return { name, filename, contentType };
}

const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');
const DASHES = Buffer.from('--');

/** Pulls chunks from the source into a buffer that holds only what has not been consumed yet. */
class ByteReader {
  buffer: Buffer = Buffer.alloc(0);
  private ended = false;
  constructor(private readonly chunks: AsyncIterator<unknown>) {}

  /** Reads one more chunk; false once the source has ended. */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.chunks.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return true;
  }

  consume(bytes: number): void {
    this.buffer = this.buffer.subarray(bytes);
  }

  /** Makes at least `bytes` bytes available; false if the source ends first. */
  async ensure(bytes: number): Promise<boolean> {
    while (this.buffer.length < bytes) if (!(await this.more())) return false;
    return true;
  }
}

/**
 * Reads a form up to its file part: `isFile` names it (S3's is the field `file`). Everything before the file
 * (preamble, part headers, field values) counts against `maxHeadBytes`. The file's body is a stream that fails
 * with a FormParseError if the form ends before the file's closing boundary.
 */
export async function readFormHead(
  source: AsyncIterable<unknown>,
  boundary: string,
  options: { maxHeadBytes: number; isFile: (name: string) => boolean },
): Promise<FormHead> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  // The first delimiter may open the body without the CRLF that precedes every other one.
  reader.buffer = Buffer.from(CRLF);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let budget = options.maxHeadBytes + CRLF.length;

  /** Finds `pattern` in what is left of the head's budget; the offset where it starts. */
  async function find(pattern: Buffer): Promise<number> {
    // Each new chunk is searched from where a match could still begin: a head sent a byte at a time is not
    // searched again from its start for every byte.
    let from = 0;
    for (;;) {
      const at = reader.buffer.indexOf(pattern, from);
      if (at >= 0 && at + pattern.length <= budget) return at;
      if (reader.buffer.length >= budget)
        throw new FormParseError('tooLarge', 'The fields before the file are too large.');
      from = Math.max(0, reader.buffer.length - pattern.length + 1);
      if (!(await reader.more())) throw new FormParseError('malformed', 'The form ends before its file.');
    }
  }
  function take(bytes: number): Buffer {
    const taken = reader.buffer.subarray(0, bytes);
    reader.consume(bytes);
    budget -= bytes;
    return taken;
  }

  const fields: FormField[] = [];
  take((await find(delimiter)) + delimiter.length);
  for (;;) {
    take(await delimiterLineEnd(reader, budget));
    // The delimiter line's CRLF starts the headers' terminator when a part has no headers.
    const end = await find(HEADERS_END);
    const headers = parsePartHeaders(reader.buffer.subarray(2, end).toString('utf8'));
    take(end + HEADERS_END.length);
    if (options.isFile(headers.name)) {
      return {
        fields,
        file: {
          name: headers.name,
          filename: headers.filename,
          contentType: headers.contentType,
          body: Readable.from(fileBytes(reader, delimiter), { objectMode: false }),
        },
      };
    }
    const valueEnd = await find(delimiter);
    fields.push({ name: headers.name, value: take(valueEnd).toString('utf8') });
    take(delimiter.length);
  }
}

/**
 * After a delimiter: `--` closes the form (which then has no file); otherwise optional whitespace and a line
 * break. Answers how many bytes of whitespace to skip, leaving the line break.
 */
async function delimiterLineEnd(reader: ByteReader, budget: number): Promise<number> {
  if (!(await reader.ensure(2))) throw new FormParseError('malformed', 'The form ends inside a boundary.');
  if (reader.buffer.subarray(0, 2).equals(DASHES))
    throw new FormParseError('noFile', 'The form has no file.');
  let pad = 0;
  for (;;) {
    if (!(await reader.ensure(pad + 1)))
      throw new FormParseError('malformed', 'The form ends inside a boundary.');
    const c = reader.buffer[pad];
    if (c !== 0x20 && c !== 0x09) break;
    pad++;
    if (pad > budget) throw new FormParseError('tooLarge', 'The fields before the file are too large.');
  }
  if (!(await reader.ensure(pad + 2)) || !reader.buffer.subarray(pad, pad + 2).equals(CRLF))
    throw new FormParseError('malformed', 'A boundary is not followed by a line break.');
  return pad;
}

/** The file's bytes up to the next delimiter, passed on as they arrive but for a delimiter's length. */
async function* fileBytes(reader: ByteReader, delimiter: Buffer): AsyncGenerator<Buffer> {
  for (;;) {
    const at = reader.buffer.indexOf(delimiter);
    if (at >= 0) {
      if (at > 0) yield reader.buffer.subarray(0, at);
      reader.consume(at + delimiter.length);
      return;
    }
    // A delimiter may begin in this buffer's last bytes and end in the next chunk.
    const safe = reader.buffer.length - (delimiter.length - 1);
    if (safe > 0) {
      const bytes = reader.buffer.subarray(0, safe);
      reader.consume(safe);
      yield bytes;
    }
    if (!(await reader.more())) throw new FormParseError('malformed', 'The form ends inside its file.');
  }
}
