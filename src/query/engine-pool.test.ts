import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogService } from '../catalog/index.js';
import { createEngineLauncher, type EngineLauncher, type EngineProcess } from '../engine/index.js';
import { createLogger } from '../lib/logger.js';
import type { StorageService } from '../storage/index.js';
import { createEnginePool, type EnginePool } from './engine-pool.js';

const scratch = mkdtempSync(join(tmpdir(), 'seawall-engine-pool-test-'));
let launcher: EngineLauncher;
let pool: EnginePool;
let scratches = 0;

// Queries that name no table need nothing of the catalog, and of storage only a scratch directory.
const storage = {
  async filesForEngine() {
    const dir = join(scratch, String(++scratches));
    mkdirSync(dir);
    return { dir, paths: [], release: async () => rmSync(dir, { recursive: true, force: true }) };
  },
} as unknown as StorageService;

async function run(engine: EngineProcess, sql: string): Promise<string> {
  const result = await engine.stream(sql, { limits: { rowBytes: 32 * 2 ** 20, pageBytes: 2 ** 20 } });
  const pages: Buffer[] = [];
  for await (const page of result) pages.push(page);
  return Buffer.concat(pages).toString();
}

async function withEngine<T>(use: (engine: EngineProcess) => Promise<T>): Promise<{ pid: number; value: T }> {
  const lease = await pool.acquire([], undefined, new AbortController().signal);
  try {
    return { pid: lease.engine.pid, value: await use(lease.engine) };
  } finally {
    lease.release();
  }
}

beforeAll(() => {
  launcher = createEngineLauncher({ logger: createLogger('silent') });
  pool = createEnginePool({
    catalog: {} as CatalogService,
    storage,
    launcher,
    logger: createLogger('silent'),
    threads: 1,
    memoryLimitMb: 64,
    maxTempMb: 16,
  });
});
afterAll(async () => {
  await pool.close();
  await launcher.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('engine pool', () => {
  it('keeps an engine warm for the next query of the same tables', async () => {
    const first = await withEngine((engine) => run(engine, 'SELECT 1 AS one'));
    const second = await withEngine((engine) => run(engine, 'SELECT 2 AS two'));
    expect([first.value, second.value]).toEqual(['"1"\n', '"2"\n']);
    expect(second.pid).toBe(first.pid);
  });

  it('never hands on an engine that a failed query left holding more than its memory', async () => {
    // Six columns of a 100 MB string: refused as a row too large to return, after the worker built it, which
    // leaves the engine holding about 850 MB, far past its 64 MB and the worker's 512 MB heap (576 MB) but short
    // of where the watchdog stops it (1,088 MB).
    const columns = 'abcdef'
      .split('')
      .map((c) => `v ${c}`)
      .join(', ');
    const failed = await withEngine((engine) =>
      run(engine, `WITH s AS (SELECT lpad('', 100000000, 'x') AS v) SELECT ${columns} FROM s`).then(
        () => 'answered',
        (error: Error) => error.message,
      ),
    );
    expect(failed.value).toMatch(/^EXCEEDED_ROW_SIZE_LIMIT/);
    const next = await withEngine((engine) => run(engine, 'SELECT 2 AS two'));
    expect(next.value).toBe('"2"\n');
    expect(next.pid).not.toBe(failed.pid);
  });

  it('closes an engine a result limit refused, however little it holds; other failures keep it warm', async () => {
    const failure = (sql: string) =>
      withEngine((engine) =>
        run(engine, sql).then(
          () => 'answered',
          (error: Error) => error.message,
        ),
      );
    const refused = await failure("SELECT lpad('', 40000000, 'x') AS v");
    expect(refused.value).toMatch(/^EXCEEDED_ROW_SIZE_LIMIT/);
    const next = await withEngine((engine) => run(engine, 'SELECT 3 AS three'));
    expect(next.value).toBe('"3"\n');
    expect(next.pid).not.toBe(refused.pid);
    // Bad SQL, and a result type refused before any value is read, leave nothing behind.
    const bad = await failure('SELECT no_such_column');
    expect(bad.value).toMatch(/no_such_column/);
    const variant = await failure('SELECT 42::VARIANT AS v');
    expect(variant.value).toBe('Results of type VARIANT are not supported.');
    expect([bad.pid, variant.pid]).toEqual([next.pid, next.pid]);
    expect((await withEngine((engine) => run(engine, 'SELECT 4 AS four'))).pid).toBe(next.pid);
  });
});
