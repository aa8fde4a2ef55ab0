import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import { createPacer } from '../lib/pacer.js';
import { createQueryRun, type QueryResult } from './logs-insights.js';
import { InsightsQueryError, parseInsightsQuery } from './logs-insights-parse.js';
import type { LogEventRow, LogsDb } from './logs-store.js';

/**
 * Logs Insights queries as StartQuery starts them: each runs off the request's path, reading its groups' events
 * newest first a page at a time and yielding between pages, and is kept in memory with its result for a while
 * after (the oldest finished ones make room; a running one is never forgotten, or it could not be stopped).
 */

/** Queries read this many events at a time. */
const SCAN_PAGE = 2000;
const MAX_QUERIES_KEPT = 100;
const MAX_QUERY_SCAN = 2_000_000;

export interface InsightsQuery {
  status: 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled';
  queryString: string;
  groups: string[];
  created: number;
  result?: QueryResult;
  scanned: number;
  bytes: number;
  error?: string;
}

export interface InsightsQueries {
  /** Starts a query the caller has checked (its text parses, its groups exist); answers its id. */
  start(query: {
    text: string;
    groups: string[];
    start: number;
    end: number;
    limit: number | undefined;
  }): string;
  get(id: string): InsightsQuery | undefined;
  /** Whether it was running and is now cancelled; undefined when there is no such query. */
  stop(id: string): boolean | undefined;
  /** How many are scheduled or running. */
  running(): number;
  /** Every query kept, oldest first, with its id. */
  list(): [string, InsightsQuery][];
}

const isRunning = (query: InsightsQuery) => query.status === 'Running' || query.status === 'Scheduled';
const isCancelled = (query: InsightsQuery) => query.status === 'Cancelled';

export function createInsightsQueries(deps: {
  db: LogsDb;
  logger: Logger;
  now: () => number;
}): InsightsQueries {
  const queries = new Map<string, InsightsQuery>();

  async function run(
    entry: InsightsQuery,
    text: string,
    groups: string[],
    start: number,
    end: number,
    limit: number | undefined,
  ): Promise<void> {
    // Stopped before it began.
    if (isCancelled(entry)) return;
    try {
      const parsed = parseInsightsQuery(text);
      const query = createQueryRun(
        limit !== undefined && !parsed.commands.some((c) => c.kind === 'limit')
          ? { commands: [...parsed.commands, { kind: 'limit', n: limit }] }
          : parsed,
      );
      entry.status = 'Running';
      const placeholders = groups.map(() => '?').join(', ');
      const page = deps.db.prepare<(string | number)[], LogEventRow>(
        `SELECT * FROM log_events WHERE group_name IN (${placeholders}) AND time >= ? AND time <= ?
           AND (time < ? OR (time = ? AND id < ?)) ORDER BY time DESC, id DESC LIMIT ${SCAN_PAGE}`,
      );
      let cursor = { time: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
      let more = true;
      const pacer = createPacer();
      while (more) {
        // StopQuery may have cancelled it while this awaited.
        if (isCancelled(entry)) return;
        const rows = page.all(...groups, start, end, cursor.time, cursor.time, cursor.id);
        for (const row of rows) {
          // Costly events (large ones, heavy functions) are paced within a page too.
          if (pacer.due()) {
            await pacer.yield();
            if (isCancelled(entry)) return;
          }
          pacer.count(row.message.length);
          entry.scanned++;
          entry.bytes += Buffer.byteLength(row.message);
          const wantsMore = query.add({
            time: row.time,
            ingestion: row.ingestion,
            group: row.group_name,
            stream: row.stream,
            message: row.message,
          });
          if (!wantsMore) {
            more = false;
            break;
          }
        }
        const last = rows.at(-1);
        if (!last || rows.length < SCAN_PAGE) more = false;
        else cursor = { time: last.time, id: last.id };
        if (entry.scanned > MAX_QUERY_SCAN)
          throw new InsightsQueryError(
            `The query scanned more than ${MAX_QUERY_SCAN} events; narrow its time range.`,
          );
        await pacer.yield();
      }
      entry.result = query.finish();
      entry.status = 'Complete';
    } catch (error) {
      entry.status = 'Failed';
      entry.error = error instanceof InsightsQueryError ? error.message : 'The query failed.';
      if (!(error instanceof InsightsQueryError))
        deps.logger.warn({ err: error }, 'a Logs Insights query failed');
    }
  }

  return {
    start({ text, groups, start, end, limit }) {
      const id = randomUUID();
      const entry: InsightsQuery = {
        status: 'Scheduled',
        queryString: text,
        groups,
        created: deps.now(),
        scanned: 0,
        bytes: 0,
      };
      queries.set(id, entry);
      for (const [old, query] of queries) {
        if (queries.size <= MAX_QUERIES_KEPT) break;
        if (!isRunning(query)) queries.delete(old);
      }
      setImmediate(() => {
        void run(entry, text, groups, start, end, limit);
      });
      return id;
    },
    get: (id) => queries.get(id),
    stop(id) {
      const query = queries.get(id);
      if (!query) return undefined;
      const stopped = isRunning(query);
      if (stopped) query.status = 'Cancelled';
      return stopped;
    },
    running: () => [...queries.values()].filter(isRunning).length,
    list: () => [...queries.entries()],
  };
}
