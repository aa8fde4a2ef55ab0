import type { JsonCall, JsonService } from './aws-json.js';

/** CloudWatch Logs as the SDKs speak it: awsJson1_1. */
export const LOGS: JsonService = { signingName: 'logs', targetPrefix: 'Logs_20140328', jsonVersion: '1.1' };

/** A Logs Insights query as a dashboard's log widget writes it: `SOURCE 'group' | SOURCE 'other' | fields …`. */
export interface LogWidgetQuery {
  groups: string[];
  query: string;
}

const SOURCE = /^\s*SOURCE\s+(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(?:\||$)/i;

/** The log groups of a widget's query and the query CloudWatch Logs runs over them. */
export function parseLogWidgetQuery(text: string): LogWidgetQuery {
  const groups: string[] = [];
  let rest = text;
  for (let match = SOURCE.exec(rest); match; match = SOURCE.exec(rest)) {
    groups.push((match[1] ?? match[2] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(match[0].length);
  }
  return { groups, query: rest.trim() };
}

export interface LogQueryResult {
  status: string;
  /** Field names in the order they first appear, without `@ptr`. */
  fields: string[];
  rows: Record<string, string>[];
}

type QueryResults = {
  status?: string;
  results?: { field?: string; value?: string }[][];
};

const FINISHED = new Set(['Complete', 'Failed', 'Cancelled', 'Timeout', 'Unknown']);
const POLL_MS = 1000;

function resultOf(answer: QueryResults): LogQueryResult {
  const fields: string[] = [];
  const rows = (answer.results ?? []).map((row) => {
    const record: Record<string, string> = {};
    for (const { field, value } of row) {
      if (field === undefined || field === '@ptr') continue;
      if (!fields.includes(field)) fields.push(field);
      record[field] = value ?? '';
    }
    return record;
  });
  return { status: answer.status ?? 'Unknown', fields, rows };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** StartQuery over the range (ms), then GetQueryResults until the query finishes or `signal` aborts. */
export async function runLogQuery(
  call: JsonCall,
  query: LogWidgetQuery,
  range: { start: number; end: number },
  signal: AbortSignal,
): Promise<LogQueryResult> {
  const { queryId } = await call<{ queryId?: string }>(
    'StartQuery',
    {
      logGroupNames: query.groups,
      queryString: query.query,
      startTime: Math.floor(range.start / 1000),
      endTime: Math.floor(range.end / 1000),
    },
    signal,
  );
  if (!queryId) throw new Error('StartQuery answered no queryId.');
  try {
    for (;;) {
      const answer = await call<QueryResults>('GetQueryResults', { queryId }, signal);
      if (FINISHED.has(answer.status ?? 'Unknown')) return resultOf(answer);
      await pause(POLL_MS, signal);
    }
  } catch (error) {
    // A query nobody waits for any more (the range changed, the page closed) need not run on.
    if (signal.aborted) call('StopQuery', { queryId }).catch(() => undefined);
    throw error;
  }
}
