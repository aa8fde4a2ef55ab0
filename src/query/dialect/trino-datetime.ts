/*
 * Trino's date and time functions on DuckDB. The session time zone is UTC, as Athena's is.
 *
 * Trino's `timestamp with time zone` made by AT TIME ZONE, at_timezone, with_timezone or from_unixtime with a
 * zone is, here, the wall-clock time in that zone (a DuckDB TIMESTAMP) together with the zone, known to the
 * translator: so hour(), date(), date_trunc(), date_format() and CAST(... AS timestamp) of it give Trino's
 * answers, to_unixtime() turns it back into the instant, and selected as a column it is printed as Athena
 * prints one (`2024-01-01 01:04:00.000 America/Vancouver`).
 */
import { isNode, QueryRejected } from '../sandbox-tree.js';
import { jodaToStrftime, mysqlToStrftime } from './datetime-formats.js';
import {
  type Call,
  checkArity,
  constantOf,
  constantString,
  type Rule,
  type RuleTable,
  renamed,
  SAME,
  stringConstant,
  type Translation,
  template,
  unexpectedType,
} from './rules.js';
import { canonicalZone, TemplateBuilder } from './zones.js';

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
};

/**
 * timezone_hour / timezone_minute of a zoned value: its offset from UTC at that instant, its wall-clock time
 * less its instant, in hours and the minutes beyond them (both negative west of UTC). The zone of a value is
 * known to the translator (see the top of this file); a timestamp literal without one is in the session zone,
 * UTC.
 */
function zoneField(call: Call, index: number, field: string): Translation {
  if (!call.zoneOf(index)) {
    // Only a literal shows that a value has no zone: one passed through coalesce, CASE or VALUES may have lost
    // the zone the translator knew, and 0 would be a different answer.
    const arg = call.args[index];
    const literal =
      arg?.class === 'CONSTANT' ||
      (arg?.class === 'CAST' && isNode(arg.child) && arg.child.class === 'CONSTANT');
    if (!literal)
      throw new QueryRejected(
        `NOT_SUPPORTED: ${field} of a value whose time zone is not known here (write AT TIME ZONE or with_timezone in the call).`,
      );
    return `CASE WHEN typeof($${index + 1}) LIKE 'TIMESTAMP%' THEN CAST(0 AS BIGINT) ELSE ${unexpectedType(field, `$${index + 1}`)} END`;
  }
  const b = new TemplateBuilder(call);
  const minutes = `CAST(round((epoch($${index + 1}) - epoch(${b.instantOfArgument(index)})) / 60) AS BIGINT)`;
  const hours = `CAST(trunc(${minutes} / 60.0) AS BIGINT)`;
  return b.done(field === 'timezone_hour' ? hours : `${minutes} - 60 * ${hours}`);
}

const ZONE_FIELDS = new Set(['timezone_hour', 'timezone_minute']);

/** EXTRACT(field FROM x), which DuckDB's parser writes as main.date_part('field', x). */
export const EXTRACT: Rule = (call) => {
  checkArity(call, 2);
  const field = constantString(call, 0, 'field').toLowerCase();
  if (ZONE_FIELDS.has(field)) return zoneField(call, 1, field);
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
  return inZone(call, 1, 0);
};

/** The instant of argument `value` shown in the zone of argument `zone`. */
function inZone(call: Call, value: number, zone: number): Translation {
  const b = new TemplateBuilder(call);
  return b.done(b.local(b.instantOfArgument(value), { arg: zone }), { arg: zone });
}

/** A rule whose answer is in the zone of argument `index` when that argument is a zoned wall-clock time. */
function keepingZone(index: number, sql: (call: Call) => string): Rule {
  return (call) => {
    const b = new TemplateBuilder(call);
    const zone = call.zoneOf(index);
    return b.done(sql(call), zone ? { tree: zone } : undefined);
  };
}

/**
 * `sql` on a date argument `$index` (given as a date expression), `general` on any other type. DuckDB's
 * date_trunc and date arithmetic go through timestamps and intervals; on a date, whole days in integer
 * arithmetic are three to four times quicker. typeof is folded when the query is planned, so only one branch
 * runs; the other is cast so that both bind and have the argument's type (a time, whose Trino fields have no
 * days, fails to bind, as Trino fails).
 */
