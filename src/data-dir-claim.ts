import type { Config } from './config.js';
import { dataDirLayout } from './data-dir.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { makePrivate } from './data-dir-modes.js';
import type { Logger } from './lib/logger.js';

/** A server's hold on its data directory, from start-up to close. */
export interface DataDirClaim {
  /** Awaits a start-up step; if it fails, the lock is released before the error goes on. */
  guard<T>(step: Promise<T>): Promise<T>;
  /** Records the endpoint in the lock once the server listens. */
  listening(url: string, port: number): Promise<void>;
  release(): Promise<void>;
}

/**
 * What a server does first with its data directory: take the lock (refusing, in one line that names the
 * other server, when one holds it), then make everything in it private whatever modes an older version, a
 * copy or a restore left, before anything is read or written.
 */
export async function claimDataDir(config: Config, logger: Logger): Promise<DataDirClaim> {
  const layout = dataDirLayout(config.dataDir);
  const lock = await acquireDataDirLock(layout.root, layout.lock, config.port);
  const releasing = async (error: unknown): Promise<never> => {
    await lock.release();
    throw error;
  };
  try {
    const changed = makePrivate(layout.root);
    if (changed > 0)
      logger.warn({ changed }, 'made the data directory private (files 0600, directories 0700)');
  } catch (error) {
    await releasing(error);
  }
  return {
    guard: (step) => step.catch(releasing),
    listening: (url, port) => lock.recordEndpoint(url, port),
    release: () => lock.release(),
  };
}
