import { AppError, badRequest, notFound } from '../errors.js';
import type { Policy } from '../iam/policy/index.js';
import { type ApiResponse, readSmallBody } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import type { PublicAccessBlock } from './bucket-access.js';
import {
  invalidPrincipal,
  isPublicPolicy,
  MAX_BUCKET_POLICY_BYTES,
  parseBucketPolicy,
  policyTooLarge,
} from './bucket-policy.js';
import { s3Arn } from './s3-arn.js';
import { requireDigest, verifyDocumentDigests } from './s3-digests.js';
import { asRecord, malformedXml, onlyElements, readXmlBody, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

function noSuchBucketPolicy(bucket: string): AppError {
  return notFound('NoSuchBucketPolicy', 'The bucket policy does not exist', { BucketName: bucket });
}

function noSuchPublicAccessBlock(bucket: string): AppError {
  return notFound(
    'NoSuchPublicAccessBlockConfiguration',
    'The public access block configuration was not found',
    {
      BucketName: bucket,
    },
  );
}

/** The PublicAccessBlockConfiguration elements, in S3's order, and the setting each one is. */
const ELEMENTS = [
  ['BlockPublicAcls', 'blockPublicAcls'],
  ['IgnorePublicAcls', 'ignorePublicAcls'],
  ['BlockPublicPolicy', 'blockPublicPolicy'],
  ['RestrictPublicBuckets', 'restrictPublicBuckets'],
] as const;

function xmlBoolean(value: unknown): boolean {
  if (value === undefined) return false;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text !== 'true' && text !== 'false') throw malformedXml();
  return text === 'true';
}

/** A PublicAccessBlockConfiguration document; a missing element is false, any other element is refused. */
export function readPublicAccessBlock(document: Record<string, unknown> | undefined): PublicAccessBlock {
  if (!document) throw badRequest('MissingRequestBodyError', 'Request Body is empty');
  const raw = document.PublicAccessBlockConfiguration;
  const config = asRecord(raw);
  if (!config || Object.keys(document).length !== 1) throw malformedXml();
  onlyElements(
    config,
    ELEMENTS.map(([element]) => element),
    malformedXml,
  );
  return Object.freeze(
    Object.fromEntries(ELEMENTS.map(([element, flag]) => [flag, xmlBoolean(config[element])])),
  ) as unknown as PublicAccessBlock;
}

/** A block's PublicAccessBlockConfiguration elements, in S3's order. */
export function publicAccessBlockElements(block: PublicAccessBlock): Record<string, boolean> {
  return Object.fromEntries(ELEMENTS.map(([element, flag]) => [element, block[flag]]));
}

function blockedPublicPolicy(req: OperationRequest, bucket: string): AppError {
  return new AppError(
    'AccessDenied',
    403,
    `User: ${req.principal.arn} is not authorized to perform: s3:PutBucketPolicy on resource: "${s3Arn(bucket)}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
  );
}

/** Handlers of the bucket policy and Block Public Access operations. */
export interface S3BucketAccessApi {
  putBucketPolicy(req: OperationRequest, bucket: string): Promise<ApiResponse>;
  getBucketPolicy(bucket: string): Promise<ApiResponse>;
  deleteBucketPolicy(bucket: string): Promise<ApiResponse>;
  getBucketPolicyStatus(bucket: string): Promise<ApiResponse>;
  putPublicAccessBlock(req: OperationRequest, bucket: string): Promise<ApiResponse>;
  getPublicAccessBlock(bucket: string): Promise<ApiResponse>;
  deletePublicAccessBlock(bucket: string): Promise<ApiResponse>;
}

/** Bucket policies and Block Public Access over S3's REST API; the inputs each takes are declared in s3-api.ts. */
/** Where S3 learns that a policy names a user or role of the account that does not exist (IAM's lookup). */
export interface PrincipalLookup {
  unknownPrincipal(account: string, policy: Policy): Promise<string | undefined>;
}

export function createS3BucketAccessApi(
  storage: StorageService,
  principals?: PrincipalLookup,
): S3BucketAccessApi {
  const { access } = storage;
  return {
    async putBucketPolicy(req: OperationRequest, bucket: string): Promise<ApiResponse> {
      await access.getPublicAccessBlock(bucket);
      // The bucket's own block and its account's, the strictest of both.
      const block = (await storage.bucketAccess(bucket))?.publicAccessBlock;
      if ((req.contentLength ?? 0) > MAX_BUCKET_POLICY_BYTES) throw policyTooLarge();
      const bytes = await readSmallBody(req.body, MAX_BUCKET_POLICY_BYTES, policyTooLarge, req.reserve);
      verifyDocumentDigests(req, bytes);
      const { text, policy } = parseBucketPolicy(bytes, bucket);
      if ((await principals?.unknownPrincipal(req.principal.accountId, policy)) !== undefined)
        throw invalidPrincipal();
      if (block?.blockPublicPolicy && isPublicPolicy(policy)) throw blockedPublicPolicy(req, bucket);
      await access.putPolicy(bucket, text);
      return { status: 204 };
    },

    async getBucketPolicy(bucket: string): Promise<ApiResponse> {
      const found = await access.getPolicy(bucket);
      if (!found) throw noSuchBucketPolicy(bucket);
      return { status: 200, headers: { 'content-type': 'application/json' }, body: found.text };
    },

    async deleteBucketPolicy(bucket: string): Promise<ApiResponse> {
      await access.deletePolicy(bucket);
      return { status: 204 };
    },

    async getBucketPolicyStatus(bucket: string): Promise<ApiResponse> {
      const found = await access.getPolicy(bucket);
      if (!found) throw noSuchBucketPolicy(bucket);
      return xmlResponse('PolicyStatus', { IsPublic: isPublicPolicy(found.policy) });
    },

    async putPublicAccessBlock(req: OperationRequest, bucket: string): Promise<ApiResponse> {
      await access.getPublicAccessBlock(bucket);
      requireDigest(req);
      const block = readPublicAccessBlock(await readXmlBody(req));
      await access.putPublicAccessBlock(bucket, block);
      return { status: 200 };
    },

    async getPublicAccessBlock(bucket: string): Promise<ApiResponse> {
      const block = await access.getPublicAccessBlock(bucket);
      if (!block) throw noSuchPublicAccessBlock(bucket);
      return xmlResponse('PublicAccessBlockConfiguration', publicAccessBlockElements(block));
    },

    async deletePublicAccessBlock(bucket: string): Promise<ApiResponse> {
      await access.deletePublicAccessBlock(bucket);
      return { status: 204 };
    },
  };
}
