import { constants, promises as fs } from 'node:fs';

/** Makes a directory's entries durable: a file's new name, made or renamed into it, survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
