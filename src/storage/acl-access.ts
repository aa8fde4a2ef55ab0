import type { Policy, PrincipalSpec, Statement } from '../iam/policy/index.js';
import type { Principal } from '../lib/operation.js';
import {
  type Acl,
  ALL_USERS,
  AUTHENTICATED_USERS,
  type Grant,
  type Permission,
  readStoredAcl,
} from './acl.js';
import { bucketAcl, ownershipOf } from './object-ownership.js';
import { s3Arn } from './s3-arn.js';
import type { StorageService } from './storage-types.js';

/**
 * ACLs as a source of grants for the one authorization of a request: where a bucket's Object Ownership keeps
 * ACLs in force, its ACL and its object's are turned into the resource-based statements they amount to (AWS's
 * "Mapping of ACL permissions and access policy permissions"), evaluated with the bucket policy, so an
 * explicit deny there still wins and the caller's own policies count as they do for any resource grant.
 */

interface Actions {
  /** Actions on the bucket itself. */
  readonly bucket: readonly string[];
  /** Actions on every object of the bucket (a bucket's WRITE), or on the object (an object's ACL). */
  readonly objects: readonly string[];
}

const BUCKET_PERMISSIONS: Record<Exclude<Permission, 'FULL_CONTROL'>, Actions> = {
  READ: { bucket: ['s3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads'], objects: [] },
  WRITE: { bucket: [], objects: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'] },
  READ_ACP: { bucket: ['s3:GetBucketAcl'], objects: [] },
  WRITE_ACP: { bucket: ['s3:PutBucketAcl'], objects: [] },
};

const OBJECT_PERMISSIONS: Record<Exclude<Permission, 'FULL_CONTROL'>, readonly string[]> = {
  READ: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTorrent'],
  WRITE: [],
  READ_ACP: ['s3:GetObjectAcl', 's3:GetObjectVersionAcl'],
  WRITE_ACP: ['s3:PutObjectAcl', 's3:PutObjectVersionAcl'],
};

const SIMPLE = ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP'] as const;

function expand(permission: Permission): readonly Exclude<Permission, 'FULL_CONTROL'>[] {
  return permission === 'FULL_CONTROL' ? SIMPLE : [permission];
}

/**
 * Who a grant names, as a policy principal, where it names this caller: everyone, every signed caller, or
 * an account (whose users still need their own policies' allow, as for a policy naming the account).
 * Undefined for a grant that names someone else, and for public grants that IgnorePublicAcls discards.
 */
function principalOf(grant: Grant, caller: Principal, ignorePublic: boolean): PrincipalSpec | undefined {
  const { grantee } = grant;
  if ('id' in grantee) {
    if (grantee.id !== caller.accountId) return undefined;
    return { AWS: [`arn:aws:iam::${grantee.id}:root`], Service: [], Federated: [], CanonicalUser: [] };
  }
  if (ignorePublic) return undefined;
  if (grantee.uri === ALL_USERS) return '*';
  if (grantee.uri === AUTHENTICATED_USERS && caller.type !== 'Anonymous') return '*';
  return undefined;
}

function statement(principal: PrincipalSpec, actions: readonly string[], resource: string): Statement {
  return {
    effect: 'Allow',
    principal: { negated: false, spec: principal },
    action: { negated: false, patterns: actions },
    resource: { negated: false, patterns: [resource] },
    conditions: [],
  };
}

/** The statements a bucket's ACL amounts to for this caller. */
function bucketAclStatements(
  acl: Acl,
  bucket: string,
  caller: Principal,
  ignorePublic: boolean,
): Statement[] {
  const out: Statement[] = [];
  for (const grant of acl.grants) {
    const principal = principalOf(grant, caller, ignorePublic);
    if (principal === undefined) continue;
    for (const permission of expand(grant.permission)) {
      const { bucket: onBucket, objects } = BUCKET_PERMISSIONS[permission];
      if (onBucket.length > 0) out.push(statement(principal, onBucket, s3Arn(bucket)));
      if (objects.length > 0) out.push(statement(principal, objects, `${s3Arn(bucket)}/*`));
    }
  }
  return out;
}

/** The statements an object's ACL amounts to for this caller, on that object alone. */
function objectAclStatements(
  acl: Acl,
  resource: string,
  caller: Principal,
  ignorePublic: boolean,
): Statement[] {
  const out: Statement[] = [];
  for (const grant of acl.grants) {
    const principal = principalOf(grant, caller, ignorePublic);
    if (principal === undefined) continue;
    const actions = expand(grant.permission).flatMap((permission) => OBJECT_PERMISSIONS[permission]);
    if (actions.length > 0) out.push(statement(principal, actions, resource));
  }
  return out;
}

/**
 * The policy the ACLs of a bucket (and, for an object's ARN, of the version the request names, or the current one) amount to for
 * this caller; undefined where ACLs are disabled (BucketOwnerEnforced: they no longer affect permissions) or
 * grant the caller nothing.
 */
export async function aclPolicy(
  storage: Pick<StorageService, 'settings' | 'objectAclOf'>,
  target: {
    bucket: string;
    key?: string | undefined;
    /** The version a request names (s3:versionid); the current one otherwise. */
    versionId?: string | undefined;
    owner: string;
    ignorePublicAcls: boolean;
  },
  caller: Principal,
): Promise<Policy | undefined> {
  const { bucket, key, owner, ignorePublicAcls } = target;
  if ((await ownershipOf(storage, bucket)) === 'BucketOwnerEnforced') return undefined;
  const statements = bucketAclStatements(
    await bucketAcl(storage, bucket, owner),
    bucket,
    caller,
    ignorePublicAcls,
  );
  if (key !== undefined) {
    const stored = await storage.objectAclOf(bucket, key, target.versionId);
    if (stored !== undefined) {
      const acl = readStoredAcl(stored, owner);
      statements.push(...objectAclStatements(acl, s3Arn(bucket, key), caller, ignorePublicAcls));
    }
  }
  if (statements.length === 0) return undefined;
  return { kind: 'resource', version: '2012-10-17', statements };
}
