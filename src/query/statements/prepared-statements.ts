/*
 * PREPARE, EXECUTE and DEALLOCATE PREPARE over the workgroup's prepared statements, which the Athena API's
 * CreatePreparedStatement and friends share. EXECUTE of a query runs it with its `?` placeholders bound to
 * the USING values, as the SELECT that answers.
 */
import { tableLookupCheck } from '../query-access.js';
import { prepareWithViews } from '../query-views.js';
import { QueryRejected } from '../sandbox-tree.js';
import type { Statement } from './ast.js';
import type { StatementContext, StatementResult } from './context.js';
import { authorize, done } from './statement-support.js';

function workgroupArn(ctx: StatementContext): string {
  return `arn:aws:athena:${ctx.region}:${ctx.caller.principal.accountId}:workgroup/${ctx.workgroup}`;
}

function notFound(name: string): QueryRejected {
  return new QueryRejected(`Prepared statement not found: ${name}`);
}

/**
 * Runs PREPARE, EXECUTE or DEALLOCATE, or answers undefined for another kind. `run` runs a prepared statement
 * that is not a query (EXECUTE of a prepared CTAS, INSERT or UNLOAD).
 */
export async function runPreparedStatement(
  statement: Statement,
  ctx: StatementContext,
  parse: (sql: string) => Statement | undefined,
  run: (statement: Statement) => Promise<StatementResult>,
): Promise<StatementResult | undefined> {
  switch (statement.kind) {
    case 'Prepare': {
      await authorize(ctx, { action: 'athena:CreatePreparedStatement', resources: [workgroupArn(ctx)] });
      const inner = parse(statement.statement);
      if (inner && !['CreateTableAs', 'InsertInto', 'Unload'].includes(inner.kind))
        throw new QueryRejected(
          `A ${inner.kind} statement cannot be prepared: prepare a query, CTAS, INSERT INTO or UNLOAD.`,
        );
      await ctx.prepared.put(ctx.workgroup, statement.name, statement.statement);
      return done('UTILITY', 'PREPARE');
    }
    case 'Execute': {
      await authorize(ctx, { action: 'athena:GetPreparedStatement', resources: [workgroupArn(ctx)] });
      const found = await ctx.prepared.get(ctx.workgroup, statement.name);
      if (!found) throw notFound(statement.name);
      const inner = parse(found.statement);
      if (inner) {
        if (statement.parameters.length > 0)
          throw new QueryRejected('EXECUTE ... USING is supported for prepared queries only.');
        return run(inner);
      }
      const select = await prepareWithViews(
        {
          catalog: ctx.catalog,
          parser: ctx.parser,
          prepareSelect: ctx.prepareSelect,
          mayLookUp: tableLookupCheck(ctx),
        },
        found.statement,
        ctx.database,
        { parameters: statement.parameters },
      );
      return { statementType: 'DML', substatementType: 'EXECUTE', dataScanned: 0, kind: 'select', select };
    }
    case 'Deallocate': {
      await authorize(ctx, { action: 'athena:DeletePreparedStatement', resources: [workgroupArn(ctx)] });
      if (!(await ctx.prepared.delete(ctx.workgroup, statement.name))) throw notFound(statement.name);
      return done('UTILITY', 'DEALLOCATE');
    }
    default:
      return undefined;
  }
}
