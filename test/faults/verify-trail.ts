import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** The event ids in every log file a trail delivered under `prefix` of `bucket`. */
async function deliveredIds(s3: S3Client, bucket: string, prefix: string, read: Map<string, string[]>) {
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/AWSLogs/`, ContinuationToken }),
    );
    for (const { Key } of page.Contents ?? []) {
      if (!Key?.includes('/CloudTrail/') || read.has(Key)) continue;
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const bytes = (await got.Body?.transformToByteArray()) ?? new Uint8Array();
      const file = JSON.parse(gunzipSync(bytes).toString()) as { Records: { eventID: string }[] };
      read.set(
        Key,
        file.Records.map((r) => r.eventID),
      );
    }
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return new Set([...read.values()].flat());
}

/**
 * The trail is complete: every record in `eventIds` reaches a delivered log file within `ms`, kills or not.
 * `read` keeps the log files already read (they never change) from one call to the next.
 */
export async function verifyDelivered(
  s3: S3Client,
  trail: { bucket: string; prefix: string },
  eventIds: readonly string[],
  read: Map<string, string[]>,
  ms = 60_000,
): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const delivered = await deliveredIds(s3, trail.bucket, trail.prefix, read);
    const missing = eventIds.filter((id) => !delivered.has(id));
    if (missing.length === 0) return [];
    if (Date.now() > deadline)
      return [
        `${missing.length} of ${eventIds.length} audit records of acknowledged calls are in no log file the trail delivered within ${Math.round(ms / 1000)} s (${missing.slice(0, 5).join(', ')}…)`,
      ];
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
