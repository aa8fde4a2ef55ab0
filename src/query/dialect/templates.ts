import { randomUUID } from 'node:crypto';
import { isNode, type Json, type JsonNode, unrecognised } from '../sandbox-tree.js';

/** Marks an integer too long for a JavaScript number, kept as text between parse and stringify. */
const BIG = `\u0000bigint${randomUUID()}:`;

/**
 * JSON.parse for DuckDB's serialised trees. DuckDB writes "no position" as 2^64 - 1, which JavaScript rounds to a
 * number DuckDB cannot read back: it becomes 0. An integer constant longer than 15 digits (a BIGINT literal)
 * would be rounded too: it is kept as marked text, written back as the number by stringifyTree.
 */
export function parseTree(json: string): Json {
  return JSON.parse(markBigIntegers(json), (key, value) =>
    key === 'query_location' && ((typeof value === 'number' && !Number.isSafeInteger(value)) || isBig(value))
      ? 0
      : value,
  ) as Json;
}

function isBig(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(BIG);
}

/** The JSON text with every integer token of 16 digits or more turned into a marked string. */
function markBigIntegers(json: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (char === '"') {
      for (i++; i < json.length && json[i] !== '"'; i++) if (json[i] === '\\') i++;
    } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      const match = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(json.slice(i, i + 64));
      const token = match?.[0] ?? char;
      if (!match?.[1] && !match?.[2] && token.replace('-', '').length > 15) {
        out += `${json.slice(from, i)}"${JSON.stringify(BIG).slice(1, -1)}${token}"`;
        from = i + token.length;
      }
      i += token.length - 1;
    }
  }
  return out + json.slice(from);
}

/**
 * JSON.stringify for a tree going back to DuckDB. DuckDB writes a DOUBLE constant back as text its parser reads
 * as a DECIMAL (`1e0` becomes `1.0`), so it is wrapped in a cast to its type; an integral one was read by
 * JSON.parse as an integer, which DuckDB would not read as a double: it is written `1.0`.
 */
export function stringifyTree(tree: Json): string {
  const marker = `\u0000double${randomUUID()}:`;
  const wrapped = new WeakSet<JsonNode>();
  const text = JSON.stringify(tree, (_key, value: Json) => {
    if (!isNode(value) || value.class !== 'CONSTANT' || !isNode(value.value) || wrapped.has(value))
      return value;
    const constant = value.value;
    const type = isNode(constant.type) ? constant.type : undefined;
    if (type?.id !== 'DOUBLE' && type?.id !== 'FLOAT') return value;
    const number = constant.value ?? null;
    const child: JsonNode = {
      ...value,
      alias: '',
      value: {
        ...constant,
        value:
          typeof number === 'number' && /^-?[0-9]+$/.test(String(number)) ? `${marker}${number}` : number,
      },
    };
    wrapped.add(child);
    return {
      class: 'CAST',
      type: 'OPERATOR_CAST',
      alias: value.alias ?? '',
      query_location: value.query_location ?? 0,
      child,
      cast_type: type,
      try_cast: false,
    };
  });
  const quoted = JSON.stringify(marker).slice(1, -1);
  const big = JSON.stringify(BIG).slice(1, -1);
  return text
    .replace(new RegExp(`"${escapeRegExp(big)}(-?[0-9]+)"`, 'g'), '$1')
    .replace(new RegExp(`"${escapeRegExp(quoted)}(-?[0-9]+)"`, 'g'), '$1.0');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Distinct template texts kept parsed; templates are few (a rule's text rarely depends on its input). */
const MAX_TEMPLATES = 4096;

/**
 * Templates parsed by DuckDB's own parser, once per text: `SELECT <template>` and its one select item.
 * `serialize` is the parser's `json_serialize_sql`.
 */
export class Templates {
  private readonly parsed = new Map<string, JsonNode>();

  constructor(private readonly serialize: (sql: string) => Promise<string>) {}

  async tree(template: string): Promise<JsonNode> {
    const known = this.parsed.get(template);
    if (known) return known;
    const root = parseTree(await this.serialize(`SELECT ${template}`));
    const item = isNode(root) && root.error !== true ? selectItem(root) : undefined;
    // A template is Seawall's own text: one that does not parse is a bug, reported as unsupported syntax.
    if (!item) throw unrecognised(`a translation that does not parse: ${template.slice(0, 200)}`);
    if (this.parsed.size >= MAX_TEMPLATES) this.parsed.clear();
    this.parsed.set(template, item);
    return item;
  }

  /** The template's tree with `$k` replaced by `args[k-1]` (copies: the cached tree is never shared). */
  async expand(template: string, args: readonly JsonNode[]): Promise<JsonNode> {
    return substitute(await this.tree(template), args) as JsonNode;
  }
}

function selectItem(root: JsonNode): JsonNode | undefined {
  const statements = root.statements;
  if (!Array.isArray(statements) || statements.length !== 1) return undefined;
  const statement = statements[0];
  const query = isNode(statement) ? statement.node : undefined;
  const items = isNode(query) ? query.select_list : undefined;
  return Array.isArray(items) && items.length === 1 && isNode(items[0]) ? items[0] : undefined;
}

function substitute(value: Json, args: readonly JsonNode[]): Json {
  if (Array.isArray(value)) return value.map((item) => substitute(item, args));
  if (!isNode(value)) return value;
  if (value.class === 'PARAMETER') {
    const index = Number(value.identifier) - 1;
    const arg = args[index];
    if (!arg) throw unrecognised(`a translation that needs argument ${index + 1}`);
    // A placeholder named in the template ({'key': $1} names a struct field) keeps its name.
    return typeof value.alias === 'string' && value.alias !== '' ? { ...arg, alias: value.alias } : arg;
  }
  const copy: JsonNode = {};
  for (const [key, item] of Object.entries(value)) copy[key] = substitute(item, args);
  return copy;
}
