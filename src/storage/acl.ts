import { type AppError, badRequest } from '../errors.js';

/**
 * S3's access control lists: the model (an owner and its grants), the canned ACLs and `x-amz-grant-*` headers
 * that make one, and how one is stored. Seawall's canonical user ids are account ids: the Owner ID that
 * ListBuckets shows.
 */

export type Permission = 'FULL_CONTROL' | 'WRITE' | 'WRITE_ACP' | 'READ' | 'READ_ACP';
export const PERMISSIONS: readonly Permission[] = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'];

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const GROUPS: ReadonlySet<string> = new Set([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]);

export type Grantee = { readonly id: string } | { readonly uri: string };

export interface Grant {
  readonly grantee: Grantee;
  readonly permission: Permission;
}

export interface Acl {
  /** The owner's canonical id (its account id). */
  readonly owner: string;
  readonly grants: readonly Grant[];
}

/** S3 takes at most this many grants in one ACL. */
export const MAX_GRANTS = 100;

export type AclLevel = 'bucket' | 'object';

const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
] as const;
export type CannedAcl = (typeof CANNED_ACLS)[number];

export const GRANT_HEADERS = [
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
] as const;

/** The names of the grant headers. */
export const GRANT_HEADER_NAMES = GRANT_HEADERS.map(([name]) => name);
/** Those an object takes: WRITE is a bucket's permission only. */
export const OBJECT_GRANT_HEADER_NAMES = GRANT_HEADER_NAMES.filter((name) => name !== 'x-amz-grant-write');

/** The owner's full control, which every ACL S3 makes starts with. */
export function privateAcl(owner: string): Acl {
  return { owner, grants: [{ grantee: { id: owner }, permission: 'FULL_CONTROL' }] };
}

function invalidArgument(message: string, name: string, value: string): AppError {
  return badRequest('InvalidArgument', message, { ArgumentName: name, ArgumentValue: value.slice(0, 256) });
}

export function isCannedAcl(value: string): value is CannedAcl {
  return (CANNED_ACLS as readonly string[]).includes(value);
}

/**
 * A canned ACL as S3 expands it. `owner` owns the bucket or object; `bucketOwner` is the object's bucket's
 * owner (the bucket-owner-* ACLs grant it; on a bucket they mean private).
 */
export function cannedAcl(name: string, level: AclLevel, owner: string, bucketOwner: string): Acl {
  if (!isCannedAcl(name)) throw badCannedAcl(name);
  const own = privateAcl(owner).grants;
  const group = (uri: string, permission: Permission): Grant => ({ grantee: { uri }, permission });
  const toBucketOwner = (permission: Permission): Grant[] =>
    level === 'object' && bucketOwner !== owner ? [{ grantee: { id: bucketOwner }, permission }] : [];
  const extra: Record<CannedAcl, Grant[]> = {
    private: [],
    'public-read': [group(ALL_USERS, 'READ')],
    'public-read-write': [group(ALL_USERS, 'READ'), group(ALL_USERS, 'WRITE')],
    'authenticated-read': [group(AUTHENTICATED_USERS, 'READ')],
    // The grantee is an account of AWS's EC2 service, which Seawall has not: the owner's control alone.
    'aws-exec-read': [],
    'bucket-owner-read': toBucketOwner('READ'),
    'bucket-owner-full-control': toBucketOwner('FULL_CONTROL'),
    'log-delivery-write':
      level === 'bucket' ? [group(LOG_DELIVERY, 'WRITE'), group(LOG_DELIVERY, 'READ_ACP')] : [],
  };
  return { owner, grants: [...own, ...extra[name]] };
}

/** The answer to a canned ACL S3 does not know. */
export function badCannedAcl(value: string): AppError {
  return invalidArgument('', 'x-amz-acl', value);
}

/** An email grantee: S3 resolves addresses only in some regions; Seawall has no addresses to resolve. */
export function unresolvableEmail(): AppError {
  return badRequest(
    'UnresolvableGrantByEmailAddress',
    'The e-mail address you provided does not match any account on record.',
  );
}

