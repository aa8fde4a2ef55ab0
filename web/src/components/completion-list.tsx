import type { Completion } from '../completion/use-completion.js';

export const COMPLETION_LIST_ID = 'sql-completions';
export const optionId = (index: number) => `${COMPLETION_LIST_ID}-${index}`;

/** The popup under the caret: names from the catalog, with the column's type or the table's database. */
export function CompletionList({ completion }: { completion: Completion }) {
  if (completion.items.length === 0) return null;
  return (
    <div
      id={COMPLETION_LIST_ID}
      className="completion-list"
      role="listbox"
      aria-label="Suggestions from the catalog"
      // React writes style through the CSSOM, which the console's policy allows (it refuses style attributes).
      style={{ left: completion.point.left, top: completion.point.top }}
      data-testid="completion-list"
    >
      {completion.items.map((item, i) => (
        <div
          key={`${item.kind} ${item.label} ${item.detail}`}
          id={optionId(i)}
          role="option"
          // Focus stays in the editor, which points at the active option (aria-activedescendant).
          tabIndex={-1}
          aria-selected={i === completion.index}
          className={i === completion.index ? 'active' : undefined}
          // mousedown, not click: the editor keeps its focus and caret.
          onMouseDown={(event) => {
            event.preventDefault();
            completion.accept(i);
          }}
          data-testid="completion-option"
          data-kind={item.kind}
        >
          <span className={`completion-kind kind-${item.kind}`} aria-hidden="true">
            {item.kind === 'column' ? 'col' : item.kind === 'table' ? 'tbl' : 'db'}
          </span>
          <span className="completion-label">{item.label}</span>
          <span className="completion-detail">{item.detail}</span>
        </div>
      ))}
    </div>
  );
}
