import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pinBlobs, removeStalePins } from './blob-pins.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tier(ids: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'seawall-pins-'));
  dirs.push(root);
  for (const id of ids) {
    mkdirSync(join(root, 'blobs', id.slice(0, 2)), { recursive: true });
    writeFileSync(join(root, 'blobs', id.slice(0, 2), id), `bytes of ${id}`);
  }
  return root;
}

const A = 'aa'.padEnd(32, '1');
const B = 'bb'.padEnd(32, '2');
const C = 'cc'.padEnd(32, '3');

describe('blob pins', () => {
  it("keep a blob's bytes readable after the server deletes its file, and skip what the backup holds", async () => {
    const hot = tier([A, B]);
    const cold = tier([C]);
    const pins = await pinBlobs([hot, cold], 'run-1', (id) => id === B);
    rmSync(join(hot, 'blobs', 'aa', A));
    rmSync(join(cold, 'blobs', 'cc', C));
    const readable = (id: string) =>
      pins.sources(id).flatMap((path) => {
        try {
          return [readFileSync(path, 'utf8')];
        } catch {
          return [];
        }
      });
    expect(readable(A)).toEqual([`bytes of ${A}`]);
    expect(readable(C)).toEqual([`bytes of ${C}`]);
    // Held by the backup already: not pinned, read (if at all) from its live file.
    expect(readable(B)).toEqual([`bytes of ${B}`]);
    expect(readdirSync(join(hot, 'backup-pins', 'run-1')).sort()).toEqual([A, 'owner.json']);
    await pins.release();
    expect(readdirSync(join(hot, 'backup-pins'))).toEqual([]);
    expect(readable(A)).toEqual([]);
  });

  it('pins what a snapshot names that was written after the first pins, before the server deletes it', async () => {
    const hot = tier([A]);
    const pins = await pinBlobs([hot], 'run-2', () => false);
    mkdirSync(join(hot, 'blobs', 'bb'), { recursive: true });
    writeFileSync(join(hot, 'blobs', 'bb', B), `bytes of ${B}`);
    async function* named() {
      yield* [A, B, C];
    }
    await pins.pinNamed(named(), () => false);
    rmSync(join(hot, 'blobs', 'bb', B));
    expect(readFileSync(pins.sources(B)[0] as string, 'utf8')).toBe(`bytes of ${B}`);
    expect(readdirSync(join(hot, 'backup-pins', 'run-2')).sort()).toEqual([A, B, 'owner.json']);
    await pins.release();
  });

  it("removes a killed backup's pins but never a running one's", async () => {
    const hot = tier([A]);
    const live = await pinBlobs([hot], 'live', () => false);
    const killed = join(hot, 'backup-pins', 'killed');
    mkdirSync(killed);
    // A process of this host that cannot exist: Linux's pids stop at 2^22.
    writeFileSync(join(killed, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 1, hostname: hostname() }));
    writeFileSync(join(killed, A), 'pinned');
    // A run killed before it named its owner, a minute ago and more; and one naming itself right now.
    mkdirSync(join(hot, 'backup-pins', 'nameless'));
    const past = new Date(Date.now() - 120_000);
    utimesSync(join(hot, 'backup-pins', 'nameless'), past, past);
    mkdirSync(join(hot, 'backup-pins', 'naming'));
    await removeStalePins([hot]);
    expect(readdirSync(join(hot, 'backup-pins')).sort()).toEqual(['live', 'naming']);
    await live.release();
  });
});
