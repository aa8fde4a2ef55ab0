import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInstallation } from '../src/check/index.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { startSeawall } from '../src/main.js';
import { startTestSeawall, tempDir } from './helpers/seawall.js';

// Issue 13's faults, tried the way a hostile disk would: each case here was a defect when it was written.

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function blobFiles(dir: string): number {
  return readdirSync(join(dir, 'objects', 'blobs'), { recursive: true })
    .map(String)
    .filter((name) => /[0-9a-f]{32}$/.test(name)).length;
}

const configOf = (dir: string) => loadConfig({ dataDir: dir, port: '0', logLevel: 'silent' }, {});

const start = (dir: string) =>
  startSeawall(configOf(dir), {
    logger: createLogger('silent'),
  });

/** The problems `seawall check` (in-process: the same checks, the same findings) finds in a stopped installation. */
async function problemsOf(dir: string): Promise<string[]> {
  const problems: string[] = [];
  await checkInstallation(configOf(dir), {
    problem: (subject, detail) => problems.push(`${subject}: ${detail}`),
    note: () => {},
    ok: () => {},
  });
  return problems;
}

describe('a database file that lost its bytes after a crash', () => {
  let pristine: string;

  beforeAll(async () => {
    pristine = tempDir('seawall-probe-');
    made.push(pristine);
    const t = await startTestSeawall({ dataDir: pristine });
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'permits' }));
    for (let i = 0; i < 20; i++)
      await s3.send(new PutObjectCommand({ Bucket: 'permits', Key: `p${i}.json`, Body: `{"n":${i}}` }));
    await t.close();
    // A crash leaves no seal (db/sqlite-seal.ts): nothing vouches for the file's size at the next start.
    rmSync(join(pristine, 'metadata.db.seal'));
  }, 120_000);

  /** A copy of the stopped installation, with `damage` done to it. */
  function damaged(damage: (dir: string) => void): string {
    const dir = tempDir('seawall-probe-');
    made.push(dir);
    spawnSync('cp', ['-a', `${pristine}/.`, dir]);
    damage(dir);
    return dir;
  }

  it('refuses to start on an empty metadata.db, and leaves every blob where it was', async () => {
    const dir = damaged((d) => truncateSync(join(d, 'metadata.db'), 0));
    expect(blobFiles(dir)).toBe(20);
    // Before, SQLite took it for a new database: the start made a new root account and swept every blob.
    await expect(start(dir)).rejects.toThrow(/^metadata\.db is empty \(0 bytes\).*run `seawall check`/);
    expect(blobFiles(dir)).toBe(20);
    expect(statSync(join(dir, 'metadata.db')).size).toBe(0);
  });

  it('refuses to start when metadata.db is gone from an initialised directory', async () => {
    const dir = damaged((d) => rmSync(join(d, 'metadata.db')));
    await expect(start(dir)).rejects.toThrow(/^metadata\.db is missing from an initialised data directory/);
    expect(blobFiles(dir)).toBe(20);
  });

  for (const file of ['audit.db', 'metrics.db', 'logs.db'])
    it(`refuses to start on an empty ${file}, rather than begin it afresh`, async () => {
      const dir = damaged((d) => truncateSync(join(d, file), 0));
      await expect(start(dir)).rejects.toThrow(
        new RegExp(`^${file.replace('.', '\\.')} is empty \\(0 bytes\\)`),
      );
    });

  for (const file of ['metadata.db', 'audit.db'])
    it(`is named by seawall check when ${file} is empty, which SQLite's own check passes`, async () => {
      const dir = damaged((d) => truncateSync(join(d, file), 0));
      // Before, an empty audit.db (a trail's every record gone) was "no problems".
      expect(await problemsOf(dir)).toEqual([
        `${file}: is empty (0 bytes): its contents are lost; restore it from a backup`,
      ]);
    });

  it('starts again once the file is restored, and seawall check finds nothing', async () => {
    const dir = damaged(() => {});
    expect(await problemsOf(dir)).toEqual([]);
    await (await start(dir)).close();
  });
});
