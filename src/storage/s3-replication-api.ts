import { AppError, badRequest, notFound } from '../errors.js';
import type { ApiResponse } from '../lib/http.js';
import { type OperationRequest, passRole, type ServiceRoles } from '../lib/operation.js';
import { REPLICATION_SERVICE } from './replication.js';
import { parseReplication, replicationXml } from './replication-config.js';
import { writableStorageClass } from './s3-input-rules.js';
import { readXmlBody, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

/**
 * A destination of this installation takes a replica's StorageClass only where its PutObject would (the input
 * rule of x-amz-storage-class judges both): else every replica would fail, so the rule is refused with that
 * refusal's code, saying which class and bucket.
 */
async function checkStorageClass(
  req: OperationRequest,
  storage: StorageService,
  bucket: string,
  storageClass: string,
): Promise<void> {
  try {
    await writableStorageClass(storageClass, { req, storage, bucket });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw new AppError(
      error.code,
      error.status,
      `The destination bucket ${bucket} does not take StorageClass ${storageClass}: a PutObject there asking for it is refused (${error.code}), so every replica would fail.`,
      { fields: { ...error.fields }, cause: error },
    );
  }
}

/** Handlers of Put/Get/DeleteBucketReplication. */
export interface S3ReplicationApi {
  put(req: OperationRequest, bucket: string): Promise<ApiResponse>;
  get(bucket: string): Promise<ApiResponse>;
  delete(bucket: string): Promise<ApiResponse>;
}

export function createS3ReplicationApi(
  storage: StorageService,
  roles: Pick<ServiceRoles, 'resolveRoleArn'>,
): S3ReplicationApi {
  const { settings, replication } = storage;
  return {
    async put(req, bucket) {
      const owner = (await storage.headBucket(bucket)).account_id;
      const config = parseReplication(await readXmlBody(req, ['Rule', 'Tag']));
      if ((await storage.getVersioning(bucket)) !== 'Enabled')
        throw badRequest(
          'InvalidRequest',
          "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
        );
      // A bucket of the same account must be there, be another one, and keep versions, as S3 checks.
      for (const { bucket: destination, storageClass } of await replication.validate(config, owner)) {
        if (destination === bucket)
          throw badRequest('InvalidRequest', 'Destination bucket cannot be the same as the source bucket.');
        const found = await storage.headBucket(destination).catch((error: unknown) => {
          if ((error as { code?: string }).code === 'NoSuchBucket') return undefined;
          throw error;
        });
        if (found?.account_id !== owner) throw badRequest('InvalidRequest', 'Destination bucket must exist.');
        if ((await storage.getVersioning(destination)) !== 'Enabled')
          throw badRequest('InvalidRequest', 'Destination bucket must have versioning enabled.');
        if (storageClass !== undefined) await checkStorageClass(req, storage, destination, storageClass);
      }
      // The role replicas are read as is handed to S3, as AWS checks.
      await passRole(req, roles, config.role, REPLICATION_SERVICE);
      await settings.put(bucket, 'replication', JSON.stringify(config));
      return { status: 200 };
    },

    async get(bucket) {
      const config = await replication.configuration(bucket);
      if (!config)
        throw notFound(
          'ReplicationConfigurationNotFoundError',
          'The replication configuration was not found',
          {
            BucketName: bucket,
          },
        );
      return xmlResponse('ReplicationConfiguration', replicationXml(config));
    },

    async delete(bucket) {
      await settings.delete(bucket, 'replication');
      return { status: 204 };
    },
  };
}
