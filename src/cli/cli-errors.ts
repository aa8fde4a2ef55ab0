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
