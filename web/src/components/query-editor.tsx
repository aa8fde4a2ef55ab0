import type { KeyboardEvent, RefObject } from 'react';

export interface QueryEditorProps {
  sql: string;
  onSqlChange: (sql: string) => void;
  database: string | undefined;
  databases: readonly string[];
  onDatabaseChange: (database: string | undefined) => void;
  running: boolean;
  cancellable: boolean;
  onRun: () => void;
  onCancel: () => void;
  editorRef: RefObject<HTMLTextAreaElement | null>;
}

const NO_DATABASE = '';

export function QueryEditor(props: QueryEditorProps) {
  const { sql, database, databases, running } = props;
  const canRun = !running && sql.trim() !== '';

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (canRun) props.onRun();
    }
  }

  return (
    <section className="card editor-card" aria-label="SQL editor">
      <div className="toolbar">
        <label className="inline-label">
          Database
          <select
            value={database ?? NO_DATABASE}
            onChange={(e) => props.onDatabaseChange(e.target.value || undefined)}
            disabled={databases.length === 0}
            data-testid="database-select"
          >
            {databases.length === 0 && <option value={NO_DATABASE}>(no databases)</option>}
            {databases.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        <span className="hint">Ctrl+Enter or ⌘+Enter runs</span>
        {running && (
          <button
            type="button"
            onClick={props.onCancel}
            disabled={!props.cancellable}
            data-testid="cancel-button"
          >
            Cancel
          </button>
        )}
        <button
          type="button"
          className="primary"
          onClick={props.onRun}
          disabled={!canRun}
          data-testid="run-button"
        >
          Run
        </button>
      </div>
      <textarea
        ref={props.editorRef}
        className="sql-editor"
        value={sql}
        onChange={(e) => props.onSqlChange(e.target.value)}
        onKeyDown={onKeyDown}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        placeholder="SELECT * FROM database.table LIMIT 100"
        aria-label="SQL query"
        data-testid="sql-editor"
      />
    </section>
  );
}
