import type { AthenaClient } from '@aws-sdk/client-athena';
import { useCallback, useEffect, useState } from 'react';
import { failureOf } from '../aws/denial.js';
import { CONSOLE_WORKGROUP, listHistory } from '../aws/history.js';
import type { QueryExecutionInfo } from '../aws/query.js';
import { formatBytes, formatDateTime, formatDuration, formatUsd, PRICING_NOTE } from '../format.js';
import { isBilled, queryCostUsd } from '../pricing.js';

type Listing =
  | { status: 'loading' }
  | { status: 'loaded'; executions: QueryExecutionInfo[]; nextToken: string | undefined; unprocessed: number }
  | { status: 'failed'; message: string };

function cost(info: QueryExecutionInfo): string {
  if (info.scannedBytes === undefined) return '—';
  return isBilled(info.state, info.statementType) ? formatUsd(queryCostUsd(info.scannedBytes)) : 'not billed';
}

function HistoryRow({
  info,
  onOpen,
}: {
  info: QueryExecutionInfo;
  onOpen: (info: QueryExecutionInfo) => void;
}) {
  const sql = info.sql ?? '';
  return (
    <tr data-testid="history-entry" data-query-id={info.id} data-state={info.state}>
      <td className="history-sql">
        <button
          type="button"
          className="link-button sql-snippet"
          onClick={() => onOpen(info)}
          title={sql}
          aria-label={`Open this query and its result: ${sql}`}
          data-testid="history-open"
        >
          {sql}
        </button>
        {info.database && <span className="muted"> in {info.database}</span>}
      </td>
      <td>
        <span className={`state-pill state-${info.state.toLowerCase()}`} title={info.reason}>
          {info.state}
        </span>
      </td>
      <td data-testid="history-submitted" title={info.submitted?.toISOString()}>
        {info.submitted ? formatDateTime(info.submitted) : '—'}
      </td>
      <td className="numeric">{info.totalMs !== undefined ? formatDuration(info.totalMs) : '—'}</td>
      <td className="numeric" data-testid="history-scanned">
        {info.scannedBytes !== undefined ? formatBytes(info.scannedBytes) : '—'}
      </td>
      <td className="numeric" data-testid="history-cost" title={PRICING_NOTE}>
        {cost(info)}
      </td>
    </tr>
  );
}

/**
 * The workgroup's recent queries, newest first (ListQueryExecutions, then BatchGetQueryExecution), with
 * what each cost. Opening one shows its SQL and result in an editor tab.
 */
export function HistoryView(props: {
  athena: AthenaClient;
  /** Changes when a query finishes, to list again. */
  generation: number;
  onOpen: (info: QueryExecutionInfo) => void;
}) {
  const { athena, generation } = props;
  const [listing, setListing] = useState<Listing>({ status: 'loading' });
  const [more, setMore] = useState(false);
  const [refreshed, setRefreshed] = useState(0);

  const load = useCallback(
    (token: string | undefined, signal: AbortSignal) =>
      listHistory(athena, { workgroup: CONSOLE_WORKGROUP, nextToken: token, signal }).then(
        (page) =>
          setListing((current) => ({
            status: 'loaded',
            executions: [
              ...(token && current.status === 'loaded' ? current.executions : []),
              ...page.executions,
            ],
            nextToken: page.nextToken,
            unprocessed: page.unprocessed.length,
          })),
        (error: unknown) =>
          signal.aborted || setListing({ status: 'failed', message: failureOf(error).message }),
      ),
    [athena],
  );

  useEffect(() => {
    void generation;
    void refreshed;
    const controller = new AbortController();
    void load(undefined, controller.signal);
    return () => controller.abort();
  }, [load, generation, refreshed]);

  function loadMore(token: string) {
    setMore(true);
    void load(token, new AbortController().signal).finally(() => setMore(false));
  }

  return (
    <section className="card" aria-labelledby="history-title" data-testid="history">
      <div className="panel-head">
        <h2 id="history-title">Recent queries</h2>
        <span className="muted">Workgroup {CONSOLE_WORKGROUP}</span>
        <button type="button" className="link-button" onClick={() => setRefreshed((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {listing.status === 'loading' && <p className="muted">Loading the history…</p>}
      {listing.status === 'failed' && (
        <p className="error" role="alert">
          {listing.message}
        </p>
      )}
      {listing.status === 'loaded' && (
        <>
          <div className="table-frame">
            <table className="result-table history-table">
              <caption className="visually-hidden">
                Queries run in workgroup {CONSOLE_WORKGROUP}, newest first. Cost: {PRICING_NOTE}.
              </caption>
              <thead>
                <tr>
                  <th scope="col">Query</th>
                  <th scope="col">Status</th>
                  <th scope="col">Submitted</th>
                  <th scope="col" className="numeric">
                    Run time
                  </th>
                  <th scope="col" className="numeric">
                    Data scanned
                  </th>
                  <th scope="col" className="numeric" title={PRICING_NOTE}>
                    Cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {listing.executions.map((info) => (
                  <HistoryRow key={info.id} info={info} onOpen={props.onOpen} />
                ))}
              </tbody>
            </table>
          </div>
          {listing.executions.length === 0 && <p className="muted empty">No queries yet.</p>}
          {listing.unprocessed > 0 && (
            <p className="notice">{listing.unprocessed} queries could not be described and are not shown.</p>
          )}
          {listing.nextToken && (
            <button
              type="button"
              disabled={more}
              onClick={() => listing.nextToken && loadMore(listing.nextToken)}
            >
              {more ? 'Loading…' : 'Show older queries'}
            </button>
          )}
          <p className="fine-print">
            Click a query to open it, with its result, in an editor tab. Cost: {PRICING_NOTE}; failed queries
            and DDL are not billed.
          </p>
        </>
      )}
    </section>
  );
}
