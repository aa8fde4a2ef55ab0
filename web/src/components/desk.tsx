import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { jsonClient } from '../aws/aws-json.js';
import { type CatalogTable, previewQuery } from '../aws/catalog.js';
import type { AwsClients } from '../aws/clients.js';
import { CLOUDWATCH } from '../aws/cloudwatch.js';
import type { SavedQuery } from '../aws/named-queries.js';
import type { QueryExecutionInfo } from '../aws/query.js';
import { titleOfSql } from '../tabs/tabs.js';
import { useTabs } from '../tabs/use-tabs.js';
import type { Catalog } from '../use-catalog.js';
import { isRunning, useQueryRuns } from '../use-query-runs.js';
import { AlarmBanner } from './alarm-banner.js';
import { CatalogPanel } from './catalog-panel.js';
import { DownloadCsv } from './download-csv.js';
import { activeTabLabel, EditorTabs, tabPanelId } from './editor-tabs.js';
import { EventHistoryView } from './event-history-view.js';
import { HistoryView } from './history-view.js';
import { QueryEditor } from './query-editor.js';
import { QueryStatus } from './query-status.js';
import { ResultTable } from './result-table.js';
import { SaveQueryForm } from './save-query-form.js';
import { SavedQueriesView } from './saved-queries-view.js';

type View = 'editor' | 'history' | 'saved' | 'events' | 'integrity' | 'dashboards' | 'alarms';
// ECharts is most of the console's script: it is loaded the first time a result is charted.
const ResultChart = lazy(() => import('./result-chart.js').then((m) => ({ default: m.ResultChart })));
// The integrity check brings S3's client and the verifier: loaded the first time it is opened.
const TrailVerifyView = lazy(() =>
  import('./trail-verify-view.js').then((m) => ({ default: m.TrailVerifyView })),
);
// The dashboards bring their own charts and CloudWatch calls: loaded the first time they are opened.
const DashboardsView = lazy(() =>
  import('./dashboards-view.js').then((m) => ({ default: m.DashboardsView })),
);
const AlarmsView = lazy(() => import('./alarms-view.js').then((m) => ({ default: m.AlarmsView })));

const VIEWS: { view: View; label: string }[] = [
  { view: 'editor', label: 'Editor' },
  { view: 'history', label: 'Recent queries' },
  { view: 'saved', label: 'Saved queries' },
  { view: 'events', label: 'Event history' },
  { view: 'integrity', label: 'Log integrity' },
  { view: 'dashboards', label: 'Dashboards' },
  { view: 'alarms', label: 'Alarms' },
];

/**
 * What a signed-in principal works at: the catalog, the editor tabs (kept under `owner`), each tab's query
 * and result, the workgroup's recent and saved queries.
 */
