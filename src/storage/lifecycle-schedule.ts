import type { JobRuntime } from '../jobs/index.js';
import type { Logger } from '../lib/logger.js';
import type { LifecycleService } from './lifecycle-service.js';

const KIND = 'lifecycle';

/**
 * How often the scan runs: a tenth of a lifecycle day, between 100 ms (a test's short day) and an hour (S3's
 * day): an action falls due at a day boundary and is taken within a tenth of a day after it.
 */
export function lifecycleScanIntervalMs(dayMs: number): number {
  return Math.min(Math.max(dayMs / 10, 100), 3_600_000);
}

/**
 * Registers the lifecycle scan with the job runtime (call before its recover) and submits one scan at each
 * interval unless one is queued or running; answers the function that stops submitting.
 */
export function scheduleLifecycle(deps: {
  runtime: JobRuntime;
  lifecycle: LifecycleService;
  dayMs: number;
  logger: Logger;
}): () => void {
  const { runtime, lifecycle, logger } = deps;
  runtime.register({
    name: KIND,
    concurrency: 1,
    run: ({ signal }) => lifecycle.scan(signal),
    // A scan cut short is simply run again at the next interval: it keeps no state between runs.
    abandoned: async () => {},
  });
  let scans = 0;
  let last: string | undefined;
  const timer = setInterval(() => {
    if (last !== undefined && runtime.isActive(KIND, last)) return;
    // A ref of its own per scan: the one before may still be leaving the durable queue.
    last = `scan-${Date.now()}-${++scans}`;
    runtime
      .submit(KIND, last, { timeoutMs: Math.max(deps.dayMs, 3_600_000) })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not queue the lifecycle scan'));
  }, lifecycleScanIntervalMs(deps.dayMs));
  timer.unref();
  return () => clearInterval(timer);
}
