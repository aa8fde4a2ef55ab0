import type { JobRuntime } from '../jobs/index.js';
import type { Logger } from '../lib/logger.js';
import type { QueryStore } from './query-store.js';

/** Admits a workgroup's queued executions to the job runtime while the workgroup has free slots. */
export interface WorkgroupGate {
  /** Hands the workgroup's waiting executions, oldest first, to the runtime while it has free slots. */
  admit(workgroup: string): Promise<void>;
  /** Admits what waits in every workgroup (after a restart, once the runtime has recovered its queue). */
  admitAll(): Promise<void>;
}

/**
 * The per-workgroup concurrency limit (the seawall:max-concurrent-queries tag). An execution over the limit
 * is stored QUEUED but not admitted: it has no job, so it holds none of the runtime's slots, which the other
 * workgroups' queries share. Each finished query admits the next. Admission is serialised per workgroup, so
 * two finishing queries never admit the same slot twice; the store is the truth, so it survives a restart.
 */
export function createWorkgroupGate(deps: {
  store: QueryStore;
  runtime: JobRuntime;
  jobKind: string;
  defaultTimeoutMs: number;
  logger: Logger;
}): WorkgroupGate {
  const { store } = deps;
  const chains = new Map<string, Promise<void>>();

  async function admitNow(name: string): Promise<void> {
    const group = await store.findWorkgroup(name);
    if (!group) return;
    const free =
      group.max_concurrent === null
        ? Number.MAX_SAFE_INTEGER
        : group.max_concurrent - (await store.countAdmitted(name));
    if (free <= 0) return;
    for (const id of await store.waiting(name, Math.min(free, 1000))) {
      if (!(await store.transition(id, ['QUEUED'], { admitted: 1 }))) continue;
      await deps.runtime.submit(deps.jobKind, id, {
        timeoutMs: group.query_timeout_ms ?? deps.defaultTimeoutMs,
      });
    }
  }

  function admit(name: string): Promise<void> {
    const next = (chains.get(name) ?? Promise.resolve()).then(() =>
      admitNow(name).catch((error: unknown) =>
        deps.logger.error({ err: error, workgroup: name }, 'could not admit queued queries'),
      ),
    );
    chains.set(name, next);
    void next.finally(() => {
      if (chains.get(name) === next) chains.delete(name);
    });
    return next;
  }

  return {
    admit,
    async admitAll() {
      for (const name of await store.workgroupsWaiting()) await admit(name);
    },
  };
}
