import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { JobStore } from './job-store.js';

export type JobStopReason = 'cancelled' | 'timeout' | 'shutdown';

/** `1.5 seconds`, `30 seconds`, `2 minutes`: a limit as a person would say it. */
export function formatDuration(ms: number): string {
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} minutes`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} second${seconds === 1 ? '' : 's'}`;
}

/** The reason a job's signal was aborted with. */
export class JobStopped extends Error {
  override readonly name = 'JobStopped';
  constructor(
    readonly reason: JobStopReason,
    /** For a timeout: the limit it ran into. */
    readonly limitMs = 0,
  ) {
    super(
      reason === 'timeout'
        ? `it ran longer than its limit of ${formatDuration(limitMs)}`
        : reason === 'cancelled'
          ? 'it was stopped on request'
          : 'Seawall was shut down while it was running',
    );
  }
}

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer for any delay: a longer one than Node allows is armed again for what remains. */
function timer(run: () => void, ms: number): { clear(): void } {
  let handle: NodeJS.Timeout;
  const arm = (remaining: number) => {
    handle = setTimeout(
      () => (remaining > MAX_TIMER_MS ? arm(remaining - MAX_TIMER_MS) : run()),
      Math.min(remaining, MAX_TIMER_MS),
    );
  };
  arm(ms);
  return { clear: () => clearTimeout(handle) };
}

export interface JobContext {
  ref: string;
  /** Aborted with a JobStopped when the job is cancelled, times out or the server shuts down. */
  signal: AbortSignal;
}

/** A kind of background work: how many may run at once, how to run one, what to do with one a crash cut short. */
export interface JobKind {
  readonly name: string;
  /** Jobs of this kind running at once in the ordinary lane. */
  readonly concurrency: number;
  /**
   * A job running longer than `longAfterMs` moves to a lane of its own (at most `longConcurrency` jobs there),
   * freeing its slot: a runaway never holds the slot a short job needs.
   */
  readonly longConcurrency?: number;
  readonly longAfterMs?: number;
  /**
   * Whether the kind's jobs are recorded in the job store, to be recovered after a restart (unless false). Not
   * for a kind that keeps its own durable queue and starts itself again at start-up (an outbox's deliveries),
   * where a record of each run would cost three writes and mend nothing after a crash.
   */
  readonly recorded?: boolean;
  /** Runs the job and records its outcome in the kind's own store; rejections are only logged. */
  run(context: JobContext): Promise<void>;
  /** The job was running when the server stopped: record that it did not finish. */
  abandoned(ref: string): Promise<void>;
}

/** Whether a kind's jobs are written to the job store (see JobKind.recorded). */
const isRecorded = (kind: JobKind): boolean => kind.recorded !== false;

/** Runs background work of every registered kind; see createJobRuntime. */
export interface JobRuntime {
  register(kind: JobKind): void;
  /** Queues a job (durably, if its kind is recorded); it runs when a slot of its kind is free. */
  submit(kindName: string, ref: string, options: { timeoutMs: number }): Promise<void>;
  /** Takes a queued job off the queue, or stops a running one (its signal aborts with 'cancelled'). */
  cancel(kindName: string, ref: string): Promise<'dequeued' | 'stopping' | 'absent'>;
  /** Whether the job is queued or running. */
  isActive(kindName: string, ref: string): boolean;
  /**
   * After a restart: jobs that were running are handed to their kind as abandoned; queued ones are queued
   * again in the order they were submitted. Call once every kind is registered.
   */
  recover(): Promise<void>;
  /** Resolves once nothing is queued or running (tests, the demo). */
  idle(): Promise<void>;
  /**
   * Stops running jobs (they fail with 'shutdown') and waits for them; queued jobs of recorded kinds stay for the
   * next start.
   */
  close(): Promise<void>;
}

interface Running {
  controller: AbortController;
  lane: 'short' | 'long';
  /** Set when it has run for `longAfterMs`: it may move to the long lane when there is room. */
  long: boolean;
  done: Promise<void>;
}

interface KindState {
  kind: JobKind;
  queue: { ref: string; timeoutMs: number }[];
  running: Map<string, Running>;
}

/**
 * One runtime for every kind of background work (queries, crawls, recipe jobs, and later Glue jobs,
 * lifecycle, replication, trail delivery, alarms): a durable queue, a concurrency limit per kind, a time limit
 * per job, cancellation, and recovery after a crash. Queued jobs of recorded kinds survive a restart; a job that
 * was running when the process died is handed to its kind as abandoned.
 */
