import { type AppError, badRequest } from '../errors.js';
import { type Condition, operationOf, type RecipeStep } from './recipe.js';
import { type ColumnSchema, ConditionProblem, conditionSql, typeClass } from './recipe-sql.js';

// Column tracking for the compiler: the schema as it stands before each step, and the shape of a step's
// SELECT. Lookups fail with the step's number and operation, as the parser's messages do.

export interface Output {
  readonly name: string;
  readonly type: string;
  /** Undefined: the column passes through unchanged. */
  readonly expr?: string;
}

export interface StepSql {
  readonly outputs: readonly Output[];
  readonly where?: string;
  readonly distinct?: boolean;
}

/** The columns as they stand before a step, with lookups that fail naming that step. */
export interface Scope {
  readonly columns: readonly ColumnSchema[];
  readonly variables: Set<string>;
  column(name: string): ColumnSchema;
  assertNew(name: string, except?: string): void;
  fail(message: string): never;
  when(conditions: readonly Condition[]): string | undefined;
}

export function checkSource(columns: readonly ColumnSchema[]): void {
  const seen = new Set<string>();
  for (const { name } of columns) {
    const key = name.toLowerCase();
    // NUL cannot be quoted in SQL (nor stored in PostgreSQL); a CSV header can still carry one.
    if (name === '' || seen.has(key) || name.includes('\0')) {
      throw badRequest(
        'ValidationException',
        `The source schema has an empty, repeated or NUL-containing column name ${JSON.stringify(name)}`,
      );
    }
    seen.add(key);
  }
}

export function createScope(
  step: RecipeStep,
  columns: readonly ColumnSchema[],
  variables: Set<string>,
): Scope {
  const fail = (message: string): never => {
    throw stepFailure(step, message);
  };
  const column = (name: string): ColumnSchema => {
    const found = columns.find((candidate) => candidate.name === name);
    if (found !== undefined) return found;
    const near = columns.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    const hint =
      near === undefined ? '' : ` (column names are case-sensitive; there is ${JSON.stringify(near.name)})`;
    return fail(`column ${JSON.stringify(name)} does not exist at this step${hint}`);
  };
  const when = (conditions: readonly Condition[]): string | undefined => {
    if (conditions.length === 0) return undefined;
    try {
      return conditions
        .map((condition) => conditionSql(condition, column(condition.targetColumn)))
        .join(' AND ');
    } catch (error) {
      if (error instanceof ConditionProblem) return fail(`condition: ${error.message}`);
      throw error;
    }
  };
  const assertNew = (name: string, except?: string) => {
    // DuckDB matches quoted names case-insensitively, so "name" and "Name" cannot both exist.
    const clash = columns.find(
      (other) => other.name !== except && other.name.toLowerCase() === name.toLowerCase(),
    );
    if (clash !== undefined) fail(`column ${JSON.stringify(clash.name)} already exists`);
  };
  return { columns, variables, column, assertNew, fail, when };
}

function stepFailure(step: RecipeStep, message: string): AppError {
  return badRequest('ValidationException', `Step ${step.step} (${operationOf(step)}): ${message}`);
}

export const pass = (columns: readonly ColumnSchema[]): Output[] =>
  columns.map(({ name, type }) => ({ name, type }));

export function replace(scope: Scope, name: string, expr: string, type?: string): Output[] {
  return scope.columns.map((column) =>
    column.name === name
      ? { name, type: type ?? column.type, expr }
      : { name: column.name, type: column.type },
  );
}

/** A column transform applies to the rows matching the step's conditions and leaves the others alone. */
export function guarded(condition: string | undefined, changed: string, original: string): string {
  return condition === undefined ? changed : `CASE WHEN ${condition} THEN ${changed} ELSE ${original} END`;
}

export function textColumn(scope: Scope, name: string): ColumnSchema {
  const column = scope.column(name);
  if (typeClass(column.type) !== 'string')
    scope.fail(`column ${JSON.stringify(name)} is ${column.type}; this needs text`);
  return column;
}
