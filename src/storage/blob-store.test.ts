import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  promises,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentProcess } from '../data-dir-process.js';
import {
  BACKUP_PINS,
  type BlobRef,
  type BlobStore,
  blobPath,
  createLocalBlobStore,
  enginePathPattern,
  PIN_OWNER,
} from './blob-store.js';

/** The descriptors this process has open. */
function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The data key the test's blobs are sealed under. */
const KEY = randomBytes(32);

/** Engine scratch space for a store under `root` (the tests read no engine files). */
function scratchIn(root: string) {
  return { dir: join(root, 'scratch'), limitBytes: 2 ** 30 };
}

/** The files (not directories) under `dir`, at any depth. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The decrypted copies the store keeps in its engine directory under `scratchDir`. */
function copiesIn(scratchDir: string): string[] {
  return filesUnder(scratchDir).filter((path) => path.split('/').at(-2) === 'copies');
}

/** Puts `plain` (one buffer) as a blob sealed under KEY, and names it as readers do. */
async function putSealed(store: BlobStore, plain: Buffer): Promise<BlobRef & { key: Buffer }> {
  return {
    ...(await store.put(
      (async function* () {
        yield plain;
      })(),
      KEY,
    )),
    key: KEY,
  };
}

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

/** Records every fsync of a directory the code under test opens (by path), in order. */
function recordDirectorySyncs(): string[] {
  const synced: string[] = [];
  const open = promises.open.bind(promises);
  vi.spyOn(promises, 'open').mockImplementation(async (path, flags, mode) => {
    const handle = await open(path, flags, mode);
    if (typeof flags === 'number' && statSync(path as string).isDirectory()) {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        synced.push(path as string);
      };
    }
    return handle;
  });
  return synced;
}

/** A body that yields its text only once `gate` resolves. */
async function* gated(text: string, gate: Promise<void>): AsyncIterable<Uint8Array> {
  await gate;
  yield Buffer.from(text);
}

async function untilClosed(before: number): Promise<void> {
  // Handles in use close when their readers are done, asynchronously.
  for (let i = 0; i < 50 && openDescriptors() > before; i++) await new Promise((r) => setTimeout(r, 10));
}

