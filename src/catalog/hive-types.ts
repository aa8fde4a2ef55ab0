import { badRequest } from '../errors.js';
import { quoteIdent } from '../lib/sql.js';

/**
 * Column types cross two vocabularies: the catalog's Hive types (what Glue and Athena use: `bigint`,
 * `string`, `array<int>`, `struct<a:int>`) and DuckDB's (`BIGINT`, `VARCHAR`, `INTEGER[]`, `STRUCT(a INTEGER)`).
 * Both directions parse the type into a tree first, so nested types convert exactly.
 */
export type TypeTree =
  | { kind: 'primitive'; name: string }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'array'; element: TypeTree }
  | { kind: 'map'; key: TypeTree; value: TypeTree }
  | { kind: 'struct'; fields: { name: string; type: TypeTree }[] };

const HIVE_TO_DUCKDB: Record<string, string> = {
  string: 'VARCHAR',
  varchar: 'VARCHAR',
  char: 'VARCHAR',
  boolean: 'BOOLEAN',
  tinyint: 'TINYINT',
  smallint: 'SMALLINT',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  binary: 'BLOB',
};

const DUCKDB_TO_HIVE: Record<string, string> = {
  VARCHAR: 'string',
  JSON: 'string',
  UUID: 'string',
  TIME: 'string',
  INTERVAL: 'string',
  BOOLEAN: 'boolean',
  TINYINT: 'tinyint',
  SMALLINT: 'smallint',
  INTEGER: 'int',
  BIGINT: 'bigint',
  UTINYINT: 'smallint',
  USMALLINT: 'int',
  UINTEGER: 'bigint',
  UBIGINT: 'decimal(20,0)',
  HUGEINT: 'decimal(38,0)',
  FLOAT: 'float',
  DOUBLE: 'double',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  TIMESTAMPTZ: 'timestamp',
  TIMESTAMP_S: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  BLOB: 'binary',
};

class TypeParser {
  private at = 0;
  constructor(private readonly text: string) {}

  fail(): never {
    throw badRequest(
      'InvalidInputException',
      `Unsupported or malformed column type '${this.text.slice(0, 200)}'.`,
    );
  }
  skip(): void {
    while (this.text[this.at] === ' ') this.at++;
  }
  eat(token: string): boolean {
    this.skip();
    if (this.text.startsWith(token, this.at)) {
      this.at += token.length;
      return true;
    }
    return false;
  }
  expect(token: string): void {
    if (!this.eat(token)) this.fail();
  }
  word(): string {
    this.skip();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.at));
    if (!match) this.fail();
    this.at += match[0].length;
    return match[0];
  }
  identifier(): string {
    this.skip();
    if (this.text[this.at] === '"') {
      const end = this.text.indexOf('"', this.at + 1);
      if (end < 0) this.fail();
      const name = this.text.slice(this.at + 1, end);
      this.at = end + 1;
      return name;
    }
    const match = /^[^\s:,()<>"]+/.exec(this.text.slice(this.at));
    if (!match) this.fail();
    this.at += match[0].length;
    return match[0];
  }
  number(): number {
    this.skip();
    const match = /^\d{1,2}/.exec(this.text.slice(this.at));
    if (!match) this.fail();
    this.at += match[0].length;
    return Number(match[0]);
  }
  done(): void {
    this.skip();
    if (this.at !== this.text.length) this.fail();
  }
}

