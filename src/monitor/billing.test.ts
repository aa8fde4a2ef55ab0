import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBilling, DEFAULT_RATE_CARD, rateCardOf } from './billing.js';

describe('the cost model', () => {
  let dir: string;
  let db: BetterSqlite3.Database;
  let now = Date.UTC(2026, 11, 10);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seawall-billing-'));
    db = new BetterSqlite3(join(dir, 'metrics.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('charges requests, scans and job time at the rate card, month to date', () => {
    const billing = createBilling(db, DEFAULT_RATE_CARD, () => now);
    for (let i = 0; i < 1000; i++) billing.addRequest('s3', 'PutObject');
    for (let i = 0; i < 10_000; i++) billing.addRequest('s3', 'GetObject');
    billing.addUsage('AmazonAthena', 'DataScannedInTB', 0.5);
    billing.addUsage('AWSGlueDataBrew', 'NodeHours', 2);
    const charges = billing.charges(now);
    expect(charges.get('AmazonS3')).toBeCloseTo(0.005 + 0.004, 10);
    expect(charges.get('AmazonAthena')).toBe(2.5);
    expect(charges.get('AWSGlueDataBrew')).toBeCloseTo(0.96, 10);
    const samples = billing.chargeSamples(now);
    const total = samples.find((s) => s.metric.dimensions.length === 1);
    expect(total?.metric).toEqual({
      namespace: 'AWS/Billing',
      name: 'EstimatedCharges',
      dimensions: [{ Name: 'Currency', Value: 'USD' }],
    });
    expect(total?.values?.[0]?.[0]).toBeCloseTo(2.5 + 0.96 + 0.009, 10);
  });

  it('integrates storage over time, each month in its own month, and starts each month at zero', () => {
    const billing = createBilling(db, DEFAULT_RATE_CARD, () => now);
    const gib = 1024 ** 3;
    const start = Date.UTC(2026, 10, 30, 12);
    billing.observeStorage(30 * gib, start);
    // 12 hours in November, 12 in December, at 30 GiB: 30 × 12/720 GB-months each.
    billing.observeStorage(30 * gib, Date.UTC(2026, 11, 1, 12));
    const november = billing.charges(Date.UTC(2026, 10, 30, 23)).get('AmazonS3') ?? 0;
    const december = billing.charges(Date.UTC(2026, 11, 1, 13)).get('AmazonS3') ?? 0;
    expect(november).toBeCloseTo(30 * (12 / 720) * 0.023, 10);
    expect(december).toBeCloseTo(30 * (12 / 720) * 0.023, 10);
    now = Date.UTC(2027, 0, 2);
    expect(billing.charges(now).size).toBe(0);
  });

  it('takes an administrator rate card over the default one, and refuses a bad one', () => {
    const card = rateCardOf({ AmazonAthena: { DataScannedInTB: 6.75 } });
    expect(card.AmazonAthena?.DataScannedInTB).toBe(6.75);
    expect(card.AmazonS3).toEqual(DEFAULT_RATE_CARD.AmazonS3);
    for (const bad of [
      [],
      'x',
      { AmazonS3: 3 },
      { AmazonS3: { 'Requests-Tier1': -1 } },
      { AmazonS3: { x: 'free' } },
    ])
      expect(() => rateCardOf(bad)).toThrow(/rate card/);
  });
});
