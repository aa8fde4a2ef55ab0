import { CreateBucketCommand, HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ingestFromPortal, PortalError } from '../demo/portal.js';
import { requestFailure } from './cli-errors.js';
import { resolveTarget } from './client-target.js';
import { CliError, type Command } from './commands.js';

/** Creates the bucket unless it is there already; a server that cannot be reached is a one-line error. */
async function ensureBucket(s3: S3Client, bucket: string, endpoint: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw requestFailure(error, endpoint);
    if (error.$metadata.httpStatusCode !== 404) {
      throw new CliError(`bucket ${bucket}: ${error.name} (HTTP ${error.$metadata.httpStatusCode})`);
    }
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((createError: unknown) => {
      if ((createError as Error).name !== 'BucketAlreadyOwnedByYou') throw createError;
    });
  }
}

export const ingestCommand: Command = {
  usage:
    'seawall ingest --portal URL --dataset ID [--where ODSQL] [--bucket raw] [--key KEY] [--timezone TZ] [--endpoint-url URL] [--data-dir DIR | --profile NAME]',
  options: {
    portal: { type: 'string' },
    dataset: { type: 'string' },
    where: { type: 'string' },
    bucket: { type: 'string' },
    key: { type: 'string' },
    timezone: { type: 'string' },
    'endpoint-url': { type: 'string' },
    'data-dir': { type: 'string' },
    profile: { type: 'string' },
  },
  async run({ values }, io) {
    const flag = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
    const portalUrl = flag('portal');
    const datasetId = flag('dataset');
    if (!portalUrl || !datasetId) throw new CliError('--portal URL and --dataset ID are required');
    const bucket = flag('bucket') ?? 'raw';
    const key = flag('key') ?? `${datasetId}/${datasetId}.csv`;
    const target = await resolveTarget(values, io.env, 's3');
    const s3 = new S3Client({
      endpoint: target.endpoint,
      region: target.region,
      forcePathStyle: true,
      credentials: target.credentials,
    });
    try {
      await ensureBucket(s3, bucket, target.endpoint);
      const where = flag('where');
      const timezone = flag('timezone');
      const result = await ingestFromPortal({
        portalUrl,
        datasetId,
        s3,
        bucket,
        key,
        ...(where ? { where } : {}),
        ...(timezone ? { timezone } : {}),
      });
      io.out(
        `ingested ${result.bytes} bytes from ${result.sourceUrl} into s3://${result.bucket}/${result.key}`,
      );
      return 0;
    } catch (error) {
      if (error instanceof PortalError) throw new CliError(error.message);
      throw error;
    } finally {
      s3.destroy();
    }
  },
};
