import type { ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
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

/** The request's side of a slow answer, held by the pipeline: it ends the answer that began early. */
export interface PendingAnswer extends SlowAnswer {
  /**
   * Ends an answer whose headers went out: the body of what the handler answered, or of the error it failed
   * with, without its XML declaration (sent first), and the end. Counts what it sends into `sent`.
   */
  finish(response: ApiResponse, sent: { bytes: number }): Promise<void>;
  /** Stops the clock: the answer goes out the ordinary way, or has already. */
  cancel(): void;
}

/**
 * S3's whitespace keep-alive (lib/http.ts, SlowAnswer) for one response: offered headers wait `intervalMs`,
 * then go out with a 200, the XML declaration and a space every `intervalMs` until the pipeline finishes the
 * answer. Spaces between the declaration and the root element keep the document well-formed for every XML
 * parser (before the declaration they would not be).
 */
export function pendingAnswer(res: ServerResponse, intervalMs: number): PendingAnswer {
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let offered = false;
  const stop = () => {
    clearTimeout(timer);
    clearInterval(timer);
    timer = undefined;
  };
  const start = (headers: Readonly<Record<string, string>>) => {
    if (res.headersSent || res.destroyed) return;
    started = true;
    setAnswerHeaders(res, 200, { ...headers, 'content-type': 'application/xml' });
    res.write(XML_DECLARATION);
    timer = setInterval(() => {
      if (!res.destroyed) res.write(' ');
    }, intervalMs);
  };
  return {
    offer(headers) {
      if (offered) return;
      offered = true;
      timer = setTimeout(() => start(headers), intervalMs);
    },
    get started() {
      return started;
    },
    cancel: stop,
    async finish(response, sent) {
      stop();
      const { body } = response;
      if (body instanceof Readable) {
        await new Promise<void>((resolve) => pipeline(body, res, () => resolve()));
        return;
      }
      const rest = (typeof body === 'string' ? body : (body?.toString('utf8') ?? '')).replace(
        LEADING_DECLARATION,
        '',
      );
      sent.bytes += Buffer.byteLength(rest);
      res.end(rest);
    },
  };
}
