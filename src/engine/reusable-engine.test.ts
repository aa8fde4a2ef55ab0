import { describe, expect, it } from 'vitest';
import type { EngineProcess } from './engine-process.js';
import { reusableEngine, type StartedEngine } from './reusable-engine.js';

/** A stand-in for an engine process: alive until closed, with the resident memory a test gives it. */
function fakeEngine(residentMb: () => number | undefined) {
  const state = { alive: true, spent: false, closes: 0, releases: 0 };
  const process = {
    memoryLimitMb: 256,
    get alive() {
      return state.alive;
    },
    get spent() {
      return state.spent;
    },
    residentMb,
    async close() {
      state.alive = false;
      state.closes++;
    },
  } as unknown as EngineProcess;
  const started: StartedEngine = {
    process,
    release: async () => {
      state.releases++;
    },
  };
  return { started, state };
}

/** A reusable engine over fakes whose resident memory is `resident()`, and the fakes it started. */
function engines(resident: () => number) {
  const made: ReturnType<typeof fakeEngine>[] = [];
  const engine = reusableEngine(async () => {
    const fake = fakeEngine(resident);
    made.push(fake);
    return fake.started;
  });
  const which = (process: EngineProcess) => made.findIndex((fake) => fake.started.process === process);
  return { engine, made, which };
}

/** Past its DuckDB limit (256 MiB) and the worker's heap: what the watchdog would stop. */
const OVERGROWN = 256 + 4096;

describe('reusableEngine', () => {
  it('runs each piece of work on the same engine while it is alive and within its memory', async () => {
    const { engine, made, which } = engines(() => 300);
    expect(await engine.use(async (e) => which(e))).toBe(0);
    expect(await engine.use(async (e) => which(e))).toBe(0);
    expect(made).toHaveLength(1);
    await engine.close();
    expect(made[0]?.state).toMatchObject({ closes: 1, releases: 1 });
  });

  it('starts another once the last piece of work crashed it, released once', async () => {
    const { engine, made, which } = engines(() => 300);
    await engine.use(async () => {
      (made[0] as ReturnType<typeof fakeEngine>).state.alive = false;
    });
    // Two pieces find it dead at once: one retires it, both run on the next.
    const next = await Promise.all([engine.use(async (e) => which(e)), engine.use(async (e) => which(e))]);
    expect(next).toEqual([1, 1]);
    expect(made[0]?.state.releases).toBe(1);
    await engine.close();
  });

  it('closes one the last piece of work left holding more than its memory, and starts another', async () => {
    let resident = 300;
    const { engine, made, which } = engines(() => resident);
    await engine.use(async () => {
      resident = OVERGROWN;
    });
    expect(await engine.use(async (e) => which(e))).toBe(1);
    expect(made[0]?.state).toMatchObject({ closes: 1, releases: 1 });
    // A new engine is handed out as it comes (no work has run on it), or a misreading would start them forever.
    expect(made).toHaveLength(2);
    await engine.close();
  });

  it('closes one whose last piece of work was refused over a result limit, and starts another', async () => {
    const { engine, made, which } = engines(() => 300);
    await engine.use(async () => {
      (made[0] as ReturnType<typeof fakeEngine>).state.spent = true;
    });
    expect(await engine.use(async (e) => which(e))).toBe(1);
    expect(made[0]?.state).toMatchObject({ closes: 1, releases: 1 });
    await engine.close();
  });

  it('judges its memory only with no work running: a piece that holds much while it runs keeps its engine', async () => {
    let resident = 300;
    const { engine, made, which } = engines(() => resident);
    await engine.use(async () => undefined);
    let finish: () => void = () => undefined;
    let begun: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      begun = resolve;
    });
    const long = engine.use(async (e) => {
      resident = OVERGROWN;
      begun();
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return which(e);
    });
    await running;
    // Another piece comes while the first holds that memory: same engine, nothing closed under the first.
    expect(await engine.use(async (e) => which(e))).toBe(0);
    expect(made[0]?.state.closes).toBe(0);
    finish();
    expect(await long).toBe(0);
    // Between pieces, it is judged, and retired.
    expect(await engine.use(async (e) => which(e))).toBe(1);
    expect(made[0]?.state.closes).toBe(1);
    await engine.close();
  });
});