/** A canonical id Seawall can hold: an account id. */
export function checkCanonicalId(id: string): void {
  if (!/^\d{12}$/.test(id)) throw invalidArgument('Invalid id', 'CanonicalUser/ID', id);
}

export function checkGroupUri(uri: string): void {
  if (!GROUPS.has(uri)) throw invalidArgument('Invalid group uri', 'Group/URI', uri);
}

/** One `type="value"` item of a grant header: id, uri or emailAddress, the value quoted or not. */
const GRANTEE_ITEM = /^\s*(id|uri|emailAddress)\s*=\s*(?:"([^"]*)"|([^,"\s]*))\s*$/i;

/** The grantees of one `x-amz-grant-*` header: a comma-separated list of `id=`, `uri=` or `emailAddress=`. */
export function parseGrantHeader(header: string, value: string): Grantee[] {
  const items = value.split(',');
  if (items.length > MAX_GRANTS) throw invalidArgument('Too many grants', header, value);
  return items.map((item) => {
    const match = GRANTEE_ITEM.exec(item);
    if (!match) throw invalidArgument('Invalid grant header value', header, value);
    const kind = (match[1] as string).toLowerCase();
    const text = match[2] ?? match[3] ?? '';
    if (kind === 'emailaddress') throw unresolvableEmail();
    if (kind === 'id') {
      checkCanonicalId(text);
      return { id: text };
    }
    checkGroupUri(text);
    return { uri: text };
  });
}

function bothForms(): AppError {
  return badRequest('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
}

/**
 * The ACL a request's `x-amz-acl` or `x-amz-grant-*` headers ask for, or undefined when it names none. Grant
 * headers replace the owner's default full control, as in S3: the owner keeps only what they grant it.
 */
export function aclFromHeaders(
  headers: Readonly<Record<string, string | undefined>>,
  level: AclLevel,
  owner: string,
  bucketOwner: string,
): Acl | undefined {
  const canned = headers['x-amz-acl'];
  const granted = GRANT_HEADERS.filter(([name]) => headers[name] !== undefined);
  if (canned !== undefined && granted.length > 0) throw bothForms();
  if (canned !== undefined) return cannedAcl(canned, level, owner, bucketOwner);
  if (granted.length === 0) return undefined;
  const grants: Grant[] = [];
  for (const [name, permission] of granted)
    for (const grantee of parseGrantHeader(name, headers[name] as string))
      grants.push({ grantee, permission });
  if (grants.length > MAX_GRANTS) throw invalidArgument('Too many grants', 'x-amz-grant-*', '');
  return { owner, grants };
}

function isGroup(grantee: Grantee, uri: string): boolean {
  return 'uri' in grantee && grantee.uri === uri;
}

/** Whether an ACL grants anything to everyone or to every AWS account: what Block Public Access calls public. */
export function isPublicAcl(acl: Acl): boolean {
  return acl.grants.some(
    (grant) => isGroup(grant.grantee, ALL_USERS) || isGroup(grant.grantee, AUTHENTICATED_USERS),
  );
}

/** Whether an ACL is only the owner's full control: all that a bucket with ACLs disabled takes. */
export function isOwnerFullControlOnly(acl: Acl, owner: string): boolean {
  return (
    acl.grants.length > 0 &&
    acl.grants.every(
      (grant) => 'id' in grant.grantee && grant.grantee.id === owner && grant.permission === 'FULL_CONTROL',
    )
  );
}

/** The stored form: JSON of the owner and its grants. */
export function storeAcl(acl: Acl): string {
  return JSON.stringify({ owner: acl.owner, grants: acl.grants });
}

/** A stored ACL; an unreadable one (never written by this module) reads as the owner's full control. */
export function readStoredAcl(json: string | null | undefined, owner: string): Acl {
  if (json === null || json === undefined) return privateAcl(owner);
  try {
    const stored = JSON.parse(json) as { owner?: unknown; grants?: unknown };
    if (typeof stored.owner !== 'string' || !Array.isArray(stored.grants)) return privateAcl(owner);
    return { owner: stored.owner, grants: stored.grants as Grant[] };
  } catch {
    return privateAcl(owner);
  }
}
