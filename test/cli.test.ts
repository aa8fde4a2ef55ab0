import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { tempDir } from './helpers/seawall.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'seawall.js');

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr?.on('data', (d: Buffer) => {
      text += d.toString();
      const match = /serving on (http:\/\/\S+)/.exec(text);
      if (match) resolve(match[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${text}`)));
  });
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
    const url = await waitForUrl(child);
    expect((await fetch(`${url}/_seawall/health`)).status).toBe(200);
    expect((await awsCli(dir, url, ['s3', 'mb', 's3://served'])).code).toBe(0);
    expect((await awsCli(dir, url, ['s3', 'ls'])).stdout).toContain('served');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