function parseHive(p: TypeParser, depth: number): TypeTree {
  if (depth > 32) p.fail();
  const name = p.word().toLowerCase();
  if (name === 'array') {
    p.expect('<');
    const element = parseHive(p, depth + 1);
    p.expect('>');
    return { kind: 'array', element };
  }
  if (name === 'map') {
    p.expect('<');
    const key = parseHive(p, depth + 1);
    p.expect(',');
    const value = parseHive(p, depth + 1);
    p.expect('>');
    return { kind: 'map', key, value };
  }
  if (name === 'struct') {
    p.expect('<');
    const fields: { name: string; type: TypeTree }[] = [];
    do {
      const field = p.identifier();
      p.expect(':');
      fields.push({ name: field, type: parseHive(p, depth + 1) });
    } while (p.eat(','));
    p.expect('>');
    return { kind: 'struct', fields };
  }
  if (name === 'decimal') {
    if (!p.eat('(')) return { kind: 'decimal', precision: 10, scale: 0 };
    const precision = p.number();
    const scale = p.eat(',') ? p.number() : 0;
    p.expect(')');
    if (precision < 1 || precision > 38 || scale > precision) p.fail();
    return { kind: 'decimal', precision, scale };
  }
  if ((name === 'varchar' || name === 'char') && p.eat('(')) {
    p.number();
    p.expect(')');
  }
  if (!(name in HIVE_TO_DUCKDB)) p.fail();
  return { kind: 'primitive', name };
}

function parseDuckDb(p: TypeParser, depth: number): TypeTree {
  if (depth > 32) p.fail();
  let tree: TypeTree;
  const name = p.word().toUpperCase();
  if (name === 'STRUCT') {
    p.expect('(');
    const fields: { name: string; type: TypeTree }[] = [];
    do {
      const field = p.identifier();
      fields.push({ name: field, type: parseDuckDb(p, depth + 1) });
    } while (p.eat(','));
    p.expect(')');
    tree = { kind: 'struct', fields };
  } else if (name === 'MAP') {
    p.expect('(');
    const key = parseDuckDb(p, depth + 1);
    p.expect(',');
    const value = parseDuckDb(p, depth + 1);
    p.expect(')');
    tree = { kind: 'map', key, value };
  } else if (name === 'DECIMAL') {
    p.expect('(');
    const precision = p.number();
    p.expect(',');
    const scale = p.number();
    p.expect(')');
    tree = { kind: 'decimal', precision, scale };
  } else {
    const hive = DUCKDB_TO_HIVE[name];
    if (!hive) p.fail();
    tree = hive.startsWith('decimal') ? parseHiveType(hive) : { kind: 'primitive', name: hive };
  }
  while (p.eat('[]')) tree = { kind: 'array', element: tree };
  return tree;
}

export function parseHiveType(text: string): TypeTree {
  const p = new TypeParser(text.trim());
  const tree = parseHive(p, 0);
  p.done();
  return tree;
}

export function parseDuckDbType(text: string): TypeTree {
  const p = new TypeParser(text.trim().replace(/TIMESTAMP WITH TIME ZONE/gi, 'TIMESTAMPTZ'));
  const tree = parseDuckDb(p, 0);
  p.done();
  return tree;
}

export function toHive(tree: TypeTree): string {
  switch (tree.kind) {
    case 'primitive':
      return tree.name === 'integer' ? 'int' : tree.name;
    case 'decimal':
      return `decimal(${tree.precision},${tree.scale})`;
    case 'array':
      return `array<${toHive(tree.element)}>`;
    case 'map':
      return `map<${toHive(tree.key)},${toHive(tree.value)}>`;
    case 'struct':
      return `struct<${tree.fields.map((f) => `${f.name}:${toHive(f.type)}`).join(',')}>`;
  }
}

export function toDuckDb(tree: TypeTree): string {
  switch (tree.kind) {
    case 'primitive':
      return HIVE_TO_DUCKDB[tree.name] as string;
    case 'decimal':
      return `DECIMAL(${tree.precision},${tree.scale})`;
    case 'array':
      return `${toDuckDb(tree.element)}[]`;
    case 'map':
      return `MAP(${toDuckDb(tree.key)}, ${toDuckDb(tree.value)})`;
    case 'struct':
      return `STRUCT(${tree.fields.map((f) => `${quoteIdent(f.name)} ${toDuckDb(f.type)}`).join(', ')})`;
  }
}

/** The Hive type of a DuckDB column type, as a crawler registers it. */
export function hiveTypeOf(duckDbType: string): string {
  return toHive(parseDuckDbType(duckDbType));
}

/** The DuckDB type to read a catalog column as. */
export function duckDbTypeOf(hiveType: string): string {
  return toDuckDb(parseHiveType(hiveType));
}
