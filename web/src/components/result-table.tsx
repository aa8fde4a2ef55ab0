import type { QueryResult } from '../aws/query.js';
import { isNumericType, timeHint } from '../results/columns.js';

export function ResultTable({ result }: { result: QueryResult }) {
  const numeric = result.columns.map((c) => isNumericType(c.type));
  return (
    <div className="table-frame">
      <table className="result-table" data-testid="result-table">
        <thead>
          <tr>
            {result.columns.map((column, i) => {
              const hint = timeHint(column.type);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: a result may repeat a column name
                <th key={i} className={numeric[i] ? 'numeric' : undefined} scope="col" title={hint}>
                  <span className="column-name">{column.name}</span>
                  <span className="column-type" data-testid="column-type">
                    {column.type}
                    {hint && !/with time zone/i.test(column.type) ? ' · no time zone' : ''}
                  </span>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((row, r) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: result rows have no identity but their position
            <tr key={r}>
              {row.map((cell, c) =>
                cell === null ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are identified by their column
                  <td key={c} className={numeric[c] ? 'null numeric' : 'null'}>
                    NULL
                  </td>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are identified by their column
                  <td key={c} className={numeric[c] ? 'numeric' : undefined}>
                    {cell}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {result.rows.length === 0 && <p className="muted empty">The query returned no rows.</p>}
    </div>
  );
}
