import type { KeyboardEvent, RefObject } from 'react';
import { useCompletion } from '../completion/use-completion.js';
import type { Catalog } from '../use-catalog.js';
import { COMPLETION_LIST_ID, CompletionList, optionId } from './completion-list.js';

export interface QueryEditorProps {
  sql: string;
  onSqlChange: (sql: string) => void;
  database: string | undefined;
  catalog: Catalog;
  onDatabaseChange: (database: string | undefined) => void;
  running: boolean;
  cancellable: boolean;
  onRun: () => void;
  onCancel: () => void;
  onSave: () => void;
  editorRef: RefObject<HTMLTextAreaElement | null>;
}

const NO_DATABASE = '';

export function QueryEditor(props: QueryEditorProps) {
  const { sql, database, catalog, running } = props;
  const databases = catalog.databases.status === 'loaded' ? catalog.databases.value : [];
  const canRun = !running && sql.trim() !== '';
  const completion = useCompletion({
    editor: props.editorRef,
    sql,
    onSqlChange: props.onSqlChange,
    database,
    catalog,
  });
  const expanded = completion.items.length > 0;

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (completion.onKeyDown(event)) {
      event.preventDefault();
      return;
    }
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
        <span className="hint" id="editor-keys">
          Ctrl+Enter runs · Ctrl+Space suggests names
        </span>
        <button
          type="button"
          onClick={props.onSave}
          disabled={sql.trim() === '' || !database}
          title={database ? 'Save this query in the workgroup' : 'Choose a database to save the query with'}
          data-testid="save-query-button"
        >
          Save…
        </button>
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
      <div className="editor-frame">
        <textarea
          ref={props.editorRef}
          className="sql-editor"
          value={sql}
          onChange={(e) => {
            const native = e.nativeEvent as InputEvent;
            props.onSqlChange(e.target.value);
            completion.onEdit(e.target.value, e.target.selectionStart, native.data ?? undefined);
          }}
          onKeyDown={onKeyDown}
          onBlur={completion.close}
          onClick={completion.close}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          placeholder="SELECT * FROM database.table LIMIT 100"
          aria-label="SQL query"
          aria-describedby="editor-keys"
          aria-autocomplete="list"
          aria-controls={expanded ? COMPLETION_LIST_ID : undefined}
          aria-activedescendant={expanded ? optionId(completion.index) : undefined}
          data-testid="sql-editor"
        />
        <CompletionList completion={completion} />
      </div>
    </section>
  );
}
