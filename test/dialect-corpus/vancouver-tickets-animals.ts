import type { OracleCase } from './corpus-case.js';

/**
 * Analyst questions over the parking tickets and lost animals samples. Each Athena query is written as an
 * analyst coming from Athena would; each oracle is plain DuckDB over the files.
 */
export const ticketAnimalCases: OracleCase[] = [
  {
    question: 'Tickets per year',
    sql: 'SELECT "year", count(*) AS tickets FROM parking_tickets GROUP BY "year" ORDER BY "year"',
    oracle: 'SELECT "Year" AS "year", count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'The ten streets with the most tickets',
    sql: 'SELECT street, count(*) AS tickets FROM parking_tickets GROUP BY street ORDER BY tickets DESC, street LIMIT 10',
    oracle:
      'SELECT Street AS street, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10',
  },
  {
    question: 'Share of tickets by status, in percent (decimal division keeps the scale of 100.0: one digit)',
    sql: 'SELECT status, round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct FROM parking_tickets GROUP BY status ORDER BY status',
    oracle:
      'SELECT Status AS status, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct FROM parking_tickets GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Tickets by ISO day of week',
    sql: 'SELECT day_of_week(entrydate) AS dow, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1',
    oracle: 'SELECT isodow(EntryDate) AS dow, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Tickets per month of 2024 (date_trunc on a date stays a date)',
    sql: "SELECT date_trunc('month', entrydate) AS month, count(*) AS tickets FROM parking_tickets WHERE entrydate >= DATE '2024-01-01' GROUP BY 1 ORDER BY 1",
    oracle:
      "SELECT CAST(date_trunc('month', EntryDate) AS DATE) AS month, count(*) AS tickets FROM parking_tickets WHERE EntryDate >= DATE '2024-01-01' GROUP BY 1 ORDER BY 1",
  },
  {
    question: 'Tickets per month label with date_format',
    sql: "SELECT date_format(entrydate, '%Y-%m') AS ym, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1",
    oracle:
      "SELECT strftime(EntryDate, '%Y-%m') AS ym, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1",
  },
  {
    question: 'The five busiest days',
    sql: 'SELECT entrydate AS day, count(*) AS tickets FROM parking_tickets GROUP BY entrydate ORDER BY tickets DESC, day LIMIT 5',
    oracle:
      'SELECT EntryDate AS day, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5',
  },
  {
    question: 'Distinct streets ticketed each year',
    sql: 'SELECT "year", count(DISTINCT street) AS streets FROM parking_tickets GROUP BY "year" ORDER BY "year"',
    oracle:
      'SELECT "Year" AS "year", count(DISTINCT Street) AS streets FROM parking_tickets GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Tickets whose infraction mentions a meter (regexp_like)',
    sql: "SELECT count_if(regexp_like(infractiontext, 'METER')) AS meter_tickets, count(*) AS tickets FROM parking_tickets",
    oracle:
      "SELECT count(*) FILTER (WHERE InfractionText LIKE '%METER%') AS meter_tickets, count(*) AS tickets FROM parking_tickets",
  },
  {
    question: 'Tickets by bylaw',
    sql: 'SELECT bylaw, count(*) AS tickets FROM parking_tickets GROUP BY bylaw ORDER BY tickets DESC, bylaw',
    oracle: 'SELECT Bylaw AS bylaw, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 2 DESC, 1',
  },
  {
    question: 'Top sections of bylaw 2952',
    sql: 'SELECT section, count(*) AS tickets FROM parking_tickets WHERE bylaw = 2952 GROUP BY section ORDER BY tickets DESC, section LIMIT 5',
    oracle:
      'SELECT Section AS section, count(*) AS tickets FROM parking_tickets WHERE Bylaw = 2952 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5',
  },
  {
    question: 'Tickets per thousand-block (integer division)',
    sql: 'SELECT block / 1000 AS thousand_block, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1',
    oracle:
      'SELECT Block // 1000 AS thousand_block, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Weekend and weekday tickets',
    sql: "SELECT if(day_of_week(entrydate) IN (6, 7), 'weekend', 'weekday') AS kind, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1",
    oracle:
      "SELECT CASE WHEN isodow(EntryDate) IN (6, 7) THEN 'weekend' ELSE 'weekday' END AS kind, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1",
  },
  {
    question: 'Tickets by street suffix (last word, element_at with -1)',
    sql: "SELECT element_at(split(street, ' '), -1) AS suffix, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY tickets DESC, suffix LIMIT 8",
    oracle:
      "SELECT string_split(Street, ' ')[-1] AS suffix, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 8",
  },
  {
    question: 'First and last ticket day and the days between them, per year',
    sql: 'SELECT "year", min(entrydate) AS first_day, max(entrydate) AS last_day, date_diff(\'day\', min(entrydate), max(entrydate)) AS span FROM parking_tickets GROUP BY "year" ORDER BY "year"',
    oracle:
      'SELECT "Year" AS "year", min(EntryDate) AS first_day, max(EntryDate) AS last_day, max(EntryDate) - min(EntryDate) AS span FROM parking_tickets GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Average tickets per ticketing day (bigint / bigint truncates)',
    sql: 'SELECT "year", count(*) / count(DISTINCT entrydate) AS per_day, round(CAST(count(*) AS DOUBLE) / count(DISTINCT entrydate), 2) AS per_day_exact FROM parking_tickets GROUP BY "year" ORDER BY "year"',
    oracle:
      'SELECT "Year" AS "year", count(*) // count(DISTINCT EntryDate) AS per_day, round(count(*) / count(DISTINCT EntryDate), 2) AS per_day_exact FROM parking_tickets GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Month-over-month change in 2023 (lag)',
    sql: 'WITH m AS (SELECT month(entrydate) AS m, count(*) AS n FROM parking_tickets WHERE "year" = 2023 GROUP BY 1) SELECT m, n, n - lag(n) OVER (ORDER BY m) AS change FROM m ORDER BY m',
    oracle:
      'WITH m AS (SELECT month(EntryDate) AS m, count(*) AS n FROM parking_tickets WHERE "Year" = 2023 GROUP BY 1) SELECT m, n, n - lag(n) OVER (ORDER BY m) AS change FROM m ORDER BY m',
  },
  {
    question: 'The top three streets of each year (row_number)',
    sql: 'SELECT "year", street, tickets FROM (SELECT "year", street, count(*) AS tickets, row_number() OVER (PARTITION BY "year" ORDER BY count(*) DESC, street) AS rn FROM parking_tickets GROUP BY "year", street) WHERE rn <= 3 ORDER BY "year", rn',
    oracle:
      'SELECT "year", street, tickets FROM (SELECT "Year" AS "year", Street AS street, count(*) AS tickets, row_number() OVER (PARTITION BY "Year" ORDER BY count(*) DESC, Street) AS rn FROM parking_tickets GROUP BY 1, 2) WHERE rn <= 3 ORDER BY 1, rn',
  },
  {
    question: 'Voided tickets per quarter (count_if)',
    sql: 'SELECT "year", quarter(entrydate) AS q, count_if(status = \'VA\') AS voided FROM parking_tickets GROUP BY 1, 2 ORDER BY 1, 2',
    oracle:
      'SELECT "Year" AS "year", quarter(EntryDate) AS q, count(*) FILTER (WHERE Status = \'VA\') AS voided FROM parking_tickets GROUP BY 1, 2 ORDER BY 1, 2',
  },
  {
    question: 'Tickets on the leap day',
    sql: "SELECT count(*) AS tickets FROM parking_tickets WHERE entrydate = DATE '2024-02-29'",
    oracle: "SELECT count(*) AS tickets FROM parking_tickets WHERE EntryDate = DATE '2024-02-29'",
  },
  {
    question: 'Tickets per week of January 2024 (weeks start on Monday)',
    sql: "SELECT date_trunc('week', entrydate) AS week, count(*) AS tickets FROM parking_tickets WHERE entrydate BETWEEN DATE '2024-01-01' AND DATE '2024-01-31' GROUP BY 1 ORDER BY 1",
    oracle:
      "SELECT CAST(date_trunc('week', EntryDate) AS DATE) AS week, count(*) AS tickets FROM parking_tickets WHERE EntryDate BETWEEN DATE '2024-01-01' AND DATE '2024-01-31' GROUP BY 1 ORDER BY 1",
  },
  {
    question: "The street of each year's first ticket id (min_by) and the highest id",
    sql: 'SELECT "year", min_by(street, bi_id) AS first_street, max(bi_id) AS last_id FROM parking_tickets GROUP BY "year" ORDER BY "year"',
    oracle:
      'SELECT "Year" AS "year", arg_min(Street, BI_ID) AS first_street, max(BI_ID) AS last_id FROM parking_tickets GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Tickets without an infraction text, and the longest text',
    sql: 'SELECT count_if(infractiontext IS NULL) AS no_text, max(length(infractiontext)) AS longest FROM parking_tickets',
    oracle:
      'SELECT count(*) FILTER (WHERE InfractionText IS NULL) AS no_text, max(length(InfractionText)) AS longest FROM parking_tickets',
  },
  {
    question: 'Tickets by street direction prefix',
    sql: "SELECT CASE substr(street, 1, 2) WHEN 'W ' THEN 'west' WHEN 'E ' THEN 'east' ELSE 'other' END AS side, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1",
    oracle:
      "SELECT CASE WHEN Street LIKE 'W %' THEN 'west' WHEN Street LIKE 'E %' THEN 'east' ELSE 'other' END AS side, count(*) AS tickets FROM parking_tickets GROUP BY 1 ORDER BY 1",
  },
  {
    question: 'Tickets in ISO week 1 of 2024',
    sql: 'SELECT count(*) AS tickets FROM parking_tickets WHERE year_of_week(entrydate) = 2024 AND week_of_year(entrydate) = 1',
    oracle:
      'SELECT count(*) AS tickets FROM parking_tickets WHERE isoyear(EntryDate) = 2024 AND week(EntryDate) = 1',
  },
  {
    question: 'Lost animal reports by state',
    sql: 'SELECT state, count(*) AS reports FROM lost_animals GROUP BY state ORDER BY reports DESC, state',
    oracle:
      'SELECT State AS state, count(*) AS reports FROM lost_animals GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST',
  },
  {
    question: 'Reports per year since 2020',
    sql: 'SELECT year("date") AS yr, count(*) AS reports FROM lost_animals WHERE "date" >= DATE \'2020-01-01\' GROUP BY 1 ORDER BY 1',
    oracle:
      'SELECT year("Date") AS yr, count(*) AS reports FROM lost_animals WHERE "Date" >= DATE \'2020-01-01\' GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'The five most reported cat breeds',
    sql: "SELECT breed, count(*) AS reports FROM lost_animals WHERE breed LIKE 'Cat%' GROUP BY breed ORDER BY reports DESC, breed LIMIT 5",
    oracle:
      "SELECT Breed AS breed, count(*) AS reports FROM lost_animals WHERE Breed LIKE 'Cat%' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
  },
  {
    question: 'The ten most common pet names',
    sql: "SELECT name, count(*) AS pets FROM lost_animals WHERE name IS NOT NULL AND name NOT IN ('Unknown', 'Not Provided') GROUP BY name ORDER BY pets DESC, name LIMIT 10",
    oracle:
      "SELECT Name AS name, count(*) AS pets FROM lost_animals WHERE Name IS NOT NULL AND Name NOT IN ('Unknown', 'Not Provided') GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
  },
  {
    question: 'Reports by sex, ignoring neutering (split_part)',
    sql: "SELECT split_part(sex, '/', 1) AS sex, count(*) AS reports FROM lost_animals GROUP BY 1 ORDER BY 1",
    oracle:
      "SELECT CASE WHEN Sex IS NULL THEN NULL ELSE string_split(Sex, '/')[1] END AS sex, count(*) AS reports FROM lost_animals GROUP BY 1 ORDER BY 1 NULLS LAST",
  },
  {
    question: 'Animals described as white',
    sql: "SELECT count_if(regexp_like(lower(color), 'white')) AS white FROM lost_animals",
    oracle: "SELECT count(*) FILTER (WHERE lower(Color) LIKE '%white%') AS white FROM lost_animals",
  },
  {
    question: 'Reports per month name in 2024 (date_format %M)',
    sql: 'SELECT date_format("date", \'%M\') AS month_name, count(*) AS reports FROM lost_animals WHERE year("date") = 2024 GROUP BY 1 ORDER BY reports DESC, month_name',
    oracle:
      'SELECT monthname("Date") AS month_name, count(*) AS reports FROM lost_animals WHERE year("Date") = 2024 GROUP BY 1 ORDER BY 2 DESC, 1',
  },
  {
    question: 'Percent of reports matched each year since 2021 (integer arithmetic)',
    sql: 'SELECT year("date") AS yr, count_if(state = \'Matched\') * 100 / count(*) AS matched_pct FROM lost_animals WHERE "date" >= DATE \'2021-01-01\' GROUP BY 1 ORDER BY 1',
    oracle:
      'SELECT year("Date") AS yr, (count(*) FILTER (WHERE State = \'Matched\')) * 100 // count(*) AS matched_pct FROM lost_animals WHERE "Date" >= DATE \'2021-01-01\' GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Mixed breeds versus the rest',
    sql: "SELECT CASE WHEN breed LIKE '% X' OR breed LIKE '%Mix%' THEN 'mix' ELSE 'other' END AS kind, count(*) AS reports FROM lost_animals GROUP BY 1 ORDER BY 1",
    oracle:
      "SELECT CASE WHEN Breed LIKE '% X' OR Breed LIKE '%Mix%' THEN 'mix' ELSE 'other' END AS kind, count(*) AS reports FROM lost_animals GROUP BY 1 ORDER BY 1",
  },
  {
    question: 'Longest pet names',
    sql: 'SELECT name, length(name) AS len FROM lost_animals WHERE name IS NOT NULL ORDER BY len DESC, name LIMIT 5',
    oracle:
      'SELECT Name AS name, length(Name) AS len FROM lost_animals WHERE Name IS NOT NULL ORDER BY 2 DESC, 1 LIMIT 5',
  },
  {
    question: 'Days with both lost and matched reports in March 2024',
    sql: "SELECT \"date\" AS day FROM lost_animals WHERE \"date\" BETWEEN DATE '2024-03-01' AND DATE '2024-03-31' GROUP BY \"date\" HAVING bool_or(state = 'Lost') AND bool_or(state = 'Matched') ORDER BY day",
    oracle:
      "SELECT \"Date\" AS day FROM lost_animals WHERE \"Date\" BETWEEN DATE '2024-03-01' AND DATE '2024-03-31' GROUP BY 1 HAVING bool_or(State = 'Lost') AND bool_or(State = 'Matched') ORDER BY 1",
  },
];
