import { constants, promises as fs } from 'node:fs';

/** A file handle lent to one reader, given back when it is done with it. */
export interface BlobLease {
  readonly handle: fs.FileHandle;
  release(): void;
}

interface Entry {
  readonly handle: Promise<fs.FileHandle>;
  readers: number;
  /** Still in the table; once out (evicted, forgotten), the last reader closes the handle. */
  kept: boolean;
}

/**
 * Open handles of blob files, kept between reads: a blob's bytes never change once written, so a handle serves
 * every read of it (positional reads share it safely), and a small GET costs one read instead of an open, a
 * read and a close, each a trip through the thread pool. At most `limit` stay open, the least recently used
 * closed first; a blob removed from disk is forgotten at once, so its space is not held.
 */
export class OpenBlobs {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limit: number) {}

  private closed = false;

  /** Handles being closed now (dropped with no reader), which close() waits for. */
  private readonly closing = new Set<Promise<void>>();

  async acquire(path: string): Promise<BlobLease> {
    let entry = this.entries.get(path);
    if (this.closed) {
      // The store is closing: the read still works, with a handle of its own that it closes when done.
      entry = { handle: fs.open(path, constants.O_RDONLY), readers: 0, kept: false };
    } else if (entry) {
      this.entries.delete(path);
      this.entries.set(path, entry);
    } else {
      entry = { handle: fs.open(path, constants.O_RDONLY), readers: 0, kept: true };
      this.entries.set(path, entry);
      this.trim();
    }
    const taken = entry;
    taken.readers++;
    let handle: fs.FileHandle;
    try {
      handle = await taken.handle;
    } catch (error) {
      // Not there (moved to the cold tier, or gone): nothing to keep.
      taken.readers--;
      if (this.entries.get(path) === taken) this.entries.delete(path);
      throw error;
    }
    let released = false;
    return {
      handle,
      release: () => {
        if (released) return;
        released = true;
        taken.readers--;
        if (!taken.kept && taken.readers === 0) void handle.close().catch(() => undefined);
      },
    };
  }

  /**
   * Closes every handle: those no one reads at once (resolving when they are closed), the others when their
   * readers are done. Reads after this open and close handles of their own.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const [path, entry] of [...this.entries]) this.drop(path, entry);
    await Promise.all(this.closing);
  }

  /** Closes the handle of a file about to be removed, once its readers are done. */
  forget(path: string): void {
    const entry = this.entries.get(path);
    if (entry) this.drop(path, entry);
  }

  private trim(): void {
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= this.limit) return;
      this.drop(path, entry);
    }
  }

  private drop(path: string, entry: Entry): void {
    this.entries.delete(path);
    entry.kept = false;
    if (entry.readers === 0) {
      const closed = entry.handle.then(
        (handle) => handle.close().catch(() => undefined),
        () => undefined,
      );
      this.closing.add(closed);
      void closed.then(() => this.closing.delete(closed));
    }
  }
}
