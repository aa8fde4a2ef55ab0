import type { Readable } from 'node:stream';
import type { AppError } from '../errors.js';
import type { Principal } from './operation.js';

/** Query parameters in wire order, decoded; a parameter without `=` has the value ''. */
export type QueryParams = ReadonlyArray<readonly [string, string]>;

/** What a domain's API layer sees of a request: no Node HTTP types, the body already authenticated. */
export interface ApiRequest {
  readonly requestId: string;
  readonly method: string;
  /** The path as sent, still percent-encoded. */
  readonly rawPath: string;
  readonly query: QueryParams;
  /** Lower-case names; repeated headers joined with ','. */
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded payload (aws-chunked framing removed, signatures and checksums verified as it is read). */
  readonly body: Readable;
  /** Trailing headers of an aws-chunked body; complete once `body` has ended. */
  readonly trailers: () => Readonly<Record<string, string>>;
  /** Bytes of payload to expect, when known. */
  readonly contentLength: number | undefined;
  readonly principal: Principal;
  readonly region: string;
  /** Host header as sent, for virtual-hosted-style S3 addressing. */
  readonly host: string;
  /**
   * A browser upload's form (S3's POST Object), for operations that take one: the fields read before the file,
   * whose bytes are then `body`; its signature already verified, and `principal` the signer.
   */
  readonly form?: PostForm;
  /**
   * Reserves memory for what the request buffers (a body read whole, a page of results), from the server's
   * budget for all requests; throws SlowDown past it. Given back when the response is sent.
   */
  readonly reserve: (bytes: number) => void;
  /** S3's whitespace keep-alive, for an answer that may take minutes to work out (see SlowAnswer). */
  readonly slowAnswer?: SlowAnswer;
}

/**
 * An answer that may take minutes (S3's CompleteMultipartUpload, joining gigabytes): once its handler knows the
 * status line and headers a success will have, it offers them; if it has not answered within the server's
 * interval by then, they are sent at once with the XML declaration, then a space at each interval while the
 * work goes on, so that no client times out; the answer's body follows, or an error document in a 200 (which
 * the SDKs look for, as S3 documents). The handler must then answer with exactly those headers.
 */
export interface SlowAnswer {
  offer(headers: Readonly<Record<string, string>>): void;
  /**
   * Called when the handler commits to its answer: an early answer that has not begun never will. Answers
   * whether it began, the answer then bound to the offered headers.
   */
  settle(): boolean;
}

/** The fields of a browser upload's form that came before its file. */
export interface PostForm {
  /** By lower-case name (a repeated name keeps its first value), each with its name as sent. */
  readonly fields: ReadonlyMap<string, { readonly name: string; readonly value: string }>;
  /** The file part's filename, which `${filename}` in the key stands for. */
  readonly filename: string | undefined;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string | number>;
  body?: string | Buffer | Readable;
}

export function queryValue(query: QueryParams, name: string): string | undefined {
  for (const [key, value] of query) if (key === name) return value;
  return undefined;
}

export function hasQuery(query: QueryParams, name: string): boolean {
  return query.some(([key]) => key === name);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Splits a raw query string the way AWS does: no '+'-as-space, malformed escapes kept as they are. */
export function parseQuery(raw: string): QueryParams {
  if (raw === '') return [];
  return raw
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0
        ? [safeDecode(part), '']
        : [safeDecode(part.slice(0, eq)), safeDecode(part.slice(eq + 1))];
    });
}

export function decodePathSegment(segment: string): string {
  return safeDecode(segment);
}

/** RFC 3986 encoding as SigV4 requires: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded. */
export function awsUriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Reads a small request body whole (API documents, not object bytes), failing once it passes `limit`, and
 * reserving what it holds from the server's memory budget as it goes.
 */
export async function readSmallBody(
  body: Readable,
  limit: number,
  tooLarge: () => AppError,
  reserve: (bytes: number) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    reserve((chunk as Buffer).length);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
