import { type FormEvent, useState } from 'react';
import { type EventFilters, NO_FILTERS } from '../aws/events.js';

/** The form's fields as typed; times are `datetime-local` values, read in the browser's time zone. */
interface Draft {
  username: string;
  eventName: string;
  resourceName: string;
  start: string;
  end: string;
  deniedOnly: boolean;
}

const EMPTY: Draft = { username: '', eventName: '', resourceName: '', start: '', end: '', deniedOnly: false };

/** A `datetime-local` value ("2026-03-01T09:30") as a moment: without an offset it is local time. */
function moment(value: string): Date | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function toFilters(draft: Draft): EventFilters | string {
  const start = moment(draft.start);
  const end = moment(draft.end);
  if (start && end && start > end) return 'The start of the time range is after its end.';
  return {
    username: draft.username.trim(),
    eventName: draft.eventName.trim(),
    resourceName: draft.resourceName.trim(),
    start,
    end,
    deniedOnly: draft.deniedOnly,
  };
}

function TextFilter(props: {
  label: string;
  value: string;
  placeholder: string;
  testId: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <input
        type="text"
        value={props.value}
        placeholder={props.placeholder}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => props.onChange(e.target.value)}
        data-testid={props.testId}
      />
    </label>
  );
}

/** The event history's filters; the search runs when the form is submitted. */
export function EventFiltersForm({ onSearch }: { onSearch: (filters: EventFilters) => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const set = (change: Partial<Draft>) => setDraft((current) => ({ ...current, ...change }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const filters = toFilters(draft);
    if (typeof filters === 'string') {
      setProblem(filters);
      return;
    }
    setProblem(undefined);
    onSearch(filters);
  }

  function clear() {
    setDraft(EMPTY);
    setProblem(undefined);
    onSearch(NO_FILTERS);
  }

  return (
    <form className="event-filters" onSubmit={submit} aria-label="Filter events" data-testid="event-filters">
      <TextFilter
        label="User"
        value={draft.username}
        placeholder="analyst, root"
        testId="filter-user"
        onChange={(username) => set({ username })}
      />
      <TextFilter
        label="Event name"
        value={draft.eventName}
        placeholder="CreateBucket"
        testId="filter-event-name"
        onChange={(eventName) => set({ eventName })}
      />
      <TextFilter
        label="Resource"
        value={draft.resourceName}
        placeholder="name or ARN"
        testId="filter-resource"
        onChange={(resourceName) => set({ resourceName })}
      />
      <label>
        From
        <input
          type="datetime-local"
          step={1}
          value={draft.start}
          onChange={(e) => set({ start: e.target.value })}
          data-testid="filter-start"
        />
      </label>
      <label>
        To
        <input
          type="datetime-local"
          step={1}
          value={draft.end}
          onChange={(e) => set({ end: e.target.value })}
          data-testid="filter-end"
        />
      </label>
      <label className="checkbox-label">
        <input
          type="checkbox"
          checked={draft.deniedOnly}
          onChange={(e) => set({ deniedOnly: e.target.checked })}
          data-testid="filter-denied"
        />
        Denied only
      </label>
      <div className="event-filter-buttons">
        <button type="submit" className="primary" data-testid="filter-search">
          Search
        </button>
        <button type="button" onClick={clear} data-testid="filter-clear">
          Clear
        </button>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
