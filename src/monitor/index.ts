import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { OperationEvent, ServiceEndpoint } from '../lib/operation.js';
import { alarmOperations } from './alarm-api.js';
import { type AlarmService, createAlarmService } from './alarm-service.js';
import { type Billing, createBilling, type RateCard } from './billing.js';
import { type BuiltinMetrics, createBuiltinMetrics } from './builtin-metrics.js';
import { createCloudWatchApi } from './cloudwatch-api.js';
import { createDashboards, type Dashboards } from './dashboards.js';
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
  onEvent(event: OperationEvent): void;
  close(): void;
}

export function createMonitor(deps: {
  metricsDb: string;
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
  try {
    const dashboards = createDashboards(store.db, deps.accountId, now);
    const billing = createBilling(store.db, deps.rateCard, now);
    const builtin = createBuiltinMetrics({
      store,
      db: deps.metadata,
      billing,
      dataDir: deps.dataDir,
      now,
      logger: deps.logger,
      ...(deps.flushMs !== undefined ? { flushMs: deps.flushMs } : {}),
    });
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
    const prune = setInterval(() => {
      try {
        store.prune(now());
      } catch (error) {
        deps.logger.warn({ err: error }, 'could not drop expired metric data');
      }
    }, 3_600_000);
    prune.unref();
    return {
      api: createCloudWatchApi({ metrics: store, dashboards, now, more: alarmOperations(alarms) }),
      store,
      dashboards,
      builtin,
      billing,
      alarms,
      onEvent: (event) => builtin.onEvent(event),
      close() {
        clearInterval(prune);
        clearInterval(evaluator);
        builtin.stop();
        store.close();
      },
    };
  } catch (error) {
    store.close();
    throw error;
  }
}
