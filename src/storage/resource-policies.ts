import type { Policy } from '../iam/policy/index.js';
import type { ConditionValues, Principal } from '../lib/operation.js';
import { aclPolicy } from './acl-access.js';
import { isPublicPolicy } from './bucket-policy.js';
import type { StorageService } from './storage-types.js';

const S3_ARN = /^arn:aws:s3:::([^/]+)(?:\/(.*))?$/s;

/**
 * The resource-based policy of an S3 resource, for the authorizer: its bucket's policy. With
 * RestrictPublicBuckets set (the bucket's or its account's), a public policy grants nothing to anonymous
 * callers (the S3 docs: only AWS service principals and principals of the bucket owner's account keep access).
 * Where the bucket's Object Ownership keeps ACLs in force, the grants of its ACL and of the object's are one
 * more resource-based policy (see acl-access.ts), without the public ones under IgnorePublicAcls.
 */
export async function bucketPolicies(
  storage: Pick<StorageService, 'bucketAccess' | 'access' | 'settings' | 'objectAclOf'>,
  resource: string,
  principal: Principal,
  conditions?: ConditionValues,
): Promise<readonly Policy[] | undefined> {
  const match = S3_ARN.exec(resource);
  const bucket = match?.[1];
  if (bucket === undefined) return undefined;
  const access = await storage.bucketAccess(bucket);
  const owner = access && (await storage.access.owner(bucket));
  if (!access || owner === undefined) return undefined;
  const policies: Policy[] = [];
  const restricted =
    principal.type === 'Anonymous' &&
    access.publicAccessBlock?.restrictPublicBuckets === true &&
    access.policy !== undefined &&
    isPublicPolicy(access.policy);
  if (access.policy && !restricted) policies.push(access.policy);
  const acl = await aclPolicy(
    storage,
    {
      bucket,
      key: match?.[2],
      versionId: typeof conditions?.['s3:versionid'] === 'string' ? conditions['s3:versionid'] : undefined,
      owner,
      ignorePublicAcls: access.publicAccessBlock?.ignorePublicAcls === true,
    },
    principal,
  );
  if (acl) policies.push(acl);
  return policies.length > 0 ? policies : undefined;
}
