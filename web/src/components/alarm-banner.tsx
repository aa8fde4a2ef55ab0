import { useEffect, useState } from 'react';
import type { JsonCall } from '../aws/aws-json.js';
import { type AlarmSummary, listAlarms } from '../aws/cloudwatch.js';
import { AlarmStateBadge } from './alarm-state.js';

/** How often the banner asks again which alarms are firing. */
const POLL_MS = 30_000;

/**
 * The alarms in ALARM, above every view of the console, asked of DescribeAlarms when the console opens and
 * every 30 seconds: the console is one of the places an alarm is delivered. Someone who may not describe
 * alarms is not shown an error here; the Alarms view says why. Not asked while the tab is hidden.
 */
export function AlarmBanner({ cloudwatch, onShow }: { cloudwatch: JsonCall; onShow: () => void }) {
  const [firing, setFiring] = useState<AlarmSummary[]>([]);

  useEffect(() => {
    const controller = new AbortController();
    const ask = () =>
      listAlarms(cloudwatch, { state: 'ALARM' }, controller.signal).then(
        (alarms) => controller.signal.aborted || setFiring(alarms),
        () => controller.signal.aborted || setFiring([]),
      );
    void ask();
    // Not while the tab is hidden, as the dashboards' refresh.
    const timer = setInterval(() => document.hidden || ask(), POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [cloudwatch]);

  if (firing.length === 0) return null;
  const shown = firing.slice(0, 3).map((a) => a.name);
  const more = firing.length - shown.length;
  return (
    <div className="alarm-banner" role="alert" data-testid="alarm-banner" data-count={firing.length}>
      <AlarmStateBadge state="ALARM" />
      <span className="alarm-banner-text">
        {firing.length === 1 ? '1 alarm is' : `${firing.length} alarms are`} in ALARM: {shown.join(', ')}
        {more > 0 && ` and ${more} more`}
      </span>
      <button type="button" className="link-button" onClick={onShow} data-testid="alarm-banner-show">
        Show alarms
      </button>
    </div>
  );
}
