import type { ServerResponse } from 'node:http';
import { finished, Readable } from 'node:stream';
import type { ApiResponse, SlowAnswer } from '../lib/http.js';
import { UNTRUSTED_CONTENT_HEADERS } from './connection-guards.js';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const LEADING_DECLARATION = /^<\?xml[^>]*\?>\s*/;

/**
 * Sets an answer's status and headers. Only Seawall's own routes may bring their own Content-Security-Policy
 * (the console's page does); everything else, objects and API answers and errors alike, is sandboxed here.
 */
export function setAnswerHeaders(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | number>>,
  own = false,
): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  for (const [name, value] of Object.entries(UNTRUSTED_CONTENT_HEADERS)) {
    if (!own || !res.hasHeader(name)) res.setHeader(name, value);
  }
}

/**
 * Writes an answer's body and ends it, once its status and headers are set (or went out early), counting what
 * it sends into `sent`; a stream is piped, and given up with the response if the client goes.
 */
export async function endWith(
  res: ServerResponse,
  body: string | Buffer | Readable,
  sent?: { bytes: number },
): Promise<void> {
  if (!(body instanceof Readable)) {
    if (sent) sent.bytes += Buffer.byteLength(body);
    res.end(body);
    return;
  }
  if (sent)
    body.on('data', (chunk: Buffer | string) => {
      sent.bytes += chunk.length;
    });
  // Piped by hand: stream.pipeline makes an AbortController for every answer and aborts it at the end, a
  // DOMException (and its stack) per GET, some 2 % of the CPU a small GET costs.
  await new Promise<void>((resolve) => {
    finished(res, () => {
      // Sent, or the client went: the body is done with either way (a blob's lease is given back).
      body.destroy();
      resolve();
    });
    // A body that fails or is destroyed, before this or halfway, gives the answer up (pipe alone would leave it
    // open); one that ends has ended the answer through pipe.
    finished(body, (error) => {
      if (error) res.destroy(error);
    });
    body.pipe(res);
  });
}

/** The request's side of a slow answer, held by the pipeline: it ends the answer that began early. */
export interface PendingAnswer extends SlowAnswer {
  /** Whether the status and the offered headers went out. */
  readonly started: boolean;
  /** When they went out (performance.now()), if they did. */
  readonly startedAt: number | undefined;
  /** Whether a success keeps to the headers offered (its version and encryption), as an answer begun must. */
  keeps(response: ApiResponse): boolean;
  /**
   * Ends an answer whose headers went out: the body of what the handler answered, or of the error it failed
   * with, without its XML declaration (sent first), and the end. A declaration is taken off a body given whole;
   * a streamed body goes as it is, so an operation that offers headers answers its document whole.
   */
  finish(response: ApiResponse): Promise<void>;
  /** Stops the clock, however the request ended. */
  cancel(): void;
}

/** The headers an early answer names that the final one must name alike. */
const KEPT = /^x-amz-(version-id|server-side-encryption.*)$/;

/**
 * S3's whitespace keep-alive (lib/http.ts, SlowAnswer) for one response: offered headers wait `intervalMs`,
 * then go out with a 200, the XML declaration and a space every `intervalMs` until the pipeline finishes the
 * answer. Spaces between the declaration and the root element keep the document well-formed for every XML
 * parser (before the declaration they would not be). What it writes is counted into `sent`.
 */
export function pendingAnswer(
  res: ServerResponse,
  intervalMs: number,
  sent: { bytes: number },
): PendingAnswer {
  let timer: NodeJS.Timeout | undefined;
  let startedAt: number | undefined;
  let settled = false;
  let offered: Readonly<Record<string, string>> | undefined;
  const stop = () => {
    clearTimeout(timer);
    clearInterval(timer);
    timer = undefined;
  };
  const write = (text: string) => {
    if (res.destroyed) return;
    sent.bytes += Buffer.byteLength(text);
    res.write(text);
  };
  const start = (headers: Readonly<Record<string, string>>) => {
    if (res.headersSent || res.destroyed) return;
    startedAt = performance.now();
    setAnswerHeaders(res, 200, { ...headers, 'content-type': 'application/xml' });
    write(XML_DECLARATION);
    timer = setInterval(() => write(' '), intervalMs);
  };
  const named = (headers: Readonly<Record<string, string | number>>) =>
    Object.entries(headers)
      .filter(([name]) => KEPT.test(name))
      .map(([name, value]) => `${name}: ${value}`)
      .sort()
      .join('\n');
  return {
    offer(headers) {
      if (offered || settled) return;
      offered = headers;
      timer = setTimeout(() => start(headers), intervalMs);
    },
    settle() {
      settled = true;
      if (startedAt === undefined) stop();
      return startedAt !== undefined;
    },
    get started() {
      return startedAt !== undefined;
    },
    get startedAt() {
      return startedAt;
    },
    cancel: stop,
    keeps: (response) => named(response.headers ?? {}) === named(offered ?? {}),
    async finish(response) {
      stop();
      const body = response.body ?? '';
      // The declaration went out first: a document's own is left out.
      await endWith(
        res,
        body instanceof Readable ? body : body.toString().replace(LEADING_DECLARATION, ''),
        sent,
      );
    },
  };
}
