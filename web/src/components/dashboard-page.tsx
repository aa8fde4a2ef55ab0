import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { JsonCall } from '../aws/aws-json.js';
import { getDashboardBody } from '../aws/cloudwatch.js';
import { type Failure, failureOf } from '../aws/denial.js';
import { type DashboardBody, parseDashboardBody, type Widget, widgetTitle } from '../dashboards/body.js';
import type { UnitCache } from '../dashboards/metric-results.js';
import { type RangeChoice, rangeChoices, type TimeWindow, windowOf } from '../dashboards/time-range.js';
import { AlarmWidget } from './alarm-widget.js';
import { LogWidget } from './log-widget.js';
import { MetricWidget } from './metric-widget.js';
import { TextWidget } from './text-widget.js';
import { WidgetBoundary, WidgetEmpty, WidgetFrame } from './widget-frame.js';

/** How often the dashboard reads its widgets again while auto-refresh is on. */
export const REFRESH_MS = 60_000;

type Body =
  | { status: 'loading' }
  | { status: 'loaded'; body: DashboardBody }
  | ({ status: 'failed' } & Failure);

export interface DashboardClients {
  cloudwatch: JsonCall;
  logs: JsonCall;
}

function WidgetView(props: {
  widget: Widget;
  clients: DashboardClients;
  window: TimeWindow;
  body: DashboardBody;
  units: UnitCache;
}) {
  const { widget, clients, window } = props;
  const title = widgetTitle(widget);
  switch (widget.type) {
    case 'text':
      return <TextWidget widget={widget} />;
    case 'metric':
      return (
        <MetricWidget
          widget={widget}
          title={title}
          cloudwatch={clients.cloudwatch}
          window={window}
          periodOverride={props.body.periodOverride}
          units={props.units}
        />
      );
    case 'alarm':
      return <AlarmWidget widget={widget} title={title} cloudwatch={clients.cloudwatch} window={window} />;
    case 'log':
      return <LogWidget widget={widget} title={title} logs={clients.logs} window={window} />;
    default:
      return (
        <WidgetFrame widget={widget} title={title} status="empty" generation={window.generation}>
          <WidgetEmpty>Widgets of type {widget.type} are not shown by the console.</WidgetEmpty>
        </WidgetFrame>
      );
  }
}

const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

function RangeControls(props: {
  choices: RangeChoice[];
  chosen: string;
  onChoose: (key: string) => void;
  onRefresh: () => void;
  auto: boolean;
  onAuto: (on: boolean) => void;
  window: TimeWindow;
}) {
  return (
    <div className="dashboard-controls">
      <fieldset className="range-picker" aria-label="Time range">
        {props.choices.map((choice) => (
          <button
            key={choice.key}
            type="button"
            aria-pressed={props.chosen === choice.key}
            onClick={() => props.onChoose(choice.key)}
            data-testid={`range-${choice.key}`}
            title={choice.key === 'dashboard' ? "The dashboard's own range" : `The last ${choice.label}`}
          >
            {choice.label}
          </button>
        ))}
      </fieldset>
      <button type="button" onClick={props.onRefresh} data-testid="dashboard-refresh">
        Refresh
      </button>
      <label className="checkbox-label">
        <input
          type="checkbox"
          checked={props.auto}
          onChange={(event) => props.onAuto(event.target.checked)}
          data-testid="dashboard-auto-refresh"
        />
        Every {REFRESH_MS / 1000} s
      </label>
      <span className="muted" data-testid="dashboard-updated">
        Read at {TIME.format(props.window.end)}
      </span>
    </div>
  );
}

/** The widgets on their grid, the time range they read and when they read it again. */
function DashboardGrid({ body, clients }: { body: DashboardBody; clients: DashboardClients }) {
  const { choices, initial } = useMemo(() => rangeChoices(body), [body]);
  const [chosen, setChosen] = useState(initial);
  const [auto, setAuto] = useState(true);
  const choiceOf = useCallback(
    (key: string) => choices.find((c) => c.key === key) ?? (choices[0] as RangeChoice),
    [choices],
  );
  const [window, setWindow] = useState<TimeWindow>(() => windowOf(choiceOf(initial), Date.now(), 1));
  const units = useRef<UnitCache>(new Map());

  const read = useCallback(
    (key: string) => setWindow((last) => windowOf(choiceOf(key), Date.now(), last.generation + 1)),
    [choiceOf],
  );

  useEffect(() => {
    if (!auto) return undefined;
    // A hidden tab skips its refreshes; the next one after it is shown again catches up.
    const timer = setInterval(() => document.hidden || read(chosen), REFRESH_MS);
    return () => clearInterval(timer);
  }, [auto, chosen, read]);

  return (
    <>
      <RangeControls
        choices={choices}
        chosen={chosen}
        onChoose={(key) => {
          setChosen(key);
          read(key);
        }}
        onRefresh={() => read(chosen)}
        auto={auto}
        onAuto={setAuto}
        window={window}
      />
      {body.widgets.length === 0 && <WidgetEmpty>This dashboard has no widgets.</WidgetEmpty>}
      <div
        className="dashboard-grid"
        data-testid="dashboard-grid"
        data-generation={window.generation}
        data-range={chosen}
      >
        {body.widgets.map((widget) => (
          <WidgetBoundary key={widget.index} widget={widget} title={widgetTitle(widget)}>
            <WidgetView widget={widget} clients={clients} window={window} body={body} units={units.current} />
          </WidgetBoundary>
        ))}
      </div>
    </>
  );
}

/** One dashboard: its body read with GetDashboard and drawn live. */
export function DashboardPage(props: { name: string; clients: DashboardClients; onBack: () => void }) {
  const { name, clients } = props;
  const [body, setBody] = useState<Body>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    setBody({ status: 'loading' });
    getDashboardBody(clients.cloudwatch, name, controller.signal)
      .then((text) => parseDashboardBody(text))
      .then(
        (parsed) => controller.signal.aborted || setBody({ status: 'loaded', body: parsed }),
        (error: unknown) => controller.signal.aborted || setBody({ status: 'failed', ...failureOf(error) }),
      );
    return () => controller.abort();
  }, [clients, name]);

  return (
    <section
      className="card dashboard-page"
      aria-labelledby="dashboard-title"
      data-testid="dashboard-page"
      data-state={body.status}
      data-name={name}
    >
      <div className="panel-head">
        <button type="button" className="link-button" onClick={props.onBack} data-testid="dashboard-back">
          ← Dashboards
        </button>
        <h2 id="dashboard-title">{name}</h2>
      </div>
      {body.status === 'loading' && <p className="muted">Loading the dashboard…</p>}
      {body.status === 'failed' && (
        <p className={body.denied ? 'error denied' : 'error'} role="alert" data-testid="dashboard-error">
          {body.message}
        </p>
      )}
      {body.status === 'loaded' && <DashboardGrid body={body.body} clients={clients} />}
    </section>
  );
}
