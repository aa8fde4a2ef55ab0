import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { dataDirLayout } from '../src/data-dir.js';
import { DataDirError } from '../src/data-dir-errors.js';
import {
  acquireDataDirLock,
  breakStaleLock,
  DataDirBusyError,
  type LockRecord,
  readLockFile,
  readLockHolder,
} from '../src/data-dir-lock.js';
import { prepareDataDir } from '../src/data-dir-modes.js';
import { currentProcess } from '../src/data-dir-process.js';
import { createLogger } from '../src/lib/logger.js';
import { initDataDir, startSeawall } from '../src/main.js';
import { startTestSeawall, tempDir } from './helpers/seawall.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Every directory and file under root (links excluded) with its mode. */
function modesUnder(root: string): Map<string, number> {
  const modes = new Map<string, number>();
  for (const name of readdirSync(root, { recursive: true }).map(String)) {
    const stat = lstatSync(join(root, name));
    if (!stat.isSymbolicLink()) modes.set(name, stat.mode & 0o777);
  }
  return modes;
}

function expectPrivate(root: string): void {
  expect(modeOf(root)).toBe(0o700);
  for (const [name, mode] of modesUnder(root)) {
    const expected = statSync(join(root, name)).isDirectory() ? 0o700 : 0o600;
    expect({ name, mode: mode.toString(8) }).toEqual({ name, mode: expected.toString(8) });
  }
}

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid as number;
}

function lockRecord(overrides: Partial<LockRecord>): LockRecord {
  return {
    ...currentProcess(),
    nonce: 'ab'.repeat(16),
    startedAt: new Date().toISOString(),
    port: 9000,
    endpoint: 'http://127.0.0.1:9000',
    ...overrides,
  };
}

describe('data directory modes', () => {
  it('makes an existing directory and everything in it private, without following links', async () => {
    const root = join(tempDir(), 'data');
    mkdirSync(join(root, 'objects', 'blobs', 'ab'), { recursive: true, mode: 0o755 });
    chmodSync(root, 0o755);
    writeFileSync(join(root, 'metadata.db'), 'x', { mode: 0o644 });
    writeFileSync(join(root, 'objects', 'blobs', 'ab', 'blob'), 'y', { mode: 0o640 });
    const outside = join(tempDir(), 'outside.txt');
    writeFileSync(outside, 'not ours', { mode: 0o644 });
    symlinkSync(outside, join(root, 'link'));

    expect(await prepareDataDir(root)).toBe(6);
    expectPrivate(root);
    expect(modeOf(outside)).toBe(0o644);
    expect(await prepareDataDir(root)).toBe(0);
  });

  it('creates a missing directory and its parents private, and says in one line why it cannot', async () => {
    const base = tempDir();
    await prepareDataDir(join(base, 'a', 'b'));
    expect(modeOf(join(base, 'a'))).toBe(0o700);
    expect(modeOf(join(base, 'a', 'b'))).toBe(0o700);

    const file = join(base, 'file');
    writeFileSync(file, '');
    const failures: [string, RegExp][] = [
      [file, /^.+\/file is a file, not a directory \(EEXIST\); choose a directory .* --data-dir$/],
      [join(file, 'data'), /^cannot create .+: .+\/file is a file, not a directory \(ENOTDIR\)/],
      // Node's own recursive mkdir never returns for this one.
      ['/proc/seawall-test/data', /^cannot create .+: \/proc does not allow new directories \(ENOENT\)/],
    ];
    for (const [path, message] of failures) {
      const error = await prepareDataDir(path).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(DataDirError);
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain('\n');
    }
  });
});

