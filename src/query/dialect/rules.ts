import { type JsonNode, QueryRejected } from '../sandbox-tree.js';
import { keptNumber } from './templates.js';

/**
 * How one Trino (Athena) function becomes DuckDB: a rule per function name, looked up lower-cased.
 *
 * A rule answers with a template: DuckDB SQL for one expression, over `$1`…`$n`, the call's arguments (already
 * translated), and `$n+1`… for the `extra` trees it adds (constants it computed, such as a converted format
 * string: never paste a user's value into the template text). The template is parsed by DuckDB's own parser,
 * once per distinct text, and its placeholders are replaced by the argument trees: the translation happens on
 * syntax trees, never on SQL text.
 *
 * A rule may refuse (throw QueryRejected) when Trino's semantics cannot be given, for example a
 * format string that is not a constant. A name without a rule is not a function of Athena's: it is refused.
 */
export interface Call {
  /** The name as written, for messages. */
  readonly name: string;
  /** The arguments as written (before translation): inspect them for constants. */
  readonly args: readonly JsonNode[];
  /** The arguments translated (what `$1`… stand for), to build trees from (a lambda rewritten for DuckDB). */
  readonly translated: readonly JsonNode[];
  /** DISTINCT inside an aggregate call. */
  readonly distinct: boolean;
  /** Whether the call has ORDER BY inside it (array_agg(x ORDER BY y)) or a FILTER clause: kept as they are. */
  readonly ordered: boolean;
  /**
   * The zone of an argument whose translation is a wall-clock time in a zone (what Trino's `timestamp with
   * time zone` becomes here, see trino-datetime.ts), as a tree, or undefined.
   */
  zoneOf(index: number): JsonNode | undefined;
}

/**
 * A template, with the trees it adds after the arguments, and which placeholder (1-based, over the arguments
 * then the extras) holds the zone when its value is a wall-clock time in a zone.
 */
export type Translation = string | { sql: string; extra?: readonly JsonNode[]; zone?: number };

export type Rule = (call: Call) => Translation;

/** The same function in DuckDB, same arguments and same answer: the call is kept as written. */
export const SAME: Rule = () => KEEP;
/** The marker SAME answers with. */
export const KEEP = '\u0000keep';

/** A fixed template, with the argument counts Trino accepts (a count outside them is refused). */
export function template(sql: string, arity?: number | readonly [number, number]): Rule {
  return (call) => {
    checkArity(call, arity);
    return sql;
  };
}

/** The same as DuckDB's function of another name, same arguments. */
export function renamed(duckdbName: string, arity?: number | readonly [number, number]): Rule {
  return (call) => {
    checkArity(call, arity);
    return `${duckdbName}(${call.args.map((_, i) => `$${i + 1}`).join(', ')})`;
  };
}

export function checkArity(call: Call, arity: number | readonly [number, number] | undefined): void {
  if (arity === undefined) return;
  const [min, max] = typeof arity === 'number' ? [arity, arity] : arity;
  if (call.args.length < min || call.args.length > max) throw wrongArguments(call);
}

/** Athena's message for a call with arguments no signature takes. */
export function wrongArguments(call: Call): QueryRejected {
  return new QueryRejected(
    `FUNCTION_NOT_FOUND: Unexpected parameters (${call.args.length} arguments) for function ${call.name}.`,
  );
}

/**
 * SQL failing as Trino fails a call whose argument's type has no signature, for a type known only when DuckDB
 * binds the query (the CASE branch for the types a rule does not take).
 */
export function unexpectedType(name: string, arg = '$1'): string {
  return `error('FUNCTION_NOT_FOUND: Unexpected parameters (' || lower(typeof(${arg})) || ') for function ${name}')`;
}

/** The constant value of an argument written as a literal (a string, number, boolean or NULL), if it is one. */
export function constantOf(node: JsonNode | undefined): { value: unknown; type: string } | undefined {
  if (node?.class !== 'CONSTANT') return undefined;
  const value = node.value as { type?: { id?: string }; is_null?: boolean; value?: unknown } | undefined;
  if (!value) return undefined;
  return { value: value.is_null ? null : keptNumber(value.value), type: String(value.type?.id ?? '') };
}

/** A string argument that must be a literal (a format, a unit, a time zone). */
export function constantString(call: Call, index: number, what: string): string {
  const constant = constantOf(call.args[index]);
  if (!constant || typeof constant.value !== 'string')
    throw new QueryRejected(
      `NOT_SUPPORTED: ${call.name}'s ${what} must be a string literal here (argument ${index + 1}).`,
    );
  return constant.value;
}

/** A VARCHAR constant node, to pass as an `extra` of a translation. */
export function stringConstant(value: string): JsonNode {
  return {
    class: 'CONSTANT',
    type: 'VALUE_CONSTANT',
    alias: '',
    query_location: 0,
    value: { type: { id: 'VARCHAR', type_info: null }, is_null: false, value },
  };
}

/** Rules by lower-cased Trino function name. */
export type RuleTable = Readonly<Record<string, Rule>>;

/**
 * The number an argument written as a numeric literal stands for (`2`, `-0.5`, `1e3`; DuckDB keeps a DECIMAL
 * constant unscaled, with its scale in the type), if it is one.
 */
export function numberOf(node: JsonNode | undefined): number | undefined {
  if (node?.class === 'FUNCTION' && node.function_name === '-' && Array.isArray(node.children)) {
    const [only, ...rest] = node.children;
    const inner =
      rest.length === 0 && only !== null && typeof only === 'object' && !Array.isArray(only)
        ? numberOf(only)
        : undefined;
    return inner === undefined ? undefined : -inner;
  }
  const constant = constantOf(node);
  if (!constant || constant.value === null) return undefined;
  const value = Number(constant.value);
  if (!Number.isFinite(value) || typeof constant.value === 'boolean') return undefined;
  if (constant.type === 'DECIMAL') {
    const info = (node?.value as { type?: { type_info?: { scale?: number } } } | undefined)?.type?.type_info;
    return value / 10 ** (info?.scale ?? 0);
  }
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DOUBLE|FLOAT)$/.test(
    constant.type,
  )
    ? value
    : undefined;
}
