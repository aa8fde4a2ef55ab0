import { col0, type DocumentedCase } from './corpus-case.js';

const TRUNC = 'Trino docs functions/datetime: date_trunc units table (input 2001-08-22 03:04:05.321)';
const MYSQL = 'Trino docs functions/datetime: MySQL date functions, format specifiers table';
const JODA = 'Trino docs functions/datetime: Java date functions (Joda-Time DateTimeFormat patterns)';

/** Date and time functions: truncation, arithmetic, formatting and parsing, extraction, sequences. */
export const dateFunctionCases: DocumentedCase[] = [
  {
    sql: 'SELECT human_readable_seconds(96), human_readable_seconds(3762), human_readable_seconds(56363463), human_readable_seconds(0), human_readable_seconds(86400)',
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4'],
      [
        '1 minute, 36 seconds',
        '1 hour, 2 minutes, 42 seconds',
        '93 weeks, 1 day, 8 hours, 31 minutes, 3 seconds',
        '0 seconds',
        '1 day',
      ],
    ],
    source: 'Trino docs functions/datetime: human_readable_seconds',
  },
  {
    sql: 'SELECT human_readable_seconds(1.5)',
    refused: /NOT_SUPPORTED: human_readable_seconds of a negative, fractional or infinite number/,
    source: 'Seawall: how Trino rounds a fraction is not documented',
  },
  ...(
    [
      ['millisecond', '2001-08-22 03:04:05.321'],
      ['second', '2001-08-22 03:04:05.000'],
      ['minute', '2001-08-22 03:04:00.000'],
      ['hour', '2001-08-22 03:00:00.000'],
      ['day', '2001-08-22 00:00:00.000'],
      ['week', '2001-08-20 00:00:00.000'],
      ['month', '2001-08-01 00:00:00.000'],
      ['quarter', '2001-07-01 00:00:00.000'],
      ['year', '2001-01-01 00:00:00.000'],
    ] as const
  ).map(([unit, value]) => ({
    sql: `SELECT date_trunc('${unit}', TIMESTAMP '2001-08-22 03:04:05.321')`,
    expected: col0(value),
    source: TRUNC,
  })),
  {
    sql: "SELECT date_trunc('month', DATE '2024-02-29')",
    expected: col0('2024-02-01'),
    source: 'Trino docs functions/datetime: date_trunc returns the same type as its input',
  },
  {
    sql: "SELECT date_trunc('day', d), date_trunc('week', d), date_trunc('month', d), date_trunc('quarter', d), date_trunc('year', d), typeof(date_trunc('week', d)), date_trunc('week', DATE '2024-03-04'), date_trunc('month', CAST(NULL AS DATE)) FROM (VALUES DATE '2024-08-18') AS t(d)",
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4', '_col5', '_col6', '_col7'],
      ['2024-08-18', '2024-08-12', '2024-08-01', '2024-07-01', '2024-01-01', 'date', '2024-03-04', null],
    ],
    source: 'Trino docs functions/datetime: date_trunc of a date is a date, weeks start on Monday',
  },
  {
    sql: "SELECT date_trunc('week', TIMESTAMP '2024-08-18 13:14:15.678'), date_trunc('quarter', TIMESTAMP '2024-08-18 13:14:15'), date_trunc('hour', TIMESTAMP '2024-08-18 13:14:15')",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['2024-08-12 00:00:00.000', '2024-07-01 00:00:00.000', '2024-08-18 13:00:00.000'],
    ],
    source: 'Trino docs functions/datetime: date_trunc of a timestamp',
  },
  {
    sql: "SELECT date_add('second', 86, TIMESTAMP '2020-03-01 00:00:00')",
    expected: col0('2020-03-01 00:01:26.000'),
    source: 'Trino docs functions/datetime: date_add',
  },
  {
    sql: "SELECT date_add('hour', 9, TIMESTAMP '2020-03-01 00:00:00')",
    expected: col0('2020-03-01 09:00:00.000'),
    source: 'Trino docs functions/datetime: date_add',
  },
  {
    sql: "SELECT date_add('day', -1, TIMESTAMP '2020-03-01 00:00:00 UTC')",
    expected: col0('2020-02-29 00:00:00.000 UTC'),
    source: 'Trino docs functions/datetime: date_add',
  },
  {
    sql: "SELECT date_add('day', 1, DATE '2024-01-31')",
    expected: col0('2024-02-01'),
    source: 'Trino docs functions/datetime: date_add returns the same type as its input',
  },
  {
    sql: "SELECT date_add('week', 2, DATE '2024-02-20'), date_add('day', -366, DATE '2024-12-31'), date_add('day', 1, CAST(NULL AS DATE)), typeof(date_add('week', 1, DATE '2024-01-01')), date_add('week', 1, TIMESTAMP '2024-02-26 10:00:00')",
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4'],
      ['2024-03-05', '2023-12-31', null, 'date', '2024-03-04 10:00:00.000'],
    ],
    source: 'Trino docs functions/datetime: date_add in days and weeks keeps a date a date',
  },
  {
    sql: "SELECT date_add('month', 1, DATE '2024-01-31')",
    expected: col0('2024-02-29'),
    source: 'Trino docs functions/datetime: date_add; Joda-Time clamps to the end of the month',
  },
  {
    sql: "SELECT date_diff('second', TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00')",
    expected: col0('86400'),
    source: 'Trino docs functions/datetime: date_diff',
  },
  {
    sql: "SELECT date_diff('hour', TIMESTAMP '2020-03-01 00:00:00 UTC', TIMESTAMP '2020-03-02 00:00:00 UTC')",
    expected: col0('24'),
    source: 'Trino docs functions/datetime: date_diff',
  },
  {
    sql: "SELECT date_diff('day', DATE '2020-03-01', DATE '2020-03-02')",
    expected: col0('1'),
    source: 'Trino docs functions/datetime: date_diff',
  },
  {
    sql: "SELECT date_diff('day', DATE '2024-03-01', DATE '2024-02-01')",
    expected: col0('-29'),
    source: 'Trino docs functions/datetime: date_diff returns timestamp2 - timestamp1',
  },
  {
    sql: "SELECT date_diff('year', DATE '2023-12-31', DATE '2024-01-01')",
    expected: col0('0'),
    source: 'Trino source DateTimeFunctions.diffDate: Joda counts complete units, not boundaries',
  },
  {
    sql: "SELECT date_diff('hour', TIMESTAMP '2024-01-01 00:59:00', TIMESTAMP '2024-01-01 01:00:00')",
    expected: col0('0'),
    source: 'Trino source DateTimeFunctions.diffTimestamp: Joda counts complete units, not boundaries',
  },
  {
    sql: "SELECT date_diff('month', DATE '2024-01-31', DATE '2024-02-29')",
    expected: col0('1'),
    source: 'Joda-Time BasicMonthOfYearDateTimeField.getDifferenceAsLong: the end of a shorter month counts',
  },
  {
    sql: "SELECT date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')",
    expected: col0('10-20-2022 05'),
    source: 'Trino docs functions/datetime: date_format',
  },
  {
    sql: "SELECT date_format(TIMESTAMP '2024-01-07 09:05:03.123', '%W %M %e %Y %i:%s %p')",
    expected: col0('Sunday January 7 2024 05:03 AM'),
    source: MYSQL,
  },
  {
    sql: "SELECT date_format(TIMESTAMP '2024-01-07 21:05:03', '%h %l %k %r %T %j %a %b %c %y')",
    expected: col0('09 9 21 09:05:03 PM 21:05:03 007 Sun Jan 1 24'),
    source: MYSQL,
  },
  {
    sql: "SELECT date_format(TIMESTAMP '2024-01-07 09:05:03.123', '%f')",
    expected: col0('123000'),
    source: `${MYSQL} (%f prints 6 digits, truncated to milliseconds)`,
  },
  {
    sql: "SELECT date_parse('2022/10/20/05', '%Y/%m/%d/%H')",
    expected: col0('2022-10-20 05:00:00.000'),
    source: 'Trino docs functions/datetime: date_parse',
  },
  {
    sql: "SELECT date_parse('07/01/2024 9:05 PM', '%d/%m/%Y %l:%i %p')",
    expected: col0('2024-01-07 21:05:00.000'),
    source: MYSQL,
  },
  {
    sql: "SELECT format_datetime(TIMESTAMP '2024-01-07 09:05:03.123', 'yyyy-MM-dd HH:mm:ss.SSS')",
    expected: col0('2024-01-07 09:05:03.123'),
    source: JODA,
  },
  {
    sql: "SELECT format_datetime(TIMESTAMP '2024-01-07 09:05:03', 'EEEE, MMMM d, yyyy')",
    expected: col0('Sunday, January 7, 2024'),
    source: JODA,
  },
  {
    sql: "SELECT format_datetime(TIMESTAMP '2024-01-07 21:05:03', 'E MMM dd hh:mm a')",
    expected: col0('Sun Jan 07 09:05 PM'),
    source: JODA,
  },
  {
    sql: "SELECT parse_datetime('2024-01-07 09:05', 'yyyy-MM-dd HH:mm')",
    expected: col0('2024-01-07 09:05:00.000 UTC'),
    source: `${JODA}; parse_datetime returns timestamp with time zone, in the session zone`,
  },
  {
    sql: "SELECT parse_datetime('2024-01-07 09:05 -0800', 'yyyy-MM-dd HH:mm Z')",
    seawallRefuses: /NOT_SUPPORTED: parse_datetime with a time zone/,
    expected: col0('2024-01-07 09:05:00.000 -08:00'),
    source: `${JODA}; the parsed offset is kept`,
  },
  {
    sql: "SELECT extract(YEAR FROM TIMESTAMP '2022-10-20 05:10:00')",
    expected: col0('2022'),
    source: 'Trino docs functions/datetime: extract',
  },
  {
    sql: "SELECT day_of_week(DATE '2024-01-07'), dow(DATE '2024-01-08'), extract(DOW FROM DATE '2024-01-07')",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['7', '1', '7'],
    ],
    source: 'Trino docs functions/datetime: day_of_week is ISO (1 = Monday .. 7 = Sunday)',
  },
  {
    sql: "SELECT day_of_year(DATE '2024-12-31'), doy(DATE '2024-02-01')",
    expected: [
      ['_col0', '_col1'],
      ['366', '32'],
    ],
    source: 'Trino docs functions/datetime: day_of_year',
  },
  {
    sql: "SELECT week_of_year(DATE '2024-12-30'), year_of_week(DATE '2024-12-30'), week(DATE '2021-01-03'), yow(DATE '2021-01-03')",
    expected: [
      ['_col0', '_col1', '_col2', '_col3'],
      ['1', '2025', '53', '2020'],
    ],
    source: 'Trino docs functions/datetime: week and year_of_week are ISO weeks',
  },
  {
    sql: "SELECT last_day_of_month(DATE '2024-02-10')",
    expected: col0('2024-02-29'),
    source: 'Trino docs functions/datetime: last_day_of_month',
  },
  {
    sql: "SELECT quarter(DATE '2024-08-15'), month(DATE '2024-08-15'), day(DATE '2024-08-15')",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['3', '8', '15'],
    ],
    source: 'Trino docs functions/datetime: convenience extraction functions',
  },
  {
    sql: "SELECT millisecond(TIMESTAMP '2024-01-07 09:05:03.123'), second(TIMESTAMP '2024-01-07 09:05:03.123')",
    expected: [
      ['_col0', '_col1'],
      ['123', '3'],
    ],
    source: 'Trino docs functions/datetime: millisecond is the millisecond of the second',
  },
  {
    sql: "SELECT hour(from_unixtime(0, 'America/New_York'))",
    expected: col0('19'),
    source: 'Trino docs functions/datetime: from_unixtime with a zone; hour() in that zone',
  },
  {
    sql: 'SELECT current_timezone()',
    expected: col0('UTC'),
    source: "Trino docs functions/datetime: current_timezone; Athena's session zone is UTC",
  },
  {
    sql: "SELECT sequence(DATE '2024-01-31', DATE '2024-04-30', INTERVAL '1' MONTH)",
    expected: col0('[2024-01-31, 2024-02-29, 2024-03-31, 2024-04-30]'),
    source: 'Trino docs functions/array: sequence of dates; Trino source SequenceFunction (start + i * step)',
  },
  {
    sql: "SELECT sequence(DATE '2024-03-01', DATE '2024-02-28')",
    expected: col0('[2024-03-01, 2024-02-29, 2024-02-28]'),
    source: 'Trino docs functions/array: sequence of dates steps by -1 day when start > stop',
  },
  {
    sql: "SELECT to_milliseconds(INTERVAL '1' DAY)",
    expected: col0('86400000'),
    source: 'Trino docs functions/datetime: to_milliseconds',
  },
  {
    sql: "SELECT parse_duration('3.81 d')",
    expected: col0('3 19:26:24.000'),
    source: 'Trino docs functions/datetime: parse_duration',
  },
  {
    sql: "SELECT parse_duration('42.8ms'), parse_duration('5m'), parse_duration(' 1.5 h ')",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['0 00:00:00.043', '0 00:05:00.000', '0 01:30:00.000'],
    ],
    source: 'Trino docs functions/datetime: parse_duration (42.8ms, 5m)',
  },
  {
    sql: "SELECT parse_duration('5 minutes')",
    refused: /not a valid data duration string: 5 minutes/,
    source: 'Trino docs functions/datetime: parse_duration units are ns, us, ms, s, m, h, d',
  },
  {
    sql: "SELECT CAST('2024-01-07T09:05:03' AS TIMESTAMP)",
    refused: /timestamp|2024-01-07T09:05:03/i,
    source: 'Trino source DateTimes: a timestamp string needs a space between date and time',
  },
  {
    sql: "SELECT date_format(DATE '2024-01-07', '%D')",
    refused: /%D|not supported/i,
    source: 'Trino docs functions/datetime: %D %U %u %V %w %X are not supported',
  },
];
