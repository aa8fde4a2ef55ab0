import { describe, expect, it } from 'vitest';
import type { EngineProcess } from './engine-process.js';
import { reusableEngine, type StartedEngine } from './reusable-engine.js';

/** A stand-in for an engine process: alive until closed, with the resident memory a test gives it. */
function fakeEngine(residentMb: () => number | undefined) {
  const state = { alive: true, closed: false, released: false };
  const process = {
    memoryLimitMb: 256,
    get alive() {
      return state.alive;
    },
    residentMb,
    async close() {
      state.alive = false;
      state.closed = true;
    },
  } as unknown as EngineProcess;
  const started: StartedEngine = {
    process,
    release: async () => {
      state.released = true;
    },
  };
  return { started, state };
}

describe('reusableEngine', () => {
  it('hands the same engine to each piece of work while it is alive and within its memory', async () => {
    const made: ReturnType<typeof fakeEngine>[] = [];
    const engine = reusableEngine(async () => {
      const fake = fakeEngine(() => 300);
      made.push(fake);
      return fake.started;
    });
    const first = await engine.get();
    expect(await engine.get()).toBe(first);
    expect(made).toHaveLength(1);
    await engine.close();
    expect(made[0]?.state).toMatchObject({ closed: true, released: true });
  });

  it('starts another once the last piece of work crashed it', async () => {
    const made: ReturnType<typeof fakeEngine>[] = [];
    const engine = reusableEngine(async () => {
      const fake = fakeEngine(() => 300);
      made.push(fake);
      return fake.started;
    });
    await engine.get();
    (made[0] as ReturnType<typeof fakeEngine>).state.alive = false;
    const second = await engine.get();
    expect(second).toBe(made[1]?.started.process);
    expect(made[0]?.state.released).toBe(true);
    await engine.close();
  });

  it('closes one the last piece of work left holding more than its memory, and starts another', async () => {
    const made: ReturnType<typeof fakeEngine>[] = [];
    let resident = 300;
    const engine = reusableEngine(async () => {
      const fake = fakeEngine(() => resident);
      made.push(fake);
      return fake.started;
    });
    const first = await engine.get();
    // Past its DuckDB limit and the worker's heap: the watchdog would stop it under the next piece of work.
    resident = 256 + 4096;
    const second = await engine.get();
    expect(second).not.toBe(first);
    // A new engine is handed out as it comes (no work has run on it), or a misreading would start them forever.
    expect(made).toHaveLength(2);
    expect(made[0]?.state).toMatchObject({ closed: true, released: true });
    await engine.close();
  });
});
