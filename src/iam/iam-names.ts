import { randomBytes } from 'node:crypto';
import { AppError, badRequest, conflict, notFound } from '../errors.js';
import { q } from '../lib/aws-query.js';

/** IAM's own input constraints (from its API model), as awsQuery shapes. */
const NAME = /^[\w+=,.@-]+$/;
const NAME_TEXT = '[\\w+=,.@-]+';

export const shapes = {
  userName: q.string({ required: true, min: 1, max: 64, pattern: NAME, patternText: NAME_TEXT }),
  optionalUserName: q.string({ min: 1, max: 64, pattern: NAME, patternText: NAME_TEXT }),
  groupName: q.string({ required: true, min: 1, max: 128, pattern: NAME, patternText: NAME_TEXT }),
  roleName: q.string({ required: true, min: 1, max: 64, pattern: NAME, patternText: NAME_TEXT }),
  policyName: q.string({ required: true, min: 1, max: 128, pattern: NAME, patternText: NAME_TEXT }),
  path: q.string({
    min: 1,
    max: 512,
    pattern: /^(\/|\/[\u0021-\u007E]+\/)$/,
    patternText: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
  }),
  pathPrefix: q.string({
    min: 1,
    max: 512,
    pattern: /^\/[\u0021-\u007F]*$/,
    patternText: '\\u002F[\\u0021-\\u007F]*',
  }),
  policyArn: q.string({ required: true, min: 20, max: 2048 }),
  optionalArn: q.string({ min: 20, max: 2048 }),
  policyDocument: q.string({
    required: true,
    min: 1,
    max: 131072,
    pattern: /^[\t\n\r\u0020-\u00FF]+$/,
    patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
  }),
  description: q.string({
    max: 1000,
    pattern: /^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/,
    patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
  }),
  accessKeyId: q.string({ required: true, min: 16, max: 128, pattern: /^\w+$/, patternText: '[\\w]+' }),
  status: q.string({ required: true, values: ['Active', 'Inactive'] }),
  password: q.string({
    sensitive: true,
    min: 1,
    max: 128,
    pattern: /^[\t\n\r\u0020-\u00FF]+$/,
    patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
  }),
  versionId: q.string({
    required: true,
    pattern: /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/,
    patternText: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?',
  }),
  maxItems: q.integer({ min: 1, max: 1000 }),
  marker: q.string({
    min: 1,
    max: 320,
    pattern: /^[\u0020-\u00FF]+$/,
    patternText: '[\\u0020-\\u00FF]+',
  }),
  tagKey: q.string({
    required: true,
    min: 1,
    max: 128,
    pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
    patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
  }),
  tagValue: q.string({
    required: true,
    max: 256,
    pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
    patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
  }),
} as const;

export const tagList = q.list(q.struct({ Key: shapes.tagKey, Value: shapes.tagValue }), { max: 50 });
export const tagKeyList = q.list(shapes.tagKey, { max: 50 });
export const paging = { Marker: shapes.marker, MaxItems: shapes.maxItems } as const;

export type IdPrefix = 'AIDA' | 'AGPA' | 'AROA' | 'ANPA';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** IAM's unique ids: a four-letter prefix and 17 base32 characters, 21 in all. */
export function uniqueId(prefix: IdPrefix): string {
  let id = prefix;
  for (const byte of randomBytes(17)) id += ID_ALPHABET[byte & 31];
  return id;
}

export type ArnKind = 'user' | 'group' | 'role' | 'policy';

export function iamArn(account: string, kind: ArnKind, path: string, name: string): string {
  return `arn:aws:iam::${account}:${kind}${path}${name}`;
}

export function assumedRoleArn(account: string, role: string, session: string): string {
  return `arn:aws:sts::${account}:assumed-role/${role}/${session}`;
}

/** IAM names are unique per account whatever their case. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

const ENTITY_WORDS: Record<ArnKind | 'login profile' | 'access key' | 'policy version', string> = {
  user: 'user',
  group: 'group',
  role: 'role',
  policy: 'policy',
  'login profile': 'Login Profile',
  'access key': 'Access Key',
  'policy version': 'policy version',
};

/** IAM's NoSuchEntity, worded as IAM words it for each kind. */
export function noSuchEntity(message: string): AppError {
  return notFound('NoSuchEntity', message);
}

export function noSuchNamed(kind: keyof typeof ENTITY_WORDS, name: string): AppError {
  return noSuchEntity(`The ${ENTITY_WORDS[kind]} with name ${name} cannot be found.`);
}

export function alreadyExists(message: string): AppError {
  return conflict('EntityAlreadyExists', message);
}

export function deleteConflict(message: string): AppError {
  return conflict('DeleteConflict', message);
}

export function limitExceeded(message: string): AppError {
  return new AppError('LimitExceeded', 409, message);
}

export function invalidInput(message: string): AppError {
  return badRequest('InvalidInput', message);
}

export function malformedPolicy(message: string): AppError {
  return badRequest('MalformedPolicyDocument', message);
}
