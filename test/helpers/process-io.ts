import { readFileSync } from 'node:fs';

/**
 * What this process has written so far, files and sockets alike (wchar of /proc/self/io): with the server in
 * the test's own process, how much a request made it write.
 */
export function writtenBytes(): number {
  return Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);
}
