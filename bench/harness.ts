import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { targetFromDataDir } from '../src/cli/client-target.js';

export const BIN = join(import.meta.dirname, '..', 'bin', 'seawall.js');

export interface ServedSeawall {
  url: string;
  dataDir: string;
  accessKeyId: string;
  secret: string;
  region: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the built `seawall serve` in its own process, as a deployment would run it: this checkout's build, or
 * the `bin` of another build (an earlier commit's, as a baseline).
 */
export async function serveSeawall(
  extraArgs: string[] = [],
  dataDir = mkdtempSync(join(tmpdir(), 'seawall-bench-')),
  bin = BIN,
): Promise<ServedSeawall> {
  const init = spawnSync(process.execPath, [bin, 'init', '--data-dir', dataDir], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []),
      bin,
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--log-level',
      process.env.BENCH_LOG_LEVEL ?? 'warn',
      ...extraArgs,
    ],
    {
      stdio: ['ignore', 'inherit', 'pipe'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr?.on('data', (d: Buffer) => {
      text += d.toString();
      const match = /serving on (http:\/\/\S+)/.exec(text);
      if (match) resolve(match[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`seawall exited ${code}: ${text}`)));
  });
  const { credentials, region } = await targetFromDataDir(dataDir);
  return {
    url,
    dataDir,
    accessKeyId: credentials.accessKeyId,
    secret: credentials.secretAccessKey,
    region,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; returns elapsed seconds. */
export async function runConcurrent(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** A count the environment may override: a whole number from 1. */
export function countFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number from 1`);
  return value;
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/**
 * CPU time a served Seawall has used so far, user and system, in milliseconds (Linux: utime and stime of
 * /proc/PID/stat, in clock ticks of 10 ms, USER_HZ being 100 on Linux). Read twice around a run, it says what
 * the run cost the server whatever else the host was doing, where its wall time does not.
 */
export function cpuMs(served: ServedSeawall): number {
  const stat = readFileSync(`/proc/${served.child.pid}/stat`, 'utf8');
  // The command name, in parentheses, may hold spaces: the fields are counted from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function ratio(a: number, b: number): string {
  return (a / b).toFixed(2);
}
