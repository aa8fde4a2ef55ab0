import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreBackup } from '../src/backup/restore-backup.js';
import { takeBackup } from '../src/backup/take-backup.js';
import { verifyBackup } from '../src/backup/verify-backup.js';
import { checkInstallation } from '../src/check/index.js';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { initDataDir, startSeawall } from '../src/main.js';
import { postgresAdmin, postgresUrl } from './helpers/postgres.js';
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

const configOf = (dir: string, env: Record<string, string> = {}, acceptLostDatabases: string[] = []) =>
  loadConfig({ dataDir: dir, port: '0', logLevel: 'silent', acceptLostDatabases }, env);

const start = (dir: string, env: Record<string, string> = {}, acceptLostDatabases: string[] = []) =>
  startSeawall(configOf(dir, env, acceptLostDatabases), { logger: createLogger('silent') });

/** Why a start on `dir` was refused; a start that was not is stopped again, and fails the test. */
async function refusal(
  dir: string,
  env: Record<string, string> = {},
  acceptLostDatabases: string[] = [],
): Promise<string> {
  let started: Awaited<ReturnType<typeof start>>;
  try {
    started = await start(dir, env, acceptLostDatabases);
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
        `${file}: is missing (deleted or moved), though the metadata records that Seawall made it: its contents are lost; restore it from a backup, or, with no backup, start once with --accept-lost-database ${file} to begin it afresh and empty (its records lost for good)`,
      ]);
    });

  it('takes no backup without audit.db', async () => {
    const dir = damaged((d) => removeDatabase(d, 'audit.db'));
    const to = scratch('seawall-audit-missing-backup-');
    // Before, the backup skipped the missing file and its snapshot was called whole.
    await expect(takeBackup({ dataDir: dir, to })).rejects.toThrow(
      /^audit\.db, which the metadata records that Seawall made, is not in the data directory.*Restore it from a backup, or, with no backup, start once with --accept-lost-database audit\.db to begin it afresh/,
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

  it('starts without a lost audit.db once told --accept-lost-database, warns, and guards the new one', async () => {
    const dir = damaged((d) => removeDatabase(d, 'audit.db'));
    // Before, the refusal named no way out but a backup: without one, the installation could never start again.
    expect(await refusal(dir)).toMatch(
      /restore it from a backup; or, with no backup, start once with --accept-lost-database audit\.db to begin it afresh and empty/,
    );
    const to = scratch('seawall-audit-missing-backup-');
    await expect(takeBackup({ dataDir: dir, to })).rejects.toThrow(/--accept-lost-database audit\.db/);

    const log = new PassThrough();
    const lines: string[] = [];
    log.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const accepted = await startSeawall(configOf(dir, {}, ['audit.db']), {
      logger: createLogger('warn', log),
    });
    await accepted.close();
    expect(lines.join('')).toContain(
      'audit.db was lost and is begun afresh and empty, as --accept-lost-database said: the audit trail recorded before this start is gone',
    );
    // A new audit.db, empty of the records the lost one held (the pristine one holds the bucket's calls).
    const count = (at: string) => {
      const db = new BetterSqlite3(join(at, 'audit.db'), { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(count(pristine)).toBeGreaterThan(0);
    expect(count(dir)).toBe(0);
    expect(await problemsOf(dir)).toEqual([]);
    // The metadata, blobs and what else survived can be backed up again.
    const { snapshot } = await takeBackup({ dataDir: dir, to });
    expect((await verifyBackup(to)).problems).toEqual([]);
    expect(existsSync(join(to, 'snapshots', snapshot, 'audit.db'))).toBe(true);

    // The flag left on a later start, with nothing lost, is refused rather than kept as a standing acceptance.
    expect(await refusal(dir, {}, ['audit.db'])).toBe(
      '--accept-lost-database audit.db: audit.db is not lost (it is in the data directory); start without this flag',
    );
    // The new audit.db is recorded: lost again, it is refused again.
    removeDatabase(dir, 'audit.db');
    expect(await refusal(dir)).toMatch(/^audit\.db is missing from an initialised data directory/);
  });

  it('seawall serve --accept-lost-database takes the flag, repeated, and refuses a name that is not lost', async () => {
    const dir = damaged((d) => {
      removeDatabase(d, 'metrics.db');
      removeDatabase(d, 'logs.db');
    });
    const io = (lines: string[], stopSignal: Promise<string>) => ({
      out: (text: string) => lines.push(text),
      err: (text: string) => lines.push(text),
      env: {},
      stopSignal,
    });
    const args = ['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent'];
    const failed: string[] = [];
    // Not one of the three: a ConfigError, before anything is touched.
    expect(
      await main([...args, '--accept-lost-database', 'metric.db'], io(failed, new Promise(() => {}))),
    ).toBe(1);
    // One of two lost databases accepted: the other still refuses the start.
    expect(
      await main([...args, '--accept-lost-database', 'metrics.db'], io(failed, new Promise(() => {}))),
    ).toBe(1);
    // A name that is not lost, beside one that is: refused, and neither record removed.
    expect(
      await main(
        [...args, '--accept-lost-database', 'metrics.db', '--accept-lost-database', 'audit.db'],
        io(failed, new Promise(() => {})),
      ),
    ).toBe(1);
    expect(failed).toEqual([
      'seawall serve: invalid configuration: --accept-lost-database must be audit.db, metrics.db or logs.db',
      expect.stringMatching(/^seawall serve: logs\.db is missing .*--accept-lost-database logs\.db/),
      'seawall serve: --accept-lost-database audit.db: audit.db is not lost (it is in the data directory); start without this flag',
    ]);
    expect(await problemsOf(dir)).toHaveLength(2);

    const lines: string[] = [];
    let stop: (signal: string) => void = () => {};
    const exit = main(
      [...args, '--accept-lost-database', 'metrics.db', '--accept-lost-database', 'logs.db'],
      io(
        lines,
        new Promise<string>((resolve) => {
          stop = resolve;
        }),
      ),
    );
    await expect.poll(() => lines.join('\n'), { timeout: 60_000 }).toMatch(/serving on http:/);
    stop('SIGTERM');
    expect(await exit).toBe(0);
    expect(existsSync(join(dir, 'metrics.db'))).toBe(true);
    expect(existsSync(join(dir, 'logs.db'))).toBe(true);
    expect(await problemsOf(dir)).toEqual([]);
  }, 120_000);

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
  const database = `seawall_audit_missing_${process.pid}`;
  const url = postgresUrl(database);
  const admin = postgresAdmin;
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
      'audit.db: is missing (deleted or moved), though the metadata records that Seawall made it: its contents are lost; restore it from a backup, or, with no backup, start once with --accept-lost-database audit.db to begin it afresh and empty (its records lost for good)',
    ]);
  });
});
