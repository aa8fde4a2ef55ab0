import type { KeyboardEvent } from 'react';
import type { Tabs } from '../tabs/use-tabs.js';

export const tabPanelId = 'editor-tab-panel';
const tabId = (id: string) => `editor-tab-${id}`;

/**
 * The editor's tabs, as a WAI-ARIA tab list: one stop in the focus order, arrows move between tabs, Delete
 * closes the focused tab; each tab has its own close button.
 */
export function EditorTabs({ tabs, runningIds }: { tabs: Tabs; runningIds: ReadonlySet<string> }) {
  function onKeyDown(event: KeyboardEvent<HTMLButtonElement>, index: number) {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step !== 0) {
      const next = tabs.tabs[(index + step + tabs.tabs.length) % tabs.tabs.length];
      if (!next) return;
      event.preventDefault();
      tabs.activate(next.id);
      document.getElementById(tabId(next.id))?.focus();
    } else if (event.key === 'Delete') {
      const tab = tabs.tabs[index];
      if (tab) tabs.close(tab.id);
    }
  }

  return (
    <div className="editor-tabs">
      <div role="tablist" aria-label="Editor tabs" className="tab-list">
        {tabs.tabs.map((tab, index) => {
          const selected = tab.id === tabs.active.id;
          return (
            <div
              key={tab.id}
              className={selected ? 'editor-tab selected' : 'editor-tab'}
              data-testid="editor-tab"
            >
              <button
                type="button"
                role="tab"
                id={tabId(tab.id)}
                aria-selected={selected}
                aria-controls={tabPanelId}
                tabIndex={selected ? 0 : -1}
                onClick={() => tabs.activate(tab.id)}
                onKeyDown={(e) => onKeyDown(e, index)}
                title={tab.sql || tab.title}
                data-testid="editor-tab-select"
              >
                {runningIds.has(tab.id) && <span className="spinner" aria-hidden="true" />}
                {tab.title}
                {runningIds.has(tab.id) && <span className="visually-hidden"> (running)</span>}
              </button>
              <button
                type="button"
                className="icon-button tab-close"
                onClick={() => tabs.close(tab.id)}
                aria-label={`Close ${tab.title}`}
                data-testid="editor-tab-close"
              >
                ×
              </button>
            </div>
          );
        })}
      </div>
      <button
        type="button"
        className="icon-button new-tab"
        onClick={() => tabs.open()}
        aria-label="New editor tab"
        title="New editor tab"
        data-testid="new-tab"
      >
        +
      </button>
    </div>
  );
}

export function activeTabLabel(id: string): string {
  return tabId(id);
}
