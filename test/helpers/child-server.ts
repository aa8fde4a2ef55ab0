import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** The seawall command, as built (`npm test` builds before it runs). */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'seawall.js');

/** The URL a `seawall serve` child says it serves on; rejected if it exits first. */
export function servedUrl(child: ChildProcess): Promise<string> {
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

/** `seawall serve` on an initialised data directory, in a process of its own, on a free port. */
export function serveChild(dir: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data-dir', dir, '--port', '0', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { child, url: servedUrl(child) };
}
