import type { AthenaClient } from '@aws-sdk/client-athena';
import { type FormEvent, useState } from 'react';
import { failureOf } from '../aws/denial.js';
import { CONSOLE_WORKGROUP } from '../aws/history.js';
import { saveQuery } from '../aws/named-queries.js';

/** Saves the tab's SQL as a named query: a name (required) and a description. */
export function SaveQueryForm(props: {
  athena: AthenaClient;
  sql: string;
  database: string;
  initialName: string;
  onSaved: (name: string) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(props.initialName);
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await saveQuery(props.athena, {
        name: name.trim(),
        description: description.trim(),
        database: props.database,
        sql: props.sql,
        workgroup: CONSOLE_WORKGROUP,
      });
      props.onSaved(name.trim());
    } catch (failure) {
      setError(failureOf(failure).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="save-form" onSubmit={submit} aria-label="Save query" data-testid="save-query-form">
      <label>
        Name
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={128}
          // biome-ignore lint/a11y/noAutofocus: the form opens because the analyst asked to name the query
          autoFocus
          data-testid="save-query-name"
        />
      </label>
      <label>
        Description
        <input
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          maxLength={1024}
          data-testid="save-query-description"
        />
      </label>
      <span className="muted">in {props.database}</span>
      <button
        type="submit"
        className="primary"
        disabled={busy || name.trim() === ''}
        data-testid="save-query-submit"
      >
        {busy ? 'Saving…' : 'Save'}
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
      {error && (
        <p className="error" role="alert" data-testid="save-query-error">
          {error}
        </p>
      )}
    </form>
  );
}
