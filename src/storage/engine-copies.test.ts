import { promises as fs, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CopiedBlob, EngineCopies } from './engine-copies.js';

type Blob = CopiedBlob & { bad?: boolean };

const full = (needed: number, free: number, limit: number) =>
  Object.assign(new Error(`full: ${needed} > ${free} of ${limit}`), { code: 'Full' });

describe('engine copies', () => {
  let dir: string;
  let made: string[];
  let gates: Map<string, Promise<void>>;
  /** Writes a blob's "plaintext" (its id), after its gate if it has one; a bad blob fails part way. */
  const make = async (blob: Blob, path: string) => {
    made.push(blob.id);
    await gates.get(blob.id);
    await fs.writeFile(path, blob.id, { flag: 'wx' });
    if (blob.bad) throw new Error(`${blob.id} does not decrypt`);
  };
  const blob = (id: string, bad = false): Blob => ({ id, size: 10, bad });
  /**
   * Copies whose `gated` blobs wait, as they are made, until a bad blob's copy is failing: so they are under way
   * when the failure comes, and the copies after them are not yet begun.
   */
  const untilBadFails = (gated: string[]) => {
    let open = () => {};
    const failing = new Promise<void>((resolve) => {
      open = resolve;
    });
    for (const id of gated) gates.set(id, failing);
    return new EngineCopies<Blob>(
      dir,
      1000,
      async (b, path) => {
        try {
          await make(b, path);
        } finally {
          if (b.bad) open();
        }
      },
      full,
    );
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'engine-copies-'));
    made = [];
    gates = new Map();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes each copy once, read-only, for every holder, and removes it after the last', async () => {
    const copies = new EngineCopies<Blob>(dir, 100, make, full);
    const [a, b] = await Promise.all([copies.hold([blob('x'), blob('y')]), copies.hold([blob('y')])]);
    expect(made.sort()).toEqual(['x', 'y']);
    expect(b.paths[0]).toBe(a.paths[1]);
    expect(statSync(a.paths[0] as string).mode & 0o777).toBe(0o400);
    await a.release();
    await a.release();
    expect(readdirSync(dir)).toHaveLength(1);
    expect(await fs.readFile(b.paths[0] as string, 'utf8')).toBe('y');
    await b.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stops making its own copies after one fails, but still makes those others wait for', async () => {
    // The three copies made beside the bad one are under way when it fails.
    const copies = untilBadFails(['g0', 'g1', 'g2']);
    const blobs = [
      blob('bad', true),
      blob('g0'),
      blob('g1'),
      blob('g2'),
      ...[3, 4, 5, 6, 7].map((i) => blob(`b${i}`)),
    ];
    const failing = copies.hold(blobs);
    const other = copies.hold([blob('b5')]);
    await expect(failing).rejects.toThrow('bad does not decrypt');
    const kept = await other;
    expect(await fs.readFile(kept.paths[0] as string, 'utf8')).toBe('b5');
    expect(made.sort()).toEqual(['b5', 'bad', 'g0', 'g1', 'g2']);
    // Nothing is left but the copy still held, and the bytes of the rest are free again.
    expect(readdirSync(dir)).toHaveLength(1);
    await kept.release();
    expect(readdirSync(dir)).toEqual([]);
    const again = await copies.hold(Array.from({ length: 100 }, (_, i) => blob(`c${i}`)));
    await again.release();
  });

  it('stops making its own copies when a copy it waits on, made by another hold, fails', async () => {
    // The other hold's copy fails while this hold's first copies are still being made.
    const copies = untilBadFails(['m0', 'm1', 'm2', 'm3']);
    const theirs = copies.hold([blob('shared', true)]);
    const mine = copies.hold([blob('shared', true), ...Array.from({ length: 10 }, (_, i) => blob(`m${i}`))]);
    await expect(theirs).rejects.toThrow('shared does not decrypt');
    await expect(mine).rejects.toThrow('shared does not decrypt');
    expect(made.sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'shared']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives a holder waiting on a copy that fails the failure, and makes it afresh for the next', async () => {
    const copies = new EngineCopies<Blob>(dir, 100, make, full);
    const bad = blob('z', true);
    const results = await Promise.allSettled([copies.hold([bad]), copies.hold([bad])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(made).toEqual(['z']);
    await expect(copies.hold([bad])).rejects.toThrow('z does not decrypt');
    expect(made).toEqual(['z', 'z']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses copies past its bound before writing anything, counting a shared copy once', async () => {
    const copies = new EngineCopies<Blob>(dir, 25, make, full);
    const first = await copies.hold([blob('a'), blob('b')]);
    const shared = await copies.hold([blob('a'), blob('b'), blob('a')]);
    await expect(copies.hold([blob('c')])).rejects.toMatchObject({ code: 'Full' });
    expect(made).toEqual(['a', 'b']);
    await first.release();
    await shared.release();
    const after = await copies.hold([blob('c'), blob('d')]);
    await after.release();
  });
});
