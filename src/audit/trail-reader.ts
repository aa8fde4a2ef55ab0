import { type CloudTrailClient, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { TrailBucket, TrailPublicKey } from './audit-verify.js';

/**
 * What `verifyTrailBucket` reads, through the AWS APIs any client has: the trail bucket through S3 and the
 * trail's public keys through ListPublicKeys. `seawall audit verify` (Node) and the console (the browser) read
 * with these, so both check exactly the same files with the same keys.
 */

/** A bucket read through S3: listing by pages, objects whole (digests and log files are small). */
export function s3TrailBucket(s3: S3Client, bucket: string): TrailBucket {
  return {
    async *list(prefix) {
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const object of page.Contents ?? [])
          if (object.Key)
            yield {
              key: object.Key,
              ...(object.LastModified ? { lastModified: object.LastModified.getTime() } : {}),
            };
        token = page.NextContinuationToken;
      } while (token);
    },
    async get(key, other) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: other ?? bucket, Key: key }));
        return {
          body: (await object.Body?.transformToByteArray()) ?? new Uint8Array(),
          metadata: object.Metadata ?? {},
        };
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
  };
}

/** The first bytes of the base64 text of a PKCS#1 RSA key: `MII`. DER itself starts with 0x30. */
const BASE64_KEY = [0x4d, 0x49, 0x49];

/**
 * ListPublicKeys' Value as DER. The SDKs hand back the DER bytes; a client that leaves blobs undecoded (as the
 * aws cli does) holds their base64 text, which is decoded here.
 */
export function publicKeyFromValue(value: Uint8Array): Uint8Array {
  if (!BASE64_KEY.every((byte, i) => value[i] === byte)) return value;
  const binary = atob(new TextDecoder('latin1').decode(value));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Every public key valid at some time in the range (keys are replaced every 30 days), through all pages. */
export async function trailPublicKeys(
  cloudtrail: CloudTrailClient,
  range: { readonly start?: number; readonly end?: number },
): Promise<TrailPublicKey[]> {
  const keys: TrailPublicKey[] = [];
  let token: string | undefined;
  do {
    const page = await cloudtrail.send(
      new ListPublicKeysCommand({
        StartTime: new Date(range.start ?? 0),
        ...(range.end !== undefined ? { EndTime: new Date(range.end) } : {}),
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const key of page.PublicKeyList ?? [])
      if (key.Fingerprint && key.Value)
        keys.push({ fingerprint: key.Fingerprint, der: publicKeyFromValue(key.Value) });
    token = page.NextToken;
  } while (token);
  return keys;
}
