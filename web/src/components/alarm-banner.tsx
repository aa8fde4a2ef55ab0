import { useEffect, useState } from 'react';
import type { JsonCall } from '../aws/aws-json.js';
import { type AlarmList, listAlarms } from '../aws/cloudwatch.js';
import { failureOf } from '../aws/denial.js';
import { AlarmStateBadge } from './alarm-state.js';

/** How often the banner asks again which alarms are firing. */
const POLL_MS = 30_000;

/**
 * The alarms in ALARM, above every view of the console, asked of DescribeAlarms when the console opens, every
 * 30 seconds and whenever the tab is shown again: the console is one of the places an alarm is delivered. Not
 * asked while the tab is hidden. A poll that fails keeps what the last one said (a refusal clears it: someone
 * who may not describe alarms is not shown an error here; the Alarms view says why), and an answer older than
 * one already shown is dropped.
 */
export function AlarmBanner({ cloudwatch, onShow }: { cloudwatch: JsonCall; onShow: () => void }) {
  const [firing, setFiring] = useState<AlarmList>({ alarms: [], complete: true });

  useEffect(() => {
    const controller = new AbortController();
    let asked = 0;
    let shown = 0;
    const ask = () => {
      const n = ++asked;
      listAlarms(cloudwatch, { state: 'ALARM' }, controller.signal).then(
        (list) => {
          if (controller.signal.aborted || n < shown) return;
          shown = n;
          setFiring(list);
        },
        (error: unknown) => {
          if (controller.signal.aborted || n < shown || !failureOf(error).denied) return;
          shown = n;
          setFiring({ alarms: [], complete: true });
        },
      );
    };
    ask();
    const timer = setInterval(() => document.hidden || ask(), POLL_MS);
    const onVisible = () => document.hidden || ask();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      controller.abort();
    };
  }, [cloudwatch]);

  const { alarms, complete } = firing;
  if (alarms.length === 0) return null;
  const count = complete ? `${alarms.length}` : `More than ${alarms.length}`;
  const shown = alarms.slice(0, 3).map((a) => a.name);
  const more = alarms.length - shown.length;
  return (
    <div
      className="alarm-banner"
      role="alert"
      data-testid="alarm-banner"
      data-count={complete ? alarms.length : `${alarms.length}+`}
    >
      <AlarmStateBadge state="ALARM" />
      <span className="alarm-banner-text">
        {alarms.length === 1 && complete ? '1 alarm is' : `${count} alarms are`} in ALARM: {shown.join(', ')}
        {more > 0 && (complete ? ` and ${more} more` : ' and others')}
      </span>
      <button type="button" className="link-button" onClick={onShow} data-testid="alarm-banner-show">
        Show alarms
      </button>
    </div>
  );
}
