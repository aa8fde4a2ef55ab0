import { parseOperatorName } from './condition-operators.js';
import { syntaxError } from './policy-error.js';
import type { Condition, MatchBlock, PrincipalBlock, PrincipalMap } from './policy-types.js';
import type { JsonValue } from './strict-json.js';

/**
 * Readers for one statement's elements: they check JSON types and shapes only, refusing anything else
 * as a syntax error the way IAM does. Semantic checks (vendors, ARNs, required elements) come later.
 */

/** A JSON string, number or boolean as the string IAM stores. */
export function scalarText(value: JsonValue): string | undefined {
  if (value.kind === 'string') return value.value;
  if (value.kind === 'number') return value.text;
  if (value.kind === 'boolean') return String(value.value);
  return undefined;
}

/** A string, or a list of strings; IAM accepts both wherever the grammar shows a list. */
export function stringList(value: JsonValue, element: string): readonly string[] {
  if (value.kind === 'string') return [value.value];
  if (value.kind !== 'array') return syntaxError(`${element} must be a string or a list of strings`);
  return value.items.map((item) => {
    if (item.kind !== 'string') return syntaxError(`${element} must hold only strings`);
    return item.value;
  });
}

/** Reads one of a pair such as Action/NotAction; both present is a syntax error. */
export function matchBlock(
  entries: ReadonlyMap<string, JsonValue>,
  positive: string,
  negative: string,
): MatchBlock | undefined {
  const plain = entries.get(positive);
  const not = entries.get(negative);
  if (plain !== undefined && not !== undefined)
    syntaxError(`A statement cannot hold both ${positive} and ${negative}`);
  if (plain !== undefined)
    return Object.freeze({ negated: false, patterns: Object.freeze(stringList(plain, positive)) });
  if (not !== undefined)
    return Object.freeze({ negated: true, patterns: Object.freeze(stringList(not, negative)) });
  return undefined;
}

const principalKeys = ['AWS', 'Service', 'Federated', 'CanonicalUser'] as const;

function principalMap(value: JsonValue, element: string): PrincipalMap {
  if (value.kind !== 'object') return syntaxError(`${element} must be "*" or a map`);
  const lists: Record<string, readonly string[]> = { AWS: [], Service: [], Federated: [], CanonicalUser: [] };
  for (const [key, item] of value.entries) {
    if (!(principalKeys as readonly string[]).includes(key)) syntaxError(`Unknown principal type ${key}`);
    lists[key] = Object.freeze(stringList(item, `${element}.${key}`));
  }
  return Object.freeze({
    AWS: lists.AWS ?? [],
    Service: lists.Service ?? [],
    Federated: lists.Federated ?? [],
    CanonicalUser: lists.CanonicalUser ?? [],
  });
}

/** Reads Principal or NotPrincipal, normalized to "*" or a map of four lists. */
export function principalBlock(entries: ReadonlyMap<string, JsonValue>): PrincipalBlock | undefined {
  const plain = entries.get('Principal');
  const not = entries.get('NotPrincipal');
  if (plain !== undefined && not !== undefined)
    syntaxError('A statement cannot hold both Principal and NotPrincipal');
  const value = plain ?? not;
  if (value === undefined) return undefined;
  const element = plain !== undefined ? 'Principal' : 'NotPrincipal';
  if (value.kind === 'string' && value.value !== '*') syntaxError(`${element} must be "*" or a map`);
  const spec = value.kind === 'string' ? '*' : principalMap(value, element);
  return Object.freeze({ negated: not !== undefined, spec });
}

function conditionValues(value: JsonValue, key: string): readonly string[] {
  const items = value.kind === 'array' ? value.items : [value];
  return Object.freeze(
    items.map(
      (item) =>
        scalarText(item) ?? syntaxError(`Condition values for ${key} must be strings, numbers or booleans`),
    ),
  );
}

/** Flattens the Condition block into one entry per operator and key. */
export function conditionList(value: JsonValue | undefined): readonly Condition[] {
  if (value === undefined) return Object.freeze([]);
  if (value.kind !== 'object') return syntaxError('Condition must be a map');
  const conditions: Condition[] = [];
  for (const [name, block] of value.entries) {
    if (block.kind !== 'object') syntaxError(`Condition ${name} must map keys to values`);
    const parsed = parseOperatorName(name);
    // IAM accepts an unknown operator whose block is empty; there is nothing in it to evaluate.
    if (parsed === undefined && block.entries.size === 0) continue;
    if (parsed === undefined) return syntaxError(`Invalid Condition type : ${name}`);
    for (const [key, values] of block.entries) {
      conditions.push(Object.freeze({ ...parsed, key, values: conditionValues(values, key) }));
    }
  }
  return Object.freeze(conditions);
}
