import {
  type AthenaClient,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateCases } from './dialect-corpus/aggregates.js';
import { arrayMapCases } from './dialect-corpus/arrays-maps.js';
import { athenaV3Cases } from './dialect-corpus/athena-v3.js';
import { clauseCases } from './dialect-corpus/clauses.js';
import type { DocumentedCase } from './dialect-corpus/corpus-case.js';
import { dateFunctionCases } from './dialect-corpus/date-functions.js';
import { dateCases } from './dialect-corpus/dates.js';
import { jsonCases } from './dialect-corpus/json.js';
import { mathConditionalCases } from './dialect-corpus/math-conditionals.js';
import { refusalCases } from './dialect-corpus/refusals.js';
import { stringCases } from './dialect-corpus/strings.js';
import { unnestRowCases } from './dialect-corpus/unnest-rows.js';
import { requestLicenceCases } from './dialect-corpus/vancouver-requests-licences.js';
import { ticketAnimalCases } from './dialect-corpus/vancouver-tickets-animals.js';
import { athenaClient, waitForQuery } from './helpers/athena.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { openVancouverOracle, type ResultRows } from './helpers/vancouver-oracle.js';
import { loadVancouverTables } from './helpers/vancouver-tables.js';

/**
 * The Athena dialect corpus: Trino's and Athena's documented examples with their documented answers, and
 * analyst questions over the Vancouver tables checked against DuckDB run directly on the sample files. Every
 * query runs through the Athena API of one Seawall; each case is its own test, so failures list one by one.
 */
const documented: [string, DocumentedCase[]][] = [
  ['dates, times, time zones and intervals', dateCases],
  ['date and time functions', dateFunctionCases],
  ['strings, regular expressions and URLs', stringCases],
  ['aggregates', aggregateCases],
  ['arrays, maps and lambdas', arrayMapCases],
  ['JSON', jsonCases],
  ['math, conditionals and casts', mathConditionalCases],
  ['unnamed columns, grouping sets and windows', clauseCases],
  ['UNNEST, VALUES, OFFSET, TABLESAMPLE and rows', unnestRowCases],
  ['Athena engine version 3 reference', athenaV3Cases],
  ["refusals of what is not Athena's SQL", refusalCases],
];
const analystQuestions = [...ticketAnimalCases, ...requestLicenceCases];

/** The columns the crawler gives the samples, which the oracle's hand-written views assume. */
const CRAWLED_COLUMNS = {
  business_licences:
    'FOLDERYEAR:bigint LicenceRSN:bigint LicenceNumber:string LicenceRevisionNumber:string BusinessName:string BusinessTradeName:string Status:string IssuedDate:timestamp ExpiredDate:date BusinessType:string BusinessSubType:string Unit:string UnitType:string House:bigint Street:string City:string Province:string Country:string PostalCode:string LocalArea:string NumberofEmployees:double FeePaid:double ExtractDate:timestamp Geom:string geo_point_2d:string',
  lost_animals: 'Breed:string Color:string Date:date Name:string Sex:string State:string',
  parking_tickets:
    'Block:bigint Street:string EntryDate:date Bylaw:bigint Section:string Status:string InfractionText:string Year:bigint BI_ID:bigint',
  service_requests_311:
    'department:string service_request_type:string status:string closure_reason:string service_request_open_timestamp:timestamp service_request_close_date:date last_modified_timestamp:timestamp address:string local_area:string channel:string latitude:double longitude:double geom:string',
};

type Outcome = { rows: ResultRows } | { failure: string };

let t: TestSeawall;
let athena: AthenaClient;
let crawled: Record<string, string[]> = {};
const outcomes = new Map<string, Outcome>();
const oracleAnswers = new Map<string, ResultRows | Error>();

async function runAthena(sql: string): Promise<Outcome> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({ QueryString: sql, QueryExecutionContext: { Database: 'vancouver' } }),
  );
  const done = await waitForQuery(athena, QueryExecutionId as string);
  if (done.Status?.State !== 'SUCCEEDED')
    return { failure: `${done.Status?.State}: ${done.Status?.StateChangeReason ?? ''}` };
  const rows: ResultRows = [];
  let token: string | undefined;
  do {
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken: token }));
    for (const row of page.ResultSet?.Rows ?? [])
      rows.push((row.Data ?? []).map((d) => d.VarCharValue ?? null));
    token = page.NextToken;
  } while (token);
  return { rows };
}

