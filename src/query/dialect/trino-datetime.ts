/*
 * Trino's date and time functions on DuckDB. The session time zone is UTC, as Athena's is.
 *
 * Trino's `timestamp with time zone` made by AT TIME ZONE, at_timezone, with_timezone or from_unixtime with a
 * zone is, here, the wall-clock time in that zone (a DuckDB TIMESTAMP) together with the zone, known to the
 * translator: so hour(), date(), date_trunc(), date_format() and CAST(... AS timestamp) of it give Trino's
 * answers, to_unixtime() turns it back into the instant, and selected as a column it is printed as Athena
 * prints one (`2024-01-01 01:04:00.000 America/Vancouver`).
 */
import { QueryRejected } from '../sandbox-tree.js';
import { jodaToStrftime, mysqlToStrftime } from './datetime-formats.js';
import {
  type Call,
  checkArity,
  constantString,
  type Rule,
  type RuleTable,
  renamed,
  SAME,
  stringConstant,
  template,
} from './rules.js';

/** Trino's units for date_add, date_diff and date_trunc, as DuckDB names them. */
const UNITS: Readonly<Record<string, string>> = {
  millisecond: 'millisecond',
  second: 'second',
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
  quarter: 'quarter',
  year: 'year',
};

function unit(call: Call, index: number): string {
  const written = constantString(call, index, 'unit').toLowerCase();
  const duckdb = UNITS[written];
  if (!duckdb) throw new QueryRejected(`INVALID_FUNCTION_ARGUMENT: '${written}' is not a valid Time field`);
  return duckdb;
}

/** EXTRACT's fields and the one-field functions, as DuckDB's date_part names them. */
const FIELDS: Readonly<Record<string, string>> = {
  year: 'year',
  quarter: 'quarter',
  month: 'month',
  week: 'week',
  day: 'day',
  day_of_month: 'day',
  day_of_week: 'isodow',
  dow: 'isodow',
  day_of_year: 'doy',
  doy: 'doy',
  year_of_week: 'isoyear',
  yow: 'isoyear',
  hour: 'hour',
  minute: 'minute',
  second: 'second',
  timezone_hour: 'timezone_hour',
  timezone_minute: 'timezone_minute',
};

/** EXTRACT(field FROM x), which DuckDB's parser writes as main.date_part('field', x). */
export const EXTRACT: Rule = (call) => {
  checkArity(call, 2);
  const field = constantString(call, 0, 'field').toLowerCase();
  const part = FIELDS[field];
  if (!part) throw new QueryRejected(`Invalid EXTRACT field: ${field}`);
  return { sql: 'date_part($3, $2)', extra: [stringConstant(part)] };
};

function field(part: string): Rule {
  return (call) => {
    checkArity(call, 1);
    return { sql: 'date_part($2, $1)', extra: [stringConstant(part)] };
  };
}

/** `x AT TIME ZONE z`, which DuckDB's parser writes as main.timezone(z, x): the same instant, in zone z. */
export const AT_TIME_ZONE: Rule = (call) => {
  checkArity(call, 2);
  return { sql: 'timezone($1, CAST($2 AS TIMESTAMPTZ))', zone: 1 };
};

function formatted(convert: (format: string) => string, sql: string): Rule {
  return (call) => {
    checkArity(call, 2);
    const format = convert(constantString(call, 1, 'format'));
    return { sql, extra: [stringConstant(format)] };
  };
}

/** The instant of a value: a zoned wall-clock time is read in its zone, a plain timestamp in UTC. */
const toUnixtime: Rule = (call) => {
  checkArity(call, 1);
  const zone = call.zoneOf(0);
  if (zone) return { sql: 'epoch(timezone($2, $1))', extra: [zone] };
  return 'epoch(CAST($1 AS TIMESTAMPTZ))';
};

const fromUnixtime: Rule = (call) => {
  checkArity(call, [1, 2]);
  if (call.args.length === 2) return { sql: 'timezone($2, to_timestamp($1))', zone: 2 };
  return 'to_timestamp($1)';
};

export const DATETIME_FUNCTIONS: RuleTable = {
  at_timezone: (call) => {
    checkArity(call, 2);
    return { sql: 'timezone($2, CAST($1 AS TIMESTAMPTZ))', zone: 2 };
  },
  with_timezone: (call) => {
    checkArity(call, 2);
    return { sql: 'CAST($1 AS TIMESTAMP)', zone: 2 };
  },
  from_unixtime: fromUnixtime,
  to_unixtime: toUnixtime,
  current_timezone: template("'UTC'", 0),
  now: template('current_timestamp', 0),
  date: template('CAST($1 AS DATE)', 1),
  last_day_of_month: template('last_day($1)', 1),
  date_trunc: (call) => {
    checkArity(call, 2);
    return { sql: 'cast_to_type(date_trunc($3, $2), $2)', extra: [stringConstant(unit(call, 0))] };
  },
  date_add: (call) => {
    checkArity(call, 3);
    return `cast_to_type($3 + CAST($2 AS BIGINT) * INTERVAL 1 ${unit(call, 0).toUpperCase()}, $3)`;
  },
  date_diff: (call) => {
    checkArity(call, 3);
    // DuckDB's date_sub counts whole units elapsed, as Trino's date_diff does (date_diff counts boundaries).
    return { sql: 'date_sub($4, $2, $3)', extra: [stringConstant(unit(call, 0))] };
  },
  date_format: formatted(mysqlToStrftime, 'strftime($1, $3)'),
  date_parse: formatted(mysqlToStrftime, 'CAST(strptime($1, $3) AS TIMESTAMP_MS)'),
  format_datetime: formatted(jodaToStrftime, 'strftime($1, $3)'),
  parse_datetime: formatted(jodaToStrftime, 'CAST(strptime($1, $3) AS TIMESTAMPTZ)'),
  from_iso8601_timestamp: template('CAST($1 AS TIMESTAMPTZ)', 1),
  from_iso8601_date: template('CAST($1 AS DATE)', 1),
  to_iso8601: template(
    "CASE typeof($1) WHEN 'DATE' THEN strftime($1, '%Y-%m-%d') WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime($1, '%Y-%m-%dT%H:%M:%S.%gZ') ELSE strftime($1, '%Y-%m-%dT%H:%M:%S.%g') END",
    1,
  ),
  year: field('year'),
  quarter: field('quarter'),
  month: field('month'),
  week: field('week'),
  week_of_year: field('week'),
  day: field('day'),
  day_of_month: field('day'),
  day_of_week: field('isodow'),
  dow: field('isodow'),
  day_of_year: field('doy'),
  doy: field('doy'),
  year_of_week: field('isoyear'),
  yow: field('isoyear'),
  hour: field('hour'),
  minute: field('minute'),
  second: field('second'),
  millisecond: template('millisecond($1) % 1000', 1),
  to_milliseconds: template('CAST(epoch($1) * 1000 AS BIGINT)', 1),
  current_date: SAME,
  localtimestamp: SAME,
  from_unixtime_nanos: template('make_timestamptz(CAST($1 / 1000 AS BIGINT))', 1),
  to_unixtime_millis: renamed('epoch_ms', 1),
};
