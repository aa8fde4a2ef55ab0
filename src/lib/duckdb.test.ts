import { describe, expect, it } from 'vitest';
import { redactEnginePaths, withDuckDb } from './duckdb.js';

describe('duckdb helpers', () => {
  it('redacts engine scratch paths from messages', () => {
    const id = 'ab'.repeat(16);
    const message = `IO Error: Cannot open file "/data/objects/engine/${id}/f0.csv": gone; LINE 1: read_csv(['/data/objects/engine/${id}/f1.csv'])`;
    const redacted = redactEnginePaths(message);
    expect(redacted).not.toContain('/objects/engine/');
    expect(redacted).toContain('Cannot open file "<file>"');
  });

  it('runs each piece of work in its own instance, in UTC', async () => {
    const zone = await withDuckDb(
      { threads: 1 },
      async (c) => (await c.runAndReadAll("SELECT current_setting('TimeZone')")).getRows()[0]?.[0],
    );
    expect(zone).toBe('UTC');
  });
});
