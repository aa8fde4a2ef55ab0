/** The one runtime for background work: a durable queue, limits, cancellation and recovery after a crash. */
export {
  createJobRuntime,
  formatDuration,
  type JobContext,
  type JobKind,
  type JobRuntime,
  JobStopped,
  type JobStopReason,
} from './job-runtime.js';
export { createJobStore, type JobStore } from './job-store.js';
/** Delivery of a durable outbox, at least once, with retries, on the runtime. */
export { createOutboxWorker, type DeliveryRetries, type Outbox, type OutboxWorker } from './outbox-worker.js';
