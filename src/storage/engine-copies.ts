import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { blobId } from '../lib/ids.js';

/** A blob whose plaintext an engine reads: its id and plaintext size. */
export interface CopiedBlob {
  id: string;
  size: number;
}

/** One decrypted copy: how many engine directories link it, and whether it is made yet. */
interface Copy {
  readonly id: string;
  readonly path: string;
  readonly size: number;
  users: number;
  ready: Promise<void>;
  /** Still the blob's copy, its bytes counted against the bound (false once it failed or was removed). */
  live: boolean;
}

/** How many copies one hold makes at once: the reads, the decryption and the writes overlap. */
const MADE_AT_ONCE = 4;

/**
 * Decrypted copies of blobs for the engines, one per blob however many engines read it. A blob's bytes never
 * change (a new version or object is a new blob), so a copy made for one engine is right for every other: a
 * table given a new version, a second query over the same table, or two tables over the same files decrypt
 * nothing again while some engine still holds the copy, and the scratch space holds one copy, not one per
 * engine. Engines reach a copy by a hard link in their own directory; a copy is removed when the last
 * holder lets it go, so plaintext lives no longer than an engine that reads it.
 */
export class EngineCopies<B extends CopiedBlob> {
  private readonly copies = new Map<string, Copy>();

  /** Plaintext bytes in copies now, against the bound. */
  private used = 0;

  /**
   * `make` writes a blob's plaintext into a new file at the path it is given (never over another), and fails
   * when the blob does not decrypt; `full` is the error for copies that would pass the bound.
   */
  constructor(
    private readonly dir: string,
    private readonly limitBytes: number,
    private readonly make: (blob: B, path: string) => Promise<void>,
    private readonly full: (needed: number, free: number, limit: number) => Error,
  ) {}

  /**
   * Holds a copy of each blob, making those no one holds, and answers their paths in the order given and the
   * function that lets them go. All or none: the copies it would make must fit the bound (checked before
   * anything is written), and if one fails to be made, it lets go of everything it held and throws.
   */
  async hold(blobs: readonly B[]): Promise<{ paths: string[]; release: () => Promise<void> }> {
    const fresh = new Map<string, B>();
    for (const blob of blobs) if (!this.copies.has(blob.id)) fresh.set(blob.id, blob);
    const needed = [...fresh.values()].reduce((sum, blob) => sum + blob.size, 0);
    if (this.used + needed > this.limitBytes)
      throw this.full(needed, Math.max(0, this.limitBytes - this.used), this.limitBytes);
    const held: Copy[] = [];
    /** How many of each copy's users are this hold's. */
    const mine = new Map<Copy, number>();
    const toMake: { blob: B; copy: Copy; made: () => void; failed: (error: unknown) => void }[] = [];
    for (const blob of blobs) {
      let copy = this.copies.get(blob.id);
      if (!copy) {
        let made = () => {};
        let failed: (error: unknown) => void = () => {};
        const ready = new Promise<void>((resolve, reject) => {
          made = resolve;
          failed = reject;
        });
        // Awaited below, or by another hold; a failure is not unhandled meanwhile.
        ready.catch(() => undefined);
        copy = { id: blob.id, path: join(this.dir, blobId()), size: blob.size, users: 0, ready, live: true };
        this.copies.set(blob.id, copy);
        this.used += blob.size;
        toMake.push({ blob, copy, made, failed });
      }
      copy.users++;
      mine.set(copy, (mine.get(copy) ?? 0) + 1);
      held.push(copy);
    }
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await Promise.all(held.map((copy) => this.letGo(copy)));
    };
    let next = 0;
    /**
     * The first failure of a copy this hold needs, whoever makes it: the hold will fail, so it then makes only the
     * copies others wait for.
     */
    let stopped: { error: unknown } | undefined;
    for (const copy of held)
      copy.ready.catch((error: unknown) => {
        stopped ??= { error };
      });
    const worker = async () => {
      for (let i = next++; i < toMake.length; i = next++) {
        const { blob, copy, made, failed } = toMake[i] as (typeof toMake)[number];
        try {
          if (stopped && copy.users === mine.get(copy)) throw stopped.error;
          await this.make(blob, copy.path);
          // Read-only: every engine reading the blob links this one file.
          await fs.chmod(copy.path, 0o400);
          made();
        } catch (error) {
          stopped ??= { error };
          // Out of the map at once (a later hold makes a new copy rather than meeting this failure), and its
          // waiters told at once; then its file is removed.
          const retiring = this.retire(copy);
          failed(error);
          await retiring.catch(() => {
            // Its file stays, and its bytes stay counted, until the scratch space is wiped.
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(MADE_AT_ONCE, toMake.length) }, worker));
    const outcomes = await Promise.allSettled(held.map((copy) => copy.ready));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) {
      // The copy's failure is the answer, whatever letting go of the others meets.
      await release().catch(() => undefined);
      throw (failure as PromiseRejectedResult).reason;
    }
    return { paths: held.map((copy) => copy.path), release };
  }

  /** One holder fewer; the last one removes the copy. */
  private async letGo(copy: Copy): Promise<void> {
    copy.users--;
    if (copy.users > 0) return;
    // A copy still being made is removed by the hold making it, once it is done.
    await copy.ready.catch(() => undefined);
    if (copy.users > 0) return;
    await this.retire(copy);
  }

  /** Takes a copy out of use: forgotten, then its file removed; its bytes are counted until the file is gone. */
  private async retire(copy: Copy): Promise<void> {
    if (!copy.live) return;
    copy.live = false;
    if (this.copies.get(copy.id) === copy) this.copies.delete(copy.id);
    await fs.rm(copy.path, { force: true });
    this.used -= copy.size;
  }
}
