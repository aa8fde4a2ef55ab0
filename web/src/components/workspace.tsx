import { useEffect, useRef, useState } from 'react';
import { type CatalogTable, previewQuery } from '../aws/catalog.js';
import { callerArn, createClients } from '../aws/clients.js';
import { type Session, sessionRemainingMs } from '../session.js';
import { useCatalog } from '../use-catalog.js';
import { useQueryRunner } from '../use-query-runner.js';
import { CatalogPanel } from './catalog-panel.js';
import { QueryEditor } from './query-editor.js';
import { QueryStatus } from './query-status.js';
import { ResultChart } from './result-chart.js';
import { ResultTable } from './result-table.js';

/** Who is signed in: the caller's ARN from sts:GetCallerIdentity, which every principal may call. */
function useCallerArn(clients: ReturnType<typeof createClients>): string | undefined {
  const [arn, setArn] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    callerArn(clients.sts).then(
      (found) => live && setArn(found),
      () => live && setArn(undefined),
    );
    return () => {
      live = false;
    };
  }, [clients]);
  return arn;
}

/** Signs the tab out when temporary keys expire (timers past ~24 days overflow, so those are not set). */
function useExpiry(session: Session, onExpired: () => void): void {
  useEffect(() => {
    const remaining = sessionRemainingMs(session);
    if (remaining > 2 ** 31 - 1) return;
    const timer = setTimeout(onExpired, Math.max(0, remaining));
    return () => clearTimeout(timer);
  }, [session, onExpired]);
}

export function Workspace({
  session,
  onSignOut,
  onExpired,
}: {
  session: Session;
  onSignOut: () => void;
  onExpired: () => void;
}) {
  // Clients hold no sockets in the browser (fetch), so they are simply dropped with the session.
  const [clients] = useState(() => createClients(session));
  const arn = useCallerArn(clients);
  useExpiry(session, onExpired);
  const catalog = useCatalog(clients.glue);
  const runner = useQueryRunner(clients.athena);
  const [sql, setSql] = useState('');
  const [chosenDatabase, setChosenDatabase] = useState<string | undefined>(undefined);
  const editor = useRef<HTMLTextAreaElement>(null);

  const databases = catalog.databases.status === 'loaded' ? catalog.databases.value : [];
  const database = chosenDatabase ?? databases[0];
  const { state } = runner;
  const running = state.phase === 'submitting' || state.phase === 'waiting' || state.phase === 'fetching';
  const result = state.phase === 'done' ? state.result : undefined;

  function pickTable(table: CatalogTable) {
    setSql(previewQuery(table));
    setChosenDatabase(table.database);
    editor.current?.focus();
  }

  return (
    <div className="workspace">
      <header className="top-bar">
        <span className="brand">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={22} height={22} />
          Seawall
        </span>
        <span className="spacer" />
        <span className="who" data-testid="signed-in-as" data-arn={arn ?? ''} title={session.accessKeyId}>
          {arn ?? '…'} · {session.accessKeyId} · {session.region}
        </span>
        <button type="button" onClick={onSignOut} data-testid="sign-out-button">
          Sign out
        </button>
      </header>
      <aside className="sidebar">
        <CatalogPanel catalog={catalog} onPickTable={pickTable} />
      </aside>
      <main className="main">
        <QueryEditor
          sql={sql}
          onSqlChange={setSql}
          database={database}
          databases={databases}
          onDatabaseChange={setChosenDatabase}
          running={running}
          cancellable={state.phase === 'waiting' && !state.cancelling}
          onRun={() => runner.run(sql, database)}
          onCancel={runner.cancel}
          editorRef={editor}
        />
        <QueryStatus state={state} />
        {result && state.phase === 'done' && (
          <>
            <section className="card" aria-label="Result">
              <h2 className="card-title">Result</h2>
              {result.truncated && (
                <p className="notice" data-testid="result-truncated">
                  Only the first {result.rows.length.toLocaleString()} rows are shown. Add a LIMIT or an
                  aggregate to see everything, or read the full result with the Athena API.
                </p>
              )}
              <ResultTable result={result} />
            </section>
            <section className="card" aria-label="Chart">
              <h2 className="card-title">Chart</h2>
              <ResultChart key={state.info.id} result={result} />
            </section>
          </>
        )}
      </main>
    </div>
  );
}
