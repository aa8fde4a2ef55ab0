import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { initDataDir } from '../src/main.js';
import { awsCli } from './helpers/aws-cli.js';
import { servedUrl } from './helpers/child-server.js';
import { tempDir } from './helpers/seawall.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'seawall.js');

function run(...args: string[]) {
  return runAs({}, ...args);
}

/** Runs the CLI, as another user when given one; never waits forever (Node's mkdir -p can hang in /proc). */
function runAs(options: { uid?: number; gid?: number; env?: Record<string, string> }, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...options.env },
    timeout: 30_000,
    // The CLI answers SIGTERM by shutting down, which a command stuck in a system call never reaches.
    killSignal: 'SIGKILL',
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A data directory initialised in this process, for tests about what comes after init. */
async function initialised(): Promise<string> {
  const dir = tempDir();
  await initDataDir(loadConfig({ dataDir: dir }, {}));
  return dir;
}

function expectOneLine(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

/** Every directory under root is 0700 and every file 0600, root included. */
function expectPrivate(root: string): void {
  expect((statSync(root).mode & 0o777).toString(8)).toBe('700');
  for (const name of readdirSync(root, { recursive: true }).map(String)) {
    const stat = lstatSync(join(root, name));
    const mode = (stat.mode & 0o777).toString(8);
    expect({ name, mode }).toEqual({ name, mode: stat.isDirectory() ? '700' : '600' });
  }
}

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const servers: ChildProcess[] = [];

afterAll(() => {
  for (const child of servers) if (child.exitCode === null) child.kill('SIGKILL');
});

function startServe(dir: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data-dir', dir, '--port', '0', '--log-level', 'warn'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  servers.push(child);
  return { child, url: servedUrl(child) };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('seawall CLI', () => {
  it('prints help for itself and every command, and one-line errors', () => {
    const help = run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('init');
    expect(help.stdout).toContain('serve');
    for (const command of ['init', 'serve']) {
      const out = run(command, '--help');
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('--data-dir');
    }
    const unknown = run('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const missing = run('init');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('--data-dir');
    const badFlag = run('serve', '--data-dir', tempDir(), '--bogus');
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr.trim().split('\n')).toHaveLength(1);
    const notInit = run('serve', '--data-dir', join(tempDir(), 'never-initialised'));
    expect(notInit.code).toBe(1);
    expect(notInit.stderr).toContain('seawall init');
  });

  it("answers every command's help and a bad flag without loading the server, the SDK or what it runs", {
    timeout: 120_000,
  }, () => {
    const log = join(tempDir(), 'imports');
    const imported = (...args: string[]) => {
      writeFileSync(log, '');
      const result = spawnSync(
        process.execPath,
        ['--import', join(import.meta.dirname, 'helpers', 'import-recorder.mjs'), BIN, ...args],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', SEAWALL_RECORD_IMPORTS: log },
          timeout: 30_000,
        },
      );
      return { code: result.status, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
    };
    // The server and what the commands run; the backup command judges its --to with backup-location.js alone.
    const heavy =
      /\/dist\/(main\.js|server\/|storage\/|kms\/|backup\/(?!backup-location\.js)|check\/|demo\/|query\/)|@aws-sdk\/client-|duckdb|better-sqlite3/;
    // The recorder sees the CLI's own modules (it would see the server's were they loaded).
    expect(imported('--help').urls.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true);
    const nowhere = join(tempDir(), 'not-a-data-dir');
    const cases = [
      ...['init', 'serve', 'demo', 'backup', 'restore', 'check', 'remote'].flatMap((command) => [
        [command, '--help'],
        [command, '--bogus'],
      ]),
      // Flags a command judges itself, before it loads what it runs.
      ['backup', '--data-dir', nowhere, '--to', nowhere, '--endpoint', 'http://127.0.0.1:1'],
      ['restore', '--from', nowhere, '--data-dir', nowhere],
      ['check', '--data-dir', nowhere],
      ['remote', 'list', '--data-dir', nowhere],
    ];
    for (const args of cases) {
      const { code, urls } = imported(...args);
      // Help succeeds; the rest fail with the command's failure code (1, or 2 for check).
      expect({ args, failed: code !== 0 }).toEqual({ args, failed: !args.includes('--help') });
      expect({ args, loaded: urls.filter((url) => heavy.test(url)) }).toEqual({ args, loaded: [] });
    }
  });

  it('init creates the key, account and credentials once, and a second init changes nothing', () => {
    const dir = join(tempDir(), 'data');
    expect(run('init', '--data-dir', dir).code).toBe(0);
    expect(statSync(join(dir, 'root.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'credentials')).mode & 0o777).toBe(0o600);
    const credentials = readFileSync(join(dir, 'credentials'), 'utf8');
    expect(credentials).toMatch(
      /^\[seawall\]\naws_access_key_id = AKIA[A-Z2-7]{16}\naws_secret_access_key = \S{40}\n$/,
    );
    expect(readFileSync(join(dir, 'config'), 'utf8')).toBe('[profile seawall]\nregion = ca-west-1\n');
    const key = readFileSync(join(dir, 'root.key'));
    const first = run('init', '--data-dir', dir);
    expect(first.code).toBe(0);
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe(credentials);
    expect(readFileSync(join(dir, 'root.key')).equals(key)).toBe(true);
    expect(run('init', '--data-dir', dir).stdout).toBe(first.stdout);
  });

  it('serve answers health, works with the aws cli and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    expect(run('init', '--data-dir', dir).code).toBe(0);
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--data-dir', dir, '--port', '0', '--log-level', 'warn'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const url = await servedUrl(child);
    expect((await fetch(`${url}/_seawall/health`)).status).toBe(200);
    expect((await awsCli(dir, url, ['s3', 'mb', 's3://served'])).code).toBe(0);
    expect((await awsCli(dir, url, ['s3', 'ls'])).stdout).toContain('served');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('seawall CLI: the data directory', () => {
  it('init makes a new or existing data directory private, whatever was there', () => {
    const dir = join(tempDir(), 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'notes.txt'), 'left by someone', { mode: 0o644 });
    expect(run('init', '--data-dir', dir).code).toBe(0);
    expectPrivate(dir);
    for (const name of ['root.key', 'credentials', 'config', 'metadata.db', 'notes.txt'])
      chmodSync(join(dir, name), 0o644);
    chmodSync(dir, 0o755);
    expect(run('init', '--data-dir', dir).code).toBe(0);
    expectPrivate(dir);
  });

  it('init says in one line why it cannot create the directory and what to do', () => {
    const base = tempDir();
    const file = join(base, 'a-file');
    writeFileSync(file, '');
    // A parent this user cannot write to: as root, the test runs the CLI as nobody.
    chmodSync(base, 0o755);
    const readOnly = join(base, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    chmodSync(readOnly, 0o555);
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const cases: [ReturnType<typeof run>, RegExp][] = [
      [
        run('init', '--data-dir', file),
        /is a file, not a directory \(EEXIST\); choose a directory you can write to with --data-dir$/,
      ],
      [run('init', '--data-dir', join(file, 'data')), /a-file is a file, not a directory \(ENOTDIR\)/],
      [
        run('init', '--data-dir', '/proc/seawall-test/data'),
        /\/proc does not allow new directories \(ENOENT\); choose a directory/,
      ],
      [
        runAs(asUser, 'init', '--data-dir', join(readOnly, 'data')),
        /cannot create .+\/read-only\/data: .+\/read-only is not writable \(EACCES\); choose a directory you can write to with --data-dir$/,
      ],
    ];
    for (const [result, message] of cases) {
      expect(result.code).toBe(1);
      expectOneLine(result.stderr);
      expect(result.stderr.trim()).toMatch(/^seawall init: /);
      expect(result.stderr.trim()).toMatch(message);
    }
  });

  it('serve keeps the data directory private and locked: a second server refuses, naming the first', async () => {
    const dir = await initialised();
    chmodSync(dir, 0o755);
    for (const name of ['root.key', 'credentials', 'metadata.db']) chmodSync(join(dir, name), 0o644);
    const first = startServe(dir);
    const url = await first.url;
    expect((await awsCli(dir, url, ['s3', 'mb', 's3://private'])).code).toBe(0);
    expect((await awsCli(dir, url, ['s3', 'cp', '-', 's3://private/new.txt'], 'bytes')).code).toBe(0);
    expectPrivate(dir);
    expect(existsSync(join(dir, 'metadata.db-wal'))).toBe(true);

    const lock = JSON.parse(readFileSync(join(dir, 'seawall.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: first.child.pid, endpoint: url, port: Number(new URL(url).port) });
    const second = run('serve', '--data-dir', dir, '--port', '0');
    expect(second.code).toBe(1);
    expectOneLine(second.stderr);
    expect(second.stderr.trim()).toBe(
      `seawall serve: Seawall is already running on ${dir} (pid ${first.child.pid}, ${url}); use it, or stop it first (kill ${first.child.pid})`,
    );

    const exited = exitOf(first.child);
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'seawall.lock'))).toBe(false);
  });

  it('after a crash, of several servers started at once on the data directory exactly one serves', async () => {
    const dir = await initialised();
    // What a server killed with SIGKILL leaves: its lock, naming a process that is gone.
    const crashed = spawnSync(process.execPath, ['-e', '']).pid as number;
    const lock = {
      pid: crashed,
      hostname: hostname(),
      nonce: 'c'.repeat(32),
      startedAt: '',
      port: 0,
      endpoint: null,
    };
    writeFileSync(join(dir, 'seawall.lock'), JSON.stringify(lock));

    const starts = [startServe(dir), startServe(dir), startServe(dir)];
    const outcomes = await Promise.allSettled(starts.map((s) => s.url));
    const serving = outcomes.flatMap((o, i) =>
      o.status === 'fulfilled' ? [{ url: o.value, start: starts[i] }] : [],
    );
    expect(serving).toHaveLength(1);
    const winner = serving[0] as { url: string; start: (typeof starts)[number] };
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect(String(outcome.reason)).toContain(
        `Seawall is already running on ${dir} (pid ${winner.start.child.pid}`,
      );
    }
    const exited = exitOf(winner.start.child);
    winner.start.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a port taken by another program is one line saying which port and what to do', async () => {
    const dir = await initialised();
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as { port: number };
    const result = run('serve', '--data-dir', dir, '--port', String(port));
    other.close();
    expect(result.code).toBe(1);
    expectOneLine(result.stderr);
    expect(result.stderr.trim()).toBe(
      `seawall serve: port ${port} on 127.0.0.1 is already in use by another program; choose a free port with --port N (with npm start: npm start -- --port N)`,
    );
    expect(existsSync(join(dir, 'seawall.lock'))).toBe(false);
  });

  it('query says in one line that no Seawall answers, and how to start or find one', async () => {
    const port = await closedPort();
    const keys = {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const refused = runAs({ env: keys }, 'query', 'SELECT 1', '--endpoint-url', `http://127.0.0.1:${port}`);
    expect(refused.code).toBe(1);
    expectOneLine(refused.stderr);
    expect(refused.stderr.trim()).toBe(
      `seawall query: no Seawall answers at http://127.0.0.1:${port} (ECONNREFUSED); start one with: seawall serve --data-dir DIR (or npm start), or point at one with --data-dir DIR or --endpoint-url URL`,
    );
    const dir = await initialised();
    const idle = run('query', 'SELECT 1', '--data-dir', dir);
    expect(idle.code).toBe(1);
    expectOneLine(idle.stderr);
    expect(idle.stderr.trim()).toBe(
      `seawall query: no Seawall is running on ${dir}; start one with: seawall serve --data-dir ${dir} (or npm start), or give --endpoint-url URL`,
    );
  });
});
