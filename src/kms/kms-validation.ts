import { type AppError, badRequest } from '../errors.js';
import { type JsonInput, optionalNumber, optionalString } from '../lib/aws-json.js';
import type { Tag } from './kms-service.js';

/**
 * KMS's answers to input that breaks its API model's constraints, in the words AWS's front end uses: each
 * violation is `Value '<value>' at '<member path>' failed to satisfy constraint: <constraint>`, and the message
 * counts them ("1 validation error detected: …", "2 validation errors detected: …; …"). Sensitive members
 * (plaintexts) are named without their value.
 */

/** The longest part of a value a message repeats; the most violations it lists. */
const MAX_ECHO = 1024;
const MAX_LISTED = 10;

/** AliasName's pattern in KMS's API model (the `alias/` prefix is KMS's own rule on top). */
export const ALIAS_PATTERN = /^[a-zA-Z0-9:/_-]+$/;

/** KMS's TagException answers, checked after the model's constraints. */
const MAX_TAGS = 50;

export function kmsValidation(message: string): AppError {
  return badRequest('ValidationException', message);
}

export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** A value as a message repeats it: bounded, so a 100 KB member is never sent back whole. */
function echo(value: string): string {
  return value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}...` : value;
}

/** The one ValidationException for all the violations found. */
export function violations(found: readonly string[]): AppError {
  const listed = found.slice(0, MAX_LISTED).join('; ');
  const count = `${found.length} validation error${found.length === 1 ? '' : 's'} detected`;
  return kmsValidation(`${count}: ${listed}`);
}

/** One violation at `path`; `value` undefined names the member without repeating it (sensitive, or a blob). */
export function violation(path: string, value: string | undefined, constraint: string): string {
  const subject = value === undefined ? 'Value' : `Value '${echo(value)}'`;
  return `${subject} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** The length constraints a string (or a blob's length) breaks. */
export function lengthViolations(
  path: string,
  value: string | undefined,
  length: number,
  min: number,
  max: number,
): string[] {
  if (length < min)
    return [violation(path, value, `Member must have length greater than or equal to ${min}`)];
  if (length > max) return [violation(path, value, `Member must have length less than or equal to ${max}`)];
  return [];
}

/** A value outside its member's enum (a name KMS does not know echoes its first 64 characters). */
function enumViolation(path: string, value: string, values: readonly string[]): string {
  return violation(path, value.slice(0, 64), `Member must satisfy enum value set: [${values.join(', ')}]`);
}

/** The ValidationException for a value outside its member's enum. */
export function notInEnum(path: string, value: string, values: readonly string[]): AppError {
  return violations([enumViolation(path, value, values)]);
}

/**
 * The optional enum members of a request that hold a value outside their enum, one violation each, in the order
 * given (the model's order of the members), so that one answer counts them all.
 */
export function enumViolations(
  input: JsonInput<string>,
  enums: Readonly<Record<string, readonly string[]>>,
): string[] {
  return Object.entries(enums).flatMap(([name, values]) => {
    const value = optionalString(input, name, 'ValidationException');
    return value === undefined || values.includes(value)
      ? []
      : [enumViolation(lowerFirst(name), value, values)];
  });
}

/** KMS's answer for a required member left out. */
export function missing(name: string): AppError {
  return violations([
    `Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
  ]);
}

/** A member typed as a string that holds something else is not KMS's input at all. */
function notString(name: string): AppError {
  return badRequest('SerializationException', `${name} must be a string.`);
}

/**
 * A required string member. An empty one breaks its model's minimum length (1), and its pattern first where it
 * has one: AWS lists the pattern's violation before the length's.
 */
export function required(input: JsonInput<string>, name: string, pattern?: string): string {
  const value = input[name];
  // Anything but a string is taken as absent, as before.
  if (typeof value !== 'string') throw missing(name);
  if (value === '') {
    const path = lowerFirst(name);
    throw violations([
      ...(pattern !== undefined
        ? [violation(path, '', `Member must satisfy regular expression pattern: ${pattern}`)]
        : []),
      ...lengthViolations(path, '', 0, 1, Number.POSITIVE_INFINITY),
    ]);
  }
  return value;
}

/** An integer member within its model's range. */
export function integer(
  input: JsonInput<string>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = optionalNumber(input, name, 'ValidationException');
  if (value === undefined) return undefined;
  if (!Number.isInteger(value)) throw badRequest('SerializationException', `${name} must be an integer.`);
  const path = lowerFirst(name);
  if (value < min)
    throw violations([
      violation(path, String(value), `Member must have value greater than or equal to ${min}`),
    ]);
  if (value > max)
    throw violations([violation(path, String(value), `Member must have value less than or equal to ${max}`)]);
  return value;
}

/** A key's Description: at most 8192 characters (UTF-16 units, as AWS counts them). */
export function description(input: JsonInput<string>, isRequired: boolean): string | undefined {
  const value = input.Description;
  if (value === undefined || value === null) {
    if (isRequired) throw missing('Description');
    return undefined;
  }
  if (typeof value !== 'string') throw notString('Description');
  const found = lengthViolations('description', value, value.length, 0, 8192);
  if (found.length > 0) throw violations(found);
  return value;
}

/**
 * A Tags member (CreateKey, TagResource): the model's constraints on each TagKey (1 to 128 characters) and
 * TagValue (0 to 256) first, all of them counted; then KMS's own rules (TagException): at most 50 tags, none
 * beginning with aws: in any case, no key twice.
 */
export function tagsOf(input: JsonInput<string>, name: string): Tag[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest('SerializationException', `${name} must be a list.`);
  const found: string[] = [];
  const tags = value.map((tag: unknown, index): Tag => {
    if (tag === null || typeof tag !== 'object' || Array.isArray(tag))
      throw badRequest('SerializationException', `${name} must be a list of tags.`);
    const { TagKey, TagValue } = tag as { TagKey?: unknown; TagValue?: unknown };
    const at = `${lowerFirst(name)}.${index + 1}.member`;
    found.push(...tagPart(`${at}.tagKey`, TagKey, 1, 128), ...tagPart(`${at}.tagValue`, TagValue, 0, 256));
    return { TagKey: String(TagKey), TagValue: String(TagValue) };
  });
  if (found.length > 0) throw violations(found);
  if (tags.length > MAX_TAGS) throw badRequest('TagException', 'Too many tags');
  if (tags.some((tag) => tag.TagKey.toLowerCase().startsWith('aws:')))
    throw badRequest('TagException', 'Tags beginning with aws: are reserved');
  if (new Set(tags.map((tag) => tag.TagKey)).size < tags.length)
    throw badRequest('TagException', 'Duplicate tag keys');
  return tags;
}

function tagPart(path: string, value: unknown, min: number, max: number): string[] {
  if (value === undefined || value === null)
    return [`Value null at '${path}' failed to satisfy constraint: Member must not be null`];
  if (typeof value !== 'string')
    throw badRequest('SerializationException', 'A tag key or value must be a string.');
  return lengthViolations(path, value, value.length, min, max);
}

/**
 * The key usages each family of key specs takes, as CreateKey's reference lists them; a spec of none of them
 * (a new one) is taken with any usage here, and refused later if Seawall does not make it.
 */
const USAGES_BY_SPEC: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^SYMMETRIC_DEFAULT$/, ['ENCRYPT_DECRYPT']],
  [/^HMAC_/, ['GENERATE_VERIFY_MAC']],
  [/^RSA_/, ['ENCRYPT_DECRYPT', 'SIGN_VERIFY']],
  [/^ECC_NIST_P/, ['SIGN_VERIFY', 'KEY_AGREEMENT']],
  [/^(?:ECC_SECG_P256K1|ECC_NIST_EDWARDS25519|ML_DSA_)/, ['SIGN_VERIFY']],
  [/^ML_KEM_/, ['ENCAPSULATE_DECAPSULATE']],
  [/^SM2$/, ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT']],
];

/**
 * CreateKey's key usage for a key spec: the one given, or ENCRYPT_DECRYPT for a symmetric encryption key, the
 * only spec with a default. A usage the spec does not take is refused in KMS's words (LocalStack's snapshot of
 * AWS's answer, test_derive_shared_secret).
 */
export function keyUsageOf(spec: string, usage: string | undefined): string {
  if (usage === undefined) {
    if (spec === 'SYMMETRIC_DEFAULT') return 'ENCRYPT_DECRYPT';
    throw kmsValidation(
      'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.',
    );
  }
  const usages = USAGES_BY_SPEC.find(([family]) => family.test(spec))?.[1];
  if (usages && !usages.includes(usage))
    throw kmsValidation(`KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
  return usage;
}
