import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptObjectError, encryptStream } from '../kms/object-cipher.js';
import { bindingOf } from './blob-plan.js';
import { EngineCopiers } from './engine-copiers.js';

const KEY = randomBytes(32);

async function sealed(id: string, plain: Buffer): Promise<Buffer> {
  const pieces: Buffer[] = [];
  async function* source() {
    yield plain;
  }
  for await (const piece of encryptStream(KEY, bindingOf(id), source())) pieces.push(piece);
  return Buffer.concat(pieces);
}

describe('engine-copy workers', () => {
  const dirs: string[] = [];
  const copiers: EngineCopiers[] = [];
  afterEach(async () => {
    await Promise.all(copiers.splice(0).map((c) => c.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A blob file (sealed, or plaintext as an earlier Seawall wrote it) and a descriptor open on it. */
  async function blobFile(id: string, plain: Buffer, key: Buffer | null = KEY) {
    const dir = mkdtempSync(join(tmpdir(), 'copiers-'));
    dirs.push(dir);
    const path = join(dir, id);
    writeFileSync(path, key ? await sealed(id, plain) : plain);
    return { dir, path, blob: { id, size: plain.length, key } };
  }

  it('writes blobs’ plaintext on worker threads, several at once and in parts, and nothing once closed', async () => {
    const pool = new EngineCopiers(2);
    copiers.push(pool);
    // Empty, a byte, a few segments, and parts of 4 MiB: two whole and one of some segments and a byte.
    const plains = [0, 1, 3 * 65536 + 5, 9 * 1024 * 1024 + 17].map((size) => randomBytes(size));
    const files = await Promise.all(plains.map((plain, i) => blobFile(`b${i}`, plain)));
    const legacy = await blobFile('old', plains[3] as Buffer, null);
    const all = [...files, legacy];
    const fds = all.map((f) => openSync(f.path, 'r'));
    try {
      await Promise.all(all.map((f, i) => pool.copy(fds[i] as number, f.blob, join(f.dir, 'out'), 16)));
      for (const [i, f] of all.entries())
        expect(
          readFileSync(join(f.dir, 'out')).equals(i < 4 ? (plains[i] as Buffer) : (plains[3] as Buffer)),
        ).toBe(true);
      expect(pool.inProgress).toBe(0);
      await pool.close();
      const again = files[2];
      if (!again) throw new Error('no file');
      await expect(pool.copy(fds[2] as number, again.blob, join(again.dir, 'again'), 4)).rejects.toThrow(
        /closed/,
      );
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  });

  it('fails with CorruptObjectError for bytes that do not open or end early, and with the file system’s code', async () => {
    const pool = new EngineCopiers(1);
    copiers.push(pool);
    const plain = randomBytes(200_000);
    const damaged = await blobFile('damaged', plain);
    const bytes = readFileSync(damaged.path);
    bytes[150_000] = (bytes[150_000] as number) ^ 1;
    writeFileSync(damaged.path, bytes);
    const large = randomBytes(9 * 1024 * 1024);
    const damagedLate = await blobFile('damaged-late', large);
    const lateBytes = readFileSync(damagedLate.path);
    lateBytes[lateBytes.length - 100] = (lateBytes[lateBytes.length - 100] as number) ^ 1;
    writeFileSync(damagedLate.path, lateBytes);
    const short = await blobFile('short', plain);
    writeFileSync(short.path, readFileSync(short.path).subarray(0, 100_000));
    const exists = await blobFile('exists', plain);
    const failures: unknown[] = [];
    for (const [file, target] of [
      [damaged, join(damaged.dir, 'out')],
      [damagedLate, join(damagedLate.dir, 'out')],
      [short, join(short.dir, 'out')],
      // Never over another file: the path is taken.
      [exists, exists.path],
    ] as const) {
      const fd = openSync(file.path, 'r');
      try {
        failures.push(
          await pool.copy(fd, file.blob, target, 1).then(
            () => undefined,
            (e: unknown) => e,
          ),
        );
      } finally {
        closeSync(fd);
      }
    }
    const [corrupt, late, cut, taken] = failures;
    expect(corrupt).toBeInstanceOf(CorruptObjectError);
    expect((corrupt as CorruptObjectError).detail).toBe('segment 2 does not authenticate');
    // In the last of three parts.
    expect((late as CorruptObjectError).detail).toBe('segment 143 does not authenticate');
    expect(cut).toBeInstanceOf(CorruptObjectError);
    expect((cut as CorruptObjectError).detail).toBe('the stored bytes are shorter than their recorded size');
    expect(taken).not.toBeInstanceOf(CorruptObjectError);
    expect(taken).toMatchObject({ code: 'EEXIST', syscall: 'open' });
  });

  it('lets every part of a copy end before it fails, when one part fails while others are being written', async () => {
    const pool = new EngineCopiers(2);
    copiers.push(pool);
    const plain = randomBytes(9 * 1024 * 1024);
    const file = await blobFile('first-part-damaged', plain);
    const bytes = readFileSync(file.path);
    bytes[10] = (bytes[10] as number) ^ 1;
    writeFileSync(file.path, bytes);
    const fd = openSync(file.path, 'r');
    try {
      const failed = await pool.copy(fd, file.blob, join(file.dir, 'out'), 1).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((failed as CorruptObjectError).detail).toBe('segment 0 does not authenticate');
      // The other parts were in flight (two workers, two parts each): all of them answered before the failure.
      expect(pool.inProgress).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});