function onDateOr(index: number, sql: (date: string) => string, general: string): string {
  const date = `cast_to_type($${index}, DATE '1970-01-01')`;
  return `CASE WHEN typeof($${index}) = 'DATE' THEN cast_to_type(${sql(date)}, $${index}) ELSE ${general} END`;
}

/** date_trunc of a date in whole days: the first day of its ISO week, month, quarter or year. */
const DATE_TRUNC_OF_DATE: Readonly<Record<string, (date: string) => string>> = {
  day: (d) => d,
  week: (d) => `${d} - CAST(isodow(${d}) - 1 AS INTEGER)`,
  month: (d) => `${d} - CAST(day(${d}) - 1 AS INTEGER)`,
  quarter: (d) => `make_date(year(${d}), (quarter(${d}) - 1) * 3 + 1, 1)`,
  year: (d) => `${d} - CAST(dayofyear(${d}) - 1 AS INTEGER)`,
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
  const b = new TemplateBuilder(call);
  return b.done(`epoch(${b.instantOfArgument(0)})`);
};

const fromUnixtime: Rule = (call) => {
  checkArity(call, [1, 2]);
  if (call.args.length === 1) return 'to_timestamp($1)';
  const b = new TemplateBuilder(call);
  return b.done(b.local('to_timestamp($1)', { arg: 1 }), { arg: 1 });
};

/** ISO 8601 text of a date, a timestamp, or a zoned time (with its offset; `Z` for UTC). */
const toIso8601: Rule = (call) => {
  checkArity(call, 1);
  const zone = call.zoneOf(0);
  const plain =
    "CASE typeof($1) WHEN 'DATE' THEN strftime($1, '%Y-%m-%d') WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime($1, '%Y-%m-%dT%H:%M:%S.%gZ') ELSE strftime($1, '%Y-%m-%dT%H:%M:%S.%g') END";
  if (!zone) return plain;
  const b = new TemplateBuilder(call);
  const minutes = `CAST((epoch(CAST($1 AS TIMESTAMP)) - epoch(${b.instantOfArgument(0)})) / 60 AS INTEGER)`;
  const offset = `CASE WHEN ${minutes} = 0 THEN 'Z' ELSE printf('%s%02d:%02d', CASE WHEN ${minutes} < 0 THEN '-' ELSE '+' END, CAST(abs(${minutes}) / 60 AS INTEGER), CAST(abs(${minutes}) % 60 AS INTEGER)) END`;
  return b.done(`strftime($1, '%Y-%m-%dT%H:%M:%S.%g') || ${offset}`);
};

/** from_iso8601_timestamp: a literal keeps the zone it names (UTC when none); other text gives the instant. */
const fromIso8601Timestamp: Rule = (call) => {
  checkArity(call, 1);
  const constant = constantOf(call.args[0]);
  if (typeof constant?.value !== 'string') return 'CAST($1 AS TIMESTAMPTZ)';
  const match =
    /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?))?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      constant.value.trim(),
    );
  if (!match)
    throw new QueryRejected(`INVALID_FUNCTION_ARGUMENT: Invalid format: "${constant.value.slice(0, 100)}"`);
  const time = (match[2] ?? '00:00:00').split(':');
  const local = `${match[1]} ${[time[0], time[1] ?? '00', time[2] ?? '00'].join(':')}`;
  const zone = canonicalZone(
    match[3] === undefined ? 'UTC' : match[3].length === 3 ? `${match[3]}:00` : match[3],
  );
  const b = new TemplateBuilder(call);
  return b.done(`CAST(${b.add(stringConstant(local))} AS TIMESTAMP_MS)`, { tree: stringConstant(zone) });
};

/** One unit of human_readable_seconds: `1 hour`, `2 hours`, or nothing for none. */
const humanUnit = (count: string, unit: string) =>
  `CASE WHEN ${count} = 0 THEN NULL WHEN ${count} = 1 THEN '1 ${unit}' ELSE CAST(${count} AS VARCHAR) || ' ${unit}s' END`;
const WHOLE_SECONDS = 'CAST($1 AS BIGINT)';

/**
 * human_readable_seconds of a whole, non-negative number of seconds, as Trino's documentation shows it
 * (`93 weeks, 1 day, 8 hours, 31 minutes, 3 seconds`). Fractions and negative numbers are refused: how Trino
 * rounds them is not documented.
 */
