import { describe, expect, it } from 'vitest';
import { createQueryRun, type QueryEvent } from './logs-insights.js';
import { InsightsQueryError, parseInsightsQuery } from './logs-insights-parse.js';

const T0 = Date.UTC(2026, 11, 5, 10, 0, 0);
const events: QueryEvent[] = [
  { ip: '10.0.0.7', user: '  ann  ', ms: 120, code: 200 },
  { ip: '10.0.1.9', user: 'bob', ms: 80, code: 500 },
  { ip: '192.168.1.4', user: 'ann', ms: 40, code: 200 },
  { ip: '2001:db8::1', user: 'cy', ms: 300, code: 404 },
].map((fields, i) => ({
  time: T0 + i * 60_000,
  ingestion: T0 + i * 60_000,
  group: 'app',
  stream: 's',
  message: JSON.stringify(fields),
}));

/** Runs a query over the events newest first, as the service feeds them, and answers rows of values. */
function run(text: string, over: QueryEvent[] = events): string[][] {
  const query = createQueryRun(parseInsightsQuery(text));
  for (const event of [...over].reverse()) if (!query.add(event)) break;
  return query.finish().rows.map((row) => row.map((cell) => cell.value));
}

describe('Logs Insights functions', () => {
  it('computes string functions as the query syntax defines them', () => {
    expect(
      run(
        'fields concat(user, "-", code) as a, trim(user) as b, ltrim("xyZfooxyZ", "xyZ") as c, rtrim("xyZfooxyZ", "xyZ") as d, trim("xyZfooxyZ", "xyZ") as e, substr("xyZfooxyZ", 3, 3) as f, replace("foo", "o", "0") as g, strcontains(user, "nn") as h, strlen("né") as i | sort @timestamp asc | limit 1',
      ),
    ).toEqual([['  ann  -200', 'ann', 'fooxyZ', 'xyZfoo', 'foo', 'foo', 'f00', '1', '2']]);
    expect(run('fields isempty(missing) as a, isblank(" ") as b, isempty(user) as c | limit 1')).toEqual([
      ['true', 'true', 'false'],
    ]);
    expect(run('fields coalesce(missing, user) as u | filter u = "bob"')).toEqual([['bob']]);
  });

  it('computes numbers, exponents and times', () => {
    expect(
      run(
        'fields greatest(ms, 100) as a, least(ms, 100) as b, 2 ^ 3 as c, sqrt(16) as d, 10 % 3 as e | filter code = 500',
      ),
    ).toEqual([['100', '80', '8', '4', '1']]);
    expect(
      run(
        'fields datefloor(@timestamp, 1h) as f, dateceil(@timestamp, 1h) as c, toMillis(@timestamp) as m, fromMillis(0) as z | filter code = 500',
      ),
    ).toEqual([
      ['2026-12-05 10:00:00.000', '2026-12-05 11:00:00.000', String(T0 + 60_000), '1970-01-01 00:00:00.000'],
    ]);
  });

  it('checks addresses and subnets', () => {
    expect(
      run(
        'filter isIpv4InSubnet(ip, "10.0.0.0/16") | fields ip, isValidIpV4(ip) as v4, isValidIpV6(ip) as v6 | sort ip asc',
      ),
    ).toEqual([
      ['10.0.0.7', 'true', 'false'],
      ['10.0.1.9', 'true', 'false'],
    ]);
    expect(run('filter isIpInSubnet(ip, "2001:db8::/32") | display ip')).toEqual([['2001:db8::1']]);
    expect(run('filter isIpInSubnet(ip, "not a subnet") | display ip')).toEqual([]);
  });

  it('aggregates with stddev, earliest, latest, sortsFirst and sortsLast', () => {
    const [row] = run(
      'stats earliest(user) as first, latest(user) as last, sortsFirst(ms) as low, sortsLast(ms) as high, stddev(ms) as sd, count(*) as n',
    );
    expect(row?.slice(0, 4)).toEqual(['  ann  ', 'cy', '40', '300']);
    // Sample standard deviation of 120, 80, 40, 300.
    expect(Number(row?.[4])).toBeCloseTo(114.75, 1);
    expect(row?.[5]).toBe('4');
  });

  it('keeps stddev exact for large values close together', () => {
    const near = [1, 2, 3].map((i) => ({
      time: T0 + i,
      ingestion: T0 + i,
      group: 'app',
      stream: 's',
      message: JSON.stringify({ v: 1e9 + i }),
    }));
    expect(run('stats stddev(v) as sd', near)).toEqual([['1']]);
  });

  it('answers no date for a time out of range, and refuses a string longer than any event', () => {
    expect(run('fields fromMillis(10 ^ 300) as a, fromMillis(-9000000000000000) as b | limit 1')).toEqual([
      ['', ''],
    ]);
    const fifty = 'n'.repeat(50);
    const grow = (depth: number): string =>
      depth === 0 ? 'user' : `replace(${grow(depth - 1)}, "n", "${fifty}")`;
    // "  ann  " has two n and five other characters: 105, 5,005, 250,005 characters are made; 12,500,005 is
    // refused, and so is a concat of two of 250,005.
    expect(run(`fields strlen(${grow(3)}) as n | filter ms = 120`)).toEqual([['250005']]);
    expect(() => run(`fields ${grow(4)} as n | filter ms = 120`)).toThrow(InsightsQueryError);
    expect(() => run(`fields concat(${grow(3)}, ${grow(3)}) as n | filter ms = 120`)).toThrow(
      InsightsQueryError,
    );
  });

  it('dedups on fields, keeping the first row in sort order', () => {
    expect(run('fields code, user | sort ms desc | dedup code | display code, user')).toEqual([
      ['404', 'cy'],
      ['200', '  ann  '],
      ['500', 'bob'],
    ]);
    expect(run('fields code | dedup code | limit 2 | display code')).toEqual([['404'], ['200']]);
    expect(() => parseInsightsQuery('dedup 5')).toThrow(InsightsQueryError);
  });

  it('refuses functions it does not have by name', () => {
    expect(() => parseInsightsQuery('fields jsonParse(@message)')).toThrow(/not implemented/);
  });
});
