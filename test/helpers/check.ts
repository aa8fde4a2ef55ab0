import { spawnSync } from 'node:child_process';
import { BIN } from './child-server.js';

/**
 * Runs the built `seawall check` on a data directory (a stopped installation), in a process of its own with
 * nothing of the test's environment but PATH.
 */
export function runCheck(dir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, 'check', '--data-dir', dir, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 120_000,
    killSignal: 'SIGKILL',
  });
  const lines = result.stdout.trim().split('\n');
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    /** The finding lines: neither notes, nor the summary, nor what --verbose adds. */
    problems: lines.filter((l) => l !== '' && !/^(note|ok): /.test(l) && !l.startsWith('checked ')),
    notes: lines.filter((l) => l.startsWith('note: ')),
    summary: lines.at(-1) ?? '',
  };
}
