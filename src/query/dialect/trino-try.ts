import { isNode, type Json, type JsonNode, QueryRejected } from '../sandbox-tree.js';

/** The errors Trino's try() turns into NULL (its TryFunction's list), as the templates' messages start. */
const CAUGHT =
  /^(INVALID_FUNCTION_ARGUMENT|DIVISION_BY_ZERO|INVALID_CAST_ARGUMENT|NUMERIC_VALUE_OUT_OF_RANGE)\b/;

/**
 * The expression inside try(...), with the templates' error() calls for errors Trino's try catches made NULL:
 * DuckDB's TRY refuses volatile functions, and error() is one. Another error() (a refusal) is refused here.
 */
export function withinTry(node: Json): Json {
  if (Array.isArray(node)) return node.map(withinTry);
  if (!isNode(node)) return node;
  if (node.class === 'FUNCTION' && node.function_name === 'error') {
    const message = firstString(node.children);
    if (!CAUGHT.test(message))
      throw new QueryRejected(`NOT_SUPPORTED: try() around an expression that fails with: ${message}`);
    return nullConstant(node);
  }
  const out: JsonNode = {};
  for (const [key, value] of Object.entries(node)) out[key] = withinTry(value);
  return out;
}

function firstString(node: Json | undefined): string {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = firstString(item);
      if (found) return found;
    }
    return '';
  }
  if (!isNode(node)) return '';
  if (node.class === 'CONSTANT' && isNode(node.value) && typeof node.value.value === 'string')
    return node.value.value;
  return firstString(Object.values(node));
}

function nullConstant(like: JsonNode): JsonNode {
  return {
    class: 'CONSTANT',
    type: 'VALUE_CONSTANT',
    alias: like.alias ?? '',
    query_location: like.query_location ?? 0,
    value: { type: { id: 'NULL', type_info: null }, is_null: true },
  };
}
