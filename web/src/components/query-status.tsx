import { deniedSentence } from '../aws/denial.js';
import type { QueryExecutionInfo } from '../aws/query.js';
import { formatBytes, formatDuration, formatUsd, PRICING_NOTE } from '../format.js';
import { isBilled, queryCostUsd } from '../pricing.js';
import { ROW_LIMIT, type RunState } from '../use-query-runs.js';

function statistics(info: QueryExecutionInfo): string[] {
  const parts: string[] = [];
  if (info.engineMs !== undefined) parts.push(`Engine time ${formatDuration(info.engineMs)}`);
  if (info.scannedBytes !== undefined) parts.push(`Data scanned ${formatBytes(info.scannedBytes)}`);
  if (info.scannedBytes !== undefined && isBilled(info.state, info.statementType))
    parts.push(`Cost ${formatUsd(queryCostUsd(info.scannedBytes))}`);
  return parts;
}

/** The state word shown and put in data-state, so a test can wait for SUCCEEDED without parsing prose. */
function stateOf(state: RunState): string {
  switch (state.phase) {
    case 'idle':
      return 'IDLE';
    case 'submitting':
      return 'SUBMITTING';
    case 'waiting':
      return state.cancelling ? 'CANCELLING' : state.info.state;
    case 'fetching':
      return 'FETCHING';
    case 'done':
      return state.info.state;
    case 'error':
      return 'ERROR';
  }
}

function detail(state: RunState): string[] {
  switch (state.phase) {
    case 'idle':
      return ['Write a query and press Run (Ctrl+Enter).'];
    case 'submitting':
      return ['Submitting the query…'];
    case 'waiting':
      return [state.info.state === 'QUEUED' ? 'Waiting for the engine…' : 'Running…'];
    case 'fetching':
      return ['Fetching results…', ...statistics(state.info)];
    case 'done': {
      const parts = statistics(state.info);
      const result = state.result;
      if (result) {
        const count = `${result.rows.length.toLocaleString()} row${result.rows.length === 1 ? '' : 's'}`;
        parts.unshift(result.truncated ? `First ${ROW_LIMIT.toLocaleString()} rows shown` : count);
      }
      return parts;
    }
    case 'error':
      return [];
  }
}

/**
 * A query refused for permissions, by the API (StartQueryExecution denied) or by Athena when the query ran
 * (FAILED with "Insufficient permissions…"): what the signed-in principal may not do, said first.
 */
function deniedOf(state: RunState): { sentence: string; detail: string | undefined } | undefined {
  if (state.phase === 'error' && state.denied) return { sentence: state.message, detail: undefined };
  if (state.phase !== 'done' || state.info.state !== 'FAILED') return undefined;
  const reason = state.info.reason ?? '';
  if (!/^Insufficient permissions/i.test(reason)) return undefined;
  return { sentence: deniedSentence(reason) ?? 'You are not allowed to run this query.', detail: reason };
}

export function QueryStatus({ state }: { state: RunState }) {
  const word = stateOf(state);
  const denied = deniedOf(state);
  const busy = state.phase === 'submitting' || state.phase === 'waiting' || state.phase === 'fetching';
  const message =
    state.phase === 'error'
      ? state.message
      : state.phase === 'done' && state.info.state !== 'SUCCEEDED'
        ? state.info.reason
        : undefined;
  return (
    <div className="query-status" data-testid="query-status" data-state={word} aria-live="polite">
      <div className="status-line">
        {state.phase !== 'idle' && (
          <span className={`state-pill state-${word.toLowerCase()}`}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {word}
          </span>
        )}
        {detail(state).map((part) => (
          <span key={part} className="status-part" title={part.startsWith('Cost') ? PRICING_NOTE : undefined}>
            {part}
          </span>
        ))}
        {'info' in state && state.info && (
          <span className="status-part query-id" title="Query execution id">
            {state.info.id}
          </span>
        )}
      </div>
      {denied ? (
        <div className="denied-banner" role="alert" data-testid="query-denied">
          <strong>Insufficient permissions</strong>
          <p data-testid="query-denied-sentence">{denied.sentence}</p>
          {denied.detail && (
            <p className="muted" data-testid="query-error">
              {denied.detail}
            </p>
          )}
        </div>
      ) : (
        message && (
          <p className="error" role="alert" data-testid="query-error">
            {message}
          </p>
        )
      )}
    </div>
  );
}
