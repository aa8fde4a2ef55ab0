import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { poll } from '../lib/poll.js';
import { requestFailure } from './cli-errors.js';
import { resolveTarget } from './client-target.js';
import { CliError, type Command } from './commands.js';

type Output = 'table' | 'csv' | 'json';

function csvLine(values: (string | null)[]): string {
  return values
    .map((v) => (v === null ? '' : /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
    .join(',');
}

function table(rows: (string | null)[][]): string {
  const shown = rows.map((row) => row.map((v) => v ?? 'NULL'));
  const widths = (shown[0] ?? []).map((_, i) => Math.max(...shown.map((row) => [...(row[i] ?? '')].length)));
  const line = (row: string[]) => row.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ');
  const [header, ...body] = shown;
  if (!header) return '';
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...body.map(line),
    `(${body.length} row${body.length === 1 ? '' : 's'})`,
  ].join('\n');
}

/** Runs SQL through the Athena API of a running Seawall and prints the rows. */
export const queryCommand: Command = {
  usage:
    'seawall query "SQL" [--database D] [--output table|csv|json] [--data-dir DIR | --profile NAME] [--endpoint-url URL]',
  positionals: true,
  options: {
    database: { type: 'string' },
    output: { type: 'string' },
    workgroup: { type: 'string' },
    'data-dir': { type: 'string' },
    profile: { type: 'string' },
    'endpoint-url': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const sql = positionals.join(' ').trim();
    if (sql === '') throw new CliError('give the SQL to run, in quotes');
    const output = (typeof values.output === 'string' ? values.output : 'table') as Output;
    if (!['table', 'csv', 'json'].includes(output)) throw new CliError('--output must be table, csv or json');
    const target = await resolveTarget(values, io.env, 'athena');
    const athena = new AthenaClient({
      endpoint: target.endpoint,
      region: target.region,
      credentials: target.credentials,
    });
    try {
      const database = typeof values.database === 'string' ? values.database : undefined;
      const workgroup = typeof values.workgroup === 'string' ? values.workgroup : undefined;
      const started = await athena
        .send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            ...(database ? { QueryExecutionContext: { Database: database } } : {}),
            ...(workgroup ? { WorkGroup: workgroup } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw requestFailure(error, target.endpoint);
        });
      const id = started.QueryExecutionId as string;
      const { QueryExecution } = await poll(
        () => athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
        (r) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.QueryExecution?.Status?.State ?? ''),
        { intervalMs: 20, maxIntervalMs: 500 },
      );
      const state = QueryExecution?.Status?.State ?? '';
      if (state !== 'SUCCEEDED')
        throw new CliError(
          `query ${state.toLowerCase()}: ${QueryExecution?.Status?.StateChangeReason ?? ''}`,
        );
      const rows: (string | null)[][] = [];
      // A statement's output (`<id>.txt`: SHOW, DESCRIBE...) has no header row, as PyAthena reads it too.
      const headless = QueryExecution?.ResultConfiguration?.OutputLocation?.endsWith('.txt') ?? false;
      let token: string | undefined;
      do {
        const page = await athena.send(
          new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }),
        );
        if (headless && token === undefined)
          rows.push((page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? null));
        for (const row of page.ResultSet?.Rows ?? [])
          rows.push((row.Data ?? []).map((d) => d.VarCharValue ?? null));
        token = page.NextToken;
      } while (token);
      if (output === 'csv') io.out(rows.map(csvLine).join('\n'));
      else if (output === 'json') {
        const [header = [], ...body] = rows;
        io.out(
          JSON.stringify(
            body.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? null]))),
            null,
            2,
          ),
        );
      } else io.out(table(rows));
      return 0;
    } finally {
      athena.destroy();
    }
  },
};
