import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { startSeawall } from '../src/main.js';
import { BIN } from './helpers/child-server.js';
import { startTestSeawall, tempDir } from './helpers/seawall.js';

/** Overwrites one page of `table` in the SQLite file with garbage, as a failing disk might. */
function damagePage(path: string, table: string): void {
  const db = new BetterSqlite3(path, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.prepare('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno').all(table) as {
    pageno: number;
  }[];
  db.close();
  const page = pages[Math.floor(pages.length / 2)]?.pageno;
  if (page === undefined) throw new Error(`${table} has no pages`);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
}

describe('a damaged database found at start-up', () => {
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    const t = await startTestSeawall({ dataDir: dir });
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'records' }));
    for (let i = 0; i < 300; i++)
      await s3.send(new PutObjectCommand({ Bucket: 'records', Key: `permit-${i}.json`, Body: `{"n":${i}}` }));
    await t.close();
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = () =>
    startSeawall(loadConfig({ dataDir: dir, port: '0', logLevel: 'silent' }, {}), {
      logger: createLogger('silent'),
    });

  it('stops the start, naming the file and what to do, in-process and from the command line', async () => {
    const copy = tempDir();
    spawnSync('cp', ['-a', `${dir}/.`, copy]);
    damagePage(join(dir, 'metadata.db'), 'object_versions');
    try {
      await expect(start()).rejects.toThrow(/^metadata\.db is damaged \(.+\): run `seawall check`/);
      const served = spawnSync(process.execPath, [BIN, 'serve', '--data-dir', dir, '--port', '0'], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(served.status).not.toBe(0);
      expect(served.stderr).toMatch(/metadata\.db is damaged/);
      // The lock a refused start took is released: a repaired directory starts.
      rmSync(dir, { recursive: true, force: true });
      spawnSync('cp', ['-a', `${copy}/.`, dir]);
      const again = await start();
      await again.close();
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('stops the start on a byte changed inside a row, which SQLite cannot see, and seawall check names it', async () => {
    const copy = tempDir();
    spawnSync('cp', ['-a', `${dir}/.`, copy]);
    const path = join(dir, 'metadata.db');
    // One letter of an object's key, in the row's own bytes: every page still well-formed.
    const bytes = readFileSync(path);
    const at = bytes.indexOf('permit-150.json');
    expect(at).toBeGreaterThan(0);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('q'), 0, 1, at);
    closeSync(fd);
    try {
      await expect(start()).rejects.toThrow(
        /^metadata\.db is not as Seawall left it when it last stopped \(the same size, other bytes\): a bit changed on disk, or a program other than Seawall wrote to it: run `seawall check`/,
      );
      const checked = spawnSync(process.execPath, [BIN, 'check', '--data-dir', dir], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(checked.status).not.toBe(0);
      expect(`${checked.stdout}${checked.stderr}`).toMatch(/metadata\.db.*is not as Seawall left it/);
      // Put back as it was, it starts, and a clean stop seals it again for the next start.
      rmSync(dir, { recursive: true, force: true });
      spawnSync('cp', ['-a', `${copy}/.`, dir]);
      await (await start()).close();
      expect(existsSync(`${path}.seal`)).toBe(true);
      await (await start()).close();
      // A seal that does not read vouches for nothing: the start is refused, saying so.
      writeFileSync(`${path}.seal`, '{"sha256": 12');
      await expect(start()).rejects.toThrow(
        /^metadata\.db has a seal \(metadata\.db\.seal\) that is not one Seawall wrote: it was damaged, or written by another program: run `seawall check`/,
      );
      rmSync(`${path}.seal`);
      await (await start()).close();
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('refuses a damaged audit trail the same way', async () => {
    damagePage(join(dir, 'audit.db'), 'audit_events');
    await expect(start()).rejects.toThrow(/^audit\.db is damaged/);
  });
});
