import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngineLauncher } from '../src/engine/index.js';
import { createLogger } from '../src/lib/logger.js';
import { athenaClient, waitForQuery } from './helpers/athena.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { until } from './helpers/until.js';

/** The engine workers this process has forked and that are still running, by pid. */
function engineWorkers(): Set<number> {
  const pids = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1];
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (Number(parent) === process.pid && /engine\/worker\.(?:ts|js)/.test(command)) pids.add(Number(name));
    } catch {
      // Ended meanwhile.
    }
  }
  return pids;
}

/** Workers that were not there before. */
const newSince = (before: Set<number>) => [...engineWorkers()].filter((pid) => !before.has(pid));

const spec = () => ({
  label: 'ahead-test',
  threads: 1,
  memoryLimitMb: 128,
  tempDirectory: join(tempDir(), 'spill'),
  maxTempMb: 16,
});

describe('engines started ahead of need', () => {
  it('a launcher told to fork ahead has its spare at once, and the first launch takes it', async () => {
    const before = engineWorkers();
    const launcher = createEngineLauncher({ logger: createLogger('silent'), forkAhead: true });
    try {
      const ahead = newSince(before);
      expect(ahead).toHaveLength(1);
      const engine = await launcher.launch(spec());
      expect(engine.pid).toBe(ahead[0]);
    } finally {
      await launcher.close();
    }
  });

  it('a launcher not told to forks nothing before its first launch', async () => {
    const before = engineWorkers();
    const launcher = createEngineLauncher({ logger: createLogger('silent') });
    try {
      expect(newSince(before)).toEqual([]);
      await launcher.launch(spec());
      // The launched worker, and the spare forked for the next launch.
      expect(newSince(before)).toHaveLength(2);
    } finally {
      await launcher.close();
    }
  });

  describe('a server started with engines ahead', () => {
    let t: TestSeawall | undefined;
    afterAll(async () => {
      await t?.close();
    });

    it('starts the parser and a spare before any query, and its first query forks no worker of its own', async () => {
      const before = engineWorkers();
      t = await startTestSeawall({ limits: { enginesAhead: true } });
      // The parser's engine and the launcher's spare, with no query asked.
      const ahead = await until(async () => {
        const found = newSince(before);
        return found.length === 2 && found;
      }, 'two engine workers');
      const athena = athenaClient(t);
      const { QueryExecutionId } = await athena.send(
        new StartQueryExecutionCommand({ QueryString: 'SELECT 1 AS one', WorkGroup: 'primary' }),
      );
      expect((await waitForQuery(athena, QueryExecutionId as string)).Status?.State).toBe('SUCCEEDED');
      // The query ran on the spare, so the one worker forked since is the spare that replaced it.
      expect(newSince(before).filter((pid) => !ahead.includes(pid))).toHaveLength(1);
    });
  });
});
