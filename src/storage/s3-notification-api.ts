import { badRequest } from '../errors.js';
import type { ApiResponse } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import {
  NOTIFICATION_LIST_ELEMENTS,
  notificationXml,
  readNotificationConfiguration,
} from './notification-config.js';
import { notificationOf } from './notifications.js';
import { readXmlBody, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

export const SKIP_VALIDATION_HEADER = 'x-amz-skip-destination-validation';

/** Handlers of Put/GetBucketNotificationConfiguration. */
export interface S3NotificationApi {
  put(req: OperationRequest, bucket: string): Promise<ApiResponse>;
  get(bucket: string): Promise<ApiResponse>;
}

export function createS3NotificationApi(storage: StorageService): S3NotificationApi {
  const { settings, notifications } = storage;
  return {
    async put(req, bucket) {
      // A missing bucket is NoSuchBucket, whatever the document says.
      const owner = (await storage.headBucket(bucket)).account_id;
      const config = readNotificationConfiguration(await readXmlBody(req, NOTIFICATION_LIST_ELEMENTS));
      const skip = req.headers[SKIP_VALIDATION_HEADER];
      if (skip !== undefined && !/^(true|false)$/i.test(skip))
        throw badRequest('InvalidArgument', `Invalid ${SKIP_VALIDATION_HEADER} header value`, {
          ArgumentName: SKIP_VALIDATION_HEADER,
          ArgumentValue: skip,
        });
      if (skip?.toLowerCase() !== 'true') await notifications.validate(bucket, owner, config);
      const empty = config.rules.length === 0 && !config.eventBridge;
      if (empty) await settings.delete(bucket, 'notification');
      else await settings.put(bucket, 'notification', JSON.stringify(config));
      await notifications.test(bucket, config, req.requestId);
      return { status: 200 };
    },

    async get(bucket) {
      return xmlResponse(
        'NotificationConfiguration',
        notificationXml(await notificationOf(settings, bucket)),
      );
    },
  };
}
