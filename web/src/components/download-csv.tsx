import type { AthenaClient } from '@aws-sdk/client-athena';
import { useEffect, useRef, useState } from 'react';
import { resultCsv, saveBlob } from '../aws/csv-download.js';
import { failureOf } from '../aws/denial.js';

type Download = { phase: 'idle' } | { phase: 'reading'; rows: number } | { phase: 'failed'; message: string };

/** Downloads the query's whole result, not only the rows on the page, as `<query id>.csv`. */
export function DownloadCsv({ athena, queryId }: { athena: AthenaClient; queryId: string }) {
  const [state, setState] = useState<Download>({ phase: 'idle' });
  const controller = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => controller.current?.abort(), []);

  async function download() {
    const next = new AbortController();
    controller.current = next;
    setState({ phase: 'reading', rows: 0 });
    try {
      const blob = await resultCsv(athena, queryId, {
        signal: next.signal,
        onProgress: (rows) => setState({ phase: 'reading', rows }),
      });
      saveBlob(blob, `${queryId}.csv`);
      setState({ phase: 'idle' });
    } catch (error) {
      if (!next.signal.aborted) setState({ phase: 'failed', message: failureOf(error).message });
    }
  }

  return (
    <span className="download" aria-live="polite">
      <button
        type="button"
        onClick={download}
        disabled={state.phase === 'reading'}
        title="The full result as CSV, read from Athena page by page"
        data-testid="download-csv"
      >
        {state.phase === 'reading' ? `Reading… ${state.rows.toLocaleString()} rows` : 'Download CSV'}
      </button>
      {state.phase === 'failed' && (
        <span className="error" role="alert" data-testid="download-error">
          {state.message}
        </span>
      )}
    </span>
  );
}