export function createJobRuntime(deps: { store: JobStore; clock: Clock; logger: Logger }): JobRuntime {
  const kinds = new Map<string, KindState>();
  let closing = false;
  let idleWaiters: (() => void)[] = [];

  function stateOf(name: string): KindState {
    const state = kinds.get(name);
    if (!state) throw new Error(`unknown job kind ${name}`);
    return state;
  }

  function shortRunning(state: KindState): number {
    let count = 0;
    for (const job of state.running.values()) if (job.lane === 'short') count++;
    return count;
  }

  function settleIdle(): void {
    for (const state of kinds.values())
      if ((state.queue.length > 0 && !closing) || state.running.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Moves jobs that have run past `longAfterMs` out of the ordinary lane, while the long lane has room. */
  function promoteLongJobs(state: KindState): void {
    const { longAfterMs, longConcurrency = 0 } = state.kind;
    if (longAfterMs === undefined) return;
    let long = state.running.size - shortRunning(state);
    for (const job of state.running.values()) {
      if (long >= longConcurrency) return;
      if (job.lane === 'short' && job.long) {
        job.lane = 'long';
        long++;
      }
    }
  }

  function start(state: KindState, ref: string, timeoutMs: number): void {
    const { kind } = state;
    const controller = new AbortController();
    const timers = [
      timer(() => controller.abort(new JobStopped('timeout', timeoutMs)), timeoutMs),
      ...(kind.longAfterMs !== undefined
        ? [
            timer(() => {
              const job = state.running.get(ref);
              if (job) job.long = true;
              pump(state);
            }, kind.longAfterMs),
          ]
        : []),
    ];
    const recorded = isRecorded(kind);
    const done = (
      recorded ? deps.store.markRunning(kind.name, ref, deps.clock.now().getTime()) : Promise.resolve()
    )
      .then(() => kind.run({ ref, signal: controller.signal }))
      .catch((error: unknown) => deps.logger.error({ err: error, kind: kind.name, ref }, 'job crashed'))
      .finally(async () => {
        for (const pending of timers) pending.clear();
        state.running.delete(ref);
        if (recorded)
          await deps.store
            .remove(kind.name, ref)
            .catch((error: unknown) => deps.logger.error({ err: error, ref }, 'could not dequeue a job'));
        pump(state);
        settleIdle();
      });
    state.running.set(ref, { controller, lane: 'short', long: false, done });
  }

  function pump(state: KindState): void {
    promoteLongJobs(state);
    while (!closing && state.queue.length > 0 && shortRunning(state) < state.kind.concurrency) {
      const next = state.queue.shift() as { ref: string; timeoutMs: number };
      start(state, next.ref, next.timeoutMs);
    }
  }

  return {
    register(kind: JobKind): void {
      kinds.set(kind.name, { kind, queue: [], running: new Map() });
    },

    async submit(kindName: string, ref: string, options: { timeoutMs: number }): Promise<void> {
      const state = stateOf(kindName);
      if (isRecorded(state.kind))
        await deps.store.insert({
          kind: kindName,
          ref,
          state: 'QUEUED',
          timeout_ms: options.timeoutMs,
          submitted_at: deps.clock.now().getTime(),
          started_at: null,
        });
      state.queue.push({ ref, timeoutMs: options.timeoutMs });
      pump(state);
    },

    async cancel(kindName: string, ref: string): Promise<'dequeued' | 'stopping' | 'absent'> {
      const state = stateOf(kindName);
      const index = state.queue.findIndex((job) => job.ref === ref);
      if (index >= 0) {
        state.queue.splice(index, 1);
        if (isRecorded(state.kind)) await deps.store.remove(kindName, ref);
        settleIdle();
        return 'dequeued';
      }
      const running = state.running.get(ref);
      if (!running) return 'absent';
      running.controller.abort(new JobStopped('cancelled'));
      return 'stopping';
    },

    isActive(kindName: string, ref: string): boolean {
      const state = stateOf(kindName);
      return state.running.has(ref) || state.queue.some((job) => job.ref === ref);
    },

    async recover(): Promise<void> {
      for (const row of await deps.store.all()) {
        const state = kinds.get(row.kind);
        if (!state) {
          deps.logger.warn({ kind: row.kind, ref: row.ref }, 'dropping a job of an unknown kind');
          await deps.store.remove(row.kind, row.ref);
        } else if (!isRecorded(state.kind)) {
          // Recorded by an earlier version of Seawall: the kind starts itself, and its jobs leave no record.
          await deps.store.remove(row.kind, row.ref);
        } else if (row.state === 'RUNNING') {
          await state.kind.abandoned(row.ref);
          await deps.store.remove(row.kind, row.ref);
        } else state.queue.push({ ref: row.ref, timeoutMs: row.timeout_ms });
      }
      for (const state of kinds.values()) pump(state);
    },

    idle(): Promise<void> {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },

    async close(): Promise<void> {
      closing = true;
      const running: Promise<void>[] = [];
      for (const state of kinds.values()) {
        for (const job of state.running.values()) {
          job.controller.abort(new JobStopped('shutdown'));
          running.push(job.done);
        }
      }
      await Promise.all(running);
    },
  };
}
