import { AppError, badRequest, isAppError, notFound } from '../errors.js';
import type { ApiRequest, ApiResponse } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import {
  CORS_LIST_ELEMENTS,
  type CorsRule,
  corsRuleElements,
  MAX_CORS_DOCUMENT_BYTES,
  parseStoredCors,
  readCorsConfiguration,
} from './bucket-cors.js';
import { type CorsQuestion, corsResponseHeaders, matchCorsRule, requestedHeaderNames } from './cors-rules.js';
import { requireDigest } from './s3-digests.js';
import { readXmlBody, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

/** What a CORS evaluation reads of a request: its line and headers, known before it is authenticated. */
export type CorsRequest = Pick<ApiRequest, 'method' | 'headers'>;

function noSuchCorsConfiguration(bucket: string): AppError {
  return notFound('NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: bucket });
}

/** S3's refusal of a preflight: 403 AccessForbidden, naming the method asked for and what the URL names. */
function forbidden(message: string, method: string, resourceType: 'BUCKET' | 'OBJECT'): AppError {
  return new AppError('AccessForbidden', 403, `CORSResponse: ${message}`, {
    fields: { Method: method, ResourceType: resourceType },
  });
}

const NOT_ALLOWED =
  "This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/**
 * The question a request asks of a bucket's rules. An actual request is judged like a preflight when it
 * carries the preflight's headers (S3 does so: a GET with `Access-Control-Request-Method: PUT` is judged
 * as a PUT), and by its own method otherwise; its other headers are not checked.
 */
function questionOf(req: CorsRequest, origin: string): CorsQuestion {
  return {
    origin,
    method: req.headers['access-control-request-method'] ?? req.method,
    requestHeaders: requestedHeaderNames(req.headers['access-control-request-headers']),
  };
}

/** Handlers of the bucket CORS operations and of CORS requests; their inputs are declared in s3-api.ts. */
export interface S3CorsApi {
  putBucketCors(req: OperationRequest, bucket: string): Promise<ApiResponse>;
  getBucketCors(bucket: string): Promise<ApiResponse>;
  deleteBucketCors(bucket: string): Promise<ApiResponse>;
  /** OPTIONS on a bucket or object URL: the browser's preflight, answered from the bucket's rules alone. */
  preflight(req: CorsRequest, address: { bucket: string; key?: string }): Promise<ApiResponse>;
  /** The CORS headers for any other request to `bucket` whose Origin a rule allows; none otherwise. */
  actualRequestHeaders(req: CorsRequest, bucket: string): Promise<Record<string, string>>;
}

export function createS3CorsApi(storage: StorageService): S3CorsApi {
  const { settings } = storage;

  /** The bucket's rules; undefined without a configuration, null without a bucket. */
  async function rulesOf(bucket: string): Promise<CorsRule[] | undefined | null> {
    let stored: string | undefined;
    try {
      stored = await settings.get(bucket, 'cors');
    } catch (error) {
      if (isAppError(error) && error.code === 'NoSuchBucket') return null;
      throw error;
    }
    return stored === undefined ? undefined : parseStoredCors(stored);
  }

  return {
    async putBucketCors(req, bucket) {
      // A missing bucket is NoSuchBucket, whatever the document says.
      await settings.get(bucket, 'cors');
      requireDigest(req);
      const document = await readXmlBody(req, CORS_LIST_ELEMENTS, MAX_CORS_DOCUMENT_BYTES);
      const rules = readCorsConfiguration(document);
      await settings.put(bucket, 'cors', JSON.stringify(rules));
      return { status: 200 };
    },

    async getBucketCors(bucket) {
      const stored = await settings.get(bucket, 'cors');
      if (stored === undefined) throw noSuchCorsConfiguration(bucket);
      return xmlResponse('CORSConfiguration', corsRuleElements(parseStoredCors(stored)));
    },

    async deleteBucketCors(bucket) {
      await settings.delete(bucket, 'cors');
      return { status: 204 };
    },

    async preflight(req, { bucket, key }) {
      const origin = req.headers.origin;
      if (origin === undefined)
        throw badRequest('BadRequest', 'Insufficient information. Origin request header needed.');
      const requested = req.headers['access-control-request-method'];
      const method = requested ?? 'OPTIONS';
      const rules = await rulesOf(bucket);
      if (rules === null) throw forbidden('Bucket not found', method, 'BUCKET');
      if (rules === undefined) throw forbidden('CORS is not enabled for this bucket.', method, 'BUCKET');
      if (requested === undefined)
        throw badRequest(
          'BadRequest',
          'Insufficient information. Access-Control-Request-Method request header needed.',
        );
      const question = questionOf(req, origin);
      const match = matchCorsRule(rules, question);
      if (!match) throw forbidden(NOT_ALLOWED, method, key === undefined ? 'BUCKET' : 'OBJECT');
      return { status: 200, headers: corsResponseHeaders(match, question) };
    },

    async actualRequestHeaders(req, bucket) {
      const origin = req.headers.origin;
      if (origin === undefined) return {};
      const rules = await rulesOf(bucket);
      if (!rules) return {};
      const question = questionOf(req, origin);
      const match = matchCorsRule(rules, question);
      return match ? corsResponseHeaders(match, question) : {};
    },
  };
}
