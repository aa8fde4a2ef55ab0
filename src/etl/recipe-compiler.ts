import { createHash } from 'node:crypto';
import { quoteIdent, quoteLiteral } from '../lib/sql.js';
import type { ColumnSource, Condition, Recipe, RecipeStep } from './recipe.js';
import {
  checkSource,
  createScope,
  guarded,
  pass,
  replace,
  type Scope,
  type StepSql,
  textColumn,
} from './recipe-scope.js';
import {
  asTimestamp,
  type ColumnSchema,
  capitalCase,
  convert,
  hmacSha256Base64,
  literalFor,
  missing,
  ref,
  SQL_TYPE,
  strftimeFormat,
  type TypeClass,
  trimmed,
  typeClass,
} from './recipe-sql.js';

export type { ColumnSchema } from './recipe-sql.js';

/** What a recipe runs over: SQL text of a relation (`read_csv([...])`, a quoted table) and its schema. */
export interface RecipeSource {
  readonly relation: string;
  readonly columns: readonly ColumnSchema[];
}

/**
 * One SELECT (`WITH s0 AS (SELECT * FROM <relation>), s1 AS (… FROM s0) … SELECT * FROM sN`), the output
 * schema, and the DuckDB variables the runner must `SET VARIABLE` first (CRYPTOGRAPHIC_HASH keys).
 */
export interface CompiledRecipe {
  readonly sql: string;
  readonly columns: readonly ColumnSchema[];
  readonly variables: readonly string[];
}

/**
 * The DuckDB variable holding a CRYPTOGRAPHIC_HASH step's key: the secret's bytes as a BLOB, e.g.
 * `SET VARIABLE <name> = from_base64(…)` (DataBrew keys are the base64-decoded secret value). Derived from
 * the secret's id and version so the runner can map each variable back to the secret to fetch.
 */
export function secretVariableName(secretId: string, secretVersion: string | undefined): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([secretId, secretVersion ?? null]))
    .digest('hex');
  return `databrew_secret_${digest.slice(0, 32)}`;
}

/** Compiles a parsed recipe to DuckDB SQL over `source`, tracking the schema step by step. */
export function compileRecipe(recipe: Recipe, source: RecipeSource): CompiledRecipe {
  checkSource(source.columns);
  let columns: readonly ColumnSchema[] = source.columns.map(({ name, type }) => ({ name, type }));
  const variables = new Set<string>();
  const ctes = [`s0 AS (SELECT * FROM ${source.relation})`];
  recipe.steps.forEach((step, index) => {
    const out = compileStep(step, createScope(step, columns, variables));
    const list = out.outputs.map(({ name, expr }) =>
      expr === undefined ? quoteIdent(name) : `${expr} AS ${quoteIdent(name)}`,
    );
    const where = out.where === undefined ? '' : ` WHERE ${out.where}`;
    ctes.push(
      `s${index + 1} AS (SELECT ${out.distinct ? 'DISTINCT ' : ''}${list.join(', ')} FROM s${index}${where})`,
    );
    columns = out.outputs.map(({ name, type }) => ({ name, type }));
  });
  const sql = `WITH ${ctes.join(',\n')}\nSELECT * FROM s${recipe.steps.length}`;
  return { sql, columns, variables: [...variables] };
}

