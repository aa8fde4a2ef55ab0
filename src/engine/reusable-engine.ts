import { join } from 'node:path';
import type { EngineProcess } from './engine-process.js';
import { type EngineLauncher, type EngineSpec, overgrownMb } from './launcher.js';

/** An engine process and what to give back once it is done with (its scratch directory). */
export interface StartedEngine {
  process: EngineProcess;
  release(): Promise<void>;
}

/** A scratch directory of the engine's own (where it spills), and how to remove it. */
export interface Scratch {
  dir: string;
  release(): Promise<void>;
}

/** Launches an engine that spills into a scratch directory of its own, removed with the engine. */
export async function startEngine(
  launcher: EngineLauncher,
  scratch: () => Promise<Scratch>,
  spec: Omit<EngineSpec, 'tempDirectory'>,
): Promise<StartedEngine> {
  const files = await scratch();
  try {
    const process = await launcher.launch({ ...spec, tempDirectory: join(files.dir, 'spill') });
    return { process, release: () => files.release() };
  } catch (error) {
    await files.release();
    throw error;
  }
}

/**
 * One engine kept for a series of work (a crawl's files, the queries the parser reads, perhaps several at once):
 * started on first use, and started again when the last piece of work crashed it or it never came up, or left
 * it holding more than its memory (overgrownMb: the watchdog would stop it under the next piece, as the query
 * pool judges its engines) or spent (a result refused over its limits, which it may still hold). Both are judged
 * only between pieces of work, with none running: what one piece holds while it runs is its own, and a new
 * engine, which no work has run on, is handed out as it comes.
 */
export function reusableEngine(start: () => Promise<StartedEngine>) {
  let current: Promise<StartedEngine> | undefined;
  /** Pieces of work running (on the current engine, or on one retired under them after it died). */
  let running = 0;
  /** The engines work has run on: only those can have been left overgrown. */
  const used = new WeakSet<StartedEngine>();

  /** The engine for the next piece of work, counted as running before anything else can judge it. */
  async function take(): Promise<StartedEngine> {
    current ??= start().catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    const started = current;
    const engine = await started;
    const { alive } = engine.process;
    const worn =
      alive &&
      running === 0 &&
      used.has(engine) &&
      (engine.process.spent || overgrownMb(engine.process) !== undefined);
    if (alive && !worn) {
      used.add(engine);
      running++;
      return engine;
    }
    // Retired once, by whoever finds it so first; the others start on the next.
    if (current === started) {
      current = undefined;
      if (alive) await engine.process.close();
      await engine.release();
    }
    return take();
  }

  return {
    /** Runs a piece of work on the engine. */
    async use<T>(work: (engine: EngineProcess) => Promise<T>): Promise<T> {
      const engine = await take();
      try {
        return await work(engine.process);
      } finally {
        running--;
      }
    },
    async close(): Promise<void> {
      const engine = await current?.catch(() => undefined);
      current = undefined;
      if (!engine) return;
      await engine.process.close();
      await engine.release();
    },
  };
}
