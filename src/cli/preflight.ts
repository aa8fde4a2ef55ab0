import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { dataDirLayout } from '../data-dir.js';
import { DataDirError } from '../data-dir-errors.js';
import { DataDirBusyError, readLockHolder } from '../data-dir-lock.js';
import { describeListenError } from './cli-errors.js';
import type { CliIo } from './commands.js';

/** Throws the one-line {@link DataDirBusyError} naming the Seawall that runs on the data directory, if one does. */
export async function refuseIfRunning(dataDir: string): Promise<void> {
  const layout = dataDirLayout(dataDir);
  const running = await readLockHolder(layout.lock);
  if (running) throw new DataDirBusyError(dataDir, running.holder, running.state, layout.lock);
}

/** The commands that take the data directory's lock and listen. */
const SERVING = new Set(['demo', 'serve']);

/** Listens where the server would and closes at once; answers the error when it cannot listen. */
function probeListen(host: string, port: number): Promise<unknown> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', resolve);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * What `npm start` checks before it spends time building: that no Seawall runs on the data directory and
 * that the port is free. Answers the one line to print, or undefined when starting can go ahead. Only the
 * flags it needs are read; the command itself checks the rest after the build.
 */
export async function preflight(argv: string[], env: CliIo['env']): Promise<string | undefined> {
  const [command = '', ...rest] = argv;
  if (!SERVING.has(command) || rest.includes('--help') || rest.includes('-h')) return undefined;
  const { values } = parseArgs({
    args: rest,
    options: { 'data-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  const prefix = `seawall ${command}: `;
  try {
    const config = loadConfig({ dataDir: text('data-dir'), port: text('port'), host: text('host') }, env);
    await refuseIfRunning(config.dataDir);
    if (config.port === 0) return undefined;
    const failure = await probeListen(config.host, config.port);
    if (failure === undefined) return undefined;
    return prefix + (describeListenError(failure) ?? String((failure as Error).message));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DataDirError) return prefix + error.message;
    throw error;
  }
}
