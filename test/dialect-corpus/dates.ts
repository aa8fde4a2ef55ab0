import { col0, type DocumentedCase } from './corpus-case.js';

const OPERATORS = 'Trino docs functions/datetime: date and time operators';

/** Dates, times, time zones and intervals. Athena's session time zone is UTC. */
export const dateCases: DocumentedCase[] = [
  { sql: "SELECT date '2012-08-08' + interval '2' day", expected: col0('2012-08-10'), source: OPERATORS },
  { sql: "SELECT time '01:00' + interval '3' hour", expected: col0('04:00:00.000'), source: OPERATORS },
  {
    sql: "SELECT timestamp '2012-08-08 01:00' + interval '29' hour",
    expected: col0('2012-08-09 06:00:00.000'),
    source: OPERATORS,
  },
  {
    sql: "SELECT timestamp '2012-10-31 01:00' + interval '1' month",
    expected: col0('2012-11-30 01:00:00.000'),
    source: OPERATORS,
  },
  { sql: "SELECT interval '2' day + interval '3' hour", expected: col0('2 03:00:00.000'), source: OPERATORS },
  { sql: "SELECT interval '3' year + interval '5' month", expected: col0('3-5'), source: OPERATORS },
  { sql: "SELECT date '2012-08-08' - interval '2' day", expected: col0('2012-08-06'), source: OPERATORS },
  { sql: "SELECT time '01:00' - interval '3' hour", expected: col0('22:00:00.000'), source: OPERATORS },
  {
    sql: "SELECT timestamp '2012-08-08 01:00' - interval '29' hour",
    expected: col0('2012-08-06 20:00:00.000'),
    source: OPERATORS,
  },
  {
    sql: "SELECT timestamp '2012-10-31 01:00' - interval '1' month",
    expected: col0('2012-09-30 01:00:00.000'),
    source: OPERATORS,
  },
  { sql: "SELECT interval '2' day - interval '3' hour", expected: col0('1 21:00:00.000'), source: OPERATORS },
  { sql: "SELECT interval '3' year - interval '5' month", expected: col0('2-7'), source: OPERATORS },
  {
    sql: "SELECT DATE '2024-01-31' + INTERVAL '1' MONTH",
    expected: col0('2024-02-29'),
    source: 'Trino docs functions/datetime: date + interval is a date; months clamp to the end of the month',
  },
  {
    sql: "SELECT timestamp '2012-10-31 01:00 UTC'",
    expected: col0('2012-10-31 01:00:00.000 UTC'),
    source: 'Trino docs functions/datetime: time zone conversion',
  },
  {
    sql: "SELECT timestamp '2012-10-31 01:00 UTC' AT TIME ZONE 'America/Los_Angeles'",
    expected: col0('2012-10-30 18:00:00.000 America/Los_Angeles'),
    source: 'Trino docs functions/datetime: AT TIME ZONE operator',
  },
  {
    sql: "SELECT TIMESTAMP '2024-01-05 09:04:00' AT TIME ZONE 'America/Vancouver' AS local_time",
    expected: [['local_time'], ['2024-01-05 01:04:00.000 America/Vancouver']],
    source:
      'Issue 8 / Athena: a naive timestamp is read in the session zone (UTC), then shown in the target zone',
  },
  {
    sql: "SELECT hour(TIMESTAMP '2024-01-05 09:04:00' AT TIME ZONE 'America/Vancouver')",
    expected: col0('1'),
    source: 'Trino docs functions/datetime: AT TIME ZONE; hour() of a zoned value uses its own zone',
  },
  {
    sql: "SELECT TIMESTAMP '2024-01-01 12:00:00 UTC' AT TIME ZONE '+05:30'",
    expected: col0('2024-01-01 17:30:00.000 +05:30'),
    source: 'Trino docs language/types: timestamp with time zone, fixed offset zones',
  },
  {
    sql: "SELECT hour(TIMESTAMP '2024-01-01 00:00 America/New_York')",
    expected: col0('0'),
    source: 'Trino docs functions/datetime: hour() of a timestamp with time zone, in its own zone',
  },
  {
    sql: "SELECT date_trunc('hour', TIMESTAMP '2024-01-01 03:30 Asia/Kolkata')",
    expected: col0('2024-01-01 03:00:00.000 Asia/Kolkata'),
    source: 'Trino docs functions/datetime: date_trunc keeps the value type and its zone',
  },
  {
    sql: "SELECT CAST(TIMESTAMP '2024-01-07 23:30 America/New_York' AS DATE)",
    expected: col0('2024-01-07'),
    source: 'Trino docs language/types: casting a zoned timestamp to date uses its own zone',
  },
  {
    sql: "SELECT from_iso8601_timestamp('2020-05-11T11:15:05.055+01:00')",
    expected: col0('2020-05-11 11:15:05.055 +01:00'),
    source: 'Trino docs functions/datetime: from_iso8601_timestamp',
  },
  {
    sql: "SELECT from_iso8601_timestamp('2020-05-11')",
    expected: col0('2020-05-11 00:00:00.000 UTC'),
    source: 'Trino docs functions/datetime: from_iso8601_timestamp (zone defaults to the session zone, UTC)',
  },
  {
    sql: "SELECT from_iso8601_timestamp('2020-05-11T11:15:05Z')",
    expected: col0('2020-05-11 11:15:05.000 UTC'),
    source: 'Trino docs functions/datetime: from_iso8601_timestamp',
  },
  {
    sql: "SELECT from_iso8601_date('2020-05-11')",
    expected: col0('2020-05-11'),
    source: 'Trino docs functions/datetime: from_iso8601_date',
  },
  {
    sql: "SELECT from_iso8601_date('2020-W10')",
    expected: col0('2020-03-02'),
    source: 'Trino docs functions/datetime: from_iso8601_date (ISO week date)',
  },
  {
    sql: "SELECT from_iso8601_date('2020-123')",
    expected: col0('2020-05-02'),
    source: 'Trino docs functions/datetime: from_iso8601_date (ordinal date)',
  },
  {
    sql: "SELECT from_iso8601_date('2020-W10-5'), from_iso8601_date('2015-W01'), from_iso8601_date('2020-W53'), from_iso8601_date('2020-366'), from_iso8601_date('2020'), from_iso8601_date('2020-05')",
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4', '_col5'],
      ['2020-03-06', '2014-12-29', '2020-12-28', '2020-12-31', '2020-01-01', '2020-05-01'],
    ],
    source:
      "Joda's ISO date element parser, which from_iso8601_date uses: week dates with a day, week 1 in the year before, week 53, ordinal day 366, a year, a month",
  },
  {
    sql: "SELECT from_iso8601_date('2021-W53')",
    refused: /Invalid format: "2021-W53"/,
    source: 'Joda: 2021 has 52 ISO weeks',
  },
  {
    sql: "SELECT from_iso8601_date('2021-366')",
    refused: /Invalid format: "2021-366"/,
    source: 'Joda: 2021 has 365 days',
  },
  {
    sql: "SELECT from_iso8601_date('2020-05-11T10:00')",
    refused: /Invalid format: "2020-05-11T10:00"/,
    source: 'Trino docs functions/datetime: from_iso8601_date takes a date, not a timestamp',
  },
  {
    sql: "SELECT at_timezone(TIMESTAMP '2022-11-01 09:08:07.321', 'America/Los_Angeles')",
    expected: col0('2022-11-01 02:08:07.321 America/Los_Angeles'),
    source: 'Trino docs functions/datetime: at_timezone (doc example with the session zone UTC, PDT = UTC-7)',
  },
  {
    sql: "SELECT with_timezone(TIMESTAMP '2022-11-01 09:08:07.321', 'America/Los_Angeles')",
    expected: col0('2022-11-01 09:08:07.321 America/Los_Angeles'),
    source: 'Trino docs functions/datetime: with_timezone',
  },
  {
    sql: 'SELECT from_unixtime(0)',
    expected: col0('1970-01-01 00:00:00.000 UTC'),
    source: 'Trino docs functions/datetime: from_unixtime returns timestamp(3) with time zone',
  },
  {
    sql: "SELECT from_unixtime(0, 'America/New_York')",
    expected: col0('1969-12-31 19:00:00.000 America/New_York'),
    source: 'Trino docs functions/datetime: from_unixtime(unixtime, zone)',
  },
  {
    sql: 'SELECT from_unixtime(1700000000)',
    expected: col0('2023-11-14 22:13:20.000 UTC'),
    source: 'Trino docs functions/datetime: from_unixtime',
  },
  {
    sql: "SELECT CAST(to_unixtime(TIMESTAMP '2020-03-01 00:00:00 UTC') AS BIGINT)",
    expected: col0('1583020800'),
    source: 'Trino docs functions/datetime: to_unixtime',
  },
  {
    sql: "SELECT to_unixtime(TIMESTAMP '1970-01-01 00:00:01.500 UTC')",
    expected: col0('1.5'),
    source: 'Trino docs functions/datetime: to_unixtime returns double',
  },
  {
    sql: "SELECT to_iso8601(TIMESTAMP '2024-01-07 09:05:03.123')",
    expected: col0('2024-01-07T09:05:03.123'),
    source: 'Trino docs functions/datetime: to_iso8601 (timestamp)',
  },
  {
    sql: "SELECT to_iso8601(TIMESTAMP '2024-01-07 09:05:03.123 UTC')",
    expected: col0('2024-01-07T09:05:03.123Z'),
    source: 'Athena docs: to_iso8601 of a UTC timestamp with time zone ends in Z',
  },
  {
    sql: "SELECT to_iso8601(DATE '2024-01-07')",
    expected: col0('2024-01-07'),
    source: 'Trino docs functions/datetime: to_iso8601 (date)',
  },
];
