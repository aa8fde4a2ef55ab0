import type { Policy } from '../iam/policy/index.js';
import type { Principal } from '../lib/operation.js';
import { isPublicPolicy } from './bucket-policy.js';
import type { StorageService } from './storage-types.js';

const S3_ARN = /^arn:aws:s3:::([^/]+)(?:\/.*)?$/s;

/**
 * The resource-based policy of an S3 resource, for the authorizer: its bucket's policy. With
 * RestrictPublicBuckets set (the bucket's or its account's), a public policy grants nothing to anonymous
 * callers (the S3 docs: only AWS service principals and principals of the bucket owner's account keep access).
 */
export async function bucketPolicies(
  storage: Pick<StorageService, 'bucketAccess'>,
  resource: string,
  principal: Principal,
): Promise<readonly Policy[] | undefined> {
  const bucket = S3_ARN.exec(resource)?.[1];
  if (bucket === undefined) return undefined;
  const access = await storage.bucketAccess(bucket);
  if (!access?.policy) return undefined;
  if (
    principal.type === 'Anonymous' &&
    access.publicAccessBlock?.restrictPublicBuckets === true &&
    isPublicPolicy(access.policy)
  )
    return undefined;
  return [access.policy];
}
