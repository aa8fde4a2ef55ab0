import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { statusOf } from '../lib/sdk-errors.js';

/** Files larger than this are uploaded in parts of at least this size: S3 takes at most 5 GiB in one PUT. */
export const PART_BYTES = 64 * 1024 * 1024;
/** S3's most parts in one upload. */
const MAX_PARTS = 10_000;

export interface S3Place {
  client: S3Client;
  bucket: string;
}

/** Uploads a local file of `bytes` bytes as `key`, streamed from disk: in one PUT, or in parts when large. */
export async function uploadFile(place: S3Place, path: string, key: string, bytes: number): Promise<void> {
  const { client, bucket } = place;
  /** Sends a request with a file body, which is closed whatever the answer (a failed request may not read it). */
  const sending = async <T>(body: Readable, send: (body: Readable) => Promise<T>): Promise<T> => {
    try {
      return await send(body);
    } finally {
      body.destroy();
    }
  };
  if (bytes <= PART_BYTES) {
    await sending(createReadStream(path), (Body) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body, ContentLength: bytes })),
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
      const { ETag } = await sending(createReadStream(path, { start, end: end - 1 }), (Body) =>
        client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            PartNumber,
            Body,
            ContentLength: end - start,
          }),
        ),
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
    // One that cannot be aborted now is aborted by the next run (abortUploads).
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }))
      .catch(() => undefined);
    throw error;
  }
}

/** Aborts every multipart upload in progress under `prefix`: what a killed run left. */
export async function abortUploads(place: S3Place, prefix: string): Promise<void> {
  const { client, bucket } = place;
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, UploadIdMarker }),
    );
    for (const upload of page.Uploads ?? [])
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
      );
    if (!page.IsTruncated) return;
    KeyMarker = page.NextKeyMarker;
    UploadIdMarker = page.NextUploadIdMarker;
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
