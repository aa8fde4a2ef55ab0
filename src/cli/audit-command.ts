import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { S3Client } from '@aws-sdk/client-s3';
import { describeFindings, verifyTrailBucket } from '../audit/audit-verify.js';
import { s3TrailBucket, trailPublicKeys } from '../audit/trail-reader.js';
import { requestFailure } from './cli-errors.js';
import { resolveTarget } from './client-target.js';
import { CliError, type Command } from './commands.js';

function timeOption(value: string | boolean | undefined, name: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new CliError(`--${name} must be a date and time (2026-12-01T00:00:00Z)`);
  return time;
}

/** `seawall audit verify`: checks a trail bucket's digests and log files, and says what was tampered with. */
export const auditCommand: Command = {
  usage:
    'seawall audit verify --bucket B [--prefix P] [--start T] [--end T] [--verbose] [--data-dir DIR | --profile NAME] [--endpoint-url URL]',
  positionals: true,
  options: {
    bucket: { type: 'string' },
    prefix: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    verbose: { type: 'boolean' },
    'data-dir': { type: 'string' },
    profile: { type: 'string' },
    'endpoint-url': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals[0] !== 'verify' || positionals.length !== 1)
      throw new CliError('usage: seawall audit verify --bucket B');
    const bucket = values.bucket;
    if (typeof bucket !== 'string' || bucket === '')
      throw new CliError('give the trail bucket with --bucket');
    const start = timeOption(values.start, 'start');
    const end = timeOption(values.end, 'end');
    const target = await resolveTarget(values, io.env, 's3');
    const config = { endpoint: target.endpoint, region: target.region, credentials: target.credentials };
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const trail = new CloudTrailClient(config);
    try {
      const keys = await trailPublicKeys(trail, {
        ...(start !== undefined ? { start } : {}),
        ...(end !== undefined ? { end } : {}),
      });
      const findings = await verifyTrailBucket(s3TrailBucket(s3, bucket), keys, {
        bucket,
        ...(typeof values.prefix === 'string' ? { prefix: values.prefix } : {}),
        ...(start !== undefined ? { start } : {}),
        ...(end !== undefined ? { end } : {}),
      });
      const { lines, ok } = describeFindings(bucket, findings);
      const summary = lines.pop() ?? '';
      for (const line of lines) {
        const valid = /\tvalid$/.test(line);
        if (!valid) io.err(line);
        else if (values.verbose) io.out(line);
      }
      io.out(summary);
      return ok ? 0 : 1;
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw requestFailure(error, target.endpoint);
    } finally {
      s3.destroy();
      trail.destroy();
    }
  },
};
