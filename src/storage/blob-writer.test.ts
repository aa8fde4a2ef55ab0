import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashWorkers } from '../lib/hash-workers.js';
import { type BlobStore, createLocalBlobStore } from './blob-store.js';
import { OFFLOAD_HASH_FROM, writeVerifiedBlob } from './blob-writer.js';

/** The data key the test's blobs are sealed under. */
const KEY = randomBytes(32);

async function* pieces(chunks: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}

async function idsOf(blobs: BlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of blobs.ids()) ids.push(id);
  return ids;
}

async function read(blobs: BlobStore, id: string, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await blobs.open({ id, size, key: KEY }, 0, size)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('writing a verified blob', () => {
  let root: string;
  let blobs: BlobStore;
  const workers = new HashWorkers(1);
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'seawall-blob-writer-'));
    blobs = await createLocalBlobStore(root, undefined, { dir: join(root, 'scratch'), limitBytes: 2 ** 30 });
  });
  afterAll(async () => {
    await blobs.close();
    await workers.terminate();
    rmSync(root, { recursive: true, force: true });
  });

  it('gives the MD5 of the bytes whatever their size and pieces, on either side of the hash workers threshold', async () => {
    const sizes = fc.array(fc.integer({ min: 0, max: 96 * 1024 }), { minLength: 0, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(sizes, async (lengths) => {
        const chunks = lengths.map((n) => randomBytes(n));
        const all = Buffer.concat(chunks);
        const blob = await writeVerifiedBlob(blobs, pieces(chunks), {}, KEY, workers);
        expect(blob.size).toBe(all.length);
        expect(blob.md5Hex).toBe(createHash('md5').update(all).digest('hex'));
        expect((await read(blobs, blob.id, blob.size)).equals(all)).toBe(true);
        await blobs.delete(blob.id);
      }),
      { numRuns: 40 },
    );
  });

  it('checks Content-MD5 and the checksum of a body hashed by a worker, and keeps no blob that fails', async () => {
    const body = [randomBytes(OFFLOAD_HASH_FROM), randomBytes(300_000)];
    const wrong = createHash('md5').update('other bytes').digest('base64');
    await expect(
      writeVerifiedBlob(blobs, pieces(body), { contentMd5: wrong }, KEY, workers),
    ).rejects.toMatchObject({
      code: 'BadDigest',
    });
    const right = createHash('md5').update(Buffer.concat(body)).digest('base64');
    const sha = createHash('sha256').update(Buffer.concat(body)).digest('base64');
    const blob = await writeVerifiedBlob(
      blobs,
      pieces(body),
      { contentMd5: right, checksum: { algorithm: 'SHA256', expected: () => sha } },
      KEY,
      workers,
    );
    expect(blob.checksum).toEqual({ algorithm: 'SHA256', value: sha });
    expect(await idsOf(blobs)).toEqual([blob.id]);
    await blobs.delete(blob.id);
    expect(workers.inProgress).toBe(0);
  });

  it('hashes a body of exactly the threshold on a worker, and leaves no hash behind when the store stops reading', async () => {
    const exact = [randomBytes(OFFLOAD_HASH_FROM / 2), randomBytes(OFFLOAD_HASH_FROM / 2)];
    const blob = await writeVerifiedBlob(blobs, pieces(exact), {}, KEY, workers);
    expect(blob.md5Hex).toBe(createHash('md5').update(Buffer.concat(exact)).digest('hex'));
    await blobs.delete(blob.id);
    // A store that reads part of a long body and answers as if it had written it: the write fails, nothing stays.
    const deleted: string[] = [];
    const halfway = {
      ...blobs,
      async put(body: AsyncIterable<Uint8Array>) {
        const reader = body[Symbol.asyncIterator]();
        for (let i = 0; i < 3; i++) await reader.next();
        return { id: 'partial', size: 0 };
      },
      delete: async (id: string) => void deleted.push(id),
    } as BlobStore;
    const long = Array.from({ length: 6 }, () => randomBytes(OFFLOAD_HASH_FROM));
    await expect(writeVerifiedBlob(halfway, pieces(long), {}, KEY, workers)).rejects.toThrow(
      /not read to its end/,
    );
    expect(deleted).toEqual(['partial']);
    expect(workers.inProgress).toBe(0);
  });

  it('fails the write and keeps no blob when the hash worker dies part way', async () => {
    async function* dying(): AsyncIterable<Uint8Array> {
      yield randomBytes(OFFLOAD_HASH_FROM + 1);
      await workers.terminate();
      yield randomBytes(1000);
    }
    await expect(writeVerifiedBlob(blobs, dying(), {}, KEY, workers)).rejects.toThrow(/exited/);
    expect(await idsOf(blobs)).toEqual([]);
    expect(workers.inProgress).toBe(0);
    // The next body gets a new worker.
    const again = await writeVerifiedBlob(
      blobs,
      pieces([randomBytes(OFFLOAD_HASH_FROM * 2)]),
      {},
      KEY,
      workers,
    );
    expect(again.size).toBe(OFFLOAD_HASH_FROM * 2);
    await blobs.delete(again.id);
  });
});