function compileStep(step: RecipeStep, scope: Scope): StepSql {
  switch (step.kind) {
    case 'Rename': {
      const column = scope.column(step.sourceColumn);
      scope.assertNew(step.targetColumn, column.name);
      const outputs = scope.columns.map((c) =>
        c === column ? { name: step.targetColumn, type: c.type, expr: ref(c) } : c,
      );
      return { outputs };
    }
    case 'Delete': {
      const drop = new Set(step.sourceColumns.map((name) => scope.column(name).name));
      if (drop.size === scope.columns.length) scope.fail('a recipe cannot delete every column');
      return { outputs: pass(scope.columns.filter((column) => !drop.has(column.name))) };
    }
    case 'Duplicate': {
      const column = scope.column(step.sourceColumn);
      scope.assertNew(step.targetColumn);
      return {
        outputs: [...pass(scope.columns), { name: step.targetColumn, type: column.type, expr: ref(column) }],
      };
    }
    case 'ChangeDataType': {
      const column = scope.column(step.sourceColumn);
      const expr = convert(ref(column), typeClass(column.type), step.columnDataType);
      if (expr === undefined) scope.fail(`a ${column.type} column cannot become ${step.columnDataType}`);
      return { outputs: replace(scope, column.name, expr, SQL_TYPE[step.columnDataType]) };
    }
    case 'UpperCase':
    case 'LowerCase':
    case 'CapitalCase': {
      const expr = ref(textColumn(scope, step.sourceColumn));
      const changed =
        step.kind === 'UpperCase'
          ? `upper(${expr})`
          : step.kind === 'LowerCase'
            ? `lower(${expr})`
            : capitalCase(expr);
      return {
        outputs: replace(scope, step.sourceColumn, guarded(scope.when(step.conditions), changed, expr)),
      };
    }
    case 'ReplaceText': {
      const expr = ref(textColumn(scope, step.sourceColumn));
      // The replacement is literal text: RE2 would read backslashes in it as group references.
      const value = quoteLiteral(step.value.replaceAll('\\', '\\\\'));
      const changed = `regexp_replace(${expr}, ${quoteLiteral(step.pattern)}, ${value}, 'g')`;
      return {
        outputs: replace(scope, step.sourceColumn, guarded(scope.when(step.conditions), changed, expr)),
      };
    }
    default:
      return compileMoreSteps(step, scope);
  }
}

function compileMoreSteps(step: RecipeStep, scope: Scope): StepSql {
  switch (step.kind) {
    case 'Trim':
      return compileDerived(scope, step.source, step.targetColumn, TRIM, step.conditions);
    case 'Year':
      return compileDerived(scope, step.source, step.targetColumn, YEAR);
    case 'FillWithCustom':
    case 'FillWithNull':
    case 'FillWithEmpty':
    case 'FillWithMostFrequent':
      return compileFill(step, scope);
    case 'RemoveMissing': {
      const column = scope.column(step.sourceColumn);
      const condition = scope.when(step.conditions);
      const gone = missing(ref(column), typeClass(column.type));
      return {
        outputs: pass(scope.columns),
        where: `NOT (${condition === undefined ? gone : `${gone} AND ${condition}`})`,
      };
    }
    case 'RemoveValues':
      scope.column(step.sourceColumn);
      return { outputs: pass(scope.columns), where: `NOT (${scope.when(step.conditions)})` };
    case 'DeleteDuplicateRows':
      // Identical rows are indistinguishable, so keeping "the first" is keeping one: DISTINCT.
      return { outputs: pass(scope.columns), distinct: true };
    case 'FormatDate':
      return compileFormatDate(step, scope);
    case 'CryptographicHash': {
      const variable = secretVariableName(step.secretId, step.secretVersion);
      scope.variables.add(variable);
      const hashed = new Set(step.sourceColumns.map((name) => scope.column(name).name));
      const outputs = scope.columns.map((column) =>
        hashed.has(column.name)
          ? { name: column.name, type: 'VARCHAR', expr: hmacSha256Base64(ref(column), variable) }
          : column,
      );
      return { outputs };
    }
    default:
      return scope.fail('this operation is not implemented by the compiler');
  }
}

interface Derivation {
  readonly type: 'VARCHAR' | 'INTEGER';
  readonly needs: string;
  readonly derive: (expr: string, cls: TypeClass) => string | undefined;
}

const TRIM: Derivation = {
  type: 'VARCHAR',
  needs: 'text',
  derive: (expr, cls) => (cls === 'string' ? trimmed(expr) : undefined),
};

