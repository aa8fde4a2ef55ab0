import type { KyselyPlugin } from 'kysely';

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
 * plugin that sees every statement on the service's connection, transactions included, and forgets at each
 * write before it runs. A lookup that began before a write never stores what it read.
 */
export class KmsLookups {
  private readonly entries = new Map<string, { value: unknown; at: number }>();

  private generation = 0;

  /** Forgets every lookup, and that any lookup now in flight may store what it reads. */
  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  /** The value kept for `key`, else what `load` reads (kept unless absent, or a write came meanwhile). */
  async get<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const kept = this.entries.get(key);
    if (kept && performance.now() - kept.at < LOOKUP_TTL_MS) return kept.value as T;
    const seen = this.generation;
    const value = await load();
    if (value !== undefined && this.generation === seen) {
      if (this.entries.size >= MAX_LOOKUPS) this.entries.clear();
      // Shared by every later lookup: none may change it.
      this.entries.set(key, { value: Object.freeze(value), at: performance.now() });
    }
    return value;
  }

  /** The plugin for the service's connection: any statement but a SELECT forgets every lookup. */
  readonly forgetOnWrite: KyselyPlugin = {
    transformQuery: (args) => {
      if (args.node.kind !== 'SelectQueryNode') this.forget();
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
}
