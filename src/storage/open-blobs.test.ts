import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OpenBlobs } from './open-blobs.js';

const dir = mkdtempSync(join(tmpdir(), 'seawall-open-blobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Descriptors this process has open on files of `dir`. */
async function openIn(): Promise<number> {
  const fds = await readdir('/proc/self/fd');
  const { readlink } = await import('node:fs/promises');
  let count = 0;
  for (const fd of fds) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dir)) count++;
  }
  return count;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('open blob handles', () => {
  it('share one handle between reads, keep at most the limit open, and close what is forgotten once read', async () => {
    const files = ['a', 'b', 'c'].map((name) => {
      const path = join(dir, name);
      writeFileSync(path, `bytes of ${name}`);
      return path;
    });
    const [a, b, c] = files as [string, string, string];
    const blobs = new OpenBlobs(2);
    const first = await blobs.acquire(a);
    const second = await blobs.acquire(a);
    expect(second.handle).toBe(first.handle);
    const buffer = Buffer.alloc(10);
    await first.handle.read(buffer, 0, 10, 0);
    expect(buffer.toString()).toBe('bytes of a');
    first.release();
    second.release();
    (await blobs.acquire(b)).release();
    (await blobs.acquire(c)).release();
    await settle();
    // a, the least recently used, was closed; b and c stay open.
    expect(await openIn()).toBe(2);
    const reading = await blobs.acquire(b);
    blobs.forget(b);
    await settle();
    expect(await openIn()).toBe(2);
    reading.release();
    await settle();
    expect(await openIn()).toBe(1);
    await expect(blobs.acquire(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    blobs.forget(c);
    await settle();
    expect(await openIn()).toBe(0);
  });
});