const YEAR: Derivation = {
  type: 'INTEGER',
  needs: 'a date, a timestamp or text',
  derive: (expr, cls) => {
    const value = asTimestamp(expr, cls);
    return value === undefined ? undefined : `CAST(year(${value}) AS INTEGER)`;
  },
};

/** TRIM and YEAR: DataBrew functions that write a new column from a column or a constant. */
function compileDerived(
  scope: Scope,
  source: ColumnSource,
  target: string,
  how: Derivation,
  conditions: readonly Condition[] = [],
): StepSql {
  const column = 'column' in source ? scope.column(source.column) : undefined;
  const expr = column === undefined ? quoteLiteral('value' in source ? source.value : '') : ref(column);
  const derived = how.derive(expr, column === undefined ? 'string' : typeClass(column.type));
  if (derived === undefined)
    scope.fail(`column ${JSON.stringify(column?.name)} is ${column?.type}; this needs ${how.needs}`);
  const value = guarded(scope.when(conditions), derived, expr);
  // Writing onto the source column itself is a Seawall leniency: trim in place without DUPLICATE + DELETE.
  if (column !== undefined && target === column.name)
    return { outputs: replace(scope, target, value, how.type) };
  scope.assertNew(target);
  return { outputs: [...pass(scope.columns), { name: target, type: how.type, expr: value }] };
}

type FillStep = Extract<
  RecipeStep,
  { kind: 'FillWithCustom' | 'FillWithNull' | 'FillWithEmpty' | 'FillWithMostFrequent' }
>;

function compileFill(step: FillStep, scope: Scope): StepSql {
  const column = scope.column(step.sourceColumn);
  const expr = ref(column);
  // With conditions, they choose the rows to fill; without, the missing ones do.
  const chosen = scope.when(step.conditions) ?? missing(expr, typeClass(column.type));
  const fill = fillValue(step, scope, column, chosen);
  return { outputs: replace(scope, column.name, `CASE WHEN ${chosen} THEN ${fill} ELSE ${expr} END`) };
}

function fillValue(step: FillStep, scope: Scope, column: ColumnSchema, chosen: string): string {
  const expr = ref(column);
  switch (step.kind) {
    case 'FillWithNull':
      return 'NULL';
    case 'FillWithEmpty':
      textColumn(scope, column.name);
      return "''";
    case 'FillWithCustom': {
      const literal = literalFor(step.value, column);
      if (literal === undefined)
        scope.fail(`value ${JSON.stringify(step.value.slice(0, 64))} does not fit the ${column.type} column`);
      return literal;
    }
    case 'FillWithMostFrequent': {
      const groups = step.groupByColumns.map((name) => ref(scope.column(name)));
      const over = groups.length === 0 ? 'OVER ()' : `OVER (PARTITION BY ${groups.join(', ')})`;
      // The most frequent of the values that are kept, so a value being replaced never fills itself back in;
      // a group with no kept value yields NULL.
      const absent = missing(expr, typeClass(column.type));
      const kept = chosen === absent ? `NOT ${absent}` : `NOT (${chosen}) AND NOT ${absent}`;
      return `mode(CASE WHEN ${kept} THEN ${expr} END) ${over}`;
    }
  }
}

function compileFormatDate(step: Extract<RecipeStep, { kind: 'FormatDate' }>, scope: Scope): StepSql {
  const column = scope.column(step.sourceColumn);
  const cls = typeClass(column.type);
  const value = asTimestamp(ref(column), cls);
  if (value === undefined)
    scope.fail(`column ${JSON.stringify(column.name)} is ${column.type}; this needs a date`);
  const condition = scope.when(step.conditions);
  if (condition !== undefined && cls !== 'string') {
    scope.fail('with ConditionExpressions the column must be text, since unmatched rows keep their value');
  }
  const formatted = `strftime(${value}, ${strftimeFormat(step.format)})`;
  return { outputs: replace(scope, column.name, guarded(condition, formatted, ref(column)), 'VARCHAR') };
}