/** Runs `test` on a fresh directory, removed after. */
async function inTempRoot(test: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'seawall-blobs-'));
  try {
    await test(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('the local blob store', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('makes a new blob durable in its shard, and the shard and the blobs directory in their parents, before it resolves', () =>
    inTempRoot(async (root) => {
      const synced = recordDirectorySyncs();
      const store = await createLocalBlobStore(root, undefined, scratchIn(root));
      // The blobs directory, an entry of the root, is durable once the store is open.
      expect(synced).toEqual([root]);
      const { id } = await store.put(bytes('first'), KEY);
      const shard = join(root, 'blobs', id.slice(0, 2));
      // The shard is an entry of blobs/ (synced when first used, whoever made it), the blob an entry of the shard.
      expect(synced).toEqual([root, join(root, 'blobs'), shard]);
      await store.close();
      // A later process syncs the shard's entry again: an earlier one may have died before doing so.
      synced.length = 0;
      const again = await createLocalBlobStore(root, undefined, scratchIn(root));
      await again.put(
        (async function* () {
          yield Buffer.from('second');
        })(),
        KEY,
      );
      expect(synced).toContain(join(root, 'blobs'));
      await again.close();
    }));

  it("links a blob it deletes into each live backup run's pin directory first, and into no other", () =>
    inTempRoot(async (root) => {
      const store = await createLocalBlobStore(root, undefined, scratchIn(root));
      const pins = join(root, BACKUP_PINS);
      const run = (name: string, owner?: object) => {
        mkdirSync(join(pins, name), { recursive: true });
        if (owner) writeFileSync(join(pins, name, PIN_OWNER), JSON.stringify(owner));
        return join(pins, name);
      };
      const live = run('live', currentProcess());
      const naming = run('naming');
      const dead = run('dead', { ...currentProcess(), pid: 2 ** 22 + 1 });
      const leaving = run('.leaving', currentProcess());
      // Named by no one for two minutes: a run killed before it named itself.
      const abandoned = run('abandoned');
      const longAgo = new Date(Date.now() - 120_000);
      utimesSync(abandoned, longAgo, longAgo);
      const { id } = await store.put(bytes('kept for the backup'), KEY);
      const stored = await promises.readFile(blobPath(root, id));
      await store.delete(id);
      expect(existsSync(blobPath(root, id))).toBe(false);
      // A live run keeps the bytes as they were; one naming its owner right now (whose snapshot, still to come,
      // cannot name a blob deleted before it), a killed run (named or not) and one being removed get nothing.
      expect(await promises.readFile(join(live, id))).toEqual(stored);
      for (const dir of [naming, dead, leaving, abandoned]) expect(existsSync(join(dir, id))).toBe(false);
      // Once named, at once (not a moment later): its snapshot may follow straight away.
      writeFileSync(join(naming, PIN_OWNER), JSON.stringify(currentProcess()));
      const next = await store.put(bytes('kept once named'), KEY);
      await store.delete(next.id);
      expect(existsSync(join(naming, next.id))).toBe(true);
      // A pin directory it cannot link into (here not a directory at all) does not stop a delete.
      writeFileSync(join(pins, 'broken'), 'not a directory');
      const kept = await store.put(bytes('not kept'), KEY);
      await store.delete(kept.id);
      expect(existsSync(blobPath(root, kept.id))).toBe(false);
      // Without any run, a delete is only a delete.
      rmSync(pins, { recursive: true });
      const other = await store.put(bytes('gone'), KEY);
      await store.delete(other.id);
      expect(existsSync(blobPath(root, other.id))).toBe(false);
      await store.close();
    }));

  it('finishes writes and reads that were in flight when it closed, leaving no handle open', () =>
    inTempRoot(async (root) => {
      const before = openDescriptors();
      const store = await createLocalBlobStore(root, undefined, scratchIn(root));
      const kept = await store.put(bytes('kept'), KEY);
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const writes = Array.from({ length: 20 }, (_, i) => store.put(gated(`late ${i}`, gate), KEY));
      const reading = await store.open({ ...kept, key: KEY }, 0, kept.size);
      await store.close();
      open();
      const written = await Promise.all(writes);
      expect(written.map((w) => w.size)).toEqual(written.map((_, i) => `late ${i}`.length));
      const chunks: Buffer[] = [];
      for await (const chunk of reading) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('kept');
      // A read begun after closing still works, with a handle of its own.
      const late = written[3] as { id: string; size: number };
      const text: Buffer[] = [];
      for await (const chunk of await store.open({ ...late, key: KEY }, 0, late.size))
        text.push(chunk as Buffer);
      expect(Buffer.concat(text).toString()).toBe('late 3');
      await untilClosed(before);
      expect(openDescriptors()).toBe(before);
    }));

  it('keeps one handle per shard directory while open, and closing the store closes every handle it kept', () =>
    inTempRoot(async (root) => {
      const before = openDescriptors();
      const store = await createLocalBlobStore(root, undefined, scratchIn(root));
      const written = [];
      for (let i = 0; i < 40; i++) written.push(await store.put(bytes(`blob ${i}`), KEY));
      const shards = new Set(written.map(({ id }) => id.slice(0, 2)));
      // Each shard made (0700) and its directory handle kept, not one handle per write.
      for (const shard of shards) expect(statSync(join(root, 'blobs', shard)).mode & 0o777).toBe(0o700);
      const reads = await Promise.all(
        written.slice(0, 5).map(async ({ id, size }) => {
          const chunks: Buffer[] = [];
          for await (const chunk of await store.open({ id, size, key: KEY }, 0, size))
            chunks.push(chunk as Buffer);
          return Buffer.concat(chunks).toString();
        }),
      );
      expect(reads).toEqual(['blob 0', 'blob 1', 'blob 2', 'blob 3', 'blob 4']);
      const kept = openDescriptors() - before;
      expect(kept).toBeGreaterThanOrEqual(shards.size);
      expect(kept).toBeLessThanOrEqual(shards.size + 5);
      await store.close();
      // Nothing reads: closing the store has closed every handle by the time it resolves.
      expect(openDescriptors()).toBe(before);
    }));
});

describe('the sealed blob store', () => {
  it('closes the file of a read destroyed before it is read, and of one that fails on a damaged blob', () =>
    inTempRoot(async (root) => {
      const before = openDescriptors();
      const store = await createLocalBlobStore(root, undefined, scratchIn(root));
      const big = randomBytes(3 * 1024 * 1024);
      const blob = await store.put(
        (async function* () {
          yield big;
        })(),
        KEY,
      );
      for (let i = 0; i < 5; i++) (await store.open({ ...blob, key: KEY }, 0, blob.size)).destroy();
      // Read part way, then abandoned.
      const partial = await store.open({ ...blob, key: KEY }, 0, blob.size);
      for await (const _ of partial) break;
      await expect(store.open({ ...blob, key: randomBytes(32) }, 0, blob.size)).rejects.toMatchObject({
        code: 'InternalError',
      });
      await store.delete(blob.id);
      // Closing closes the handles no read holds: one a read leaked would stay open.
      await store.close();
      await untilClosed(before);
      expect(openDescriptors()).toBe(before);
    }));

  it('gives engines decrypted copies within its bound, and refuses what would pass it', () =>
    inTempRoot(async (root) => {
      const store = await createLocalBlobStore(root, undefined, {
        dir: join(root, 'scratch'),
        limitBytes: 1000,
      });
      const text = `a,b\n${'1,2\n'.repeat(70)}`;
      const blobs: (BlobRef & { key: Buffer })[] = [];
      for (let i = 0; i < 4; i++) blobs.push({ ...(await store.put(bytes(text), KEY)), key: KEY });
      const files = await store.linkForEngine([{ ...(blobs[0] as BlobRef), name: 'f0.csv' }]);
      expect((await promises.readFile(files.paths[0] as string, 'utf8')).toString()).toBe(text);
      // Three more blobs' copies would make four: past the bound, so nothing is written.
      const rest = blobs.map((blob, i) => ({ ...blob, name: `f${i}.csv` }));
      await expect(store.linkForEngine(rest)).rejects.toMatchObject({ code: 'InsufficientScratchSpace' });
      expect(copiesIn(join(root, 'scratch'))).toHaveLength(1);
      // A blob already copied costs nothing more, however many engines and names read it.
      const again = await store.linkForEngine(
        Array.from({ length: 100 }, (_, i) => ({ ...(blobs[0] as BlobRef), name: `f${i}.csv` })),
      );
      expect(again.paths).toHaveLength(100);
      await again.release();
      await files.release();
      // Released, the space is there again.
      const three = await store.linkForEngine(rest.slice(1));
      expect(three.paths).toHaveLength(3);
      await three.release();
      expect(filesUnder(join(root, 'scratch'))).toEqual([]);
      await store.close();
    }));

  it('shares one decrypted copy of a blob between engines, and removes it with the last of them', () =>
    inTempRoot(async (root) => {
      const store = await createLocalBlobStore(root, undefined, scratchIn(root));
      const plain = randomBytes(3 * 1024 * 1024 + 5);
      const blob = await putSealed(store, plain);
      const other = { ...(await store.put(bytes('other'), KEY)), key: KEY };
      // Two engines at once, while the copy is still being made, and a third after.
      const [a, b] = await Promise.all([
        store.linkForEngine([{ ...blob, name: 'f0.parquet' }]),
        store.linkForEngine([
          { ...other, name: 'f0.csv' },
          { ...blob, name: 'f1.parquet' },
        ]),
      ]);
      const c = await store.linkForEngine([{ ...blob, name: 'f0.parquet' }]);
      const inode = (path: string | undefined) => statSync(path as string).ino;
      expect(new Set([inode(a.paths[0]), inode(b.paths[1]), inode(c.paths[0])]).size).toBe(1);
      expect(
        filesUnder(join(root, 'scratch', readdirSync(join(root, 'scratch'))[0] as string, 'copies')),
      ).toHaveLength(2);
      await a.release();
      await b.release();
      // The last engine reading the blob still has it whole.
      expect((await promises.readFile(c.paths[0] as string)).equals(plain)).toBe(true);
      await c.release();
      expect(filesUnder(join(root, 'scratch'))).toEqual([]);
      await store.close();
    }));
});

describe('reading sealed blobs a batch of segments at a time', () => {
  const SEG = 64 * 1024;
  const SEALED_SEG = SEG + 16;
  /** The path of a blob's file, as the store lays them out. */
  const fileOf = (root: string, id: string) => join(root, 'blobs', id.slice(0, 2), id);
  const read = async (stream: AsyncIterable<Uint8Array>) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return Buffer.concat(chunks);
  };

  it('serves ranges that start and end inside batches, and copies a whole blob for engines, byte for byte', () =>
    inTempRoot(async (root) => {
      const store = await createLocalBlobStore(root, undefined, scratchIn(root));
      // Over a MiB and not a whole number of segments: batches of 4 and 16 segments, a short last segment.
      const plain = randomBytes(17 * SEG + 12_345);
      const blob = await putSealed(store, plain);
      for (const [start, length] of [
        [0, plain.length],
        [SEG - 1, 2],
        [3 * SEG + 7, 5 * SEG],
        [4 * SEG, 4 * SEG],
        [17 * SEG, 12_345],
        [plain.length, 0],
        [5, 0],
      ] as const)
        expect(
          (await read(await store.open(blob, start, length))).equals(plain.subarray(start, start + length)),
        ).toBe(true);
      const files = await store.linkForEngine([{ ...blob, name: 'f0.parquet' }]);
      expect((await promises.readFile(files.paths[0] as string)).equals(plain)).toBe(true);
      await files.release();
      await store.close();
    }));

  it('fails an engine copy of a blob damaged in a later batch, or cut short, and leaves no scratch file', () =>
    inTempRoot(async (root) => {
      const before = openDescriptors();
      const scratch = scratchIn(root);
      const store = await createLocalBlobStore(root, undefined, scratch);
      const plain = randomBytes(40 * SEG);
      const put = () => putSealed(store, plain);
      const flipped = await put();
      const file = fileOf(root, flipped.id);
      const stored = await promises.readFile(file);
      stored[33 * SEALED_SEG + 100] = (stored[33 * SEALED_SEG + 100] as number) ^ 1;
      await promises.writeFile(file, stored);
      const short = await put();
      await promises.truncate(fileOf(root, short.id), 20 * SEALED_SEG);
      for (const blob of [flipped, short]) {
        await expect(store.linkForEngine([{ ...blob, name: 'f0.parquet' }])).rejects.toMatchObject({
          code: 'InternalError',
        });
        // A GET of the same range fails part way, having sent only true bytes.
        const stream = await store.open(blob, 0, blob.size);
        const seen: Buffer[] = [];
        await expect(
          (async () => {
            for await (const chunk of stream) seen.push(chunk as Buffer);
          })(),
        ).rejects.toMatchObject({ code: 'InternalError' });
        const got = Buffer.concat(seen);
        expect(got.length).toBeLessThan(blob.size);
        expect(got.equals(plain.subarray(0, got.length))).toBe(true);
      }
      expect(filesUnder(scratch.dir)).toEqual([]);
      await store.close();
      await untilClosed(before);
      expect(openDescriptors()).toBe(before);
    }));
});

describe('engine paths in messages', () => {
  it('are redacted whole, even when the data directory has spaces and quotes in its path', () => {
    const engineDir = "/home/ana/City Data (2024)/it's here/objects/engine";
    const id = 'ab'.repeat(16);
    const message = `IO Error: Cannot open file "${engineDir}/${id}/f0.csv": gone; LINE 1: read_csv(['${engineDir}/${id}/f1.csv']), spill ${engineDir}/${id}/spill; ENOSPC: open '${engineDir}/copies/${id}'`;
    const redacted = message.replace(enginePathPattern(engineDir), '<file>');
    expect(redacted).toBe(
      'IO Error: Cannot open file "<file>": gone; LINE 1: read_csv([<file>]), spill <file>; ENOSPC: open <file>',
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