/** Runs every query a few at a time: enough to keep the server's engines busy, few enough to queue little. */
async function runAll(queries: string[], atOnce: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const sql = queries[next++] as string;
      outcomes.set(
        sql,
        await runAthena(sql).catch((error: Error) => ({ failure: `request failed: ${error.message}` })),
      );
    }
  };
  await Promise.all(Array.from({ length: atOnce }, worker));
}

beforeAll(async () => {
  t = await startTestSeawall();
  athena = athenaClient(t);
  crawled = await loadVancouverTables(t, 'vancouver');
  const queries = new Set([
    ...documented.flatMap(([, cases]) => cases.map((c) => c.sql)),
    ...analystQuestions.map((c) => c.sql),
  ]);
  const oracle = await openVancouverOracle();
  try {
    for (const c of analystQuestions)
      oracleAnswers.set(c.sql, await oracle.query(c.oracle).catch((error: Error) => error));
  } finally {
    oracle.close();
  }
  await runAll([...queries], 6);
}, 240_000);

afterAll(async () => {
  athena?.destroy();
  await t?.close();
});

function sortBody(rows: ResultRows): ResultRows {
  const [header, ...body] = rows;
  return [header ?? [], ...body.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))];
}

/** What Athena answered, or the failure, in one shape the expectation diff can show. */
function received(sql: string, unordered = false): ResultRows | string {
  const outcome = outcomes.get(sql);
  if (!outcome) return 'not run';
  if ('failure' in outcome) return outcome.failure;
  return unordered ? sortBody(outcome.rows) : outcome.rows;
}

/**
 * Numbers compared as numbers (Athena prints doubles as Java does, DuckDB as JavaScript does, and decimals keep
 * their scale) to twelve significant digits; timestamps to milliseconds; column names in lower case (the case
 * of a catalog's column names is checked by a documented case). Applied to both sides alike.
 */
function normalise(rows: ResultRows | string): ResultRows | string {
  if (typeof rows === 'string') return rows;
  const [header, ...body] = rows;
  return [(header ?? []).map((name) => name?.toLowerCase() ?? null), ...body].map((row) =>
    row.map((cell) => {
      if (cell === null) return null;
      if (/^-?\d+(\.\d+)?(E-?\d+)?$/i.test(cell)) return String(Number(Number(cell).toPrecision(12)));
      const ts = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))?$/.exec(cell);
      return ts ? `${ts[1]}.${(ts[2] ?? '').padEnd(3, '0').slice(0, 3)}` : cell;
    }),
  );
}

const label = (sql: string) => (sql.length > 110 ? `${sql.slice(0, 107)}...` : sql).replace(/\s+/g, ' ');

it('crawls the Vancouver samples into the columns the oracle reads', () => {
  expect(
    Object.fromEntries(Object.entries(crawled).map(([table, columns]) => [table, columns.join(' ')])),
  ).toEqual(CRAWLED_COLUMNS);
});

describe.each(documented)('%s', (_group, cases) => {
  it.each(cases.map((c) => [label(c.sql), c] as const))('%s', (_name, c) => {
    const answer = received(c.sql, c.unordered);
    const context = `${c.sql}\n(source: ${c.source})\nreceived: ${JSON.stringify(answer)}\n`;
    const refusal = c.refused ?? c.seawallRefuses;
    if (refusal) {
      const reason = typeof answer === 'string' ? answer : `SUCCEEDED: ${JSON.stringify(answer)}`;
      expect(reason, context).toMatch(new RegExp(`^FAILED: .*(${refusal.source})`, refusal.flags));
      return;
    }
    expect(answer, context).toEqual(c.unordered ? sortBody(c.expected ?? []) : c.expected);
  });
});

describe('Vancouver analyst questions, against DuckDB on the sample files', () => {
  it.each(analystQuestions.map((c) => [c.question, c] as const))('%s', (_question, c) => {
    const oracle = oracleAnswers.get(c.sql);
    if (oracle instanceof Error) throw new Error(`the oracle query failed: ${oracle.message}\n${c.oracle}`);
    const expected = normalise(c.unordered ? sortBody(oracle ?? []) : (oracle ?? []));
    const answer = normalise(received(c.sql, c.unordered));
    const context = `${c.sql}\n(oracle: ${c.oracle})\nreceived: ${JSON.stringify(answer)}\n`;
    expect(answer, context).toEqual(expected);
  });
});
