import { CliError } from './commands.js';

/**
 * One line for a failed listen: which address, why, and the flag that fixes it, instead of Node's
 * "listen EADDRINUSE: address already in use" after a start-up that already took seconds.
 */
export function describeListenError(error: unknown): string | undefined {
  const failure = error as (NodeJS.ErrnoException & { address?: string; port?: number }) | undefined;
  if (failure?.syscall !== 'listen') return undefined;
  const { address, port, code } = failure;
  if (code === 'EADDRINUSE') {
    return `port ${port} on ${address} is already in use by another program; choose a free port with --port N (with npm start: npm start -- --port N)`;
  }
  if (code === 'EACCES') {
    return `port ${port} on ${address} needs privileges to listen on; choose a port above 1023 with --port N`;
  }
  if (code === 'EADDRNOTAVAIL') {
    return `cannot listen on ${address}: no network interface of this machine has that address; choose one with --host`;
  }
  return undefined;
}

/** Failures to reach a server at all, as opposed to a server that answered with an error. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
]);

/** The network error code behind an SDK failure, if that is what it was. */
function unreachableCode(error: unknown): string | undefined {
  const candidates = [
    error,
    (error as { cause?: unknown }).cause,
    ...((error as { errors?: unknown[] }).errors ?? []),
  ];
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
  }
  return (error as { name?: string }).name === 'TimeoutError' ? 'ETIMEDOUT' : undefined;
}

/**
 * A failed request as one line: nobody answering at the endpoint says so and how to start or find a server;
 * an answer from the server keeps its AWS error code and message.
 */
export function requestFailure(error: unknown, endpoint: string): CliError {
  const code = unreachableCode(error);
  if (code) {
    return new CliError(
      `no Seawall answers at ${endpoint} (${code}); start one with: seawall serve --data-dir DIR (or npm start), or point at one with --data-dir DIR or --endpoint-url URL`,
    );
  }
  const { name, message } = error as Error;
  return new CliError(`${endpoint} answered ${name}: ${(message ?? '').split('\n')[0]}`);
}