describe('data directory lock', () => {
  it('a server locks its data directory, records its endpoint, refuses a second server and unlocks on close', async () => {
    const dataDir = tempDir();
    const config = loadConfig({ dataDir, port: '0', logLevel: 'silent' }, {});
    await initDataDir(config);
    // What an older version, a copy or a restore may leave: readable by everyone.
    chmodSync(dataDir, 0o755);
    for (const name of ['root.key', 'credentials', 'config', 'metadata.db'])
      chmodSync(join(dataDir, name), 0o644);

    const t = await startTestSeawall({ dataDir });
    const lockPath = dataDirLayout(dataDir).lock;
    const record = JSON.parse(readFileSync(lockPath, 'utf8')) as LockRecord;
    expect(record).toMatchObject({ pid: process.pid, endpoint: t.url, port: t.seawall.port });
    expect(existsSync(join(dataDir, 'metadata.db-wal'))).toBe(true);
    expectPrivate(dataDir);

    const second = await startSeawall(config, { logger: createLogger('silent') }).then(
      () => new Error('a second server started'),
      (error: unknown) => error as Error,
    );
    expect(second).toBeInstanceOf(DataDirBusyError);
    expect(second.message).toBe(
      `Seawall is already running on ${dataDir} (pid ${process.pid}, ${t.url}); use it, or stop it first (kill ${process.pid})`,
    );
    expect((await readLockHolder(lockPath))?.holder.endpoint).toBe(t.url);

    await t.close();
    expect(existsSync(lockPath)).toBe(false);
    const again = await startTestSeawall({ dataDir });
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).endpoint).toBe(again.url);
    await again.close();
  });

  it('takes over a stale lock, and exactly one of many starts racing for it wins', async () => {
    const dataDir = tempDir();
    const lockPath = dataDirLayout(dataDir).lock;
    const stale = [
      lockRecord({ pid: deadPid() }),
      // The pid runs, but it is another process than the one that wrote the lock.
      lockRecord({ startTicks: '1' }),
      '{"pid": 12',
    ];
    for (const content of stale) {
      writeFileSync(lockPath, typeof content === 'string' ? content : JSON.stringify(content));
      expect(await readLockHolder(lockPath)).toBeUndefined();
      const starts = await Promise.allSettled(
        Array.from({ length: 8 }, () => acquireDataDirLock(dataDir, lockPath, 0)),
      );
      const won = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const lost = starts.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(7);
      for (const error of lost) expect(error).toBeInstanceOf(DataDirBusyError);
      expect(JSON.parse(readFileSync(lockPath, 'utf8')).nonce).toBe(won[0]?.record.nonce);
      await won[0]?.release();
      expect(readdirSync(dataDir)).toEqual([]);
    }
  });

  it('a start that read the stale lock before another took it over cannot remove the new lock', async () => {
    const dataDir = tempDir();
    const lockPath = dataDirLayout(dataDir).lock;
    writeFileSync(lockPath, JSON.stringify(lockRecord({ pid: deadPid() })));
    const seenBySlowStart = await readLockFile(lockPath);
    const winner = await acquireDataDirLock(dataDir, lockPath, 0);
    expect(seenBySlowStart && (await breakStaleLock(lockPath, seenBySlowStart))).toBe(true);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).nonce).toBe(winner.record.nonce);
    await winner.release();
  });

  it('a start that died while taking over a stale lock is reported, not guessed around', async () => {
    const dataDir = tempDir();
    const lockPath = dataDirLayout(dataDir).lock;
    const stale = lockRecord({ pid: deadPid() });
    writeFileSync(lockPath, JSON.stringify(stale));
    writeFileSync(`${lockPath}.takeover-${stale.nonce}`, `${deadPid()}\n`);
    await expect(acquireDataDirLock(dataDir, lockPath, 0)).rejects.toThrow(
      `cannot take over the stale lock ${lockPath}: another start keeps claiming it; if no Seawall runs on ${dataDir}, remove ${lockPath} and ${lockPath}.takeover-*`,
    );
  });

  it('never takes over a lock from another host, and says how to clear it', async () => {
    const dataDir = tempDir();
    const lockPath = dataDirLayout(dataDir).lock;
    writeFileSync(lockPath, JSON.stringify(lockRecord({ hostname: 'elsewhere', pid: deadPid() })));
    const error = await acquireDataDirLock(dataDir, lockPath, 0).then(
      () => new Error('took the lock'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(DataDirBusyError);
    expect(error.message).toMatch(
      new RegExp(
        `^Seawall may be running on .+ from host elsewhere \\(pid \\d+, http://127.0.0.1:9000\\); if it is not, remove ${lockPath}$`,
      ),
    );
  });
});
