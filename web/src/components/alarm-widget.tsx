import { useMemo } from 'react';
import type { JsonCall } from '../aws/aws-json.js';
import { describeAlarms } from '../aws/cloudwatch.js';
import type { Widget } from '../dashboards/body.js';
import type { TimeWindow } from '../dashboards/time-range.js';
import { useWindowLoad } from '../dashboards/use-window-load.js';
import { formatDateTime } from '../format.js';
import { AlarmStateBadge } from './alarm-state.js';
import { WidgetEmpty, WidgetError, WidgetFrame, type WidgetStatus } from './widget-frame.js';

/** An alarm's name from its ARN (`arn:aws:cloudwatch:region:account:alarm:Name`), or the text as given. */
export function alarmNameOf(arn: string): string {
  const at = arn.indexOf(':alarm:');
  return at === -1 ? arn : arn.slice(at + ':alarm:'.length);
}

/** An alarm status widget: each alarm it names, with its state (DescribeAlarms) and why, in its colour. */
export function AlarmWidget(props: {
  widget: Widget;
  title: string;
  cloudwatch: JsonCall;
  window: TimeWindow;
}) {
  const { widget, cloudwatch } = props;
  const names = useMemo(() => {
    const alarms = Array.isArray(widget.properties.alarms) ? widget.properties.alarms : [];
    return alarms.filter((a): a is string => typeof a === 'string').map(alarmNameOf);
  }, [widget]);
  const load = useWindowLoad(names.join('\n'), props.window, (_, signal) =>
    names.length === 0 ? Promise.resolve([]) : describeAlarms(cloudwatch, names, signal),
  );
  const status: WidgetStatus = load.status === 'loaded' && names.length === 0 ? 'empty' : load.status;
  return (
    <WidgetFrame widget={widget} title={props.title} status={status} generation={load.generation}>
      {load.status === 'failed' && <WidgetError failure={load.failure} />}
      {load.status === 'loading' && load.value === undefined && <p className="muted">Loading…</p>}
      {names.length === 0 && load.status !== 'failed' && (
        <WidgetEmpty>This widget lists no alarms.</WidgetEmpty>
      )}
      {load.value && names.length > 0 && (
        <ul className="alarm-list">
          {names.map((name) => {
            const alarm = load.value?.find((a) => a.name === name);
            const state = alarm?.state ?? '';
            return (
              <li key={name} data-testid="alarm-row" data-alarm={name} data-state={state || 'NOT_FOUND'}>
                <AlarmStateBadge state={alarm?.state} />
                <span className="alarm-name">{name}</span>
                {alarm && (
                  <span className="alarm-reason muted" title={alarm.reason}>
                    {alarm.updated ? `${formatDateTime(alarm.updated)} · ` : ''}
                    {alarm.reason}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </WidgetFrame>
  );
}
