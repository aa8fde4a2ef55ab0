import type { AthenaClient } from '@aws-sdk/client-athena';
import { type ResultColumn, resultPages } from './query.js';

/** A field as Athena writes its result files: quoted, with quotes doubled; NULL is an empty, unquoted field. */
function csvField(value: string | null): string {
  return value === null ? '' : `"${value.replaceAll('"', '""')}"`;
}

function csvLines(rows: readonly (string | null)[][]): string {
  let text = '';
  for (const row of rows) text += `${row.map(csvField).join(',')}\n`;
  return text;
}

/**
 * The query's whole result as a CSV Blob, read through GetQueryResults a page at a time. Each page becomes a
 * Blob of its own at once, so the page's strings can go and the browser may keep the bytes out of the heap.
 */
export async function resultCsv(
  athena: AthenaClient,
  id: string,
  options: { signal: AbortSignal; onProgress: (rows: number) => void },
): Promise<Blob> {
  const parts: Blob[] = [];
  let columns: ResultColumn[] | undefined;
  let rows = 0;
  for await (const page of resultPages(athena, id, options.signal)) {
    if (!columns) {
      columns = page.columns;
      parts.push(new Blob([csvLines([columns.map((c) => c.name)])]));
    }
    parts.push(new Blob([csvLines(page.rows)]));
    rows += page.rows.length;
    options.onProgress(rows);
  }
  return new Blob(parts, { type: 'text/csv' });
}

/**
 * Hands a Blob to the browser as a file to save. The object URL is a blob of type text/csv opened by a link
 * with `download`: the browser saves it and never renders it in the console's origin.
 */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked at once, a download that has not started yet can fail; a minute is ample and frees the bytes after.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
