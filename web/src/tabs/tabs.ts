/** One editor tab: its own SQL and database, and the execution whose result it shows. */
export interface EditorTab {
  id: string;
  title: string;
  sql: string;
  /** undefined: the first database of the catalog. */
  database: string | undefined;
  /** The last query run or opened in the tab; its result is read back from Athena, never stored here. */
  queryId: string | undefined;
}

export interface TabSet {
  tabs: EditorTab[];
  activeId: string;
}

const PREFIX = 'seawall.editor-tabs.';
/** Titles are cut to this; the full SQL is in the tab. */
const TITLE_CHARS = 32;

export function newTab(
  fields: Partial<Omit<EditorTab, 'id'>> = {},
  existing: readonly EditorTab[] = [],
): EditorTab {
  const title = fields.title ?? nextUntitled(existing);
  return {
    // crypto.randomUUID exists only in secure contexts, and analysts may reach Seawall over plain http.
    id: `tab-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    title,
    sql: fields.sql ?? '',
    database: fields.database,
    queryId: fields.queryId,
  };
}

function nextUntitled(existing: readonly EditorTab[]): string {
  const used = new Set(existing.map((t) => t.title));
  for (let n = 1; ; n += 1) if (!used.has(`Query ${n}`)) return `Query ${n}`;
}

/** A tab's title from its SQL: its first line, shortened. */
export function titleOfSql(sql: string): string {
  const line = sql.trim().split('\n')[0]?.trim() ?? '';
  if (line === '') return 'Query';
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS - 1)}…` : line;
}

function isTab(value: unknown): value is EditorTab {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const optional = (field: unknown) => field === undefined || typeof field === 'string';
  return (
    typeof v.id === 'string' &&
    typeof v.title === 'string' &&
    typeof v.sql === 'string' &&
    optional(v.database) &&
    optional(v.queryId)
  );
}

/**
 * Tabs are kept in localStorage, so they outlive the browser tab and sign-outs, under the signed-in
 * principal's ARN: two people sharing a browser do not see each other's SQL. No keys and no results are kept.
 */
export function loadTabs(owner: string): TabSet {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(PREFIX + owner) ?? 'null');
    const v = parsed as { tabs?: unknown; activeId?: unknown } | null;
    const tabs = Array.isArray(v?.tabs) ? v.tabs.filter(isTab) : [];
    if (tabs.length > 0) {
      const activeId = tabs.some((t) => t.id === v?.activeId) ? (v?.activeId as string) : (tabs[0]?.id ?? '');
      return { tabs, activeId };
    }
  } catch {
    // A damaged entry is replaced by a fresh tab.
  }
  const tab = newTab();
  return { tabs: [tab], activeId: tab.id };
}

export function saveTabs(owner: string, set: TabSet): void {
  try {
    localStorage.setItem(PREFIX + owner, JSON.stringify(set));
  } catch {
    // Storage full or refused (private mode): the tabs still work, they are just not kept.
  }
}
