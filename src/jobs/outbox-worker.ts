import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { JobRuntime } from './job-runtime.js';

/** How deliveries that failed are tried again. */
export interface DeliveryRetries {
  /** The wait after the first failure; each further one doubles it, up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Attempts before a delivery is given up (and logged). */
  readonly attempts: number;
}

/** A durable table of things to deliver (S3 events, SNS messages): each row is delivered, then removed. */
export interface Outbox<R extends { readonly attempts: number }> {
  /** Rows due at `now`, in delivery order, at most `limit`. */
  due(now: number, limit: number): Promise<R[]>;
  /** Delivers one row (stopping when `signal` aborts); a rejection is a failed attempt. */
  deliver(row: R, signal: AbortSignal): Promise<void>;
  /** Whether a failure is one no retry would mend: the row is given up at once. None are unless given. */
  permanent?(error: unknown): boolean;
  remove(row: R): Promise<void>;
  /**
   * Removes a row whose attempts are spent, or that failed for good (`error`, its last failure, is logged);
   * `remove` when absent.
   */
  giveUp?(row: R, error: unknown): Promise<void>;
  /** Records a failed attempt: the row is tried again at `nextAttemptAt`. */
  postpone(row: R, attempts: number, nextAttemptAt: number): Promise<void>;
  /** When the next row falls due; undefined when none waits. */
  nextDue(): Promise<number | undefined>;
  /** What the logs say of a row (never its content: it may be a user's data). */
  describe(row: R): Record<string, unknown>;
}

export interface OutboxWorker {
  /** Delivery runs soon: a row was added. */
  wake(): void;
  /** Registers the kind with the job runtime (before its recover) and delivers what waits; answers the stop. */
  start(runtime: JobRuntime): () => void;
}

const PAGE = 100;

/**
 * Delivers an outbox at least once, on the job runtime: one delivery job at a time goes through every row due,
 * a failed row is tried again after a doubling wait, and a row still there after a restart (its delivery cut
 * short, or never tried) is delivered by the first delivery after the start.
 */
export function createOutboxWorker<R extends { readonly attempts: number }>(
  kind: string,
  outbox: Outbox<R>,
  deps: {
    clock: Clock;
    logger: Logger;
    retries: DeliveryRetries;
    /**
     * Rows of a page delivered at once (1 unless given): only for outboxes whose `due` answers rows that may go
     * in any order among themselves.
     */
    concurrency?: number;
  },
): OutboxWorker {
  const { clock, logger, retries } = deps;
  const concurrency = Math.max(1, deps.concurrency ?? 1);
  let runtime: JobRuntime | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Whether a delivery is queued or running: one at a time, and a wake meanwhile makes it go round again. */
  let state: 'idle' | 'queued' | 'running' = 'idle';
  let again = false;
  let runs = 0;

  async function failed(row: R, error: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    if (attempts >= retries.attempts || outbox.permanent?.(error)) {
      logger.error({ err: error, ...outbox.describe(row), attempts }, `gave up a delivery (${kind})`);
      await (outbox.giveUp ? outbox.giveUp(row, error) : outbox.remove(row));
      return;
    }
    const delay = Math.min(retries.firstDelayMs * 2 ** (attempts - 1), retries.maxDelayMs);
    logger.warn({ err: error, ...outbox.describe(row), attempts }, `a delivery failed (${kind})`);
    await outbox.postpone(row, attempts, clock.now().getTime() + delay);
  }

  async function drain(signal: AbortSignal): Promise<void> {
    state = 'running';
    try {
      do {
        again = false;
        for (;;) {
          const rows = await outbox.due(clock.now().getTime(), PAGE);
          let next = 0;
          const lane = async () => {
            while (next < rows.length && !signal.aborted) {
              const row = rows[next++] as R;
              try {
                await outbox.deliver(row, signal);
              } catch (error) {
                await failed(row, error);
                continue;
              }
              await outbox.remove(row);
            }
          };
          // Every lane settles before the delivery ends, even when one fails (its row stays for the next one).
          const lanes = await Promise.allSettled(
            Array.from({ length: Math.min(concurrency, rows.length) }, lane),
          );
          const broken = lanes.find((result) => result.status === 'rejected');
          if (broken) throw broken.reason;
          if (signal.aborted) return;
          if (rows.length < PAGE) break;
        }
      } while (again && !signal.aborted);
    } finally {
      // A wake that came after the last look at the outbox starts another delivery; else the next row due
      // does, by the timer, also after a delivery that failed or was stopped part-way (its time limit).
      state = 'idle';
      if (again && !signal.aborted) wake();
      else await arm();
    }
  }

  /** Sets the timer for when the next row falls due. */
  async function arm(): Promise<void> {
    if (stopped) return;
    try {
      const next = await outbox.nextDue();
      if (next === undefined || stopped) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(wake, Math.max(0, next - clock.now().getTime()));
      timer.unref();
    } catch (error) {
      logger.warn({ err: error }, `could not look for the next delivery (${kind})`);
    }
  }

  function wake(): void {
    if (!runtime || stopped) return;
    if (state !== 'idle') {
      again = true;
      return;
    }
    state = 'queued';
    runtime
      .submit(kind, `deliver-${Date.now()}-${++runs}`, { timeoutMs: 3_600_000 })
      .catch((error: unknown) => {
        state = 'idle';
        logger.warn({ err: error }, `could not queue a delivery (${kind})`);
      });
  }

  return {
    wake,
    start(jobs) {
      runtime = jobs;
      jobs.register({
        name: kind,
        concurrency: 1,
        run: ({ signal }) => drain(signal),
        // The outbox is the durable queue: what a delivery had not delivered is still there, and the worker wakes
        // at every start, so a delivery needs no record of its own (three writes each, many a second).
        recorded: false,
        abandoned: async () => {},
      });
      stopped = false;
      wake();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      };
    },
  };
}
