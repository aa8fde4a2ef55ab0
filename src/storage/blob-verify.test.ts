import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOfChecksums, createChecksum } from '../lib/checksums.js';
import { type BlobStore, createLocalBlobStore } from './blob-store.js';
import { type BlobTiers, type FoundBlob, locateBlob, verifyContent } from './blob-verify.js';

const KEY = randomBytes(32);
let root: string;
let store: BlobStore;
let tiers: BlobTiers;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seawall-blob-verify-'));
  store = await createLocalBlobStore(join(root, 'objects'), undefined, {
    dir: join(root, 'scratch'),
    limitBytes: 2 ** 20,
  });
  tiers = { hot: join(root, 'objects'), display: (path) => path.slice(root.length + 1) };
});

afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

async function put(plain: Buffer): Promise<{ id: string; found: FoundBlob }> {
  const { id } = await store.put(
    (async function* () {
      yield plain;
    })(),
    KEY,
  );
  const found = await locateBlob(tiers, id, 'STANDARD');
  if ('missing' in found) throw new Error(found.missing);
  return { id, found };
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest();
const crc32 = (bytes: Buffer) => {
  const sum = createChecksum('CRC32');
  sum.update(bytes);
  return sum.digestBase64();
};

describe('verifyContent', () => {
  const parts = [randomBytes(70_000), randomBytes(1000), randomBytes(64 * 1024)];
  const whole = Buffer.concat(parts);
  const etag = `"${createHash('md5')
    .update(Buffer.concat(parts.map(md5)))
    .digest('hex')}-3"`;
  const layout = {
    parts: parts.map((p, i) => ({ partNumber: i + 1, size: p.length, checksum: crc32(p) })),
    checksum: { algorithm: 'CRC32', type: 'COMPOSITE' as const },
  };
  const composite = `${checksumOfChecksums('CRC32', parts.map(crc32))}-3`;

  it("matches a multipart object's ETag and composite checksum part by part", async () => {
    const { id, found } = await put(whole);
    const findings = await verifyContent(
      found,
      { id, size: whole.length, key: KEY },
      { etag, parts: layout, checksum: { algorithm: 'CRC32', value: composite, type: 'COMPOSITE' } },
      'blob',
    );
    expect(findings).toEqual({ problems: [], notes: [] });
  });

  it('names a part whose checksum differs, and the ETag the parts no longer make', async () => {
    const { id, found } = await put(whole);
    const wrong = {
      ...layout,
      parts: layout.parts.map((p, i) => (i === 1 ? { ...p, checksum: crc32(parts[0] as Buffer) } : p)),
    };
    const findings = await verifyContent(
      found,
      { id, size: whole.length, key: KEY },
      {
        etag: `"${'0'.repeat(32)}-3"`,
        parts: wrong,
        checksum: { algorithm: 'CRC32', value: composite, type: 'COMPOSITE' },
      },
      'blob',
    );
    expect(findings.problems).toEqual([
      `content does not match its multipart ETag "${'0'.repeat(32)}-3" (the MD5 of its parts' ETags)`,
      `part 2 does not match its CRC32 checksum (${crc32(parts[0] as Buffer)})`,
    ]);
  });

  it('names the segment that does not authenticate', async () => {
    const { id, found } = await put(whole);
    const fd = openSync(found.path, 'r+');
    const at = 2 * (64 * 1024 + 16) + 5;
    writeSync(fd, Buffer.from([(readFileSync(found.path)[at] as number) ^ 0xff]), 0, 1, at);
    closeSync(fd);
    const findings = await verifyContent(
      found,
      { id, size: whole.length, key: KEY },
      { etag: `"${md5(whole).toString('hex')}"` },
      'the blob',
    );
    expect(findings.problems).toEqual([
      "authentication failed at segment 2 of blob the blob (its bytes were altered, or are another blob's)",
    ]);
  });

  it('names content whose MD5 is not its ETag', async () => {
    const { id, found } = await put(whole);
    const findings = await verifyContent(
      found,
      { id, size: whole.length, key: KEY },
      { etag: `"${'f'.repeat(32)}"` },
      'b',
    );
    expect(findings.problems).toEqual([
      `content does not match its ETag "${'f'.repeat(32)}" (made from its MD5)`,
    ]);
  });
});

describe('locateBlob', () => {
  it('finds a blob moved to the cold tier, and says when a cold blob is missing for want of the tier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seawall-blob-tiers-'));
    const tiered = await createLocalBlobStore(
      join(dir, 'objects'),
      { root: join(dir, 'cold'), storageClass: 'STANDARD_IA' },
      { dir: join(dir, 'scratch'), limitBytes: 2 ** 20 },
    );
    try {
      const { id } = await tiered.put(
        (async function* () {
          yield Buffer.from('cold bytes');
        })(),
        KEY,
      );
      await tiered.cold?.copyIn(id);
      const display = (path: string) => path.slice(dir.length + 1);
      const both = await locateBlob(
        {
          hot: join(dir, 'objects'),
          cold: { root: join(dir, 'cold'), storageClass: 'STANDARD_IA' },
          display,
        },
        id,
        'STANDARD_IA',
      );
      expect(both).toMatchObject({ path: join(dir, 'objects', 'blobs', id.slice(0, 2), id), inBoth: true });
      await tiered.cold?.dropHot(id);
      const cold = await locateBlob(
        {
          hot: join(dir, 'objects'),
          cold: { root: join(dir, 'cold'), storageClass: 'STANDARD_IA' },
          display,
        },
        id,
        'STANDARD_IA',
      );
      expect(cold).toMatchObject({ path: join(dir, 'cold', 'blobs', id.slice(0, 2), id), inBoth: false });
      expect(await locateBlob({ hot: join(dir, 'objects'), display }, id, 'STANDARD_IA')).toEqual({
        missing: `blob objects/blobs/${id.slice(0, 2)}/${id} is missing (its storage class is STANDARD_IA: if the installation has a cold tier, give it with --cold-storage-dir)`,
      });
    } finally {
      await tiered.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
