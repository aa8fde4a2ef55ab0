import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreBackup } from '../src/backup/restore-backup.js';
import { takeBackup } from '../src/backup/take-backup.js';
import { verifyBackup } from '../src/backup/verify-backup.js';
import { checkInstallation } from '../src/check/index.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { initDataDir, startSeawall } from '../src/main.js';
import { startTestSeawall, tempDir } from './helpers/seawall.js';

// Issue 13: a database the first `seawall serve` makes (init does not), deleted from a stopped installation,
// was made afresh and empty by the next start: the audit trail's whole history lost without a word.

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const scratch = (prefix: string) => {
  const dir = tempDir(prefix);
  made.push(dir);
  return dir;
};

const configOf = (dir: string, env: Record<string, string> = {}) =>
  loadConfig({ dataDir: dir, port: '0', logLevel: 'silent' }, env);

const start = (dir: string, env: Record<string, string> = {}) =>
  startSeawall(configOf(dir, env), { logger: createLogger('silent') });

/** Why a start on `dir` was refused; a start that was not is stopped again, and fails the test. */
async function refusal(dir: string, env: Record<string, string> = {}): Promise<string> {
  let started: Awaited<ReturnType<typeof start>>;
  try {
    started = await start(dir, env);
  } catch (error) {
    return (error as Error).message;
  }
  await started.close();
  throw new Error(`Seawall started on ${dir}`);
}

/** The problems `seawall check` (in-process: the same checks, the same findings) finds in a stopped installation. */
async function problemsOf(dir: string, env: Record<string, string> = {}): Promise<string[]> {
  const problems: string[] = [];
  await checkInstallation(configOf(dir, env), {
    problem: (subject, detail) => problems.push(`${subject}: ${detail}`),
    note: () => {},
    ok: () => {},
  });
  return problems;
}

/** A file and the write-ahead log and shared memory SQLite keeps beside it. */
function removeDatabase(dir: string, file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `${file}${suffix}`), { force: true });
}

const pattern = (file: string) => file.replace('.', '\\.');

