import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { BIN, servedUrl } from './child-server.js';

/** A `seawall serve` process of its own on a data directory, to be killed or stopped and started again. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** The end of what it wrote on stderr, for a failure's message. */
  stderr(): string;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, resolved with the exit code once it has shut down (SIGKILL and a rejection after `ms`). */
  stop(ms?: number): Promise<number | null>;
}

const STDERR_KEPT = 8000;

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts `seawall serve` on an initialised data directory, on a free loopback port, with `env` added to the
 * environment (settings `serve` takes no flag for, such as SEAWALL_TRAIL_DELIVERY_SECONDS).
 */
export async function startServerProcess(
  dir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data-dir', dir, '--port', '0', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
  );
  let text = '';
  child.stderr?.on('data', (d: Buffer) => {
    text = (text + d.toString()).slice(-STDERR_KEPT);
  });
  const url = await servedUrl(child);
  return {
    child,
    url,
    stderr: () => text,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop(ms = 60_000) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`seawall serve did not stop within ${ms} ms of SIGTERM: ${text}`));
        }, ms);
      });
      try {
        return await Promise.race([exited(child), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs the seawall command to its end (without blocking this process meanwhile): exit code and output. */
export function runSeawall(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: 300_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
