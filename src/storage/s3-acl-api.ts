import { badRequest } from '../errors.js';
import { type ApiRequest, type ApiResponse, readSmallBody } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { parseXml, XmlParseError } from '../lib/xml.js';
import { type Acl, aclFromHeaders, privateAcl, readStoredAcl, storeAcl } from './acl.js';
import { checkAcl, newBucketOwnership } from './acl-rules.js';
import { aclXml, malformedAcl, readAccessControlPolicy } from './acl-xml.js';
import { requestOrigin } from './notifications.js';
import {
  bucketAcl,
  changeOwnership,
  deleteOwnership,
  noOwnershipControls,
  type ObjectOwnership,
  ownershipControls,
  ownershipOf,
  readOwnershipControls,
} from './object-ownership.js';
import { verifyDocumentDigests } from './s3-digests.js';
import { queryValue, readXmlBody, versionHeader, xmlResponse } from './s3-wire.js';
import type { NewBucketSettings, StorageService } from './storage-types.js';
import { writeToDeleteMarker } from './versioning.js';

/** Get/PutBucketAcl, Get/PutObjectAcl and the Object Ownership controls; their inputs are declared in s3-api.ts. */
export interface S3AclApi {
  getBucketAcl(bucket: string): Promise<ApiResponse>;
  putBucketAcl(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  getObjectAcl(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
  putObjectAcl(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  getOwnershipControls(bucket: string): Promise<ApiResponse>;
  putOwnershipControls(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  deleteOwnershipControls(bucket: string): Promise<ApiResponse>;
  /** The Object Ownership and ACL settings a CreateBucket's headers give the new bucket (judged already). */
  newBucketSettings(req: ApiRequest): NewBucketSettings;
}

/** AccessControlPolicy documents are small; S3 takes at most 100 grants. */
const MAX_ACL_BODY = 64 * 1024;

function aclResponse(acl: Acl, headers: Record<string, string> = {}): ApiResponse {
  return { status: 200, headers: { 'content-type': 'application/xml', ...headers }, body: aclXml(acl) };
}

/**
 * The ACL a Put*Acl request sets: from its headers, or from its AccessControlPolicy body, never both (S3:
 * UnexpectedContent), and one of them (MissingSecurityHeader otherwise).
 */
async function requestedAcl(
  req: ApiRequest,
  level: 'bucket' | 'object',
  owner: string,
  bucketOwner: string,
): Promise<Acl> {
  const fromHeaders = aclFromHeaders(req.headers, level, owner, bucketOwner);
  const bytes = await readSmallBody(
    req.body,
    MAX_ACL_BODY,
    () => badRequest('MaxMessageLengthExceeded', 'Your request was too big.'),
    req.reserve,
  );
  const empty = bytes.toString('utf8').trim() === '';
  if (fromHeaders) {
    if (!empty) throw badRequest('UnexpectedContent', 'This request does not support content');
    return fromHeaders;
  }
  if (empty)
    throw badRequest('MissingSecurityHeader', 'Your request was missing a required header', {
      MissingHeaderName: 'x-amz-acl',
    });
  let document: Record<string, unknown>;
  try {
    document = parseXml(bytes.toString('utf8'), ['Grant']);
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedAcl();
    throw error;
  }
  verifyDocumentDigests(req, bytes);
  return readAccessControlPolicy(document, owner);
}

export function createS3AclApi(storage: StorageService): S3AclApi {
  async function bucketOwner(bucket: string): Promise<string> {
    return (await storage.headBucket(bucket)).account_id;
  }

  return {
    async getBucketAcl(bucket) {
      const owner = await bucketOwner(bucket);
      const ownership = await ownershipOf(storage, bucket);
      // With ACLs disabled S3 answers the owner's full control whatever was set before.
      return aclResponse(
        ownership === 'BucketOwnerEnforced' ? privateAcl(owner) : await bucketAcl(storage, bucket, owner),
      );
    },

    async putBucketAcl(req, bucket) {
      const owner = await bucketOwner(bucket);
      const ownership = await ownershipOf(storage, bucket);
      const acl = await requestedAcl(req, 'bucket', owner, owner);
      await checkAcl(storage, { bucket, bucketOwner: owner, ownership }, req.headers, acl);
      await storage.settings.put(bucket, 'acl', storeAcl(acl));
      return { status: 200 };
    },

    async getObjectAcl(req, bucket, key) {
      const owner = await bucketOwner(bucket);
      const found = await storage.getObjectAcl(bucket, key, queryValue(req.query, 'versionId'));
      const ownership = await ownershipOf(storage, bucket);
      const acl = ownership === 'BucketOwnerEnforced' ? privateAcl(owner) : readStoredAcl(found.acl, owner);
      return aclResponse(acl, versionHeader(found));
    },

    async putObjectAcl(req, bucket, key) {
      const owner = await bucketOwner(bucket);
      const versionId = queryValue(req.query, 'versionId');
      const current = await storage.getObjectAcl(bucket, key, versionId).catch((error: unknown) => {
        throw writeToDeleteMarker(error, 'PUT');
      });
      const objectOwner = readStoredAcl(current.acl, owner).owner;
      const ownership = await ownershipOf(storage, bucket);
      const acl = await requestedAcl(req, 'object', objectOwner, owner);
      await checkAcl(
        storage,
        { bucket, bucketOwner: owner, ownership, accepted: 'bucket-owner-full-control' },
        req.headers,
        acl,
      );
      const changed = await storage.putObjectAcl(bucket, key, versionId, storeAcl(acl), requestOrigin(req));
      return { status: 200, headers: versionHeader({ versionId: changed }) };
    },

    async getOwnershipControls(bucket) {
      const ownership = await ownershipControls(storage, bucket);
      if (ownership === undefined) throw noOwnershipControls(bucket);
      return xmlResponse('OwnershipControls', { Rule: { ObjectOwnership: ownership } });
    },

    async putOwnershipControls(req, bucket) {
      const owner = await bucketOwner(bucket);
      const ownership: ObjectOwnership = readOwnershipControls(await readXmlBody(req, ['Rule']));
      await changeOwnership(storage, bucket, owner, ownership);
      return { status: 200 };
    },

    newBucketSettings(req) {
      const owner = req.principal.accountId;
      const ownership = newBucketOwnership(req.headers);
      const acl = aclFromHeaders(req.headers, 'bucket', owner, owner);
      return {
        ownership,
        ...(acl && ownership !== 'BucketOwnerEnforced' ? { acl: storeAcl(acl) } : {}),
      };
    },

    async deleteOwnershipControls(bucket) {
      await bucketOwner(bucket);
      await deleteOwnership(storage, bucket);
      return { status: 204 };
    },
  };
}
