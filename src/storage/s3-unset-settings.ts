/*
 * Bucket settings Seawall has no feature for (server access logging, Transfer Acceleration, Requester Pays,
 * static website hosting): setting one is refused (NotImplemented, as any operation Seawall lacks), but for
 * setting it as it always is here (S3's default: logging off, acceleration suspended, the owner paying), and
 * reading one answers what S3 answers for a bucket where it was never set, which is true of every Seawall bucket,
 * as does removing one (204, nothing removed). Tools that read every setting of a bucket (Terraform's refresh,
 * s3cmd info), write each as configured, or clean every one up then work as they do against S3.
 */
import { notFound } from '../errors.js';
import type { ApiRequest, ApiResponse } from '../lib/http.js';
import { toXml } from '../lib/xml.js';
import type { S3OperationName } from './s3-operations.js';
import type { S3QueryName } from './s3-vocabulary.js';
import {
  asRecord,
  childText,
  malformedXml,
  notImplementedParameter,
  readXmlBody,
  xmlResponse,
} from './s3-wire.js';
import type { StorageService } from './storage-types.js';

/** An operation of S3's on the setting: its name, method and IAM action. */
export interface SettingOperation {
  name: S3OperationName;
  method: 'GET' | 'PUT' | 'DELETE';
  action: `s3:${string}`;
}

/**
 * An operation that makes the setting: refused, except that one putting the setting as it always is here (S3's
 * default, `unchanged`) is answered as done, for tools that write every setting of a bucket as configured.
 */
export interface SettingWrite extends SettingOperation {
  /** The document's root element, and whether what it holds is the setting as it always is. */
  unchanged?: { root: string; holds(element: Record<string, unknown>): boolean };
}

export interface UnsetSetting {
  selector: S3QueryName;
  read: SettingOperation;
  /** S3's operations that make the setting. */
  writes: readonly SettingWrite[];
  /** S3's operation that removes it, where it has one: of a setting never made, nothing to do (204). */
  remove?: SettingOperation;
  /** The answer for a bucket where the setting was never made. */
  answer(bucket: string): ApiResponse;
}

export const UNSET_SETTINGS: readonly UnsetSetting[] = [
  {
    selector: 'logging',
    read: { name: 'GetBucketLogging', method: 'GET', action: 's3:GetBucketLogging' },
    writes: [
      {
        name: 'PutBucketLogging',
        method: 'PUT',
        action: 's3:PutBucketLogging',
        // A status without LoggingEnabled is logging off.
        unchanged: {
          root: 'BucketLoggingStatus',
          holds: (status) => status.LoggingEnabled === undefined,
        },
      },
    ],
    // S3 answers this one in its older namespace.
    answer: () => ({
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: toXml('BucketLoggingStatus', {}, 'http://doc.s3.amazonaws.com/2006-03-01'),
    }),
  },
  {
    selector: 'accelerate',
    read: {
      name: 'GetBucketAccelerateConfiguration',
      method: 'GET',
      action: 's3:GetAccelerateConfiguration',
    },
    writes: [
      {
        name: 'PutBucketAccelerateConfiguration',
        method: 'PUT',
        action: 's3:PutAccelerateConfiguration',
        unchanged: {
          root: 'AccelerateConfiguration',
          holds: (configuration) => childText(configuration, 'Status') === 'Suspended',
        },
      },
    ],
    answer: () => xmlResponse('AccelerateConfiguration', {}),
  },
  {
    selector: 'requestPayment',
    read: { name: 'GetBucketRequestPayment', method: 'GET', action: 's3:GetBucketRequestPayment' },
    writes: [
      {
        name: 'PutBucketRequestPayment',
        method: 'PUT',
        action: 's3:PutBucketRequestPayment',
        unchanged: {
          root: 'RequestPaymentConfiguration',
          holds: (configuration) => childText(configuration, 'Payer') === 'BucketOwner',
        },
      },
    ],
    answer: () => xmlResponse('RequestPaymentConfiguration', { Payer: 'BucketOwner' }),
  },
  {
    selector: 'website',
    read: { name: 'GetBucketWebsite', method: 'GET', action: 's3:GetBucketWebsite' },
    writes: [{ name: 'PutBucketWebsite', method: 'PUT', action: 's3:PutBucketWebsite' }],
    remove: { name: 'DeleteBucketWebsite', method: 'DELETE', action: 's3:DeleteBucketWebsite' },
    answer: (bucket) => {
      throw notFound(
        'NoSuchWebsiteConfiguration',
        'The specified bucket does not have a website configuration',
        {
          BucketName: bucket,
        },
      );
    },
  },
];

/** The setting's answer for an existing bucket (NoSuchBucket for one that is not there). */
export async function unsetSetting(
  storage: StorageService,
  setting: UnsetSetting,
  bucket: string,
): Promise<ApiResponse> {
  await storage.headBucket(bucket);
  return setting.answer(bucket);
}

/**
 * A write of the setting that puts it as it always is here: answered as S3 answers it done (200); one that
 * would change it is refused as the operation Seawall lacks; a document of another root is MalformedXML.
 * NoSuchBucket for a bucket that is not there.
 */
export async function putUnchanged(
  storage: StorageService,
  setting: UnsetSetting,
  unchanged: NonNullable<SettingWrite['unchanged']>,
  req: ApiRequest,
  bucket: string,
): Promise<ApiResponse> {
  await storage.headBucket(bucket);
  const document = await readXmlBody(req);
  const element =
    document && Object.hasOwn(document, unchanged.root) ? asRecord(document[unchanged.root]) : undefined;
  if (!element) throw malformedXml();
  if (!unchanged.holds(element)) throw notImplementedParameter(setting.selector, true);
  return { status: 200 };
}
