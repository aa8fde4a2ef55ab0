import { useMemo } from 'react';
import type { JsonCall } from '../aws/aws-json.js';
import { parseLogWidgetQuery, runLogQuery } from '../aws/logs.js';
import type { Widget } from '../dashboards/body.js';
import type { TimeWindow } from '../dashboards/time-range.js';
import { useWindowLoad } from '../dashboards/use-window-load.js';
import { WidgetEmpty, WidgetError, WidgetFrame, type WidgetStatus } from './widget-frame.js';

/**
 * A log widget: its Logs Insights query (`SOURCE 'group' | fields …`) run over the dashboard's window with
 * StartQuery, polled with GetQueryResults, shown as a table of the fields it returns.
 */
export function LogWidget(props: { widget: Widget; title: string; logs: JsonCall; window: TimeWindow }) {
  const { widget, logs } = props;
  const text = typeof widget.properties.query === 'string' ? widget.properties.query : '';
  const query = useMemo(() => parseLogWidgetQuery(text), [text]);
  const load = useWindowLoad(text, props.window, async (window, signal) => {
    if (query.groups.length === 0) throw new Error("The query names no log group (SOURCE 'group' | …).");
    const result = await runLogQuery(logs, query, window, signal);
    if (result.status !== 'Complete') throw new Error(`The query ended ${result.status}.`);
    return result;
  });
  const result = load.value;
  const status: WidgetStatus =
    load.status === 'loaded' && load.value.rows.length === 0 ? 'empty' : load.status;
  return (
    <WidgetFrame widget={widget} title={props.title} status={status} generation={load.generation}>
      {load.status === 'failed' && <WidgetError failure={load.failure} />}
      {load.status === 'loading' && result === undefined && <p className="muted">Running the query…</p>}
      {result && result.rows.length === 0 && <WidgetEmpty />}
      {result && result.rows.length > 0 && (
        <div className="table-frame log-frame">
          <table className="result-table log-table" data-testid="log-table">
            <thead>
              <tr>
                {result.fields.map((field) => (
                  <th scope="col" key={field}>
                    {field}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.rows.map((row, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: log rows have no identity but their place.
                <tr key={i}>
                  {result.fields.map((field) => (
                    <td key={field} title={row[field]}>
                      {row[field] ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </WidgetFrame>
  );
}
