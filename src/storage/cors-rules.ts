import type { CorsRule } from './bucket-cors.js';

/** What a CORS request asks: from which origin, for which method, with which headers (lowercase). */
export interface CorsQuestion {
  readonly origin: string;
  readonly method: string;
  readonly requestHeaders: readonly string[];
}

/** The rule that answers a question, and whether it allowed the origin by `*` alone. */
export interface CorsMatch {
  readonly rule: CorsRule;
  readonly anyOrigin: boolean;
}

/** S3 varies its answers on these request headers, and says so on every answer a rule matched. */
export const CORS_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/**
 * Whether `text` matches `pattern`, where each `*` stands for any run of characters, the empty one included
 * (`start*end` matches `startend`). Patterns come from a stored configuration (at most one `*` each), texts
 * from request headers; no regular expression is built from either. Linear in practice, O(n·m) at worst.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p += 1;
      t += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = t;
      p += 1;
    } else if (star >= 0) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/**
 * The header names of an Access-Control-Request-Headers value: split on commas, trimmed, lowercased, empty
 * items dropped, in the order sent (S3 answers them in that order).
 */
export function requestedHeaderNames(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

function allowsHeader(rule: CorsRule, name: string): boolean {
  return rule.allowedHeaders.some((pattern) => wildcardMatch(pattern.toLowerCase(), name));
}

/**
 * The first rule that matches, as S3 evaluates them: the Origin matches one of its origins (case-sensitively,
 * as browsers serialize origins), the method is one of its methods, and every requested header matches one of
 * its headers (without regard to case). A rule without AllowedHeader allows no requested header.
 */
export function matchCorsRule(rules: readonly CorsRule[], question: CorsQuestion): CorsMatch | undefined {
  for (const rule of rules) {
    if (!rule.allowedMethods.some((method) => method === question.method)) continue;
    const origin = rule.allowedOrigins.find((pattern) => wildcardMatch(pattern, question.origin));
    if (origin === undefined) continue;
    if (!question.requestHeaders.every((name) => allowsHeader(rule, name))) continue;
    return { rule, anyOrigin: origin === '*' };
  }
  return undefined;
}

/**
 * The headers S3 answers a matched CORS request with, preflight or actual: the origin echoed (with
 * credentials allowed) unless the rule allowed it by `*`, the rule's methods, the headers requested, the
 * rule's exposed headers and max age, and Vary.
 */
export function corsResponseHeaders(match: CorsMatch, question: CorsQuestion): Record<string, string> {
  const { rule } = match;
  const headers: Record<string, string> = {
    'access-control-allow-origin': match.anyOrigin ? '*' : question.origin,
  };
  if (!match.anyOrigin) headers['access-control-allow-credentials'] = 'true';
  headers['access-control-allow-methods'] = rule.allowedMethods.join(', ');
  if (question.requestHeaders.length > 0)
    headers['access-control-allow-headers'] = question.requestHeaders.join(', ');
  if (rule.exposeHeaders.length > 0) headers['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  headers.vary = CORS_VARY;
  return headers;
}
