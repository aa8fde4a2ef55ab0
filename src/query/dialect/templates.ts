import { isNode, type Json, type JsonNode, unrecognised } from '../sandbox-tree.js';

/**
 * JSON.parse for DuckDB's serialised trees. DuckDB writes "no position" as 2^64 - 1, which JavaScript rounds to a
 * number DuckDB cannot read back: it becomes 0.
 */
export function parseTree(json: string): Json {
  return JSON.parse(json, (key, value) =>
    key === 'query_location' && typeof value === 'number' && !Number.isSafeInteger(value) ? 0 : value,
  ) as Json;
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
    return arg;
  }
  const copy: JsonNode = {};
  for (const [key, item] of Object.entries(value)) copy[key] = substitute(item, args);
  return copy;
}
