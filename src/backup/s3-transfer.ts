import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

/** Files larger than this are uploaded in parts of at least this size: S3 takes at most 5 GiB in one PUT. */
export const PART_BYTES = 64 * 1024 * 1024;
/** S3's most parts in one upload. */
const MAX_PARTS = 10_000;

export interface S3Place {
  client: S3Client;
  bucket: string;
}

/** The HTTP status of an S3 client's failure, if the server answered. */
export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Uploads a local file of `bytes` bytes as `key`, streamed from disk: in one PUT, or in parts when large. */
export async function uploadFile(place: S3Place, path: string, key: string, bytes: number): Promise<void> {
  const { client, bucket } = place;
  if (bytes <= PART_BYTES) {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: bytes }),
    );
    return;
  }
  const partBytes = Math.max(PART_BYTES, Math.ceil(bytes / MAX_PARTS));
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  try {
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let start = 0; start < bytes; start += partBytes) {
      const end = Math.min(bytes, start + partBytes);
      const PartNumber = parts.length + 1;
      const { ETag } = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber,
          Body: createReadStream(path, { start, end: end - 1 }),
          ContentLength: end - start,
        }),
      );
      parts.push({ PartNumber, ETag: ETag ?? '' });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }))
      .catch(() => undefined);
    throw error;
  }
}

/** The bytes of `key` as a stream, or undefined when there is no such object. */
export async function openObject(place: S3Place, key: string): Promise<Readable | undefined> {
  try {
    const { Body } = await place.client.send(new GetObjectCommand({ Bucket: place.bucket, Key: key }));
    return Body as Readable;
  } catch (error) {
    if (statusOf(error) === 404 && (error as Error).name !== 'NoSuchBucket') return undefined;
    throw error;
  }
}