export function Desk({ owner, clients, catalog }: { owner: string; clients: AwsClients; catalog: Catalog }) {
  const tabs = useTabs(owner);
  const runs = useQueryRuns(clients.athena);
  const [view, setView] = useState<View>('editor');
  const [saving, setSaving] = useState(false);
  const [savedGeneration, setSavedGeneration] = useState(0);
  const editor = useRef<HTMLTextAreaElement>(null);
  const cloudwatch = useMemo(() => jsonClient(clients.config, CLOUDWATCH), [clients.config]);

  const tab = tabs.active;
  const state = runs.stateOf(tab.id);
  const databases = catalog.databases.status === 'loaded' ? catalog.databases.value : [];
  const database = tab.database ?? databases[0];
  const running = isRunning(state);
  const result = state.phase === 'done' ? state.result : undefined;
  const runningIds = new Set(tabs.tabs.filter((t) => isRunning(runs.stateOf(t.id))).map((t) => t.id));

  // A tab reopened (after a reload, or switched to) reads its last query's result back from Athena.
  const { open } = runs;
  useEffect(() => {
    if (tab.queryId && state.phase === 'idle') open(tab.id, tab.queryId);
  }, [tab.id, tab.queryId, state.phase, open]);

  // The save form belongs to the tab it was opened in.
  useEffect(() => {
    void tab.id;
    setSaving(false);
  }, [tab.id]);

  function pickTable(table: CatalogTable) {
    tabs.change(tab.id, { sql: previewQuery(table), database: table.database });
    setView('editor');
    editor.current?.focus();
  }

  function openExecution(info: QueryExecutionInfo) {
    setView('editor');
    const existing = tabs.tabs.find((t) => t.queryId === info.id);
    if (existing) {
      tabs.activate(existing.id);
      return;
    }
    const sql = info.sql ?? '';
    const opened = tabs.open({ title: titleOfSql(sql), sql, database: info.database, queryId: info.id });
    runs.open(opened.id, info.id);
  }

  function closeTab(id: string) {
    runs.forget(id);
    tabs.close(id);
  }

  function openSaved(query: SavedQuery) {
    setView('editor');
    tabs.open({ title: query.name, sql: query.sql, database: query.database || undefined });
  }

  return (
    <>
      <aside className="sidebar">
        <CatalogPanel catalog={catalog} onPickTable={pickTable} />
      </aside>
      <main className="main">
        <AlarmBanner cloudwatch={cloudwatch} onShow={() => setView('alarms')} />
        <nav className="views" aria-label="Console views">
          {VIEWS.map(({ view: v, label }) => (
            <button
              key={v}
              type="button"
              aria-current={view === v ? 'page' : undefined}
              onClick={() => setView(v)}
              data-testid={`view-${v}`}
            >
              {label}
            </button>
          ))}
        </nav>
        {view === 'history' && (
          <HistoryView athena={clients.athena} generation={runs.finished} onOpen={openExecution} />
        )}
        {view === 'saved' && (
          <SavedQueriesView athena={clients.athena} generation={savedGeneration} onOpen={openSaved} />
        )}
        {view === 'events' && <EventHistoryView cloudtrail={clients.cloudtrail} />}
        {view === 'integrity' && (
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <TrailVerifyView config={clients.config} />
          </Suspense>
        )}
        {view === 'dashboards' && (
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <DashboardsView config={clients.config} />
          </Suspense>
        )}
        {view === 'alarms' && (
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <AlarmsView cloudwatch={cloudwatch} />
          </Suspense>
        )}
        {view === 'editor' && (
          <>
            <EditorTabs tabs={{ ...tabs, close: closeTab }} runningIds={runningIds} />
            <div
              id={tabPanelId}
              role="tabpanel"
              aria-labelledby={activeTabLabel(tab.id)}
              className="tab-panel"
            >
              <QueryEditor
                key={tab.id}
                sql={tab.sql}
                onSqlChange={(sql) => tabs.change(tab.id, { sql })}
                database={database}
                catalog={catalog}
                onDatabaseChange={(db) => tabs.change(tab.id, { database: db })}
                running={running}
                cancellable={state.phase === 'waiting' && !state.cancelling}
                onRun={() =>
                  runs.run(tab.id, tab.sql, database, (queryId) => tabs.change(tab.id, { queryId }))
                }
                onCancel={() => runs.cancel(tab.id)}
                onSave={() => setSaving(true)}
                editorRef={editor}
              />
              {saving && database && (
                <SaveQueryForm
                  athena={clients.athena}
                  sql={tab.sql}
                  database={database}
                  initialName={tab.title}
                  onSaved={(name) => {
                    tabs.change(tab.id, { title: name });
                    setSaving(false);
                    setSavedGeneration((n) => n + 1);
                  }}
                  onCancel={() => setSaving(false)}
                />
              )}
              <QueryStatus state={state} />
              {result && state.phase === 'done' && (
                <>
                  <section className="card" aria-labelledby="result-title">
                    <div className="card-head">
                      <h2 className="card-title" id="result-title">
                        Result
                      </h2>
                      <DownloadCsv athena={clients.athena} queryId={state.info.id} />
                    </div>
                    {result.truncated && (
                      <p className="notice" data-testid="result-truncated">
                        Only the first {result.rows.length.toLocaleString()} rows are shown. Download the CSV
                        for every row, or add a LIMIT or an aggregate.
                      </p>
                    )}
                    <ResultTable result={result} />
                  </section>
                  <section className="card" aria-labelledby="chart-title">
                    <h2 className="card-title" id="chart-title">
                      Chart
                    </h2>
                    <Suspense fallback={<p className="muted">Loading the chart…</p>}>
                      <ResultChart key={state.info.id} result={result} />
                    </Suspense>
                  </section>
                </>
              )}
            </div>
          </>
        )}
      </main>
    </>
  );
}
