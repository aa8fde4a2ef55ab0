import type { AuditExchange, AuditSink, OperationEvent } from '../lib/operation.js';
import { dataResourceOf, isDataEvent, recordOf } from './audit-record.js';
import type { AuditStore } from './audit-store.js';

/** Which data events some trail wants recorded (event selectors); management events are always recorded. */
export interface DataEventSelection {
  wants(resource: string, readOnly: boolean, eventSource: string): boolean;
}

/** Selects no data events: until a trail's event selectors ask for some. */
export const NO_DATA_EVENTS: DataEventSelection = { wants: () => false };

/**
 * The pipeline's audit sink: builds each call's CloudTrail record and stores it durably before the answer
 * is sent. Management events are always recorded; a data event only when a trail's selectors ask for it.
 */
export function createAuditSink(deps: {
  store: AuditStore;
  accountId: string;
  region: string;
  selection: () => DataEventSelection;
}): AuditSink {
  const defaults = { accountId: deps.accountId, region: deps.region };
  const wanted = (event: OperationEvent): boolean => {
    if (!isDataEvent(event)) return true;
    const resource = dataResourceOf(event);
    return (
      resource !== undefined &&
      deps.selection().wants(resource, event.readOnly ?? false, `${event.service}.amazonaws.com`)
    );
  };
  return {
    begin(event: OperationEvent, exchange: AuditExchange) {
      if (!wanted(event)) return undefined;
      return deps.store.begin(recordOf(event, exchange, defaults));
    },
    record(event: OperationEvent, exchange: AuditExchange, begun: number | undefined) {
      if (begun === undefined && !wanted(event)) return;
      deps.store.append(recordOf(event, exchange, defaults), begun);
    },
  };
}
