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
 * One engine kept for a series of work (a crawl's files, the queries the parser reads): started on first use,
 * and started again when the last piece of work crashed it or it never came up, or left it holding more than its
 * memory (overgrownMb: the watchdog would stop it under the next piece, as the query pool judges its engines).
 */
export function reusableEngine(start: () => Promise<StartedEngine>) {
  let current: Promise<StartedEngine> | undefined;
  /** The engines handed out so far: only work done on one can have left it overgrown, never a new one. */
  const used = new WeakSet<StartedEngine>();

  async function get(): Promise<EngineProcess> {
    current ??= start().catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    const started = current;
    const engine = await started;
    const { alive } = engine.process;
    if (alive && !(used.has(engine) && overgrownMb(engine.process) !== undefined)) {
      used.add(engine);
      return engine.process;
    }
    if (current === started) current = undefined;
    if (alive) await engine.process.close();
    await engine.release();
    return get();
  }

  return {
    get,
    async close(): Promise<void> {
      const engine = await current?.catch(() => undefined);
      current = undefined;
      if (!engine) return;
      await engine.process.close();
      await engine.release();
    },
  };
}
