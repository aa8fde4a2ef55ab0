import {
  type CatalogService,
  linkTable,
  planTable,
  type ReadableTable,
  type TablePlan,
} from '../catalog/index.js';
import {
  type EngineLauncher,
  type EngineProcess,
  overgrownMb,
  type StartedEngine,
  startEngine,
} from '../engine/index.js';
import type { Logger } from '../lib/logger.js';
import { quoteIdent, quoteList } from '../lib/sql.js';
import type { StorageService } from '../storage/index.js';
import { checkViewColumns } from './query-views.js';
import { QueryRejected, type TableReference } from './sandbox.js';

/** A sandboxed engine that can read exactly the tables a query names, the query's alone until released. */
export interface EngineLease {
  engine: EngineProcess;
  /** Bytes of the files behind the tables (DataScannedInBytes). */
  bytes: number;
  /** Hands the engine back: kept warm for the next query of the same tables, unless it is spent. */
  release(): void;
}

/** A catalog view as the engine defines it: its prepared (sandboxed DuckDB) SQL, over its tables. */
export interface EngineView {
  database: string;
  name: string;
  /** The database its unqualified names resolve in (where it was created), which may not be its own. */
  context: string;
  sql: string;
  /** The columns its definition records (Trino types), checked against what its SQL answers. */
  columns?: readonly { name: string; type: string }[];
}

/**
 * The engine view holding a catalog view's SQL, in the schema its names resolve in (DuckDB binds a view's
 * names in its own schema first). Its name has a control character, which no catalog table name can have,
 * so it never hides or stands for one.
 */
function viewBody(view: EngineView, i: number): string {
  return view.context === view.database
    ? `${quoteIdent(view.database)}.${quoteIdent(view.name)}`
    : `${quoteIdent(view.context)}.${quoteIdent(`view\u0001${i}`)}`;
}

export interface AcquireOptions {
  /** Views the query reads, each after the views it reads (see query-views.ts). */
  views?: readonly EngineView[];
  /**
   * A scratch directory Seawall chose that the engine may write into (CTAS, INSERT INTO, UNLOAD). Such an
   * engine serves that one statement and is closed on release, never reused.
   */
  writeDirectory?: string;
}

/** Sandboxed DuckDB engines for queries; see createEnginePool. */
export interface EnginePool {
  /** An engine for the query's tables; waiting for one to start ends when `signal` aborts. */
  acquire(
    refs: TableReference[],
    contextDatabase: string | undefined,
    signal: AbortSignal,
    options?: AcquireOptions,
  ): Promise<EngineLease>;
  /** Stops the idle sweeper and closes every engine. */
  close(): Promise<void>;
}

interface Engine {
  /** What the engine can read: its tables' definitions and files, and the context database. */
  key: string;
  started: Promise<StartedEngine>;
  /** Set once started, so a lookup needs no await. */
  process: EngineProcess | undefined;
  tables: ReadableTable[];
  busy: boolean;
  lastUsed: number;
  bytes: number;
  /** Closed on release: it may write into a directory of one statement's. */
  disposable: boolean;
}

export interface EnginePoolOptions {
  catalog: CatalogService;
  storage: StorageService;
  launcher: EngineLauncher;
  logger: Logger;
  threads: number;
  /** Each engine's DuckDB memory_limit, and how much it may spill to disk. */
  memoryLimitMb: number;
  maxTempMb: number;
  /** How many idle engines to keep warm; each holds its tables' files linked and its views bound. */
  maxEngines?: number;
  idleMs?: number;
}

function tableNotFound(ref: TableReference) {
  return (error: { code?: string }) => {
    if (error.code === 'EntityNotFoundException')
      throw new QueryRejected(
        `TABLE_NOT_FOUND: Table 'awsdatacatalog.${ref.database}.${ref.table}' does not exist`,
      );
    throw error;
  };
}

