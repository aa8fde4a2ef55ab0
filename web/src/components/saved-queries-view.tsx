import type { AthenaClient } from '@aws-sdk/client-athena';
import { useEffect, useState } from 'react';
import { failureOf } from '../aws/denial.js';
import { CONSOLE_WORKGROUP } from '../aws/history.js';
import { deleteSavedQuery, listSavedQueries, type SavedQuery } from '../aws/named-queries.js';

type Listing =
  | { status: 'loading' }
  | { status: 'loaded'; queries: SavedQuery[] }
  | { status: 'failed'; message: string; denied: boolean };

function SavedRow(props: { query: SavedQuery; onOpen: () => void; onDelete: () => Promise<void> }) {
  const { query } = props;
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <li className="saved-query" data-testid="saved-query" data-name={query.name}>
      <div className="saved-head">
        <button
          type="button"
          className="link-button saved-name"
          onClick={props.onOpen}
          aria-label={`Open saved query ${query.name} in a new tab`}
          data-testid="saved-open"
        >
          {query.name}
        </button>
        <span className="muted">{query.database}</span>
        <span className="spacer" />
        {confirming ? (
          <>
            <button
              type="button"
              className="danger"
              onClick={() => props.onDelete().catch((e: unknown) => setError(failureOf(e).message))}
              data-testid="saved-confirm-delete"
            >
              Delete {query.name}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} data-testid="saved-delete">
            Delete…
          </button>
        )}
      </div>
      {query.description && <p className="saved-description">{query.description}</p>}
      <pre className="sql-snippet">{query.sql}</pre>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

/** The workgroup's saved queries (Athena's named queries): open one in a new tab, or delete it. */
export function SavedQueriesView(props: {
  athena: AthenaClient;
  /** Changes when a query is saved, to list again. */
  generation: number;
  onOpen: (query: SavedQuery) => void;
}) {
  const { athena, generation } = props;
  const [listing, setListing] = useState<Listing>({ status: 'loading' });
  const [deleted, setDeleted] = useState(0);

  useEffect(() => {
    void generation;
    void deleted;
    const controller = new AbortController();
    listSavedQueries(athena, { workgroup: CONSOLE_WORKGROUP, signal: controller.signal }).then(
      (queries) => setListing({ status: 'loaded', queries }),
      (error: unknown) => controller.signal.aborted || setListing({ status: 'failed', ...failureOf(error) }),
    );
    return () => controller.abort();
  }, [athena, generation, deleted]);

  return (
    <section className="card" aria-labelledby="saved-title" data-testid="saved-queries">
      <div className="panel-head">
        <h2 id="saved-title">Saved queries</h2>
        <span className="muted">Workgroup {CONSOLE_WORKGROUP}</span>
      </div>
      {listing.status === 'loading' && <p className="muted">Loading saved queries…</p>}
      {listing.status === 'failed' && (
        <p className={listing.denied ? 'error denied' : 'error'} role="alert" data-testid="saved-error">
          {listing.message}
        </p>
      )}
      {listing.status === 'loaded' && (
        <ul className="saved-list">
          {listing.queries.map((query) => (
            <SavedRow
              key={query.id}
              query={query}
              onOpen={() => props.onOpen(query)}
              onDelete={async () => {
                await deleteSavedQuery(athena, query.id);
                setDeleted((n) => n + 1);
              }}
            />
          ))}
          {listing.queries.length === 0 && (
            <li className="muted">No saved queries yet. Write one in the editor and press Save….</li>
          )}
        </ul>
      )}
      <p className="fine-print">Click a name to open the query in a new editor tab.</p>
    </section>
  );
}
