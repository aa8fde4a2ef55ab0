import type BetterSqlite3 from 'better-sqlite3';
import type { Sample } from './metric-store.js';

/**
 * The cost model behind AWS/Billing EstimatedCharges: what Seawall's use would cost at a rate card (AWS's list
 * prices by default, USD), month to date, per service, as AWS's billing metrics report it. Usage is kept in the
 * metrics database by month, so a restart loses none and each month starts again at zero.
 */

/** USD per unit of each usage type, by service (AWS's ServiceName dimension values). */
export type RateCard = Readonly<Record<string, Readonly<Record<string, number>>>>;

export const DEFAULT_RATE_CARD: RateCard = {
  AmazonS3: {
    'TimedStorage-GBMonth': 0.023,
    // PUT, COPY, POST and LIST requests; GET and every other request.
    'Requests-Tier1': 0.005 / 1000,
    'Requests-Tier2': 0.0004 / 1000,
  },
  AmazonAthena: { DataScannedInTB: 5 },
  AWSGlueDataBrew: { NodeHours: 0.48 },
  AWSGlue: { Requests: 1 / 1_000_000 },
  awskms: { 'KMS-Requests': 0.03 / 10_000 },
  AmazonCloudWatch: { Requests: 0.01 / 1000 },
  AmazonSNS: { Requests: 0.5 / 1_000_000 },
};

/** Merges an administrator's rate card over the default one (a service or usage type given replaces it). */
export function rateCardOf(overrides: unknown): RateCard {
  if (overrides === undefined) return DEFAULT_RATE_CARD;
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
    throw new Error(
      'the rate card must be a JSON object of services, each an object of usage types and prices',
    );
  const card: Record<string, Record<string, number>> = {};
  for (const [service, rates] of Object.entries(DEFAULT_RATE_CARD)) card[service] = { ...rates };
  for (const [service, rates] of Object.entries(overrides as Record<string, unknown>)) {
    if (typeof rates !== 'object' || rates === null || Array.isArray(rates))
      throw new Error(`the rate card's ${service} must be an object of usage types and prices`);
    for (const [usage, price] of Object.entries(rates as Record<string, unknown>)) {
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0)
        throw new Error(
          `the rate card's price of ${service} ${usage} must be a number of dollars, not negative`,
        );
      card[service] = { ...card[service], [usage]: price };
    }
  }
  return card;
}

const TIER1 = /^(Put|Copy|Post|List|Create|Complete|Upload)/;

/** What each request is billed as. */
function requestUsage(service: string, operation: string): [service: string, usage: string] | undefined {
  switch (service) {
    case 's3':
      return ['AmazonS3', TIER1.test(operation) ? 'Requests-Tier1' : 'Requests-Tier2'];
    case 'kms':
      return ['awskms', 'KMS-Requests'];
    case 'glue':
      return ['AWSGlue', 'Requests'];
    case 'monitoring':
      return ['AmazonCloudWatch', 'Requests'];
    case 'sns':
      return ['AmazonSNS', 'Requests'];
    default:
      return undefined;
  }
}

