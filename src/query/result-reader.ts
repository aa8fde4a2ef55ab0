const QUOTE = 0x22;
const NEWLINE = 0x0a;
const MEMORY_PER_BYTE = 3;

/**
 * One line of Seawall's result CSV (as csvField writes it: every value quoted, NULL an empty unquoted field)
 * as its values. Linear in the line's length, whatever it holds.
 */
export function parseResultLine(line: string): (string | null)[] {
  const values: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (line[i] !== '"') {
      // An empty, unquoted field is NULL; anything else unquoted is not Seawall's CSV.
      const end = line.indexOf(',', i);
      values.push(null);
      if (end < 0) return values;
      i = end + 1;
      continue;
    }
    let end = i + 1;
    for (;;) {
      const quote = line.indexOf('"', end);
      if (quote < 0) throw new Error('a result line ends inside a quoted value');
      if (line[quote + 1] !== '"') {
        end = quote;
        break;
      }
      end = quote + 2;
    }
    values.push(line.slice(i + 1, end).replaceAll('""', '"'));
    if (end + 1 >= line.length) return values;
    i = end + 2;
  }
}

/**
 * One line of Athena's DDL output (`<id>.txt`): values separated by tabs, nothing quoted; the last of
 * `columns` values keeps any further tabs (DESCRIBE's lines are one value).
 */
export function parseTextLine(line: string, columns: number): string[] {
  const values: string[] = [];
  let start = 0;
  while (values.length < columns - 1) {
    const tab = line.indexOf('\t', start);
    if (tab < 0) break;
    values.push(line.slice(start, tab));
    start = tab + 1;
  }
  values.push(line.slice(start));
  return values;
}

export interface ResultLines {
  rows: (string | null)[][];
  /** Bytes of the stream the rows came from, so the next read starts just after them. */
  consumed: number;
}

/**
 * Reads whole rows from a result CSV stream until `maxRows` rows or, past the first row, `maxBytes` bytes. Each
 * byte is looked at once to find where rows end (quotes toggle, a newline outside quotes ends a row) and each
 * row is decoded once: a row of a million doubled quotes costs what its length costs, however it is chunked.
 */
export async function readResultLines(
  body: AsyncIterable<Uint8Array>,
  maxRows: number,
  maxBytes: number,
  reserve: (bytes: number) => void = () => {},
  /** Set for DDL output (`.txt`): its lines are tab-separated values, in this many columns, never quoted. */
  textColumns?: number,
): Promise<ResultLines> {
  const rows: (string | null)[][] = [];
  let consumed = 0;
  let pending: Buffer[] = [];
  let inQuotes = false;
  for await (const piece of body) {
    const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    // The bytes, their text, the values and the JSON answer: about three times the bytes while the page lives.
    reserve(chunk.length * MEMORY_PER_BYTE);
    let start = 0;
    let i = 0;
    while (i < chunk.length) {
      if (inQuotes) {
        const quote = chunk.indexOf(QUOTE, i);
        if (quote < 0) break;
        inQuotes = false;
        i = quote + 1;
        continue;
      }
      const quote = textColumns === undefined ? chunk.indexOf(QUOTE, i) : -1;
      const newline = chunk.indexOf(NEWLINE, i);
      if (newline >= 0 && (quote < 0 || newline < quote)) {
        pending.push(chunk.subarray(start, newline));
        const line = Buffer.concat(pending);
        pending = [];
        const text = line.toString('utf8');
        rows.push(textColumns === undefined ? parseResultLine(text) : parseTextLine(text, textColumns));
        consumed += line.length + 1;
        start = i = newline + 1;
        if (rows.length >= maxRows || consumed >= maxBytes) return { rows, consumed };
      } else if (quote >= 0) {
        inQuotes = true;
        i = quote + 1;
      } else break;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  return { rows, consumed };
}