const humanReadableSeconds = template(
  `CASE WHEN $1 IS NULL THEN NULL WHEN isnan(CAST($1 AS DOUBLE)) OR isinf(CAST($1 AS DOUBLE)) OR $1 < 0 OR $1 <> floor($1) THEN error('NOT_SUPPORTED: human_readable_seconds of a negative, fractional or infinite number is not supported here') WHEN $1 = 0 THEN '0 seconds' ELSE array_to_string(list_filter([${[
    humanUnit(`${WHOLE_SECONDS} // 604800`, 'week'),
    humanUnit(`${WHOLE_SECONDS} % 604800 // 86400`, 'day'),
    humanUnit(`${WHOLE_SECONDS} % 86400 // 3600`, 'hour'),
    humanUnit(`${WHOLE_SECONDS} % 3600 // 60`, 'minute'),
    humanUnit(`${WHOLE_SECONDS} % 60`, 'second'),
  ].join(', ')}], __h_p -> __h_p IS NOT NULL), ', ') END`,
  1,
);

/** Milliseconds per unit of a duration string, as airlift's Duration computes them (a double each). */
const DURATION_UNITS: Readonly<Record<string, string>> = {
  ns: 'CAST(1 AS DOUBLE) / 1000000',
  us: 'CAST(1 AS DOUBLE) / 1000',
  ms: 'CAST(1 AS DOUBLE)',
  s: 'CAST(1000 AS DOUBLE)',
  m: 'CAST(60000 AS DOUBLE)',
  h: 'CAST(3600000 AS DOUBLE)',
  d: 'CAST(86400000 AS DOUBLE)',
};
const NOT_A_DURATION =
  "error('INVALID_FUNCTION_ARGUMENT: duration is not a valid data duration string: ' || $1)";

/**
 * parse_duration('3.81 d'): a decimal number and a unit (ns, us, ms, s, m, h, d), spaces around either, as
 * an interval of whole milliseconds rounded half up (airlift's Duration.toMillis).
 */
const parseDuration = template(
  `CASE WHEN NOT regexp_full_match($1, '\\s*\\d+(\\.\\d+)?\\s*[a-zA-Z]+\\s*') THEN ${NOT_A_DURATION} ELSE list_transform([{'v': CAST(regexp_extract($1, '^\\s*(\\d+(\\.\\d+)?)', 1) AS DOUBLE), 'u': regexp_extract($1, '([a-zA-Z]+)\\s*$', 1)}], __d_p -> to_milliseconds(CAST(floor(__d_p.v * CASE __d_p.u ${Object.entries(
    DURATION_UNITS,
  )
    .map(([unit, millis]) => `WHEN '${unit}' THEN ${millis}`)
    .join(' ')} ELSE ${NOT_A_DURATION} END + 0.5) AS BIGINT)))[1] END`,
  1,
);

/** The year of an ISO date string, and the Monday of its ISO week 1 (the week that holds January 4). */
const ISO_YEAR = 'CAST(substr($1, 1, 4) AS INTEGER)';
const WEEK_ONE = `make_date(${ISO_YEAR}, 1, 4) - CAST(isodow(make_date(${ISO_YEAR}, 1, 4)) - 1 AS INTEGER)`;
const NOT_ISO_DATE = `error('INVALID_FUNCTION_ARGUMENT: Invalid format: "' || $1 || '"')`;

/**
 * from_iso8601_date: what Joda's ISO date element parser reads, a calendar date (`2020`, `2020-05`,
 * `2020-05-10`), an ordinal date (`2020-123`) or a week date (`2020-W10`, `2020-W10-5`); a field out of
 * its range fails.
 */
const FROM_ISO8601_DATE = `CASE WHEN $1 IS NULL THEN NULL
  WHEN regexp_full_match($1, '\\d{4}-W\\d{2}(-\\d)?') THEN CASE
    WHEN CAST(substr($1, 7, 2) AS INTEGER) NOT BETWEEN 1 AND week(make_date(${ISO_YEAR}, 12, 28)) OR coalesce(CAST(nullif(substr($1, 10, 1), '') AS INTEGER), 1) NOT BETWEEN 1 AND 7 THEN ${NOT_ISO_DATE}
    ELSE ${WEEK_ONE} + CAST((CAST(substr($1, 7, 2) AS INTEGER) - 1) * 7 + coalesce(CAST(nullif(substr($1, 10, 1), '') AS INTEGER), 1) - 1 AS INTEGER) END
  WHEN regexp_full_match($1, '\\d{4}-\\d{3}') THEN CASE
    WHEN CAST(substr($1, 6, 3) AS INTEGER) NOT BETWEEN 1 AND dayofyear(make_date(${ISO_YEAR}, 12, 31)) THEN ${NOT_ISO_DATE}
    ELSE make_date(${ISO_YEAR}, 1, 1) + CAST(CAST(substr($1, 6, 3) AS INTEGER) - 1 AS INTEGER) END
  WHEN regexp_full_match($1, '\\d{4}(-\\d{2}(-\\d{2})?)?') THEN CAST(substr($1, 1, 4) || '-' || coalesce(nullif(substr($1, 6, 2), ''), '01') || '-' || coalesce(nullif(substr($1, 9, 2), ''), '01') AS DATE)
  ELSE ${NOT_ISO_DATE} END`;

export const DATETIME_FUNCTIONS: RuleTable = {
  ...Object.fromEntries(
    [...ZONE_FIELDS].map((field): [string, Rule] => [
      field,
      (call) => {
        checkArity(call, 1);
        return zoneField(call, 0, field);
      },
    ]),
  ),
  parse_duration: parseDuration,
  human_readable_seconds: humanReadableSeconds,
  at_timezone: (call) => {
    checkArity(call, 2);
    return inZone(call, 0, 1);
  },
  with_timezone: (call) => {
    checkArity(call, 2);
    return new TemplateBuilder(call).done('CAST($1 AS TIMESTAMP)', { arg: 1 });
  },
  from_unixtime: fromUnixtime,
  to_unixtime: toUnixtime,
  current_timezone: template("'UTC'", 0),
  now: template('current_timestamp', 0),
  date: template('CAST($1 AS DATE)', 1),
  last_day_of_month: template('last_day($1)', 1),
  date_trunc: keepingZone(1, (call) => {
    checkArity(call, 2);
    const which = unit(call, 0);
    const onDate = DATE_TRUNC_OF_DATE[which];
    const general = `cast_to_type(date_trunc('${which}', $2), $2)`;
    return onDate ? onDateOr(2, onDate, general) : general;
  }),
  date_add: keepingZone(2, (call) => {
    checkArity(call, 3);
    const which = unit(call, 0);
    const general = `cast_to_type($3 + CAST($2 AS BIGINT) * INTERVAL 1 ${which.toUpperCase()}, $3)`;
    if (which !== 'day' && which !== 'week') return general;
    const days = which === 'week' ? 'CAST($2 AS BIGINT) * 7' : '$2';
    return onDateOr(3, (d) => `${d} + CAST(${days} AS INTEGER)`, general);
  }),
  date_diff: (call) => {
    checkArity(call, 3);
    // DuckDB's date_sub counts whole units elapsed, as Trino's date_diff does (date_diff counts boundaries).
    const b = new TemplateBuilder(call);
    const which = b.add(stringConstant(unit(call, 0)));
    if (!call.zoneOf(1) && !call.zoneOf(2)) return b.done(`date_sub(${which}, $2, $3)`);
    // Zoned times: the units elapsed between their instants.
    return b.done(`date_sub(${which}, ${b.instantOfArgument(1)}, ${b.instantOfArgument(2)})`);
  },
  date_format: formatted(mysqlToStrftime, 'strftime($1, $3)'),
  date_parse: formatted(mysqlToStrftime, 'CAST(strptime($1, $3) AS TIMESTAMP_MS)'),
  format_datetime: formatted(jodaToStrftime, 'strftime($1, $3)'),
  // A parsed zone (Z, z) would be turned into UTC where Trino keeps it: refused.
  parse_datetime: formatted((pattern) => {
    if (/[Zz]/.test(pattern.replace(/'[^']*'/g, '')))
      throw new QueryRejected(
        'NOT_SUPPORTED: parse_datetime with a time zone in its pattern (Z, z) is not supported.',
      );
    return jodaToStrftime(pattern);
  }, 'CAST(strptime($1, $3) AS TIMESTAMPTZ)'),
  from_iso8601_timestamp: fromIso8601Timestamp,
  from_iso8601_date: template(FROM_ISO8601_DATE, 1),
  to_iso8601: toIso8601,
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
