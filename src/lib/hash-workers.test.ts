import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createChecksum } from './checksums.js';
import { HashWorkers } from './hash-workers.js';

const md5 = (chunks: readonly Uint8Array[]) => {
  const hash = createHash('md5');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('base64');
};

describe('hash workers', () => {
  const workers = new HashWorkers(2);
  afterAll(() => workers.terminate());

  it('answers the CRC-64/NVME checksums.ts gives, however the body is cut', async () => {
    const backing = randomBytes(2 ** 20 + 13);
    const local = createChecksum('CRC64NVME');
    local.update(backing);
    const hash = workers.start('crc64nvme');
    // Pieces of every length up to 17 at odd offsets, then the rest: the worker's eight-byte steps and its tail.
    let at = 0;
    for (let length = 1; length <= 17; length++) {
      await hash.update(backing.subarray(at, at + length));
      at += length;
    }
    await hash.update(backing.subarray(at));
    expect(await hash.digest()).toBe(local.digestBase64());
    const dir = mkdtempSync(join(tmpdir(), 'seawall-hash-crc-'));
    try {
      const file = join(dir, 'crc.bin');
      writeFileSync(file, backing);
      expect(await workers.hashFile(file, 'crc64nvme')).toEqual({
        digest: local.digestBase64(),
        bytes: backing.length,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers the digest node:crypto gives, for views into larger buffers too, and leaves the chunks as they were', async () => {
    const backing = randomBytes(3 * 2 ** 20);
    // Views at odd offsets and lengths: a clone of a view would carry the whole buffer it views.
    const chunks = [
      backing.subarray(0, 1),
      backing.subarray(7, 65_543),
      backing.subarray(65_543, 3 * 2 ** 20 - 5),
    ];
    const before = md5(chunks);
    const hashes = [workers.start('md5'), workers.start('md5'), workers.start('sha256')];
    for (const chunk of chunks) for (const hash of hashes) await hash.update(chunk);
    const [a, b, sha] = await Promise.all(hashes.map((hash) => hash.digest()));
    expect(a).toBe(before);
    expect(b).toBe(before);
    expect(sha).toBe(
      createHash('sha256')
        .update(backing.subarray(0, 1))
        .update(chunks[1] as Uint8Array)
        .update(chunks[2] as Uint8Array)
        .digest('base64'),
    );
    // Nothing was handed over: the caller's bytes are intact.
    expect(backing.byteLength).toBe(3 * 2 ** 20);
    expect(md5(chunks)).toBe(before);
  });

  it("hashes a whole file on the worker, and fails with the file system's code for a missing one", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seawall-hash-file-'));
    try {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      writeFileSync(join(dir, 'f'), bytes);
      expect(await workers.hashFile(join(dir, 'f'), 'sha256')).toEqual({
        digest: createHash('sha256').update(bytes).digest('base64'),
        bytes: bytes.length,
      });
      writeFileSync(join(dir, 'empty'), '');
      expect((await workers.hashFile(join(dir, 'empty'), 'md5')).bytes).toBe(0);
      await expect(workers.hashFile(join(dir, 'missing'), 'sha256')).rejects.toMatchObject({
        code: 'ENOENT',
      });
      expect(workers.inProgress).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps many hashes apart, and holds back a stream that sends faster than its worker hashes', async () => {
    const streams = Array.from({ length: 6 }, () => ({
      hash: workers.start('md5'),
      chunks: Array.from({ length: 40 }, () => randomBytes(256 * 1024 + Math.floor(Math.random() * 4096))),
    }));
    let waited = 0;
    await Promise.all(
      streams.map(async ({ hash, chunks }) => {
        for (const chunk of chunks) {
          let settled = false;
          const update = hash.update(chunk).then(() => {
            settled = true;
          });
          await Promise.resolve();
          if (!settled) waited++;
          await update;
        }
      }),
    );
    for (const { hash, chunks } of streams) expect(await hash.digest()).toBe(md5(chunks));
    // 6 × 10 MiB sent at once cannot all fit under the 4 MiB a stream may have waiting.
    expect(waited).toBeGreaterThan(0);
  });

  it('refuses a finished hash, and a discarded one leaves the others alone', async () => {
    const kept = workers.start('md5');
    const dropped = workers.start('md5');
    await kept.update(Buffer.from('kept'));
    await dropped.update(Buffer.from('dropped'));
    dropped.discard();
    await expect(dropped.digest()).rejects.toThrow(/finished/);
    expect(await kept.digest()).toBe(md5([Buffer.from('kept')]));
    await expect(kept.update(Buffer.from('more'))).rejects.toThrow(/finished/);
    expect(workers.inProgress).toBe(0);
  });

  it('releases an update that waits when its hash is discarded, and takes one update at a time', async () => {
    const hash = workers.start('md5');
    // More than a stream may have waiting, sent before the worker can answer: the last update waits.
    let waiting: Promise<void> | undefined;
    for (let i = 0; i < 8 && !waiting; i++) {
      const update = hash.update(randomBytes(512 * 1024));
      let settled = false;
      void update.then(() => {
        settled = true;
      });
      await Promise.resolve();
      if (!settled) waiting = update;
    }
    expect(waiting).toBeDefined();
    await expect(hash.update(Buffer.from('x'))).rejects.toThrow(/already waiting/);
    hash.discard();
    await waiting;
    expect(workers.inProgress).toBe(0);
  });

  it('keeps the process alive while a hash is in progress, and lets it exit once none is', () => {
    // A process with nothing else to do: it must print the digest (the worker kept it alive) and then exit.
    const code = `
      import { HashWorkers } from ${JSON.stringify(join(import.meta.dirname, 'hash-workers.ts'))};
      const workers = new HashWorkers(1);
      const hash = workers.start('md5');
      await hash.update(Buffer.from('alive'));
      hash.digest().then((value) => console.log('digest', value));
      workers.start('md5').discard();
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.trim()).toBe(`digest ${md5([Buffer.from('alive')])}`);
  });

  it('fails the hashes in progress when a worker dies, and starts a new worker for the next', async () => {
    const own = new HashWorkers(1);
    try {
      const hash = own.start('md5');
      await hash.update(Buffer.from('before'));
      await own.terminate();
      await expect(hash.digest()).rejects.toThrow(/exited/);
      await expect(hash.update(Buffer.from('after'))).rejects.toThrow();
      expect(own.inProgress).toBe(0);
      const next = own.start('md5');
      await next.update(Buffer.from('after'));
      expect(await next.digest()).toBe(md5([Buffer.from('after')]));
    } finally {
      await own.terminate();
    }
  });
});
