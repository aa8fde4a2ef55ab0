import {
  type CatalogService,
  linkTable,
  planTable,
  type ReadableTable,
  type TablePlan,
} from '../catalog/index.js';
import { type EngineLauncher, type EngineProcess, type StartedEngine, startEngine } from '../engine/index.js';
import type { Logger } from '../lib/logger.js';
import { quoteIdent, quoteList } from '../lib/sql.js';
import type { StorageService } from '../storage/index.js';
import { QueryRejected, type TableReference } from './sandbox.js';

/** A sandboxed engine that can read exactly the tables a query names. */
export interface EngineLease {
  engine: EngineProcess;
  /** Bytes of the files behind the tables (DataScannedInBytes). */
  bytes: number;
  release(): void;
}

interface Engine {
  started: Promise<StartedEngine>;
  tables: ReadableTable[];
  busy: number;
  lastUsed: number;
  bytes: number;
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
  /** How many warm engines to keep; each holds its tables' files linked and its views bound. */
  maxEngines?: number;
  idleMs?: number;
}

/**
 * Sandboxed DuckDB engines, kept warm per set of table files. An engine can read only the files of its tables
 * (views in schemas named after their databases, `allowed_paths` set to exactly those files, external access
 * off, configuration locked before any user SQL is bound). A query whose tables' files have not changed since
 * reuses the engine and pays only for a connection; any change to a table's files or definition is a new key,
 * so a query never sees stale data.
 */
export function createEnginePool(options: EnginePoolOptions) {
  const maxEngines = options.maxEngines ?? 4;
  const idleMs = options.idleMs ?? 5 * 60_000;
  const engines = new Map<string, Engine>();

  async function close(key: string, engine: Engine): Promise<void> {
    if (engines.get(key) === engine) engines.delete(key);
    // An engine that failed to start has nothing to close.
    const started = await engine.started.catch(() => undefined);
    await started?.process.close();
    await started?.release();
    await Promise.all(engine.tables.map((t) => t.release()));
  }

  function evict(): void {
    const now = Date.now();
    for (const [key, engine] of engines) {
      const idle = engine.busy === 0 && now - engine.lastUsed > idleMs;
      if ((engines.size > maxEngines || idle) && engine.busy === 0) {
        close(key, engine).catch((error: unknown) =>
          options.logger.warn({ err: error }, 'could not close an engine'),
        );
      }
    }
  }
  const sweeper = setInterval(evict, 60_000);
  sweeper.unref();

  async function start(
    engine: Engine,
    refs: TableReference[],
    plans: TablePlan[],
    context: string | undefined,
  ): Promise<StartedEngine> {
    for (const plan of plans) engine.tables.push(await linkTable(options.storage, plan));
    const schemas = new Set(refs.map((r) => r.database));
    const view = (schema: string, ref: TableReference, i: number) =>
      `CREATE VIEW ${quoteIdent(schema)}.${quoteIdent(ref.table)} AS SELECT * FROM ${(engine.tables[i] as ReadableTable).relation}`;
    return startEngine(options.launcher, () => options.storage.filesForEngine([]), {
      label: 'athena',
      threads: options.threads,
      memoryLimitMb: options.memoryLimitMb,
      maxTempMb: options.maxTempMb,
      setup: [
        // Parquet footers are read once per engine instead of at every bind of every query.
        'SET parquet_metadata_cache = true',
        `SET allowed_paths = ${quoteList(engine.tables.flatMap((t) => t.paths))}`,
        'SET enable_external_access = false',
        'SET autoinstall_known_extensions = false',
        'SET autoload_known_extensions = false',
        ...[...schemas].map((schema) => `CREATE SCHEMA ${quoteIdent(schema)}`),
        ...refs.map((ref, i) => view(ref.database, ref, i)),
        // Unqualified names resolve in `main`: the context database's tables are viewed there too.
        ...refs.flatMap((ref, i) => (ref.database === context ? [view('main', ref, i)] : [])),
        'SET lock_configuration = true',
      ],
    });
  }

  return {
    async acquire(refs: TableReference[], contextDatabase: string | undefined): Promise<EngineLease> {
      const context = contextDatabase?.toLowerCase();
      const plans = await Promise.all(
        refs.map((ref) =>
          planTable(options, ref.database, ref.table).catch((error: { code?: string }) => {
            if (error.code === 'EntityNotFoundException')
              throw new QueryRejected(
                `TABLE_NOT_FOUND: Table 'awsdatacatalog.${ref.database}.${ref.table}' does not exist`,
              );
            throw error;
          }),
        ),
      );
      const key = JSON.stringify([
        context ?? null,
        plans.map((p) => [p.table.database, p.table.definition.Name, p.table.version, p.groups]),
      ]);
      let engine = engines.get(key);
      if (engine) engines.delete(key);
      // An engine that crashed or was stopped (memory, an unresponsive interrupt) is replaced.
      if (engine && !(await engine.started.then((e) => e.process.alive).catch(() => false))) {
        if (engine.busy === 0) await close(key, engine);
        engine = undefined;
      }
      if (!engine) {
        const fresh: Engine = {
          tables: [],
          busy: 0,
          lastUsed: Date.now(),
          bytes: plans.reduce((n, p) => n + p.bytes, 0),
          started: Promise.resolve(undefined as unknown as StartedEngine),
        };
        fresh.started = start(fresh, refs, plans, context);
        engine = fresh;
      }
      engines.set(key, engine);
      engine.busy++;
      const leased = engine;
      try {
        const { process } = await leased.started;
        let released = false;
        return {
          engine: process,
          bytes: leased.bytes,
          release() {
            if (released) return;
            released = true;
            leased.busy--;
            leased.lastUsed = Date.now();
            // A replaced engine (it crashed or was stopped) is closed by its last user.
            if (!process.alive && leased.busy === 0)
              close(key, leased).catch((error: unknown) =>
                options.logger.warn({ err: error }, 'could not close an engine'),
              );
            evict();
          },
        };
      } catch (error) {
        leased.busy--;
        await close(key, leased);
        throw error;
      } finally {
        evict();
      }
    },

    async close(): Promise<void> {
      clearInterval(sweeper);
      await Promise.all([...engines].map(([key, engine]) => close(key, engine)));
    },
  };
}

export type EnginePool = ReturnType<typeof createEnginePool>;
