/*
 * Trino syntax that DuckDB's parser does not read, rewritten on the query's tokens (the statement grammar's
 * tokenizer, Trino's lexical rules) before DuckDB parses it; everything else of the text is kept as written:
 *
 * - `ARRAY(T)` as a type (`CAST(x AS ARRAY(INTEGER))`) is DuckDB's `T[]`;
 * - `VALUES 1, 2` (rows without parentheses) is `VALUES (1), (2)`;
 * - `IF(c, x)` is `IF(c, x, NULL)`;
 * - `f(x) IGNORE NULLS OVER (...)` is `f(x IGNORE NULLS) OVER (...)`, and RESPECT NULLS is the default;
 * - `listagg(x, s) WITHIN GROUP (ORDER BY y)` is `listagg(x, s ORDER BY y)`;
 * - `X'0A0B'` (varbinary) is `from_hex('0A0B')`.
 */
import { QueryRejected } from '../sandbox-tree.js';
import { type Token, tokenize, trinoSyntaxError } from '../statements/tokens.js';

interface Edit {
  at: number;
  /** Characters of the source removed from `at`. */
  remove: number;
  insert: string;
  /** Source text inserted after `insert`, with the edits within it made (text a removal takes elsewhere). */
  moved?: { from: number; to: number };
  /**
   * The insertion closes a construct that ends at `at`: at one offset it goes before the others, an inner
   * construct's before an outer's (`IF(c, X'0A')` is `IF(c, from_hex('0A'), NULL)`).
   */
  closes?: true;
}

/** The query with Trino's constructs above written as DuckDB's parser reads them. */
export function preParse(sql: string): string {
  const tokens = tokenize(sql, 'trino');
  const closing = matchParentheses(tokens);
  const edits: Edit[] = [];
  const word = (i: number) => (tokens[i]?.kind === 'word' ? (tokens[i] as Token).text.toLowerCase() : '');
  const symbol = (i: number, text: string) => tokens[i]?.kind === 'symbol' && tokens[i]?.text === text;
  for (let i = 0; i < tokens.length; i++) {
    const name = word(i);
    if (name === 'from' && (i === 0 || symbol(i - 1, '(')))
      throw new QueryRejected("FROM-first queries are not part of Athena's SQL: write SELECT ... FROM.");
    // A trailing comma (`SELECT a, FROM t`, `f(a,)`, `ARRAY[1,]`): DuckDB's parser reads it, Trino's does not.
    if (
      symbol(i, ',') &&
      (word(i + 1) === 'from' || symbol(i + 1, ')') || symbol(i + 1, ']') || tokens[i + 1]?.kind === 'end')
    )
      throw trinoSyntaxError(
        sql,
        (tokens[i + 1] as Token).start,
        `mismatched input '${(tokens[i + 1] as Token).text}'`,
      );
    if ((name === 'cast' || name === 'try_cast') && symbol(i + 1, '('))
      arrayTypes(tokens, i + 1, closing, edits);
    else if (name === 'values') valuesRows(tokens, i + 1, closing, edits);
    else if (name === 'x' && tokens[i + 1]?.kind === 'string' && tokens[i + 1]?.start === tokens[i]?.end) {
      // X'0A0B' is a varbinary literal; DuckDB's parser reads it as the text 'x0A0B'.
      const hex = tokens[i + 1] as Token;
      edits.push({ at: (tokens[i] as Token).start, remove: 1, insert: 'from_hex(' });
      edits.push({ at: hex.end, remove: 0, insert: ')', closes: true });
    } else if (name === 'if' && symbol(i + 1, '(')) {
      const end = closing.get(i + 1) ?? -1;
      if (end > 0 && topLevelCommas(tokens, i + 1, end, closing) === 1)
        edits.push({ at: (tokens[end] as Token).start, remove: 0, insert: ', NULL' });
    } else if (
      symbol(i, ')') &&
      (word(i + 1) === 'ignore' || word(i + 1) === 'respect') &&
      word(i + 2) === 'nulls'
    ) {
      if (word(i + 3) !== 'over') continue;
      edits.push({
        at: (tokens[i + 1] as Token).start,
        remove: (tokens[i + 2] as Token).end - (tokens[i + 1] as Token).start,
        insert: '',
      });
      if (word(i + 1) === 'ignore')
        edits.push({ at: (tokens[i] as Token).start, remove: 0, insert: ' IGNORE NULLS' });
    } else if (name === 'listagg' && symbol(i + 1, '(')) withinGroup(tokens, i + 1, closing, edits);
  }
  return apply(sql, edits);
}

/** Each `(` token's matching `)`. */
function matchParentheses(tokens: readonly Token[]): Map<number, number> {
  const closing = new Map<number, number>();
  const open: number[] = [];
  tokens.forEach((token, i) => {
    if (token.kind !== 'symbol') return;
    if (token.text === '(') open.push(i);
    else if (token.text === ')') {
      const start = open.pop();
      if (start !== undefined) closing.set(start, i);
    }
  });
  return closing;
}

function topLevelCommas(
  tokens: readonly Token[],
  open: number,
  end: number,
  closing: Map<number, number>,
): number {
  let commas = 0;
  for (let i = open + 1; i < end; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'symbol' && token.text === '(') i = closing.get(i) ?? end;
    else if (token.kind === 'symbol' && token.text === ',') commas++;
  }
  return commas;
}