describe('a database the first start made, gone from a stopped installation', () => {
  let pristine: string;

  beforeAll(async () => {
    pristine = scratch('seawall-audit-missing-');
    const t = await startTestSeawall({ dataDir: pristine });
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'permits' }));
    for (let i = 0; i < 5; i++)
      await s3.send(new PutObjectCommand({ Bucket: 'permits', Key: `p${i}.json`, Body: `{"n":${i}}` }));
    await t.close();
  }, 120_000);

  /** A copy of the stopped installation, with `damage` done to it. */
  function damaged(damage: (dir: string) => void): string {
    const dir = scratch('seawall-audit-missing-');
    spawnSync('cp', ['-a', `${pristine}/.`, dir]);
    damage(dir);
    return dir;
  }

  for (const file of ['audit.db', 'metrics.db', 'logs.db'])
    it(`refuses to start without ${file}, naming it, rather than begin it afresh; seawall check names it`, async () => {
      const dir = damaged((d) => removeDatabase(d, file));
      // Before, the start made a new, empty one and served: every record before it gone, silently.
      expect(await refusal(dir)).toMatch(
        new RegExp(
          `^${pattern(file)} is missing from an initialised data directory.*restore it from a backup`,
        ),
      );
      expect(existsSync(join(dir, file))).toBe(false);
      // Before, `seawall check` looked at the file only when it was there: "no problems".
      expect(await problemsOf(dir)).toEqual([
        `${file}: is missing (deleted or moved), though the metadata records that Seawall made it: its contents are lost; restore it from a backup`,
      ]);
    });

  it('takes no backup without audit.db', async () => {
    const dir = damaged((d) => removeDatabase(d, 'audit.db'));
    const to = scratch('seawall-audit-missing-backup-');
    // Before, the backup skipped the missing file and its snapshot was called whole.
    await expect(takeBackup({ dataDir: dir, to })).rejects.toThrow(
      /^audit\.db, which the metadata records that Seawall made, is not in the data directory/,
    );
    expect(existsSync(join(to, 'snapshots')) ? readdirSync(join(to, 'snapshots')) : []).toEqual([]);
  });

  it('verify names a snapshot without audit.db, and restore refuses it', async () => {
    const backup = scratch('seawall-audit-missing-backup-');
    const { snapshot } = await takeBackup({ dataDir: pristine, to: backup });
    expect((await verifyBackup(backup)).problems).toEqual([]);
    // A snapshot that does not hold audit.db (as one an earlier version took of such a directory would not).
    const manifestFile = join(backup, 'snapshots', snapshot, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    delete manifest.databases['audit.db'];
    writeFileSync(manifestFile, JSON.stringify(manifest));
    rmSync(join(backup, 'snapshots', snapshot, 'audit.db'));
    const verified = await verifyBackup(backup);
    expect(verified.problems).toEqual([
      `snapshot ${snapshot}: audit.db is missing, though the snapshot's metadata records that Seawall had made it: a restore would lose the audit trail`,
    ]);

    const keyFile = join(scratch('seawall-audit-missing-key-'), 'root.key');
    copyFileSync(join(pristine, 'root.key'), keyFile);
    const target = join(scratch('seawall-audit-missing-new-'), 'new');
    await expect(
      restoreBackup({ from: backup, config: configOf(target), rootKeyFile: keyFile }),
    ).rejects.toThrow(
      `snapshot ${snapshot}: audit.db is missing from the backup, though the snapshot's metadata records that Seawall had made it; nothing restored`,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('starts, checks and backs up an installation an earlier version served, and then guards it', async () => {
    // As an earlier version left it: the files there, the metadata recording none of them.
    const dir = damaged((d) => {
      const db = new BetterSqlite3(join(d, 'metadata.db'));
      db.exec('DROP TABLE data_dir_files');
      db.prepare('DELETE FROM kysely_migration WHERE name = ?').run('0009-data-dir-files');
      db.close();
      // Its seal would (rightly) call this edit damage.
      rmSync(join(d, 'metadata.db.seal'));
    });
    expect(await problemsOf(dir)).toEqual([]);
    const backup = scratch('seawall-audit-missing-backup-');
    await takeBackup({ dataDir: dir, to: backup });
    expect((await verifyBackup(backup)).problems).toEqual([]);
    await (await start(dir)).close();
    // The start recorded the files it found: from now on one missing is damage.
    removeDatabase(dir, 'audit.db');
    expect(await refusal(dir)).toMatch(/^audit\.db is missing from an initialised data directory/);
  });
});

describe('an installation that never served', () => {
  it('is whole without audit.db: check, backup, restore and a first start all work', async () => {
    const dir = scratch('seawall-never-served-');
    // `seawall init` makes no audit.db, as earlier versions' did not.
    await initDataDir(configOf(dir));
    expect(existsSync(join(dir, 'audit.db'))).toBe(false);
    expect(await problemsOf(dir)).toEqual([]);
    const backup = scratch('seawall-never-served-backup-');
    await takeBackup({ dataDir: dir, to: backup });
    expect((await verifyBackup(backup)).problems).toEqual([]);
    const keyFile = join(scratch('seawall-never-served-key-'), 'root.key');
    copyFileSync(join(dir, 'root.key'), keyFile);
    const restored = join(scratch('seawall-never-served-new-'), 'new');
    await restoreBackup({ from: backup, config: configOf(restored), rootKeyFile: keyFile });
    for (const at of [dir, restored]) {
      const t = await start(at);
      await t.close();
      expect(existsSync(join(at, 'audit.db'))).toBe(true);
      expect(await problemsOf(at)).toEqual([]);
    }
  }, 120_000);
});

describe('with the metadata in PostgreSQL', () => {
  const ADMIN_URL = process.env.SEAWALL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `seawall_audit_missing_${process.pid}`;
  const url = (() => {
    const u = new URL(ADMIN_URL);
    u.pathname = `/${database}`;
    return u.toString();
  })();
  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('refuses to start without audit.db, and seawall check names it', async () => {
    await admin(`CREATE DATABASE ${database}`);
    const env = { SEAWALL_METADATA_URL: url };
    const dir = scratch('seawall-audit-missing-pg-');
    const t = await startTestSeawall({ dataDir: dir, env });
    await t.s3().send(new CreateBucketCommand({ Bucket: 'pg-permits' }));
    await t.close();
    // Stopped and started again, it records nothing twice.
    await (await start(dir, env)).close();
    removeDatabase(dir, 'audit.db');
    expect(await refusal(dir, env)).toMatch(/^audit\.db is missing from an initialised data directory/);
    expect(await problemsOf(dir, env)).toEqual([
      'audit.db: is missing (deleted or moved), though the metadata records that Seawall made it: its contents are lost; restore it from a backup',
    ]);
  });
});
