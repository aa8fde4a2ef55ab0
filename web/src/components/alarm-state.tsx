import '../styles/alarms.css';

const STATE_CLASS: Record<string, string> = {
  OK: 'alarm-ok',
  ALARM: 'alarm-alarm',
  INSUFFICIENT_DATA: 'alarm-insufficient',
};

const STATE_TEXT: Record<string, string> = {
  OK: 'OK',
  ALARM: 'In alarm',
  INSUFFICIENT_DATA: 'Insufficient data',
};

/** An alarm's state in its colour: green OK, red In alarm, grey otherwise (or `Not found`, with no state). */
export function AlarmStateBadge({ state }: { state: string | undefined }) {
  return (
    <span className={`alarm-state ${STATE_CLASS[state ?? ''] ?? 'alarm-unknown'}`}>
      {state === undefined ? 'Not found' : (STATE_TEXT[state] ?? state)}
    </span>
  );
}
