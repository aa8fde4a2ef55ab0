import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../lib/logger.js';
import { EngineProcess } from './engine-process.js';

/** The worker's own JavaScript heap: results reach it a bounded page at a time. */
const WORKER_HEAP_MB = 512;
/** What a worker may use beyond DuckDB's memory_limit (its heap, code, DuckDB's unmanaged allocations). */
const WORKER_OVERHEAD_MB = WORKER_HEAP_MB + 512;
const WATCH_INTERVAL_MS = 500;

export interface EngineSpec {
  /** What the engine is for, in logs. */
  label: string;
  threads: number;
  /** DuckDB's memory_limit; the process is stopped if it grows well past it. */
  memoryLimitMb: number;
  /** Where DuckDB may spill, and how much. */
  tempDirectory: string;
  maxTempMb: number;
  /** Further settings at creation. */
  settings?: Record<string, string>;
  /** Statements run on the fresh instance before it is handed out. */
  setup?: string[];
}

/** Starts DuckDB workers for queries, crawls and jobs, and stops them all on close. */
export interface EngineLauncher {
  /** A worker with a DuckDB instance created to `spec`, its setup statements run. */
  launch(spec: EngineSpec): Promise<EngineProcess>;
  /** Stops the spare and closes every live worker; later launches are refused. */
  close(): Promise<void>;
}

// Run from TypeScript sources (tests, tsx), the worker is TypeScript too and needs tsx's loader.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_PATH = fileURLToPath(new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url));

function spawnWorker(): ChildProcess {
  return fork(WORKER_PATH, [], {
    execArgv: [...(FROM_SOURCE ? ['--import', 'tsx'] : []), `--max-old-space-size=${WORKER_HEAP_MB}`],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // The engine needs nothing from the server's environment, which may hold credentials.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C.UTF-8' },
  });
}

/**
 * An engine's resident MiB if it holds more than its DuckDB limit and the worker's heap, else undefined: what a
 * query that failed part-way (a row too large to return, say) can leave behind, halfway to the watchdog's line.
 * Such an engine is not handed to another query, which the watchdog would stop with it.
 */
export function overgrownMb(engine: EngineProcess): number | undefined {
  const rss = engine.residentMb();
  return rss !== undefined && rss > engine.memoryLimitMb + WORKER_HEAP_MB ? rss : undefined;
}

/**
 * Starts engine workers. One idle worker is kept forked ahead of need, so a query, crawl or job pays for an
 * instance, not for a process start: from the first launch on, or from the start with `forkAhead` (a server,
 * whose first query would otherwise wait for two process starts; tests, which mostly never query, leave it).
 * A watchdog stops any worker whose resident memory goes past its limit.
 */
export function createEngineLauncher(deps: { logger: Logger; forkAhead?: boolean }): EngineLauncher {
  let spare: ChildProcess | undefined;
  let closed = false;
  /** The engines running, with the label each was launched under. */
  const live = new Map<EngineProcess, string>();

  const watchdog = setInterval(() => {
    for (const [engine, label] of live) {
      const rss = engine.residentMb();
      if (rss !== undefined && rss > engine.memoryLimitMb + WORKER_OVERHEAD_MB) {
        deps.logger.warn({ engine: label, rssMb: Math.round(rss) }, 'engine over its memory; stopping it');
        engine.stop('memory');
      }
    }
  }, WATCH_INTERVAL_MS);
  watchdog.unref();

  function spawnSpare(): ChildProcess | undefined {
    if (closed) return undefined;
    const child = spawnWorker();
    // A spare that cannot start is simply not there; the next launch forks its own.
    child.on('error', (error) => {
      deps.logger.warn({ err: error }, 'could not start a spare engine');
      if (spare === child) spare = undefined;
    });
    return child;
  }

  if (deps.forkAhead) spare = spawnSpare();

  function takeWorker(): ChildProcess {
    const usable = spare && spare.pid !== undefined && spare.exitCode === null && spare.signalCode === null;
    const child = usable && spare ? spare : spawnWorker();
    spare = spawnSpare();
    return child;
  }

  return {
    async launch(spec: EngineSpec): Promise<EngineProcess> {
      if (closed) throw new Error('the engine launcher is closed');
      const engine = new EngineProcess(takeWorker(), spec.memoryLimitMb);
      live.set(engine, spec.label);
      engine.exited.then((failure) => {
        live.delete(engine);
        if (failure.kind === 'crashed' || failure.kind === 'memory')
          deps.logger.warn(
            { engine: spec.label, pid: engine.pid, kind: failure.kind, stderr: engine.stderr.slice(-1024) },
            'engine process ended',
          );
      });
      try {
        await engine.open(
          {
            ...spec.settings,
            threads: String(spec.threads),
            memory_limit: `${spec.memoryLimitMb}MB`,
            temp_directory: spec.tempDirectory,
            max_temp_directory_size: `${spec.maxTempMb}MB`,
          },
          ["SET TimeZone = 'UTC'", ...(spec.setup ?? [])],
        );
      } catch (error) {
        engine.stop('closed');
        throw error;
      }
      return engine;
    },

    async close(): Promise<void> {
      closed = true;
      clearInterval(watchdog);
      spare?.kill('SIGKILL');
      spare = undefined;
      await Promise.all([...live.keys()].map((engine) => engine.close()));
    },
  };
}