/** Resolves with the promise, or rejects with the signal's reason once it aborts; `late` gets what came after. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal, late: (value: T) => void): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      promise.then(late, () => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Sandboxed DuckDB engines, kept warm per set of table files. An engine can read only the files of its tables
 * (views in schemas named after their databases, `allowed_paths` set to exactly those files, external access
 * off, configuration locked before any user SQL is bound). A query whose tables' files have not changed
 * reuses an idle engine; any change to a table's files or definition is a new key, so a query never sees stale
 * data. An engine runs one query at a time: a query that exhausts or hangs its engine, which is then stopped,
 * takes no other query with it.
 */
export function createEnginePool(options: EnginePoolOptions): EnginePool {
  const maxEngines = options.maxEngines ?? 4;
  const idleMs = options.idleMs ?? 5 * 60_000;
  const engines = new Set<Engine>();

  async function close(engine: Engine): Promise<void> {
    engines.delete(engine);
    // An engine that failed to start has nothing to close.
    const started = await engine.started.catch(() => undefined);
    await started?.process.close();
    await started?.release();
    await Promise.all(engine.tables.map((t) => t.release()));
  }

  function closeLater(engine: Engine): void {
    close(engine).catch((error: unknown) => options.logger.warn({ err: error }, 'could not close an engine'));
  }

  /** Closes idle engines that are dead, idle too long, or past the number kept warm (least recently used first). */
  function evict(): void {
    const now = Date.now();
    const idle = [...engines].filter((e) => !e.busy).sort((a, b) => b.lastUsed - a.lastUsed);
    idle.forEach((engine, rank) => {
      if (rank >= maxEngines || now - engine.lastUsed > idleMs || engine.process?.alive === false)
        closeLater(engine);
    });
  }
  const sweeper = setInterval(evict, 60_000);
  sweeper.unref();

  async function start(
    engine: Engine,
    refs: TableReference[],
    plans: TablePlan[],
    context: string | undefined,
    extra: AcquireOptions,
  ): Promise<StartedEngine> {
    for (const plan of plans) engine.tables.push(await linkTable(options.storage, plan));
    const views = extra.views ?? [];
    const schemas = new Set([...refs, ...views].map((r) => r.database));
    for (const view of views) schemas.add(view.context);
    const view = (schema: string, ref: TableReference, i: number) =>
      `CREATE VIEW ${quoteIdent(schema)}.${quoteIdent(ref.table)} AS SELECT * FROM ${(engine.tables[i] as ReadableTable).relation}`;
    const started = await startEngine(options.launcher, () => options.storage.filesForEngine([]), {
      label: 'athena',
      threads: options.threads,
      memoryLimitMb: options.memoryLimitMb,
      maxTempMb: options.maxTempMb,
      setup: [
        // Parquet footers are read once per engine instead of at every bind of every query.
        'SET parquet_metadata_cache = true',
        `SET allowed_paths = ${quoteList(engine.tables.flatMap((t) => t.paths))}`,
        // Set while external access is still on: DuckDB refuses to change it afterwards.
        ...(extra.writeDirectory ? [`SET allowed_directories = ${quoteList([extra.writeDirectory])}`] : []),
        'SET enable_external_access = false',
        'SET autoinstall_known_extensions = false',
        'SET autoload_known_extensions = false',
        // Trino's semantics the translated queries rely on, for every connection: `/` on integers truncates; the
        // session zone is UTC.
        'SET GLOBAL integer_division = true',
        "SET GLOBAL TimeZone = 'UTC'",
        ...[...schemas].map((schema) => `CREATE SCHEMA ${quoteIdent(schema)}`),
        ...refs.map((ref, i) => view(ref.database, ref, i)),
        // Unqualified names resolve in `main`: the context database's tables are viewed there too.
        ...refs.flatMap((ref, i) => (ref.database === context ? [view('main', ref, i)] : [])),
        'SET lock_configuration = true',
        // A view's SQL is the user's (sandboxed), so it is bound only once the configuration is locked; it
        // binds in its own database's schema, where the tables it names unqualified are.
        ...views.flatMap((v, i) => [
          `CREATE VIEW ${viewBody(v, i)} AS (\n${v.sql}\n)`,
          ...(v.context === v.database
            ? []
            : [
                `CREATE VIEW ${quoteIdent(v.database)}.${quoteIdent(v.name)} AS SELECT * FROM ${viewBody(v, i)}`,
              ]),
        ]),
        ...views.flatMap((v) =>
          v.database === context
            ? [
                `CREATE VIEW main.${quoteIdent(v.name)} AS SELECT * FROM ${quoteIdent(v.database)}.${quoteIdent(v.name)}`,
              ]
            : [],
        ),
      ],
    });
    engine.process = started.process;
    try {
      for (const v of views) {
        if (!v.columns) continue;
        const described = await started.process.rows(
          `DESCRIBE ${quoteIdent(v.database)}.${quoteIdent(v.name)}`,
        );
        checkViewColumns(
          v,
          described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) })),
        );
      }
    } catch (error) {
      await started.process.close();
      await started.release();
      throw error;
    }
    return started;
  }

  /** An idle, live engine for `key`, or a new one starting; either way marked busy before any await. */
  function claim(
    key: string,
    make: (engine: Engine) => Promise<StartedEngine>,
    bytes: number,
    disposable: boolean,
  ): Engine {
    for (const engine of engines) {
      if (!disposable && engine.key === key && !engine.busy && engine.process?.alive) {
        // One that its last query left overgrown would be stopped by the watchdog under this one: closed instead.
        const rss = overgrownMb(engine.process);
        if (rss !== undefined) {
          options.logger.warn(
            { rssMb: Math.round(rss), limitMb: engine.process.memoryLimitMb },
            'closing an idle engine its last query left holding more than its memory',
          );
          closeLater(engine);
          continue;
        }
        engine.busy = true;
        return engine;
      }
    }
    const fresh: Engine = {
      key,
      process: undefined,
      tables: [],
      busy: true,
      lastUsed: Date.now(),
      bytes,
      disposable,
      started: Promise.resolve(undefined as unknown as StartedEngine),
    };
    fresh.started = make(fresh);
    // An engine that fails to start is dropped, whether or not anyone still waits for it.
    fresh.started.catch(() => closeLater(fresh));
    engines.add(fresh);
    return fresh;
  }

  function release(engine: Engine): void {
    // One whose work failed on a result limit may hold what it refused (EngineProcess.spent): closed.
    if (engine.disposable || engine.process?.spent) {
      closeLater(engine);
      return;
    }
    engine.busy = false;
    engine.lastUsed = Date.now();
    evict();
  }

  return {
    async acquire(
      refs: TableReference[],
      contextDatabase: string | undefined,
      signal: AbortSignal,
      extra: AcquireOptions = {},
    ): Promise<EngineLease> {
      const context = contextDatabase?.toLowerCase();
      const plans = await Promise.all(
        refs.map((ref) => planTable(options, ref.database, ref.table).catch(tableNotFound(ref))),
      );
      const key = JSON.stringify([
        context ?? null,
        plans.map((p) => [p.table.database, p.table.definition.Name, p.table.version, p.groups]),
        extra.views ?? [],
      ]);
      const engine = claim(
        key,
        (fresh) => start(fresh, refs, plans, context, extra),
        plans.reduce((n, p) => n + p.bytes, 0),
        extra.writeDirectory !== undefined,
      );
      // A stopped query gives up waiting; the engine, once up, is left warm for the next one.
      const { process } = await abortable(engine.started, signal, () => release(engine));
      let released = false;
      return {
        engine: process,
        bytes: engine.bytes,
        release() {
          if (released) return;
          released = true;
          release(engine);
        },
      };
    },

    async close(): Promise<void> {
      clearInterval(sweeper);
      await Promise.all([...engines].map((engine) => close(engine)));
    },
  };
}