/** In CAST(... AS type): every `ARRAY(T)` of the type becomes `T[]`. */
function arrayTypes(
  tokens: readonly Token[],
  open: number,
  closing: Map<number, number>,
  edits: Edit[],
): void {
  const end = closing.get(open);
  if (end === undefined) return;
  let as = -1;
  for (let i = open + 1; i < end; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'symbol' && token.text === '(') i = closing.get(i) ?? end;
    else if (token.kind === 'word' && token.text.toLowerCase() === 'as') as = i;
  }
  for (let i = as + 1; as > 0 && i < end; i++) {
    const token = tokens[i] as Token;
    const next = tokens[i + 1];
    if (token.kind !== 'word' || token.text.toLowerCase() !== 'array' || next?.text !== '(') continue;
    const inner = closing.get(i + 1);
    if (inner === undefined) continue;
    edits.push({ at: token.start, remove: (next as Token).end - token.start, insert: '' });
    edits.push({ at: (tokens[inner] as Token).start, remove: 1, insert: '[]' });
  }
}

/** Words that end a VALUES list (another VALUES too, so that no token is scanned twice). */
const VALUES_END = new Set(
  'order limit offset fetch union except intersect as window values select from where group having with'.split(
    ' ',
  ),
);

/** After VALUES: each row not written in parentheses gets them. */
function valuesRows(
  tokens: readonly Token[],
  first: number,
  closing: Map<number, number>,
  edits: Edit[],
): void {
  let start = first;
  for (let i = first; i <= tokens.length; i++) {
    const token = tokens[i];
    const ends =
      !token ||
      token.kind === 'end' ||
      (token.kind === 'symbol' && (token.text === ')' || token.text === ';' || token.text === ',')) ||
      (token.kind === 'word' && VALUES_END.has(token.text.toLowerCase()));
    if (!ends) {
      if (token.kind === 'symbol' && token.text === '(') i = closing.get(i) ?? i;
      continue;
    }
    if (i > start) {
      const whole = tokens[start]?.text === '(' && closing.get(start) === i - 1;
      if (!whole) {
        edits.push({ at: (tokens[start] as Token).start, remove: 0, insert: '(' });
        edits.push({ at: (tokens[i - 1] as Token).end, remove: 0, insert: ')', closes: true });
      }
    }
    if (token?.kind !== 'symbol' || token.text !== ',') return;
    start = i + 1;
  }
}

/** listagg(x, s) WITHIN GROUP (ORDER BY y): the ORDER BY moves inside the call. */
function withinGroup(
  tokens: readonly Token[],
  open: number,
  closing: Map<number, number>,
  edits: Edit[],
): void {
  const end = closing.get(open);
  if (end === undefined) return;
  const within = tokens[end + 1];
  const group = tokens[end + 2];
  const orderOpen = end + 3;
  const orderClose = closing.get(orderOpen);
  if (
    within?.text.toLowerCase() !== 'within' ||
    group?.text.toLowerCase() !== 'group' ||
    orderClose === undefined
  )
    return;
  // The ORDER BY's own tokens, moved with the edits made within them.
  const from = tokens[orderOpen + 1] as Token;
  const to = tokens[orderClose - 1] as Token;
  if (orderClose > orderOpen + 1)
    edits.push({
      at: (tokens[end] as Token).start,
      remove: 0,
      insert: ' ',
      moved: { from: from.start, to: to.end },
    });
  edits.push({ at: within.start, remove: (tokens[orderClose] as Token).end - within.start, insert: '' });
}

/**
 * The text with the edits made, in one pass over it: edits in offset order, the source between them kept, an
 * edit within text that an earlier one removed dropped (text moved elsewhere brings its own edits along). At one
 * offset, closing insertions go first, inner before outer (the later made), then the rest in the order they
 * were made. (Splicing each edit into the whole text instead copied it once per edit: seconds for a query of
 * twenty thousand IFs.)
 */
function apply(sql: string, edits: Edit[]): string {
  if (edits.length === 0) return sql;
  const ordered = edits
    .map((edit, order) => ({ edit, first: edit.closes ? 0 : 1, order: edit.closes ? -order : order }))
    .sort((a, b) => a.edit.at - b.edit.at || a.first - b.first || a.order - b.order)
    .map(({ edit }) => edit);
  /** The first edit at or after `offset`. */
  const firstFrom = (offset: number) => {
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((ordered[middle] as Edit).at < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const pieces: string[] = [];
  /** The source from `from` to `to` with the edits within it made. */
  const build = (from: number, to: number) => {
    let kept = from;
    for (let i = firstFrom(from); i < ordered.length; i++) {
      const edit = ordered[i] as Edit;
      // What closes a construct ending with the text is the text's own.
      if (edit.at > to || (edit.at === to && !edit.closes)) break;
      if (edit.at < kept) continue;
      pieces.push(sql.slice(kept, edit.at), edit.insert);
      if (edit.moved) build(edit.moved.from, edit.moved.to);
      kept = edit.at + edit.remove;
    }
    pieces.push(sql.slice(kept, to));
  };
  build(0, sql.length);
  return pieces.join('');
}
