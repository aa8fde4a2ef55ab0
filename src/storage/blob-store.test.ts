import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalBlobStore, enginePathPattern } from './blob-store.js';

/** The descriptors this process has open. */
function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

describe('the local blob store', () => {
  it('keeps one handle per shard directory while open, and closing the store closes every handle it kept', async () => {
    const root = mkdtempSync(join(tmpdir(), 'seawall-blobs-'));
    try {
      const before = openDescriptors();
      const store = await createLocalBlobStore(root);
      const written = [];
      for (let i = 0; i < 40; i++) written.push(await store.put(bytes(`blob ${i}`)));
      const shards = new Set(written.map(({ id }) => id.slice(0, 2)));
      // Each shard made (0700) and its directory handle kept, not one handle per write.
      for (const shard of shards) expect(statSync(join(root, 'blobs', shard)).mode & 0o777).toBe(0o700);
      const reads = await Promise.all(
        written.slice(0, 5).map(async ({ id, size }) => {
          const chunks: Buffer[] = [];
          for await (const chunk of await store.open(id, 0, size)) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks).toString();
        }),
      );
      expect(reads).toEqual(['blob 0', 'blob 1', 'blob 2', 'blob 3', 'blob 4']);
      const kept = openDescriptors() - before;
      expect(kept).toBeGreaterThanOrEqual(shards.size);
      expect(kept).toBeLessThanOrEqual(shards.size + 5);
      await store.close();
      // Handles close asynchronously once their readers are done.
      for (let i = 0; i < 50 && openDescriptors() > before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(openDescriptors()).toBe(before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('engine paths in messages', () => {
  it('are redacted whole, even when the data directory has spaces and quotes in its path', () => {
    const engineDir = "/home/ana/City Data (2024)/it's here/objects/engine";
    const id = 'ab'.repeat(16);
    const message = `IO Error: Cannot open file "${engineDir}/${id}/f0.csv": gone; LINE 1: read_csv(['${engineDir}/${id}/f1.csv']), spill ${engineDir}/${id}/spill`;
    const redacted = message.replace(enginePathPattern(engineDir), '<file>');
    expect(redacted).toBe(
      'IO Error: Cannot open file "<file>": gone; LINE 1: read_csv([<file>]), spill <file>',
    );
    expect(redacted).not.toContain('City Data');
  });

  it('leave other paths and text alone', () => {
    const pattern = enginePathPattern('/data/objects/engine');
    expect('a /data/objects/other/x and /data/objects/engine/not-an-id'.replace(pattern, '<file>')).toBe(
      'a /data/objects/other/x and /data/objects/engine/not-an-id',
    );
  });
});
