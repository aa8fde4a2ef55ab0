import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { type Logger, tapLogger } from '../lib/logger.js';
import type { OperationEvent, ServiceEndpoint } from '../lib/operation.js';
import { alarmOperations } from './alarm-api.js';
import { type AlarmService, createAlarmService } from './alarm-service.js';
import { type Billing, createBilling, type RateCard } from './billing.js';
import { type BuiltinMetrics, createBuiltinMetrics } from './builtin-metrics.js';
import { createCloudWatchApi } from './cloudwatch-api.js';
import { createDashboards, type Dashboards } from './dashboards.js';
import { createLogsService, type LogsService } from './logs-api.js';
import { openLogsDb } from './logs-store.js';
import { type MetricStore, openMetricStore } from './metric-store.js';

export { DEFAULT_RATE_CARD, type RateCard, rateCardOf } from './billing.js';

/** CloudWatch in one piece: the metric store, dashboards, the built-in metrics and the API over them. */
export interface Monitor {
  readonly api: ServiceEndpoint;
  readonly store: MetricStore;
  readonly dashboards: Dashboards;
  readonly builtin: BuiltinMetrics;
  readonly billing: Billing;
  readonly alarms: AlarmService;
  readonly logs: LogsService;
  onEvent(event: OperationEvent): void;
  close(): void;
}

export function createMonitor(deps: {
  metricsDb: string;
  logsDb: string;
  dataDir: string;
  // biome-ignore lint/suspicious/noExplicitAny: the collectors read other domains' tables by name.
  metadata: Kysely<any>;
  accountId: string;
  region: string;
  clock: Clock;
  logger: Logger;
  rateCard: RateCard;
  flushMs?: number;
  /** How often alarms are evaluated (ms). */
  alarmEvaluationMs: number;
  /** Alarm actions: publishing to an SNS topic. */
  publish: (
    topicArn: string,
    message: { subject: string; message: string },
    alarmArn: string,
  ) => Promise<void>;
}): Monitor {
  const now = () => deps.clock.now().getTime();
  const store = openMetricStore(deps.metricsDb);
  // What has been started so far, stopped in reverse if a later part fails to start.
  const started: (() => void)[] = [() => store.close()];
  const stopAll = () => {
    for (const stop of started.splice(0).reverse()) stop();
  };
  try {
    const logsDb = openLogsDb(deps.logsDb);
    started.push(() => logsDb.close());
    const logs = createLogsService({
      db: logsDb,
      accountId: deps.accountId,
      region: deps.region,
      now,
      logger: deps.logger,
    });
    started.push(tapServerLogs(deps.logger, logs));
    const dashboards = createDashboards(store.db, deps.accountId, now);
    const billing = createBilling(store.db, deps.rateCard, now);
    const builtin = createBuiltinMetrics({
      store,
      db: deps.metadata,
      billing,
      dataDir: deps.dataDir,
      now,
      logger: deps.logger,
      jobLog: (group, stream, events) => logs.append(group, stream, events),
      ...(deps.flushMs !== undefined ? { flushMs: deps.flushMs } : {}),
    });
    started.push(() => builtin.stop());
    const alarms = createAlarmService({
      db: store.db,
      metrics: store,
      now,
      logger: deps.logger,
      accountId: deps.accountId,
      region: deps.region,
      publish: deps.publish,
    });
    // One evaluation at a time: a slow one is not overlapped by the next tick.
    let evaluating = false;
    const evaluator = setInterval(() => {
      if (evaluating) return;
      evaluating = true;
      alarms
        .evaluate()
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not evaluate alarms'))
        .finally(() => {
          evaluating = false;
        });
    }, deps.alarmEvaluationMs);
    evaluator.unref();
    started.push(() => clearInterval(evaluator));
    const prune = setInterval(() => {
      try {
        store.prune(now());
        logs.sweep();
      } catch (error) {
        deps.logger.warn({ err: error }, 'could not drop expired metric data and log events');
      }
    }, 3_600_000);
    prune.unref();
    started.push(() => clearInterval(prune));
    return {
      logs,
      api: createCloudWatchApi({ metrics: store, dashboards, now, more: alarmOperations(alarms) }),
      store,
      dashboards,
      builtin,
      billing,
      alarms,
      onEvent: (event) => builtin.onEvent(event),
      close: stopAll,
    };
  } catch (error) {
    stopAll();
    throw error;
  }
}

/**
 * Seawall's own log lines, into the `/seawall/server` log group: gathered as they are written and stored each
 * second, at most 10,000 waiting (more are dropped, and said so once stored); a failure to store is never logged,
 * which would log again.
 */
function tapServerLogs(logger: Logger, logs: LogsService): () => void {
  let waiting: { timestamp: number; message: string }[] = [];
  let dropped = 0;
  const untap = tapLogger(logger, (line) => {
    if (waiting.length >= 10_000) {
      dropped++;
      return;
    }
    const time = /"time":(\d{1,15})/.exec(line)?.[1];
    waiting.push({ timestamp: time ? Number(time) : Date.now(), message: line.trimEnd() });
  });
  const store = () => {
    if (waiting.length === 0) return;
    const events = waiting;
    if (dropped > 0)
      events.push({ timestamp: Date.now(), message: `${dropped} log lines were dropped: too many at once` });
    waiting = [];
    dropped = 0;
    try {
      logs.append('/seawall/server', 'server', events);
    } catch {
      // Never logged: that would be stored again.
    }
  };
  const timer = setInterval(store, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    untap();
    store();
  };
}
