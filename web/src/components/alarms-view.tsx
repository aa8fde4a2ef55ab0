import { useEffect, useMemo, useState } from 'react';
import type { JsonCall } from '../aws/aws-json.js';
import {
  type AlarmHistoryItem,
  type AlarmList,
  type AlarmSummary,
  alarmHistory,
  listAlarms,
  MAX_LISTED_ALARMS,
} from '../aws/cloudwatch.js';
import { type Failure, failureOf } from '../aws/denial.js';
import { formatDateTime } from '../format.js';
import { AlarmStateBadge } from './alarm-state.js';

type Load<T> = { status: 'loading' } | { status: 'loaded'; value: T } | ({ status: 'failed' } & Failure);

const FILTERS: { state: string; label: string }[] = [
  { state: '', label: 'All' },
  { state: 'ALARM', label: 'In alarm' },
  { state: 'OK', label: 'OK' },
  { state: 'INSUFFICIENT_DATA', label: 'Insufficient data' },
];

function History({ cloudwatch, name }: { cloudwatch: JsonCall; name: string }) {
  const [history, setHistory] = useState<Load<AlarmHistoryItem[]>>({ status: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    alarmHistory(cloudwatch, name, controller.signal).then(
      (value) => controller.signal.aborted || setHistory({ status: 'loaded', value }),
      (error: unknown) => controller.signal.aborted || setHistory({ status: 'failed', ...failureOf(error) }),
    );
    return () => controller.abort();
  }, [cloudwatch, name]);
  if (history.status === 'loading') return <p className="muted">Loading the history…</p>;
  if (history.status === 'failed')
    return (
      <p className={history.denied ? 'error denied' : 'error'} role="alert">
        {history.message}
      </p>
    );
  if (history.value.length === 0) return <p className="muted">No history yet.</p>;
  return (
    <ol className="alarm-history" data-testid="alarm-history">
      {history.value.map((item, i) => (
        // Two items may say the same at the same second; the list is only ever replaced whole.
        // biome-ignore lint/suspicious/noArrayIndexKey: the history has no ids, and is never reordered in place.
        <li key={i} data-type={item.type}>
          <span className="muted">{item.time ? formatDateTime(item.time) : '—'}</span>
          <span className="alarm-history-type">{item.type}</span>
          <span>{item.summary}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * CloudWatch alarms (DescribeAlarms, both kinds): each one's state, what it watches and why it is in its
 * state, filtered by state; an alarm opened shows its history (DescribeAlarmHistory).
 */
export function AlarmsView({ cloudwatch }: { cloudwatch: JsonCall }) {
  const [filter, setFilter] = useState('');
  const [generation, setGeneration] = useState(0);
  const [alarms, setAlarms] = useState<Load<AlarmList>>({ status: 'loading' });
  const [open, setOpen] = useState<string | undefined>(undefined);

  useEffect(() => {
    void generation;
    const controller = new AbortController();
    setAlarms({ status: 'loading' });
    listAlarms(cloudwatch, {}, controller.signal).then(
      (value) => controller.signal.aborted || setAlarms({ status: 'loaded', value }),
      (error: unknown) => controller.signal.aborted || setAlarms({ status: 'failed', ...failureOf(error) }),
    );
    return () => controller.abort();
  }, [cloudwatch, generation]);

  const counts = useMemo(() => {
    const by: Record<string, number> = {};
    if (alarms.status === 'loaded') for (const a of alarms.value.alarms) by[a.state] = (by[a.state] ?? 0) + 1;
    return by;
  }, [alarms]);
  const shown =
    alarms.status === 'loaded' ? alarms.value.alarms.filter((a) => filter === '' || a.state === filter) : [];

  return (
    <section
      className="card"
      aria-labelledby="alarms-title"
      data-testid="alarms-view"
      data-state={alarms.status}
    >
      <div className="panel-head">
        <h2 id="alarms-title">Alarms</h2>
        <span className="muted">CloudWatch alarms and what they watch</span>
        <button
          type="button"
          className="link-button"
          onClick={() => setGeneration((n) => n + 1)}
          data-testid="alarms-refresh"
        >
          Refresh
        </button>
      </div>
      <fieldset className="alarm-filters" aria-label="Show alarms in state">
        {FILTERS.map(({ state, label }) => (
          <button
            key={label}
            type="button"
            aria-pressed={filter === state}
            onClick={() => setFilter(state)}
            data-testid={`alarms-filter-${state || 'all'}`}
          >
            {label}
            {alarms.status === 'loaded' &&
              ` (${state === '' ? alarms.value.alarms.length : (counts[state] ?? 0)})`}
          </button>
        ))}
      </fieldset>
      {alarms.status === 'loading' && <p className="muted">Loading alarms…</p>}
      {alarms.status === 'failed' && (
        <p className={alarms.denied ? 'error denied' : 'error'} role="alert" data-testid="alarms-error">
          {alarms.message}
          {alarms.denied && ' The list needs cloudwatch:DescribeAlarms.'}
        </p>
      )}
      {alarms.status === 'loaded' && shown.length === 0 && (
        <p className="muted" data-testid="alarms-empty">
          {alarms.value.alarms.length === 0
            ? 'There are no alarms. Scripts make them with PutMetricAlarm.'
            : 'No alarm is in this state.'}
        </p>
      )}
      {alarms.status === 'loaded' && !alarms.value.complete && (
        <p className="muted" data-testid="alarms-truncated">
          {`Showing the first ${MAX_LISTED_ALARMS.toLocaleString('en')} alarms by name; the counts are of these. Scripts list the rest with DescribeAlarms.`}
        </p>
      )}
      {shown.length > 0 && (
        <div className="table-frame">
          <table className="result-table alarm-table">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Name</th>
                <th scope="col">Condition</th>
                <th scope="col">Since</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((alarm) => (
                <AlarmRow
                  key={alarm.name}
                  alarm={alarm}
                  open={open === alarm.name}
                  onToggle={() => setOpen(open === alarm.name ? undefined : alarm.name)}
                  cloudwatch={cloudwatch}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function AlarmRow(props: { alarm: AlarmSummary; open: boolean; onToggle: () => void; cloudwatch: JsonCall }) {
  const { alarm } = props;
  return (
    <>
      <tr data-testid="alarms-row" data-alarm={alarm.name} data-state={alarm.state}>
        <td>
          <AlarmStateBadge state={alarm.state} />
        </td>
        <td>
          <button
            type="button"
            className="link-button"
            aria-expanded={props.open}
            onClick={props.onToggle}
            data-testid="alarms-open"
          >
            {alarm.name}
          </button>
          {alarm.kind === 'composite' && <span className="muted"> · composite</span>}
          {alarm.description && <div className="muted alarm-description">{alarm.description}</div>}
        </td>
        <td data-testid="alarms-condition">{alarm.condition}</td>
        <td>{alarm.updated ? formatDateTime(alarm.updated) : '—'}</td>
        <td>
          {alarm.actions === 0
            ? 'None'
            : alarm.actionsEnabled
              ? `${alarm.actions}`
              : `${alarm.actions}, disabled`}
        </td>
      </tr>
      {props.open && (
        <tr className="alarm-detail">
          <td colSpan={5}>
            <p data-testid="alarms-reason">{alarm.reason}</p>
            <History cloudwatch={props.cloudwatch} name={alarm.name} />
          </td>
        </tr>
      )}
    </>
  );
}
