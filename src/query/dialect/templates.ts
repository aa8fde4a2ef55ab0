import { isNode, type Json, type JsonNode, unrecognised } from '../sandbox-tree.js';

/** How a number JSON.parse would change is kept: as its JSON text, behind this mark, in a string. */
const NUMBER_MARK = '\u0001number:';

/**
 * JSON.parse for DuckDB's serialised trees, keeping every number exactly as DuckDB wrote it: a double written
 * `7.0` must go back as a double (DuckDB refuses `7` there), and an integer past 2^53 must not be rounded. Only
 * small integers become JavaScript numbers. DuckDB writes "no position" as 2^64 - 1: it becomes 0.
 */
export function parseTree(json: string): Json {
  let out = '';
  let last = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      for (i++; i < json.length && json[i] !== '"'; i++) if (json[i] === '\\') i++;
      continue;
    }
    if (c !== '-' && (c === undefined || c < '0' || c > '9')) continue;
    let end = i + 1;
    while (end < json.length && /[0-9.eE+-]/.test(json[end] as string)) end++;
    const number = json.slice(i, end);
    if (/[.eE]/.test(number) || number.replace('-', '').length > 15) {
      out += `${json.slice(last, i)}"\\u0001number:${number}"`;
      last = end;
    }
    i = end - 1;
  }
  return JSON.parse(out + json.slice(last), (key, value) => {
    if (key === 'query_location' && typeof value === 'string' && value.startsWith(NUMBER_MARK)) return 0;
    return value;
  }) as Json;
}

/** JSON text of a tree for DuckDB: the numbers parseTree kept go back as DuckDB wrote them. */
export function stringifyTree(tree: Json): string {
  return JSON.stringify(tree).replace(/"\\u0001number:([0-9.eE+-]+)"/g, '$1');
}

/** A number parseTree kept as text, as a JavaScript number (for rules that read a constant). */
export function keptNumber(value: unknown): unknown {
  return typeof value === 'string' && value.startsWith(NUMBER_MARK)
    ? Number(value.slice(NUMBER_MARK.length))
    : value;
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
    // A placeholder the template names (a struct field `{'s': $2}`) keeps its name.
    return value.alias ? { ...arg, alias: value.alias } : arg;
  }
  const copy: JsonNode = {};
  for (const [key, item] of Object.entries(value)) copy[key] = substitute(item, args);
  return copy;
}
