import type { AppError } from '../errors.js';

/**
 * A continuation token that is an offset into a listing (a position in a list, or a byte in a result file),
 * opaque to clients. Each service names a bad one in its own error.
 */
export function encodeOffset(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

/** The offset a token names (0 for none); `invalid` is the service's error for a token it never gave. */
export function decodeOffset(token: string | undefined, invalid: () => AppError): number {
  if (token === undefined) return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString());
  if (!/^[A-Za-z0-9_-]+$/.test(token) || !Number.isSafeInteger(offset) || offset < 0) throw invalid();
  return offset;
}

/** Items `max` at a time from the offset a token names, with the token of the next page when there is one. */
export function offsetPage<T>(
  items: readonly T[],
  token: string | undefined,
  max: number,
  invalid: () => AppError,
): { items: T[]; NextToken?: string } {
  const start = decodeOffset(token, invalid);
  const end = start + max;
  return { items: items.slice(start, end), ...(end < items.length ? { NextToken: encodeOffset(end) } : {}) };
}
