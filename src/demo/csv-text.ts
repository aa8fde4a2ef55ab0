/** CSV text the way the portal and pandas write it: quoted only when needed, quotes doubled. */
export const UTF8_BOM = '\ufeff';

export function csvField(value: string, delimiter: string): string {
  if (value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r')) {
    return `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}

export function csvLine(values: readonly string[], delimiter: string, lineEnding: string): string {
  return values.map((value) => csvField(value, delimiter)).join(delimiter) + lineEnding;
}

/**
 * Splits CSV text into rows of fields (RFC 4180: quoted fields may hold delimiters, doubled quotes and line
 * breaks). For reading samples and exports in tests and tools, not for multi-gigabyte files.
 */
export function parseCsv(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const body = text.startsWith(UTF8_BOM) ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
