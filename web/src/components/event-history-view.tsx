import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { useEffect, useRef, useState } from 'react';
import { type Failure, failureOf } from '../aws/denial.js';
import {
  type AuditEvent,
  type EventFilters,
  type EventSearch,
  filtersLocally,
  MAX_PAGES_PER_SEARCH,
  NO_FILTERS,
  PAGE_SIZE,
  prettyRecord,
  searchEvents,
  serverAttribute,
} from '../aws/events.js';
import { formatDateTime } from '../format.js';
import { EventFiltersForm } from './event-filters-form.js';
import '../styles/events.css';
import { isDenial } from '../../../src/lib/denials.js';

/** `search` numbers the search a listing answers, so a page (or a test) can tell a new answer from the last. */
type Listing =
  | { status: 'loading'; search: number }
  | ({ status: 'loaded'; search: number } & EventSearch)
  | ({ status: 'failed'; search: number } & Failure);

const COLUMNS = ['Time', 'User', 'Event name', 'Source', 'Resources', 'Source IP', 'Error code'];

function EventRow({ event }: { event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const denied = isDenial(event.errorCode);
  const resources = event.resources.map((r) => r.name).join(', ');
  const recordId = `event-record-${event.id}`;
  return (
    <>
      <tr
        className={denied ? 'event-row event-denied' : 'event-row'}
        data-testid="event-row"
        data-event-id={event.id}
        data-event-name={event.name}
        data-username={event.username ?? ''}
        data-error-code={event.errorCode ?? ''}
      >
        <td className="event-time" title={event.time?.toISOString()}>
          <button
            type="button"
            className="icon-button"
            aria-expanded={open}
            aria-controls={open ? recordId : undefined}
            aria-label={`${open ? 'Hide' : 'Show'} the record of ${event.name}`}
            onClick={() => setOpen(!open)}
            data-testid="event-toggle"
          >
            <span className={open ? 'chevron open' : 'chevron'} aria-hidden="true">
              ▸
            </span>
          </button>
          {event.time ? formatDateTime(event.time) : '—'}
        </td>
        <td title={event.arn} data-testid="event-user">
          {event.username ?? '—'}
        </td>
        <td data-testid="event-name">{event.name}</td>
        <td>{event.source}</td>
        <td className="event-resources" title={resources}>
          {resources || '—'}
        </td>
        <td>{event.sourceIp ?? '—'}</td>
        <td title={event.errorMessage} data-testid="event-error">
          {event.errorCode ? (
            <span className={denied ? 'state-pill state-failed' : 'state-pill state-cancelled'}>
              {event.errorCode}
            </span>
          ) : (
            '—'
          )}
        </td>
      </tr>
      {open && (
        <tr className="event-record-row">
          <td colSpan={COLUMNS.length}>
            {/* Text only: nothing a record holds is ever read as markup. */}
            <pre className="event-record" id={recordId} data-testid="event-record">
              {prettyRecord(event.record)}
            </pre>
          </td>
        </tr>
      )}
    </>
  );
}

/** How much of the history a search filtered here has read, and whether it stopped at its bound. */
function SearchNote({ listing, filters }: { listing: EventSearch; filters: EventFilters }) {
  if (!filtersLocally(filters)) return null;
  const read = `${listing.scanned.toLocaleString()} ${listing.scanned === 1 ? 'event' : 'events'} read`;
  if (listing.stoppedAtBound)
    return (
      <p className="notice" data-testid="event-search-bound">
        {`Stopped after reading ${MAX_PAGES_PER_SEARCH} pages without finding ${PAGE_SIZE} matching events (${read} so far). `}
        Older events have not been searched yet: press Load more to search further.
      </p>
    );
  return (
    <p className="muted">{listing.nextToken ? `${read} so far.` : `${read}: the whole history searched.`}</p>
  );
}

function whichFilterNote(filters: EventFilters): string {
  const sent = serverAttribute(filters);
  const names = { username: 'User', eventName: 'Event name', resourceName: 'Resource' } as const;
  const server = sent ? `${names[sent]} is asked of LookupEvents` : 'LookupEvents is asked for every event';
  return filtersLocally(filters)
    ? `${server}; the other filters are applied here to the events it returns.`
    : `${server}.`;
}

/**
 * The audit trail's event history (CloudTrail LookupEvents): management events of the last 90 days, newest
 * first, narrowed by user, event name, resource, time and denial. A row opens to its whole record, as text.
 */
export function EventHistoryView({ cloudtrail }: { cloudtrail: CloudTrailClient }) {
  const [search, setSearch] = useState<{ filters: EventFilters; generation: number }>({
    filters: NO_FILTERS,
    generation: 0,
  });
  const [listing, setListing] = useState<Listing>({ status: 'loading', search: 0 });
  const [more, setMore] = useState<{ loading: boolean; failure?: Failure }>({ loading: false });
  // Load more belongs to the search it continues: a new search aborts it.
  const moreController = useRef<AbortController | undefined>(undefined);
  const { filters } = search;

  useEffect(() => {
    const controller = new AbortController();
    moreController.current?.abort();
    const { filters, generation } = search;
    setListing({ status: 'loading', search: generation });
    setMore({ loading: false });
    searchEvents(cloudtrail, filters, { nextToken: undefined, signal: controller.signal }).then(
      (found) => controller.signal.aborted || setListing({ status: 'loaded', search: generation, ...found }),
      (error: unknown) =>
        controller.signal.aborted ||
        setListing({ status: 'failed', search: generation, ...failureOf(error) }),
    );
    return () => {
      controller.abort();
      moreController.current?.abort();
    };
  }, [cloudtrail, search]);

  function loadMore(token: string) {
    const controller = new AbortController();
    moreController.current = controller;
    setMore({ loading: true });
    searchEvents(cloudtrail, filters, { nextToken: token, signal: controller.signal }).then(
      (found) => {
        if (controller.signal.aborted) return;
        setListing((current) =>
          current.status === 'loaded'
            ? {
                ...current,
                ...found,
                events: [...current.events, ...found.events],
                scanned: current.scanned + found.scanned,
              }
            : current,
        );
        setMore({ loading: false });
      },
      (error: unknown) => controller.signal.aborted || setMore({ loading: false, failure: failureOf(error) }),
    );
  }

  return (
    <section
      className="card"
      aria-labelledby="events-title"
      aria-busy={listing.status === 'loading' || more.loading}
      data-testid="event-history"
      data-state={listing.status}
      data-search={listing.search}
    >
      <div className="panel-head">
        <h2 id="events-title">Event history</h2>
        <span className="muted">Management events of the last 90 days, newest first</span>
      </div>
      <EventFiltersForm
        onSearch={(next) => setSearch((s) => ({ filters: next, generation: s.generation + 1 }))}
      />
      {listing.status === 'loading' && <p className="muted">Loading events…</p>}
      {listing.status === 'failed' && (
        <p
          className={listing.denied ? 'error denied' : 'error'}
          role="alert"
          data-testid={listing.denied ? 'access-denied' : 'event-error-message'}
        >
          {listing.message}
          {listing.denied && ' The event history needs cloudtrail:LookupEvents.'}
        </p>
      )}
      {listing.status === 'loaded' && (
        <>
          <div className="table-frame event-frame">
            <table className="result-table event-table" data-testid="event-table">
              <caption className="visually-hidden">Audit events, newest first.</caption>
              <thead>
                <tr>
                  {COLUMNS.map((name) => (
                    <th scope="col" key={name}>
                      {name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {listing.events.map((event) => (
                  <EventRow key={event.id} event={event} />
                ))}
              </tbody>
            </table>
          </div>
          {listing.events.length === 0 && (
            <p className="muted empty" data-testid="event-empty">
              No events match{listing.nextToken ? ' so far' : ''}.
            </p>
          )}
          <SearchNote listing={listing} filters={filters} />
          {more.failure && (
            <p className={more.failure.denied ? 'error denied' : 'error'} role="alert">
              {more.failure.message}
            </p>
          )}
          {listing.nextToken && (
            <button
              type="button"
              disabled={more.loading}
              onClick={() => listing.nextToken && loadMore(listing.nextToken)}
              data-testid="event-load-more"
            >
              {more.loading ? 'Loading…' : 'Load more'}
            </button>
          )}
          <p className="fine-print">
            {whichFilterNote(filters)} Times are in your browser's time zone. Click ▸ to read an event's whole
            record.
          </p>
        </>
      )}
    </section>
  );
}
