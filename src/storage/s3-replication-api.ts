import { badRequest, notFound } from '../errors.js';
import type { ApiResponse } from '../lib/http.js';
import { type OperationRequest, passRole, type ServiceRoles } from '../lib/operation.js';
import { parseReplication, replicationXml } from './replication-config.js';
import { readXmlBody, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

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
      await replication.validate(config, owner);
      // The role replicas are read as is handed to S3, as AWS checks.
      await passRole(req, roles, config.role, 's3.amazonaws.com');
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
