import type { Kysely, KyselyPlugin, QueryId, Transaction } from 'kysely';

/**
 * How long a lookup is kept at most: how long a change another process makes to a shared database (PostgreSQL)
 * can go unseen here. KMS's own changes to a key are eventually consistent; this one is a second.
 */
const LOOKUP_TTL_MS = 1000;
/** Lookups kept at most; past it, all are dropped and read again. */
const MAX_LOOKUPS = 10_000;

/**
 * What KMS's tables said when last read: key rows, aliases, newest key material, parsed key policies. Every use
 * of a key looks it up several times (S3 does so for each SSE-KMS object it writes or reads), so lookups are
 * kept, and forgotten together whenever the service writes any of its tables: `forgetOnWrite` is a Kysely
 * plugin that sees every statement on the service's connection and forgets at each write, before it runs and
 * again once it has run, and `transaction` forgets once a transaction has ended (committed or not), since what
 * another connection reads before the commit is the old state. A lookup that began before a write never stores
 * what it read.
 */
export class KmsLookups {
  private readonly entries = new Map<string, { value: unknown; at: number }>();

  private generation = 0;

  /** `ttlMs`: how long a lookup is kept at most (LOOKUP_TTL_MS; tests give their own). */
  constructor(private readonly ttlMs = LOOKUP_TTL_MS) {}

  /** Writes compiled and not yet answered, by their query id. */
  private readonly writes = new WeakSet<QueryId>();

  /** Forgets every lookup, and that any lookup now in flight may store what it reads. */
  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  /**
   * Where the lookups stand now: a read made after this may be stored by `get(…, since)` only if no write came
   * between, for a value derived from a read that began before get's own (a key's policies from its row).
   */
  mark(): number {
    return this.generation;
  }

  /**
   * The value kept for `key`, else what `load` reads, kept unless absent or a write came since `since` (by
   * default, since this call).
   */
  async get<T>(
    key: string,
    load: () => Promise<T | undefined>,
    since = this.generation,
  ): Promise<T | undefined> {
    const kept = this.entries.get(key);
    if (kept && performance.now() - kept.at < this.ttlMs) return kept.value as T;
    const value = await load();
    if (value !== undefined && this.generation === since) {
      if (this.entries.size >= MAX_LOOKUPS) this.entries.clear();
      // Shared by every later lookup: none may change it.
      this.entries.set(key, { value: Object.freeze(value), at: performance.now() });
    }
    return value;
  }

  /** The plugin for the service's connection: any statement but a SELECT forgets every lookup, before and after. */
  readonly forgetOnWrite: KyselyPlugin = {
    transformQuery: (args) => {
      if (args.node.kind !== 'SelectQueryNode') {
        this.writes.add(args.queryId);
        this.forget();
      }
      return args.node;
    },
    transformResult: async (args) => {
      if (this.writes.has(args.queryId)) {
        this.writes.delete(args.queryId);
        this.forget();
      }
      return args.result;
    },
  };

  /** Runs `work` in a transaction of `db`, and forgets every lookup once it has ended, however it ended. */
  async transaction<DB, T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    try {
      return await db.transaction().execute(work);
    } finally {
      this.forget();
    }
  }
}
