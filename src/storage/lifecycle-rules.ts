import type { LifecycleConfiguration, LifecycleRule } from './lifecycle.js';

/** S3's lifecycle day: actions fall due at the first midnight UTC after their age is reached. */
export const CALENDAR_DAY_MS = 86_400_000;

/** What a rule's filter looks at. */
export interface LifecycleSubject {
  key: string;
  size: number;
  /** The version's tags; only read when a rule filters on tags. */
  tags: () => Promise<ReadonlyMap<string, string>>;
}

/** Whether an enabled rule's filter selects the object. */
export async function ruleSelects(rule: LifecycleRule, subject: LifecycleSubject): Promise<boolean> {
  if (!rule.enabled) return false;
  const { filter } = rule;
  if (filter.prefix !== undefined && !subject.key.startsWith(filter.prefix)) return false;
  if (filter.sizeGreaterThan !== undefined && !(subject.size > filter.sizeGreaterThan)) return false;
  if (filter.sizeLessThan !== undefined && !(subject.size < filter.sizeLessThan)) return false;
  if (filter.tags && filter.tags.length > 0) {
    const tags = await subject.tags();
    if (!filter.tags.every((tag) => tags.get(tag.key) === tag.value)) return false;
  }
  return true;
}

/** A rule id as a header value takes it: bytes beyond printable ASCII percent-encoded (UTF-8). */
function headerSafe(id: string): string {
  return id.replace(/[^\x20-\x7e]/gu, (c) =>
    [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase()}`).join(''),
  );
}

/** The first day boundary at or after `ms` (midnight UTC for calendar days). */
function dayBoundary(ms: number, dayMs: number): number {
  return Math.ceil(ms / dayMs) * dayMs;
}

/** When `days` lifecycle days after `since` fall due. */
export function dueAfter(since: number, days: number, dayMs: number): number {
  return dayBoundary(since + days * dayMs, dayMs);
}

/** When the rule's Expiration (Days or Date) expires a current version made at `lastModified`, if it does. */
export function currentExpiry(rule: LifecycleRule, lastModified: number, dayMs: number): number | undefined {
  const expiration = rule.expiration;
  if (expiration?.days !== undefined) return dueAfter(lastModified, expiration.days, dayMs);
  if (expiration?.date !== undefined) return Date.parse(expiration.date);
  return undefined;
}

/**
 * S3's x-amz-expiration header for a current object: the earliest expiry among the enabled rules that select
 * it, in calendar days whatever the runtime's day length, as S3 words it.
 */
export async function expirationHeader(
  config: LifecycleConfiguration,
  subject: LifecycleSubject,
  lastModified: number,
): Promise<string | undefined> {
  let best: { at: number; id: string } | undefined;
  for (const rule of config.rules) {
    const at = currentExpiry(rule, lastModified, CALENDAR_DAY_MS);
    if (at === undefined || (best && best.at <= at)) continue;
    if (await ruleSelects(rule, subject)) best = { at, id: rule.id };
  }
  if (!best) return undefined;
  // "The value of the rule-id is URL-encoded" (S3's HeadObject): no quote or comma of its own ends the value.
  return `expiry-date="${new Date(best.at).toUTCString()}", rule-id="${encodeURIComponent(best.id)}"`;
}

/**
 * When an enabled rule's AbortIncompleteMultipartUpload aborts an upload of `key` begun at `initiated`, if it
 * does: such a rule's filter is a prefix only (S3 refuses tags and sizes with it).
 */
export function uploadAbort(
  rule: LifecycleRule,
  key: string,
  initiated: number,
  dayMs: number,
): number | undefined {
  if (!rule.enabled || rule.abortIncompleteUploadDays === undefined) return undefined;
  if (!key.startsWith(rule.filter.prefix ?? '')) return undefined;
  return dueAfter(initiated, rule.abortIncompleteUploadDays, dayMs);
}

/**
 * S3's x-amz-abort-date and x-amz-abort-rule-id for an upload of `key` begun at `initiated`: the earliest abort
 * among the rules, in calendar days as S3 counts them.
 */
export function abortHeaders(
  config: LifecycleConfiguration,
  key: string,
  initiated: number,
): Record<string, string> {
  let best: { at: number; id: string } | undefined;
  for (const rule of config.rules) {
    const at = uploadAbort(rule, key, initiated, CALENDAR_DAY_MS);
    if (at !== undefined && (!best || at < best.at)) best = { at, id: rule.id };
  }
  return best
    ? { 'x-amz-abort-date': new Date(best.at).toUTCString(), 'x-amz-abort-rule-id': headerSafe(best.id) }
    : {};
}
