import { syntaxError } from './policy-error.js';

/**
 * A JSON tree that keeps what JSON.parse loses and IAM cares about: duplicate keys are refused, numbers
 * keep their literal text (IAM stores condition values as strings), and objects are Maps so keys such as
 * `__proto__` are plain data.
 */
export type JsonValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'array'; readonly items: readonly JsonValue[] }
  | { readonly kind: 'object'; readonly entries: ReadonlyMap<string, JsonValue> };

/** Deep enough for any real policy, shallow enough that hostile nesting cannot exhaust the stack. */
const maxDepth = 64;

const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const escapes: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  expect(char: string): void {
    if (this.text[this.pos] !== char) syntaxError(`Expected '${char}' at offset ${this.pos}`);
    this.pos++;
  }

  value(depth: number): JsonValue {
    if (depth > maxDepth) syntaxError(`JSON nested deeper than ${maxDepth}`);
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { kind: 'string', value: this.string() };
    if (c === 't' || c === 'f' || c === 'n') return this.literal();
    return this.number();
  }

  object(depth: number): JsonValue {
    this.pos++;
    const entries = new Map<string, JsonValue>();
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') syntaxError(`Expected a key at offset ${this.pos}`);
      const key = this.string();
      if (entries.has(key)) syntaxError(`Duplicate key ${key}`);
      this.skipSpace();
      this.expect(':');
      entries.set(key, this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return { kind: 'object', entries };
      }
      this.expect(',');
    }
  }

  array(depth: number): JsonValue {
    this.pos++;
    const items: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
      this.expect(',');
    }
  }

  string(): string {
    const { text } = this;
    let out = '';
    let start = ++this.pos;
    for (;;) {
      if (this.pos >= text.length) syntaxError('Unterminated string');
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) syntaxError(`Control character in string at offset ${this.pos}`);
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += text.slice(start, this.pos) + this.escape();
      start = this.pos;
    }
    out += text.slice(start, this.pos);
    this.pos++;
    return out;
  }

  escape(): string {
    const code = this.text[this.pos + 1] ?? '';
    this.pos += 2;
    const simple = escapes[code];
    if (simple !== undefined) return simple;
    const hex = this.text.slice(this.pos, this.pos + 4);
    if (code !== 'u' || !/^[0-9a-fA-F]{4}$/.test(hex)) syntaxError(`Bad escape at offset ${this.pos}`);
    this.pos += 4;
    return String.fromCharCode(Number.parseInt(hex, 16));
  }

  literal(): JsonValue {
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value === null ? { kind: 'null' } : { kind: 'boolean', value };
      }
    }
    return syntaxError(`Unexpected token at offset ${this.pos}`);
  }

  number(): JsonValue {
    numberPattern.lastIndex = this.pos;
    const match = numberPattern.exec(this.text);
    if (match === null) syntaxError(`Unexpected token at offset ${this.pos}`);
    this.pos += match[0].length;
    return { kind: 'number', text: match[0] };
  }
}

/** Parses one JSON document strictly; any fault throws PolicyError("Syntax errors in policy."). */
export function parseStrictJson(text: string): JsonValue {
  const scanner = new Scanner(text);
  const value = scanner.value(0);
  scanner.skipSpace();
  if (scanner.pos !== text.length) syntaxError(`Unexpected text after the document at offset ${scanner.pos}`);
  return value;
}
