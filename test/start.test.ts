import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Build, buildIfNeeded, seawallBuilds } from '../bin/build-if-needed.js';
import { startTestSeawall, tempDir } from './helpers/seawall.js';

const ROOT = join(import.meta.dirname, '..');

/** `npm start -- ARGS` as a user types it (npm's own chatter silenced); never waits on a build. */
function npmStart(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['--silent', 'start', '--', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('npm start', () => {
  it('says at once, before building, that Seawall already runs on the data directory', async () => {
    const t = await startTestSeawall();
    try {
      const result = await npmStart('--data-dir', t.dataDir, '--port', '0');
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `seawall demo: Seawall is already running on ${t.dataDir} (pid ${process.pid}, ${t.url}); use it, or stop it first (kill ${process.pid})\n`,
      );
    } finally {
      await t.close();
    }
  });

  it('says at once, before building, that another program has the port, and what to do', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as { port: number };
    const dataDir = join(tempDir(), 'data');
    try {
      const result = await npmStart('--data-dir', dataDir, '--port', String(port));
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `seawall demo: port ${port} on 127.0.0.1 is already in use by another program; choose a free port with --port N (with npm start: npm start -- --port N)\n`,
      );
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      other.close();
    }
  });

  it('builds only when sources or outputs changed since the last build', () => {
    const root = tempDir();
    mkdirSync(join(root, 'in'));
    writeFileSync(join(root, 'in', 'a.txt'), 'v1');
    const copy =
      "const fs = require('fs'); fs.mkdirSync('out', { recursive: true }); fs.copyFileSync('in/a.txt', 'out/o.txt');";
    const build: Build = {
      name: 'thing',
      inputs: ['in', 'missing.json'],
      ignore: (path) => path.endsWith('.test.ts'),
      outputDir: 'out',
      command: [process.execPath, ['-e', copy]],
    };
    expect(buildIfNeeded(root, [build])).toEqual(['thing']);
    expect(buildIfNeeded(root, [build])).toEqual([]);
    // A checkout that only touches the time of a file, or a test beside the sources, changes nothing built.
    utimesSync(join(root, 'in', 'a.txt'), new Date(), new Date(Date.now() + 60_000));
    writeFileSync(join(root, 'in', 'a.test.ts'), 'test');
    expect(buildIfNeeded(root, [build])).toEqual([]);

    writeFileSync(join(root, 'in', 'a.txt'), 'v2');
    expect(buildIfNeeded(root, [build])).toEqual(['thing']);
    expect(readFileSync(join(root, 'out', 'o.txt'), 'utf8')).toBe('v2');
    writeFileSync(join(root, 'missing.json'), '{}');
    expect(buildIfNeeded(root, [build])).toEqual(['thing']);
    // Another build (npm run build) rewrote the outputs from other sources.
    writeFileSync(join(root, 'out', 'o.txt'), 'from elsewhere');
    expect(buildIfNeeded(root, [build])).toEqual(['thing']);
    expect(buildIfNeeded(root, [build])).toEqual([]);

    writeFileSync(join(root, 'in', 'a.txt'), 'v3');
    const failing: Build = { ...build, command: [process.execPath, ['-e', 'process.exit(3)']] };
    expect(() => buildIfNeeded(root, [failing])).toThrow('building the thing failed (exit 3)');
    expect(buildIfNeeded(root, [build])).toEqual(['thing']);
  });

  it("builds the server and the console from this checkout's sources", () => {
    const builds = seawallBuilds();
    expect(builds.map((b) => [b.name, b.outputDir])).toEqual([
      ['server', 'dist'],
      ['console', 'web/dist'],
    ]);
    for (const build of builds)
      for (const input of build.inputs) expect(existsSync(join(ROOT, input))).toBe(true);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start).toBe(
      'node bin/start.js demo --data-dir ./data',
    );
  });
});
