import { join } from 'node:path';
import type { EngineProcess } from './engine-process.js';
import type { EngineLauncher, EngineSpec } from './launcher.js';

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
 * and started again when the last piece of work crashed it or it never came up.
 */
export function reusableEngine(start: () => Promise<StartedEngine>) {
  let current: Promise<StartedEngine> | undefined;

  async function get(): Promise<EngineProcess> {
    current ??= start().catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    const started = current;
    const engine = await started;
    if (engine.process.alive) return engine.process;
    if (current === started) current = undefined;
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
