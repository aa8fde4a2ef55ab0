/*
 * EXPLAIN [ANALYZE] [(FORMAT TEXT|JSON, TYPE LOGICAL|DISTRIBUTED|VALIDATE)] <query>: the engine's plan of the
 * sandboxed query, one line a row under `Query Plan`. The plan is DuckDB's (the engine that runs it), not
 * Trino's fragments; ANALYZE runs the query and shows what each operator did. Engine file paths are redacted.
 */

import { statementBody } from '../query-views.js';
import { QueryRejected } from '../sandbox.js';
import type { Statement } from './ast.js';
import { prepareReadable } from './caller-checks.js';
import type { StatementContext, StatementResult } from './context.js';
import { describeSelect, holdToCutoff } from './select-writer.js';
import { resultColumn } from './write-result.js';

type Explain = Extract<Statement, { kind: 'Explain' }>;

/** Plans are text; a plan past this is refused rather than held. */
const PLAN_LIMIT_BYTES = 16 * 2 ** 20;

export async function explain(statement: Explain, ctx: StatementContext): Promise<StatementResult> {
  if (statement.format === 'GRAPHVIZ')
    throw new QueryRejected('NOT_SUPPORTED: EXPLAIN (FORMAT GRAPHVIZ) is not supported; use TEXT or JSON.');
  if (statement.type === 'IO') throw new QueryRejected('NOT_SUPPORTED: EXPLAIN (TYPE IO) is not supported.');
  if (statement.analyze && statement.type !== undefined && statement.type !== 'DISTRIBUTED')
    throw new QueryRejected(`NOT_SUPPORTED: EXPLAIN ANALYZE cannot be combined with TYPE ${statement.type}.`);
  const prepared = await prepareReadable(ctx, statement.query);
  const base = { statementType: 'UTILITY', substatementType: 'EXPLAIN', kind: 'rows' } as const;
  if (statement.type === 'VALIDATE') {
    // Binding the query is what validating it means: names, types and functions resolve, nothing runs.
    await describeSelect(ctx, prepared);
    return { ...base, dataScanned: 0, columns: [resultColumn('Valid', 'boolean')], rows: [['true']] };
  }
  const lease = await ctx.pool.acquire(prepared.tables, ctx.database, ctx.signal, { views: prepared.views });
  try {
    if (statement.analyze) holdToCutoff(ctx, lease.bytes);
    const options = [
      ...(statement.analyze ? ['ANALYZE'] : []),
      ...(statement.format === 'JSON' ? ['FORMAT JSON'] : []),
    ];
    const found = await lease.engine.rows(
      `EXPLAIN ${options.length > 0 ? `(${options.join(', ')})` : ''}\n${statementBody(prepared.sql)}\n`,
      { signal: ctx.signal, limitBytes: PLAN_LIMIT_BYTES },
    );
    const plan = ctx.storage.redactEnginePaths(
      found.map((row) => String(row.explain_value ?? '')).join('\n'),
    );
    return {
      ...base,
      dataScanned: statement.analyze ? lease.bytes : 0,
      columns: [resultColumn('Query Plan', 'varchar')],
      rows: plan
        .trimEnd()
        .split('\n')
        .map((line) => [line]),
    };
  } finally {
    lease.release();
  }
}
