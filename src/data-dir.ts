import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';

/** The profile that the data directory's aws cli files (credentials, config) name. */
export const PROFILE = 'seawall';

/** Where everything lives inside a data directory. */
export function dataDirLayout(dataDir: string) {
  return {
    root: dataDir,
    rootKey: join(dataDir, 'root.key'),
    metadataDb: join(dataDir, 'metadata.db'),
    /** The audit trail's records (SQLite, whatever the metadata backend). */
    auditDb: join(dataDir, 'audit.db'),
    /** CloudWatch's metrics, alarms and dashboards (SQLite, whatever the metadata backend). */
    metricsDb: join(dataDir, 'metrics.db'),
    /** CloudWatch Logs' groups, streams and events (SQLite, whatever the metadata backend). */
    logsDb: join(dataDir, 'logs.db'),
    objects: join(dataDir, 'objects'),
    credentials: join(dataDir, 'credentials'),
    awsConfig: join(dataDir, 'config'),
    log: join(dataDir, 'seawall.log'),
    /** Held by the running server: its pid, port and endpoint (see data-dir-lock.ts). */
    lock: join(dataDir, 'seawall.lock'),
    /** Written first by `seawall restore` and removed last: while it exists, no server starts here. */
    restoring: join(dataDir, 'restore.incomplete'),
  };
}

export type DataDirLayout = ReturnType<typeof dataDirLayout>;

/** Writes a file only if it does not exist yet (O_EXCL), durably. Answers whether it wrote. */
export async function writeFileOnce(path: string, content: string, mode: number): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
