import type { OracleCase } from './corpus-case.js';

const LOCAL = "AT TIME ZONE 'America/Vancouver'";

/**
 * Analyst questions over the 3-1-1 service requests and business licences samples. The crawled timestamp
 * columns hold the UTC instant; questions about local time convert with AT TIME ZONE, and their oracles read
 * the local wall time straight from the file's text (`2023-12-11T01:04:00-08:00`, in the `_raw` views).
 */
export const requestLicenceCases: OracleCase[] = [
  {
    question: 'The ten departments with the most requests',
    sql: 'SELECT department, count(*) AS requests FROM service_requests_311 GROUP BY department ORDER BY requests DESC, department LIMIT 10',
    oracle:
      'SELECT department, count(*) AS requests FROM service_requests_311 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10',
  },
  {
    question: 'Requests by channel and status',
    sql: 'SELECT channel, status, count(*) AS requests FROM service_requests_311 GROUP BY channel, status ORDER BY channel, status',
    oracle:
      'SELECT channel, status, count(*) AS requests FROM service_requests_311 GROUP BY 1, 2 ORDER BY 1, 2',
  },
  {
    question: 'Requests by local hour of the day',
    sql: `SELECT hour(service_request_open_timestamp ${LOCAL}) AS local_hour, count(*) AS requests FROM service_requests_311 GROUP BY 1 ORDER BY 1`,
    oracle:
      'SELECT CAST(substr(service_request_open_timestamp, 12, 2) AS INTEGER) AS local_hour, count(*) AS requests FROM service_requests_311_raw GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'The five busiest local days',
    sql: `SELECT CAST(service_request_open_timestamp ${LOCAL} AS DATE) AS local_day, count(*) AS requests FROM service_requests_311 GROUP BY 1 ORDER BY requests DESC, local_day LIMIT 5`,
    oracle:
      'SELECT CAST(substr(service_request_open_timestamp, 1, 10) AS DATE) AS local_day, count(*) AS requests FROM service_requests_311_raw GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5',
  },
  {
    question: 'Average days from opening (local date) to closing, for the five largest departments',
    sql: `SELECT department, round(avg(date_diff('day', CAST(service_request_open_timestamp ${LOCAL} AS DATE), service_request_close_date)), 1) AS avg_days FROM service_requests_311 WHERE department IN (SELECT department FROM service_requests_311 GROUP BY department ORDER BY count(*) DESC, department LIMIT 5) GROUP BY department ORDER BY department`,
    oracle:
      'SELECT department, round(avg(CAST(service_request_close_date AS DATE) - CAST(substr(service_request_open_timestamp, 1, 10) AS DATE)), 1) AS avg_days FROM service_requests_311_raw WHERE department IN (SELECT department FROM service_requests_311_raw GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 5) GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'The ten local areas with the most requests',
    sql: 'SELECT local_area, count(*) AS requests FROM service_requests_311 WHERE local_area IS NOT NULL GROUP BY local_area ORDER BY requests DESC, local_area LIMIT 10',
    oracle:
      'SELECT local_area, count(*) AS requests FROM service_requests_311 WHERE local_area IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10',
  },
  {
    question: 'Closure reasons',
    sql: 'SELECT closure_reason, count(*) AS requests FROM service_requests_311 GROUP BY closure_reason ORDER BY requests DESC, closure_reason',
    oracle:
      'SELECT closure_reason, count(*) AS requests FROM service_requests_311 GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST',
  },
  {
    question: 'The five most common request types, without the " Case" suffix',
    sql: "SELECT regexp_replace(service_request_type, ' Case$', '') AS request_type, count(*) AS requests FROM service_requests_311 GROUP BY 1 ORDER BY requests DESC, request_type LIMIT 5",
    oracle:
      "SELECT CASE WHEN service_request_type LIKE '% Case' THEN left(service_request_type, length(service_request_type) - 5) ELSE service_request_type END AS request_type, count(*) AS requests FROM service_requests_311 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
  },
  {
    question: 'Requests per local month',
    sql: `SELECT date_format(service_request_open_timestamp ${LOCAL}, '%Y-%m') AS local_month, count(*) AS requests FROM service_requests_311 GROUP BY 1 ORDER BY 1`,
    oracle:
      'SELECT substr(service_request_open_timestamp, 1, 7) AS local_month, count(*) AS requests FROM service_requests_311_raw GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Requests by local ISO weekday',
    sql: `SELECT day_of_week(service_request_open_timestamp ${LOCAL}) AS dow, count(*) AS requests FROM service_requests_311 GROUP BY 1 ORDER BY 1`,
    oracle:
      'SELECT isodow(CAST(substr(service_request_open_timestamp, 1, 10) AS DATE)) AS dow, count(*) AS requests FROM service_requests_311_raw GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Average complete hours from opening to the last change, for closed requests',
    sql: "SELECT round(avg(date_diff('hour', service_request_open_timestamp, last_modified_timestamp)), 2) AS avg_hours FROM service_requests_311 WHERE status = 'Close'",
    oracle:
      "SELECT round(avg(trunc((epoch(last_modified_timestamp) - epoch(service_request_open_timestamp)) / 3600)), 2) AS avg_hours FROM service_requests_311 WHERE status = 'Close'",
  },
  {
    question: 'Bounding box of the requests in the first three local areas',
    sql: 'SELECT local_area, round(min(latitude), 4) AS south, round(max(latitude), 4) AS north, round(min(longitude), 4) AS west, round(max(longitude), 4) AS east FROM service_requests_311 WHERE local_area IS NOT NULL GROUP BY local_area ORDER BY local_area LIMIT 3',
    oracle:
      'SELECT local_area, round(min(latitude), 4) AS south, round(max(latitude), 4) AS north, round(min(longitude), 4) AS west, round(max(longitude), 4) AS east FROM service_requests_311 WHERE local_area IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT 3',
  },
  {
    question: 'Requests with coordinates, and whose geom text agrees with the latitude',
    sql: "SELECT count(latitude) AS located, count_if(CAST(regexp_extract(geom, '''lat'': (-?[0-9.]+)', 1) AS DOUBLE) = latitude) AS agreeing, count(*) AS requests FROM service_requests_311",
    oracle:
      "SELECT count(latitude) AS located, count(*) FILTER (WHERE CAST(regexp_extract(geom, '''lat'': (-?[0-9.]+)', 1) AS DOUBLE) = latitude) AS agreeing, count(*) AS requests FROM service_requests_311",
  },
  {
    question: 'Requests opened at night (22:00 to 05:59 local) by channel',
    sql: `SELECT channel, count(*) AS night_requests FROM service_requests_311 WHERE hour(service_request_open_timestamp ${LOCAL}) >= 22 OR hour(service_request_open_timestamp ${LOCAL}) < 6 GROUP BY channel ORDER BY night_requests DESC, channel`,
    oracle:
      'SELECT channel, count(*) AS night_requests FROM service_requests_311_raw WHERE CAST(substr(service_request_open_timestamp, 12, 2) AS INTEGER) >= 22 OR CAST(substr(service_request_open_timestamp, 12, 2) AS INTEGER) < 6 GROUP BY 1 ORDER BY 2 DESC, 1',
  },
  {
    question: 'The first request, in local time',
    sql: `SELECT format_datetime(min(service_request_open_timestamp) ${LOCAL}, 'yyyy-MM-dd HH:mm') AS first_local FROM service_requests_311`,
    oracle:
      "SELECT strftime(CAST(min(service_request_open_timestamp) AS TIMESTAMPTZ) AT TIME ZONE 'America/Vancouver', '%Y-%m-%d %H:%M') AS first_local FROM service_requests_311",
  },
  {
    question: 'Restaurant licences per folder year',
    sql: 'SELECT folderyear, count(*) AS licences FROM business_licences GROUP BY folderyear ORDER BY folderyear',
    oracle:
      'SELECT FOLDERYEAR AS folderyear, count(*) AS licences FROM business_licences GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'The ten local areas with the most restaurants in 2024',
    sql: 'SELECT localarea, count(*) AS restaurants FROM business_licences WHERE folderyear = 24 GROUP BY localarea ORDER BY restaurants DESC, localarea LIMIT 10',
    oracle:
      'SELECT LocalArea AS localarea, count(*) AS restaurants FROM business_licences WHERE FOLDERYEAR = 24 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10',
  },
  {
    question: 'Licences by year and class, with subtotals (ROLLUP, grouping)',
    sql: 'SELECT folderyear, businesssubtype, grouping(folderyear, businesssubtype) AS level, count(*) AS licences FROM business_licences GROUP BY ROLLUP (folderyear, businesssubtype) ORDER BY level, folderyear, businesssubtype',
    oracle:
      'SELECT FOLDERYEAR AS folderyear, BusinessSubType AS businesssubtype, grouping(FOLDERYEAR, BusinessSubType) AS level, count(*) AS licences FROM business_licences GROUP BY ROLLUP (FOLDERYEAR, BusinessSubType) ORDER BY 3, 1 NULLS LAST, 2 NULLS LAST',
  },
  {
    question: 'Average and total employees by class',
    sql: 'SELECT businesssubtype, round(avg(numberofemployees), 1) AS avg_staff, sum(numberofemployees) AS staff FROM business_licences GROUP BY businesssubtype ORDER BY businesssubtype',
    oracle:
      'SELECT BusinessSubType AS businesssubtype, round(avg(NumberofEmployees), 1) AS avg_staff, sum(NumberofEmployees) AS staff FROM business_licences GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'The five months (UTC) in which most 2025 licences were issued',
    sql: "SELECT date_format(issueddate, '%Y-%m') AS issued_month, count(*) AS licences FROM business_licences WHERE folderyear = 25 GROUP BY 1 ORDER BY licences DESC, issued_month LIMIT 5",
    oracle:
      "SELECT strftime(IssuedDate, '%Y-%m') AS issued_month, count(*) AS licences FROM business_licences WHERE FOLDERYEAR = 25 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
  },
  {
    question: 'Licences issued per local hour of the day, top five',
    sql: `SELECT hour(issueddate ${LOCAL}) AS local_hour, count(*) AS licences FROM business_licences GROUP BY 1 ORDER BY licences DESC, local_hour LIMIT 5`,
    oracle:
      'SELECT CAST(substr(IssuedDate, 12, 2) AS INTEGER) AS local_hour, count(*) AS licences FROM business_licences_raw GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5',
  },
  {
    question: 'Restaurants without a trade name',
    sql: 'SELECT count_if(businesstradename IS NULL) AS unnamed, count(*) AS licences FROM business_licences',
    oracle:
      'SELECT count(*) FILTER (WHERE BusinessTradeName IS NULL) AS unnamed, count(*) AS licences FROM business_licences',
  },
  {
    question: 'The five postal areas (first three characters) with the most restaurants',
    sql: 'SELECT substr(postalcode, 1, 3) AS fsa, count(*) AS restaurants FROM business_licences WHERE postalcode IS NOT NULL GROUP BY 1 ORDER BY restaurants DESC, fsa LIMIT 5',
    oracle:
      'SELECT left(PostalCode, 3) AS fsa, count(*) AS restaurants FROM business_licences WHERE PostalCode IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5',
  },
  {
    question: 'The northernmost restaurant of 2025 (max_by over a parsed coordinate)',
    sql: "SELECT max_by(businessname, CAST(split_part(geo_point_2d, ',', 1) AS DOUBLE)) AS northernmost FROM business_licences WHERE folderyear = 25",
    oracle:
      "SELECT arg_max(BusinessName, CAST(string_split(geo_point_2d, ',')[1] AS DOUBLE)) AS northernmost FROM business_licences WHERE FOLDERYEAR = 25 AND geo_point_2d IS NOT NULL",
  },
  {
    question: 'Sushi restaurants by year',
    sql: "SELECT folderyear, count(*) AS sushi FROM business_licences WHERE strpos(upper(coalesce(businesstradename, businessname)), 'SUSHI') > 0 GROUP BY folderyear ORDER BY folderyear",
    oracle:
      "SELECT FOLDERYEAR AS folderyear, count(*) AS sushi FROM business_licences WHERE upper(coalesce(BusinessTradeName, BusinessName)) LIKE '%SUSHI%' GROUP BY 1 ORDER BY 1",
  },
  {
    question: 'GeoJSON geometry types (json_extract_scalar)',
    sql: "SELECT json_extract_scalar(geom, '$.type') AS geometry, count(*) AS licences FROM business_licences GROUP BY 1 ORDER BY 1",
    oracle:
      "SELECT json_extract_string(Geom, '$.type') AS geometry, count(*) AS licences FROM business_licences GROUP BY 1 ORDER BY 1 NULLS LAST",
  },
  {
    question: 'Licences whose GeoJSON latitude agrees with geo_point_2d',
    sql: "SELECT count_if(abs(CAST(json_extract_scalar(geom, '$.coordinates[1]') AS DOUBLE) - CAST(trim(split_part(geo_point_2d, ',', 1)) AS DOUBLE)) < 1e-9) AS agreeing FROM business_licences",
    oracle:
      "SELECT count(*) FILTER (WHERE abs(CAST(json_extract(Geom, '$.coordinates[1]') AS DOUBLE) - CAST(trim(string_split(geo_point_2d, ',')[1]) AS DOUBLE)) < 1e-9) AS agreeing FROM business_licences",
  },
  {
    question: 'Businesses licensed in both years (INTERSECT)',
    sql: 'SELECT count(*) AS both_years FROM (SELECT businessname FROM business_licences WHERE folderyear = 24 INTERSECT SELECT businessname FROM business_licences WHERE folderyear = 25)',
    oracle:
      'SELECT count(*) AS both_years FROM (SELECT BusinessName FROM business_licences WHERE FOLDERYEAR = 24 INTERSECT SELECT BusinessName FROM business_licences WHERE FOLDERYEAR = 25)',
  },
  {
    question: 'Restaurants by staff size band (width_bucket)',
    sql: 'SELECT width_bucket(numberofemployees, 0, 100, 4) AS band, count(*) AS restaurants FROM business_licences GROUP BY 1 ORDER BY 1',
    oracle:
      'SELECT CASE WHEN NumberofEmployees < 0 THEN 0 WHEN NumberofEmployees >= 100 THEN 5 ELSE CAST(floor(NumberofEmployees / 25) AS BIGINT) + 1 END AS band, count(*) AS restaurants FROM business_licences GROUP BY 1 ORDER BY 1',
  },
  {
    question: 'Restaurant streets that also had parking tickets (a join across tables)',
    sql: 'SELECT count(DISTINCT b.street) AS streets FROM business_licences b JOIN parking_tickets p ON b.street = p.street',
    oracle:
      'SELECT count(DISTINCT b.Street) AS streets FROM business_licences b JOIN parking_tickets p ON b.Street = p.Street',
  },
  {
    question: 'Licence revision numbers (kept as text)',
    sql: 'SELECT licencerevisionnumber, count(*) AS licences FROM business_licences GROUP BY 1 ORDER BY licences DESC, 1 LIMIT 4',
    oracle:
      'SELECT LicenceRevisionNumber AS licencerevisionnumber, count(*) AS licences FROM business_licences GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 4',
  },
  {
    question: 'Days from issue (local date) to expiry, averaged per year',
    sql: `SELECT folderyear, round(avg(date_diff('day', CAST(issueddate ${LOCAL} AS DATE), expireddate)), 1) AS avg_days FROM business_licences GROUP BY folderyear ORDER BY folderyear`,
    oracle:
      'SELECT FOLDERYEAR AS folderyear, round(avg(CAST(ExpiredDate AS DATE) - CAST(substr(IssuedDate, 1, 10) AS DATE)), 1) AS avg_days FROM business_licences_raw GROUP BY 1 ORDER BY 1',
  },
];
