import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MetadataDb, openMetadataDb } from '../db/database.js';
import { systemClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { createJobRuntime, type JobKind, type JobRuntime, type JobStopped } from './job-runtime.js';
import { createJobStore } from './job-store.js';

let dir: string;
let db: MetadataDb;
let runtime: JobRuntime;

function newRuntime(): JobRuntime {
  return createJobRuntime({
    store: createJobStore(db.db),
    clock: systemClock,
    logger: createLogger('silent'),
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seawall-jobs-'));
  db = await openMetadataDb({ sqlitePath: join(dir, 'metadata.db') });
  runtime = newRuntime();
});
afterEach(async () => {
  await runtime.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A kind whose jobs run until released (or aborted), recording what happened to each. */
function fakeKind(options: Partial<JobKind> = {}) {
  const events: string[] = [];
  const release = new Map<string, () => void>();
  const kind: JobKind = {
    name: 'fake',
    concurrency: 1,
    ...options,
    run: ({ ref, signal }) =>
      new Promise<void>((resolve) => {
        events.push(`start ${ref}`);
        release.set(ref, () => {
          events.push(`done ${ref}`);
          resolve();
        });
        signal.addEventListener('abort', () => {
          events.push(`stopped ${ref}: ${(signal.reason as JobStopped).reason}`);
          resolve();
        });
      }),
    abandoned: async (ref) => {
      events.push(`abandoned ${ref}`);
    },
  };
  return { kind, events, release: (ref: string) => release.get(ref)?.() };
}

/** Waits until `events` shows what is expected: no fixed sleeps, so a slow machine only makes it slower. */
async function until(events: string[], expected: string[]): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 5) {
    if (expected.every((event) => events.includes(event))) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never saw ${expected.join(', ')}; saw ${events.join(', ')}`);
}

describe('the job runtime', () => {
  it('runs at most `concurrency` jobs of a kind, in submission order', async () => {
    const fake = fakeKind({ concurrency: 2 });
    runtime.register(fake.kind);
    for (const ref of ['a', 'b', 'c']) await runtime.submit('fake', ref, { timeoutMs: 60_000 });
    await until(fake.events, ['start a', 'start b']);
    expect(fake.events).toEqual(['start a', 'start b']);
    fake.release('a');
    await until(fake.events, ['start c']);
    expect(fake.events).toEqual(['start a', 'start b', 'done a', 'start c']);
    fake.release('b');
    fake.release('c');
    await runtime.idle();
  });

  it('moves jobs that run long out of the ordinary slots, while the long lane has room', async () => {
    const fake = fakeKind({ concurrency: 1, longConcurrency: 1, longAfterMs: 50 });
    runtime.register(fake.kind);
    for (const ref of ['long1', 'long2', 'short']) await runtime.submit('fake', ref, { timeoutMs: 60_000 });
    // long1 moved to the long lane, so long2 started; long2 cannot move (the lane is full), so short waits.
    await until(fake.events, ['start long2']);
    expect(fake.events).toEqual(['start long1', 'start long2']);
    fake.release('long1');
    await until(fake.events, ['start short']);
    expect(fake.events).toEqual(['start long1', 'start long2', 'done long1', 'start short']);
    fake.release('long2');
    fake.release('short');
    await runtime.idle();
  });

  it('stops a job past its time limit, and cancels queued and running jobs', async () => {
    const fake = fakeKind({ concurrency: 1 });
    runtime.register(fake.kind);
    await runtime.submit('fake', 'slow', { timeoutMs: 50 });
    await runtime.submit('fake', 'queued', { timeoutMs: 60_000 });
    await runtime.submit('fake', 'next', { timeoutMs: 60_000 });
    expect(await runtime.cancel('fake', 'queued')).toBe('dequeued');
    await until(fake.events, ['start next']);
    expect(fake.events).toEqual(['start slow', 'stopped slow: timeout', 'start next']);
    expect(await runtime.cancel('fake', 'next')).toBe('stopping');
    await runtime.idle();
    expect(fake.events.at(-1)).toBe('stopped next: cancelled');
    expect(await runtime.cancel('fake', 'next')).toBe('absent');
    expect(await createJobStore(db.db).all()).toEqual([]);
  });

  it('after a restart, runs queued jobs again and hands running ones to their kind as abandoned', async () => {
    const fake = fakeKind({ concurrency: 1 });
    runtime.register(fake.kind);
    await runtime.submit('fake', 'running', { timeoutMs: 60_000 });
    await runtime.submit('fake', 'waiting', { timeoutMs: 60_000 });
    await until(fake.events, ['start running']);
    // A crash: the process is gone without closing anything; the queue is what the store says.
    const rows = await createJobStore(db.db).all();
    expect(rows.map((r) => [r.ref, r.state])).toEqual([
      ['running', 'RUNNING'],
      ['waiting', 'QUEUED'],
    ]);
    const crashed = runtime;
    runtime = newRuntime();
    const after = fakeKind({ concurrency: 1 });
    runtime.register(after.kind);
    await runtime.recover();
    await until(after.events, ['start waiting']);
    expect(after.events).toEqual(['abandoned running', 'start waiting']);
    after.release('waiting');
    await runtime.idle();
    fake.release('running');
    await crashed.close();
  });

  it('on close, stops running jobs and leaves queued ones for the next start', async () => {
    const fake = fakeKind({ concurrency: 1 });
    runtime.register(fake.kind);
    await runtime.submit('fake', 'one', { timeoutMs: 60_000 });
    await runtime.submit('fake', 'two', { timeoutMs: 60_000 });
    await until(fake.events, ['start one']);
    await runtime.close();
    expect(fake.events).toEqual(['start one', 'stopped one: shutdown']);
    expect((await createJobStore(db.db).all()).map((r) => [r.ref, r.state])).toEqual([['two', 'QUEUED']]);
  });

  it('runs, limits and cancels the jobs of a kind that is not recorded without writing them to the store', async () => {
    const fake = fakeKind({ concurrency: 1, recorded: false });
    runtime.register(fake.kind);
    const recorded = fakeKind({ name: 'recorded', concurrency: 1 });
    runtime.register(recorded.kind);
    for (const ref of ['one', 'two', 'three']) await runtime.submit('fake', ref, { timeoutMs: 60_000 });
    await runtime.submit('recorded', 'kept', { timeoutMs: 60_000 });
    await until(fake.events, ['start one']);
    expect(runtime.isActive('fake', 'two')).toBe(true);
    expect(await runtime.cancel('fake', 'two')).toBe('dequeued');
    // Only the recorded kind's job is in the store, while both kinds have jobs running and queued.
    expect((await createJobStore(db.db).all()).map((r) => r.ref)).toEqual(['kept']);
    fake.release('one');
    await until(fake.events, ['start three']);
    expect(fake.events).toEqual(['start one', 'done one', 'start three']);
    fake.release('three');
    recorded.release('kept');
    await runtime.idle();
    expect(await createJobStore(db.db).all()).toEqual([]);
  });

  it('drops what an earlier version recorded of a kind that is no longer recorded, and runs none of it', async () => {
    const store = createJobStore(db.db);
    for (const [ref, state] of [
      ['left-queued', 'QUEUED'],
      ['left-running', 'RUNNING'],
    ] as const)
      await store.insert({ kind: 'fake', ref, state, timeout_ms: 60_000, submitted_at: 1, started_at: null });
    const fake = fakeKind({ concurrency: 1, recorded: false });
    runtime.register(fake.kind);
    await runtime.recover();
    expect(await store.all()).toEqual([]);
    expect(runtime.isActive('fake', 'left-queued')).toBe(false);
    await runtime.idle();
    expect(fake.events).toEqual([]);
  });
});
