import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { EngineFailure, type EngineProcess } from './engine-process.js';
import { createEngineLauncher, type EngineLauncher } from './launcher.js';

const LIMITS = { rowBytes: 2 ** 20, pageBytes: 1000 };
const scratch = mkdtempSync(join(tmpdir(), 'seawall-engine-test-'));
let launcher: EngineLauncher;

const launch = () =>
  launcher.launch({
    label: 'test',
    threads: 1,
    memoryLimitMb: 256,
    tempDirectory: join(scratch, 'spill'),
    maxTempMb: 16,
  });

async function readAll(engine: EngineProcess, sql: string): Promise<{ text: string; rows: number }> {
  const result = await engine.stream(sql, { limits: LIMITS });
  const pages: Buffer[] = [];
  for await (const page of result) pages.push(page);
  return { text: Buffer.concat(pages).toString(), rows: result.rows };
}

beforeAll(() => {
  launcher = createEngineLauncher({ logger: createLogger('silent') });
});
afterAll(async () => {
  await launcher.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('engine result streams', () => {
  it('hands over a one-page result with its columns: nothing more is asked of the engine', async () => {
    const engine = await launch();
    const result = await engine.stream("SELECT 1 AS one, 'a,b' AS two", { limits: LIMITS });
    // With the engine gone, reading must not need it.
    engine.stop('closed');
    await engine.exited;
    const pages: string[] = [];
    for await (const page of result) pages.push(page.toString());
    expect(result.columns.map((c) => [c.Name, c.Type])).toEqual([
      ['one', 'integer'],
      ['two', 'varchar'],
    ]);
    expect(pages).toEqual(['"1","a,b"\n']);
    expect(result.rows).toBe(1);
    await result.close();
  });

  it('reads a result of many pages in order, then serves the next query', async () => {
    const engine = await launch();
    const { text, rows } = await readAll(engine, 'SELECT range AS n FROM range(5000) ORDER BY n');
    const lines = text.trimEnd().split('\n');
    expect(rows).toBe(5000);
    expect(lines).toHaveLength(5000);
    expect(lines[0]).toBe('"0"');
    expect(lines[4999]).toBe('"4999"');
    expect(await readAll(engine, 'SELECT 2 AS two')).toEqual({ text: '"2"\n', rows: 1 });
    await engine.close();
  });

  it('gives an empty result no pages', async () => {
    const engine = await launch();
    expect(await readAll(engine, 'SELECT 1 AS one WHERE false')).toEqual({ text: '', rows: 0 });
    await engine.close();
  });

  it('closes a result nobody read, and the engine goes on', async () => {
    const engine = await launch();
    const result = await engine.stream('SELECT range AS n FROM range(100000)', { limits: LIMITS });
    await result.close();
    expect(await readAll(engine, 'SELECT 3 AS three')).toEqual({ text: '"3"\n', rows: 1 });
    await engine.close();
  });

  it('fails the stream itself when the first rows cannot be computed', async () => {
    const engine = await launch();
    const failed = engine.stream("SELECT CAST('x' AS INTEGER) AS n", { limits: LIMITS });
    await expect(failed).rejects.toBeInstanceOf(EngineFailure);
    await expect(failed).rejects.toMatchObject({ kind: 'engine', message: /Could not convert/ });
    expect(await readAll(engine, 'SELECT 4 AS four')).toEqual({ text: '"4"\n', rows: 1 });
    await engine.close();
  });
});

describe('the kept session of an engine', () => {
  it('answers a repeated query alike: again, beside an open result, after one closed half read and after a failure', async () => {
    const engine = await launch();
    const query = "SELECT range AS n, row(range, 'x') AS r FROM range(3000) ORDER BY n";
    const first = await readAll(engine, query);
    expect(first.rows).toBe(3000);
    expect(first.text.split('\n')[2]).toBe('"2","{field0=2, field1=x}"');
    expect(await readAll(engine, query)).toEqual(first);
    // While this result holds the session, the query runs on a connection of its own.
    const open = await engine.stream(query, { limits: LIMITS });
    expect(await readAll(engine, query)).toEqual(first);
    await open.close();
    expect(await readAll(engine, query)).toEqual(first);
    await expect(engine.stream("SELECT CAST('x' AS INTEGER) AS n", { limits: LIMITS })).rejects.toMatchObject(
      {
        kind: 'engine',
      },
    );
    expect(await readAll(engine, query)).toEqual(first);
    expect(await readAll(engine, 'SELECT 5 AS five')).toEqual({ text: '"5"\n', rows: 1 });
    await engine.close();
  });
});

describe('engine reads', () => {
  it('counts the bytes the engine reads from files', async () => {
    const file = join(scratch, 'numbers.csv');
    writeFileSync(file, Array.from({ length: 100_000 }, (_, i) => `${i},${i * 2}`).join('\n'));
    const engine = await launch();
    const before = await engine.bytesRead();
    expect(before).toBeTypeOf('number');
    const [row] = await engine.rows(`SELECT count(*) AS n FROM read_csv('${file}', header = false)`);
    const after = await engine.bytesRead();
    expect(Number(row?.n)).toBe(100_000);
    expect((after as number) - (before as number)).toBeGreaterThanOrEqual(1_000_000);
    await engine.close();
    expect(await engine.bytesRead()).toBeUndefined();
  });
});
