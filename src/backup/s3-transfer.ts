import { createHash } from 'node:crypto';
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

/**
 * The Content-MD5 of a file's bytes from `start` to `end` (exclusive), read from disk: every S3 checks it, so
 * bytes damaged on the way are refused rather than stored (verify checks SHA-256 end to end besides).
 */
async function contentMd5(path: string, start: number, end: number): Promise<string> {
  const md5 = createHash('md5');
  if (end > start)
    for await (const chunk of createReadStream(path, { start, end: end - 1 })) md5.update(chunk);
  return md5.digest('base64');
}

/** The Content-MD5 of a body held in memory (a manifest, a lock). */
export const md5Of = (body: string): string => createHash('md5').update(body).digest('base64');

/**
 * Uploads a local file of `bytes` bytes as `key`, streamed from disk: in one PUT, or in parts when large, each
 * with its Content-MD5.
 */
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
    const ContentMD5 = await contentMd5(path, 0, bytes);
    await sending(createReadStream(path), (Body) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body, ContentLength: bytes, ContentMD5 })),
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
      const ContentMD5 = await contentMd5(path, start, end);
      const { ETag } = await sending(createReadStream(path, { start, end: end - 1 }), (Body) =>
        client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            PartNumber,
            Body,
            ContentLength: end - start,
            ContentMD5,
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

/** Aborts the multipart uploads in progress under `prefix` whose key is `ours`: what a killed run left. */
export async function abortUploads(
  place: S3Place,
  prefix: string,
  ours: (key: string) => boolean,
): Promise<void> {
  const { client, bucket } = place;
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, UploadIdMarker }),
    );
    for (const upload of page.Uploads ?? [])
      if (upload.Key !== undefined && ours(upload.Key))
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