export interface Billing {
  addRequest(service: string, operation: string): void;
  addUsage(service: string, usage: string, quantity: number): void;
  /** Storage of `bytes` from the last observation until `time` (GB-months), then `bytes` from now on. */
  observeStorage(bytes: number, time: number): void;
  /** The collectors' watermark `name` (epoch ms; `fallback` the first time). */
  watermark(name: string, fallback: number): number;
  setWatermark(name: string, value: number): void;
  /** Month-to-date charges as AWS/Billing EstimatedCharges samples, per service and in total. */
  chargeSamples(time: number): Sample[];
  /** Month-to-date charges by service (USD). */
  charges(time: number): Map<string, number>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS billing_usage (
  month TEXT NOT NULL,
  service TEXT NOT NULL,
  usage_type TEXT NOT NULL,
  quantity REAL NOT NULL,
  PRIMARY KEY (month, service, usage_type)
);
CREATE TABLE IF NOT EXISTS monitor_state (
  name TEXT PRIMARY KEY,
  value REAL NOT NULL
);
`;

const monthOf = (time: number) => new Date(time).toISOString().slice(0, 7);
const MONTH_MS = 30 * 86_400_000;

export function createBilling(db: BetterSqlite3.Database, card: RateCard, now: () => number): Billing {
  db.exec(SCHEMA);
  const addRow = db.prepare(
    `INSERT INTO billing_usage (month, service, usage_type, quantity) VALUES (?, ?, ?, ?)
     ON CONFLICT (month, service, usage_type) DO UPDATE SET quantity = quantity + excluded.quantity`,
  );
  const monthRows = db.prepare<[string], { service: string; usage_type: string; quantity: number }>(
    'SELECT service, usage_type, quantity FROM billing_usage WHERE month = ?',
  );
  const getState = db.prepare<[string], { value: number }>('SELECT value FROM monitor_state WHERE name = ?');
  const setState = db.prepare(
    'INSERT INTO monitor_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  );
  // Requests are counted in memory and written with the next charges.
  let requests = new Map<string, number>();

  function writeRequests(time: number): void {
    const month = monthOf(time);
    db.transaction(() => {
      for (const [key, count] of requests) {
        const [service, usage] = key.split('\u0000') as [string, string];
        addRow.run(month, service, usage, count);
      }
    })();
    requests = new Map();
  }

  function charges(time: number): Map<string, number> {
    writeRequests(time);
    const out = new Map<string, number>();
    for (const row of monthRows.all(monthOf(time))) {
      const price = card[row.service]?.[row.usage_type] ?? 0;
      out.set(row.service, (out.get(row.service) ?? 0) + row.quantity * price);
    }
    return out;
  }

  return {
    addRequest(service, operation) {
      const usage = requestUsage(service, operation);
      if (!usage) return;
      const key = `${usage[0]}\u0000${usage[1]}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    },
    addUsage(service, usage, quantity) {
      if (quantity > 0) addRow.run(monthOf(now()), service, usage, quantity);
    },
    observeStorage(bytes, time) {
      const lastTime = getState.get('storage_time')?.value;
      const lastBytes = getState.get('storage_bytes')?.value;
      db.transaction(() => {
        if (lastTime !== undefined && lastBytes !== undefined && time > lastTime) {
          // Each month's share of the stretch is billed in that month.
          let from = lastTime;
          while (from < time) {
            const next = new Date(from);
            const monthEnd = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1);
            const to = Math.min(time, monthEnd);
            addRow.run(
              monthOf(from),
              'AmazonS3',
              'TimedStorage-GBMonth',
              (lastBytes / 1024 ** 3) * ((to - from) / MONTH_MS),
            );
            from = to;
          }
        }
        setState.run('storage_time', time);
        setState.run('storage_bytes', bytes);
      })();
    },
    watermark(name, fallback) {
      return getState.get(`watermark:${name}`)?.value ?? fallback;
    },
    setWatermark(name, value) {
      setState.run(`watermark:${name}`, value);
    },
    charges,
    chargeSamples(time) {
      const byService = charges(time);
      let total = 0;
      const out: Sample[] = [];
      for (const [service, amount] of byService) {
        total += amount;
        out.push({
          metric: {
            namespace: 'AWS/Billing',
            name: 'EstimatedCharges',
            dimensions: [
              { Name: 'Currency', Value: 'USD' },
              { Name: 'ServiceName', Value: service },
            ],
          },
          unit: 'None',
          time,
          resolution: 60,
          values: [[amount, 1]],
        });
      }
      out.push({
        metric: {
          namespace: 'AWS/Billing',
          name: 'EstimatedCharges',
          dimensions: [{ Name: 'Currency', Value: 'USD' }],
        },
        unit: 'None',
        time,
        resolution: 60,
        values: [[total, 1]],
      });
      return out;
    },
  };
}
