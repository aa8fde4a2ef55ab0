import { QueryRejected } from '../sandbox-tree.js';
import type { QualifiedName } from './ast.js';
import { syntaxError, type Token } from './tokens.js';

/** How deep nested types and parentheses may go before a statement is refused. */
export const MAX_DEPTH = 64;

function shown(token: Token): string {
  return token.kind === 'end' ? '<EOF>' : token.text.slice(0, 64);
}

/** A position in a statement's tokens, with the reading steps every rule of the grammar uses. */
export class Cursor {
  private index = 0;

  constructor(
    readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  peek(ahead = 0): Token {
    const last = this.tokens[this.tokens.length - 1] as Token;
    return this.tokens[this.index + ahead] ?? last;
  }

  /** Whether the token `ahead` is the (unquoted, any case) word. */
  isWord(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }

  isSymbol(symbol: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'symbol' && token.text === symbol;
  }

  advance(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  /** Consumes the words if they come next, in order; otherwise consumes nothing. */
  accept(...words: string[]): boolean {
    if (!words.every((word, i) => this.isWord(word, i))) return false;
    this.index += words.length;
    return true;
  }

  acceptSymbol(symbol: string): boolean {
    if (!this.isSymbol(symbol)) return false;
    this.index++;
    return true;
  }

  /** Trino's "mismatched input" error at the next token, naming what would have been read. */
  mismatched(...expecting: string[]): QueryRejected {
    const token = this.peek();
    return syntaxError(
      this.source,
      token.start,
      `mismatched input '${shown(token)}'. Expecting: ${expecting.join(', ')}`,
    );
  }

  expect(...words: string[]): void {
    for (const word of words) if (!this.accept(word)) throw this.mismatched(`'${word}'`);
  }

  expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) throw this.mismatched(`'${symbol}'`);
  }

  /** One of the words, upper-cased. */
  oneOf(...words: string[]): string {
    const found = words.find((word) => this.isWord(word));
    if (!found) throw this.mismatched(...words.map((w) => `'${w}'`));
    this.index++;
    return found;
  }

  /** An identifier, unquoted or quoted, lower-cased as Glue keeps names. */
  identifier(): string {
    const token = this.peek();
    if (token.kind !== 'word' && token.kind !== 'quoted') throw this.mismatched('<identifier>');
    this.index++;
    return token.text.toLowerCase();
  }

  qualifiedName(): QualifiedName {
    const first = this.identifier();
    if (!this.acceptSymbol('.')) return { name: first };
    const name = this.identifier();
    if (this.isSymbol('.')) throw this.mismatched('<EOF>');
    return { database: first, name };
  }

  string(): string {
    const token = this.peek();
    if (token.kind !== 'string') throw this.mismatched('<string>');
    this.index++;
    return token.text;
  }

  /** A string or number literal, as text (a partition value). */
  literal(): string {
    const token = this.peek();
    if (token.kind !== 'string' && token.kind !== 'number') throw this.mismatched('<string>', '<number>');
    this.index++;
    return token.text;
  }

  /** The statement must end here (a final `;` allowed). */
  end(): void {
    this.acceptSymbol(';');
    if (this.peek().kind !== 'end') throw this.mismatched('<EOF>');
  }

  /**
   * The source text from the next token to the end of the statement, less a final `;` and less the trailing
   * words `stop` (e.g. WITH NO DATA) when they end it; the cursor moves to the end.
   */
  rest(...stops: string[][]): { text: string; stop?: string[] } {
    const first = this.peek();
    if (first.kind === 'end') throw this.mismatched('<query>');
    let last = this.tokens.length - 2;
    if (this.tokens[last]?.kind === 'symbol' && this.tokens[last]?.text === ';') last--;
    let stop: string[] | undefined;
    for (const words of stops) {
      const from = last - words.length + 1;
      const matches = words.every((word, i) => {
        const token = this.tokens[from + i];
        return token?.kind === 'word' && token.text.toUpperCase() === word;
      });
      if (matches && from > this.index) {
        stop = words;
        last = from - 1;
        break;
      }
    }
    const end = (this.tokens[last] as Token).end;
    this.index = this.tokens.length - 1;
    return { text: this.source.slice(first.start, end), ...(stop ? { stop } : {}) };
  }

  /**
   * Skips a balanced parenthesised group starting at the next `(`, returning its inner source text; nesting
   * past MAX_DEPTH is refused.
   */
  parenthesised(): string {
    const open = this.peek();
    this.expectSymbol('(');
    let depth = 1;
    for (;;) {
      const token = this.advance();
      if (token.kind === 'end') throw this.mismatched("')'");
      if (token.kind !== 'symbol') continue;
      if (token.text === '(' && ++depth > MAX_DEPTH * 16)
        throw new QueryRejected('The statement is nested too deeply.');
      if (token.text === ')' && --depth === 0) return this.source.slice(open.end, token.start);
    }
  }
}
