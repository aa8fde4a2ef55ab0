import { useCallback, useState } from 'react';
import { type EditorTab, loadTabs, newTab, saveTabs, type TabSet } from './tabs.js';

export interface Tabs {
  tabs: readonly EditorTab[];
  active: EditorTab;
  activate(id: string): void;
  /** Opens a new tab and makes it active; returns it. */
  open(fields?: Partial<Omit<EditorTab, 'id'>>): EditorTab;
  close(id: string): void;
  change(id: string, fields: Partial<Omit<EditorTab, 'id'>>): void;
}

/** The editor tabs of `owner` (the signed-in principal), kept in localStorage on every change. */
export function useTabs(owner: string): Tabs {
  const [set, setSet] = useState<TabSet>(() => loadTabs(owner));

  // Written only when the analyst changes something, so merely signing in stores nothing.
  const update = useCallback(
    (next: (current: TabSet) => TabSet) =>
      setSet((current) => {
        const updated = next(current);
        saveTabs(owner, updated);
        return updated;
      }),
    [owner],
  );

  const activate = useCallback((id: string) => update((s) => ({ ...s, activeId: id })), [update]);

  const open = useCallback(
    (fields: Partial<Omit<EditorTab, 'id'>> = {}) => {
      const tab = newTab(fields, set.tabs);
      update((s) => ({ tabs: [...s.tabs, tab], activeId: tab.id }));
      return tab;
    },
    [update, set.tabs],
  );

  const close = useCallback(
    (id: string) =>
      update((s) => {
        const index = s.tabs.findIndex((t) => t.id === id);
        const tabs = s.tabs.filter((t) => t.id !== id);
        if (tabs.length === 0) {
          const fresh = newTab();
          return { tabs: [fresh], activeId: fresh.id };
        }
        // Closing the active tab activates its neighbour, as browsers do.
        const neighbour = tabs[Math.min(index, tabs.length - 1)];
        return { tabs, activeId: s.activeId === id && neighbour ? neighbour.id : s.activeId };
      }),
    [update],
  );

  const change = useCallback(
    (id: string, fields: Partial<Omit<EditorTab, 'id'>>) =>
      update((s) => ({ ...s, tabs: s.tabs.map((t) => (t.id === id ? { ...t, ...fields } : t)) })),
    [update],
  );

  const active = set.tabs.find((t) => t.id === set.activeId) ?? set.tabs[0];
  if (!active) throw new Error('A tab set always has a tab.');
  return { tabs: set.tabs, active, activate, open, close, change };
}
