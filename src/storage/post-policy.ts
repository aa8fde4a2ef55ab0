import { AppError, badRequest } from '../errors.js';

/**
 * The policy document of a browser upload (POST Object): a base64 JSON document with an expiration and the
 * conditions every field of the form must meet, parsed into a tree once and then checked against the form.
 * Field names are case-insensitive, operators too; values are compared exactly.
 */

export type PostCondition =
  | { readonly kind: 'eq'; readonly field: string; readonly value: string; readonly text: string }
  | { readonly kind: 'starts-with'; readonly field: string; readonly value: string; readonly text: string }
  | { readonly kind: 'content-length-range'; readonly min: number; readonly max: number };

export interface PostPolicy {
  readonly expiration: Date;
  readonly conditions: readonly PostCondition[];
}

/** What a form offers its policy: its fields by lower-case name, the bucket posted to and the key to write. */
export interface PolicySubject {
  readonly fields: ReadonlyMap<string, { readonly name: string; readonly value: string }>;
  readonly bucket: string;
  readonly key: string;
}

/** The file's size bounds a policy sets (content-length-range), checked as the file streams. */
export interface SizeRange {
  readonly min: number;
  readonly max: number;
}

function invalidPolicy(detail: string): AppError {
  return badRequest('InvalidPolicyDocument', `Invalid Policy: ${detail}`);
}

function violation(detail: string): AppError {
  return new AppError('AccessDenied', 403, `Invalid according to Policy: ${detail}`);
}

/** `2007-12-01T12:00:00Z` or `2007-12-01T12:00:00.000Z`, as S3's policy documents give it. */
const EXPIRATION = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

function parseExpiration(value: unknown): Date {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const shown = `Invalid 'expiration' value: '${String(text).slice(0, 64)}'`;
  if (typeof value !== 'string' || !EXPIRATION.test(value)) throw invalidPolicy(shown);
  const date = new Date(value);
  // Date accepts some out-of-range fields (hour 24); the round trip rejects them.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== value.slice(0, 19))
    throw invalidPolicy(shown);
  return date;
}

function quoted(text: string): string {
  return JSON.stringify(text);
}

/** A field named by a condition (`$key`): its lower-case name, or undefined when it does not start with `$`. */
function fieldOf(reference: unknown): string | undefined {
  return typeof reference === 'string' && reference.startsWith('$') && reference.length > 1
    ? reference.slice(1).toLowerCase()
    : undefined;
}

/** A size bound: a non-negative integer, as a JSON number or a string of digits. */
function sizeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

function parseCondition(condition: unknown): PostCondition {
  if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
    const entries = Object.entries(condition);
    const [entry] = entries;
    if (entries.length !== 1 || !entry)
      throw invalidPolicy(
        'Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
      );
    const [name, value] = entry;
    if (typeof value !== 'string')
      throw invalidPolicy(`Invalid Simple-Condition: value of ${quoted(name)} must be a string.`);
    return {
      kind: 'eq',
      field: name.toLowerCase(),
      value,
      text: `["eq", ${quoted(`$${name}`)}, ${quoted(value)}]`,
    };
  }
  if (!Array.isArray(condition) || typeof condition[0] !== 'string')
    throw invalidPolicy(
      'Invalid Condition: a condition must be an object or a list that starts with its operator.',
    );
  const operator = condition[0].toLowerCase();
  if (operator === 'content-length-range') {
    const min = sizeOf(condition[1]);
    const max = sizeOf(condition[2]);
    if (condition.length !== 3 || min === undefined || max === undefined)
      throw invalidPolicy(
        'Invalid content-length-range condition: it takes exactly two non-negative integers, the minimum and the maximum size.',
      );
    return { kind: 'content-length-range', min, max };
  }
  if (operator !== 'eq' && operator !== 'starts-with')
    throw invalidPolicy(`Invalid Condition: unknown operator ${quoted(condition[0].slice(0, 32))}.`);
  const field = fieldOf(condition[1]);
  const value = condition[2];
  if (condition.length !== 3 || field === undefined || typeof value !== 'string')
    throw invalidPolicy(
      `Invalid Condition: ${quoted(condition[0])} takes a field reference ("$name") and a string value.`,
    );
  return {
    kind: operator,
    field,
    value,
    text: `[${quoted(condition[0])}, ${quoted(condition[1] as string)}, ${quoted(value)}]`,
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes and parses a policy document; InvalidPolicyDocument with S3's reason when it is not one. */
export function parsePostPolicy(encoded: string): PostPolicy {
  const compact = encoded.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact)) throw invalidPolicy('Invalid Base64 Encoding.');
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(compact, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw invalidPolicy('Invalid JSON.');
  const { expiration, conditions } = document as Record<string, unknown>;
  if (!Object.hasOwn(document, 'expiration')) throw invalidPolicy('Policy missing expiration.');
  const expires = parseExpiration(expiration);
  if (!Object.hasOwn(document, 'conditions')) throw invalidPolicy('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalidPolicy("Invalid 'conditions' value: must be a List.");
  return { expiration: expires, conditions: conditions.map(parseCondition) };
}

/** The value a condition tests: the bucket posted to, the key to be written, or a field ('' when absent). */
function testedValue(subject: PolicySubject, field: string): string {
  if (field === 'bucket') return subject.bucket;
  if (field === 'key') return subject.key;
  return subject.fields.get(field)?.value ?? '';
}

function holds(condition: PostCondition, subject: PolicySubject): boolean {
  if (condition.kind === 'content-length-range') return true;
  const value = testedValue(subject, condition.field);
  if (condition.kind === 'eq') return value === condition.value;
  // Content-Type may list several types; each must have the prefix.
  if (condition.field === 'content-type')
    return value.split(',').every((type) => type.trim().startsWith(condition.value));
  return value.startsWith(condition.value);
}

/** Fields a policy need not name: the signature's own, the file, and those meant to be ignored. */
const UNNAMED_FIELDS: ReadonlySet<string> = new Set([
  'policy',
  'signature',
  'awsaccesskeyid',
  'x-amz-signature',
  'file',
]);

/**
 * Checks a form against its policy at `now`: not expired, every condition met, every field named by a
 * condition. Answers the size range the file must then be within, if the policy sets one.
 */
export function checkPostPolicy(
  policy: PostPolicy,
  subject: PolicySubject,
  now: Date,
): SizeRange | undefined {
  if (now.getTime() > policy.expiration.getTime()) throw violation('Policy expired.');
  const named = new Set<string>();
  let range: SizeRange | undefined;
  for (const condition of policy.conditions) {
    if (condition.kind === 'content-length-range') {
      range = {
        min: Math.max(range?.min ?? 0, condition.min),
        max: Math.min(range?.max ?? Number.MAX_SAFE_INTEGER, condition.max),
      };
      continue;
    }
    named.add(condition.field);
    if (!holds(condition, subject)) throw violation(`Policy Condition failed: ${condition.text}`);
  }
  for (const [name, field] of subject.fields) {
    if (UNNAMED_FIELDS.has(name) || name.startsWith('x-ignore-') || named.has(name)) continue;
    throw violation(`Extra input fields: ${field.name}`);
  }
  return range;
}
