import { type KeyboardEvent, type RefObject, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { CatalogTable } from '../aws/catalog.js';
import type { Catalog } from '../use-catalog.js';
import { caretPoint } from './caret.js';
import { type Suggestion, suggest, typedName } from './completion.js';

export interface Completion {
  /** Suggestions for the name at the caret; empty when the popup is closed. */
  items: Suggestion[];
  index: number;
  /** Where the popup goes, in pixels from the textarea's top-left corner. */
  point: { left: number; top: number };
  accept(index: number): void;
  /** Reads a key first: true when completion used it (arrows, Enter, Tab, Escape, Ctrl+Space). */
  onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean;
  /** After an edit: opens or follows the popup while a name is typed. */
  onEdit(value: string, caret: number, inserted: string | undefined): void;
  close(): void;
}

const TYPING = /^[A-Za-z0-9_".]$/;

function loadedTables(catalog: Catalog): CatalogTable[] {
  return Object.values(catalog.tables).flatMap((t) => (t.status === 'loaded' ? t.value : []));
}

/** Table and column names from the Glue catalog, offered while typing in the SQL editor. */
export function useCompletion(options: {
  editor: RefObject<HTMLTextAreaElement | null>;
  sql: string;
  onSqlChange: (sql: string) => void;
  database: string | undefined;
  catalog: Catalog;
}): Completion {
  const { editor, sql, database, catalog } = options;
  const [open, setOpen] = useState<{ caret: number; index: number } | undefined>(undefined);
  const pendingCaret = useRef<number | undefined>(undefined);
  const databases = catalog.databases.status === 'loaded' ? catalog.databases.value : [];

  const typed = open ? typedName(sql, open.caret) : undefined;
  const items = typed ? suggest(typed, { databases, tables: loadedTables(catalog) }, sql, database) : [];

  // Tables are read from Glue the first time completion needs them: the current database's, and those of any
  // database the SQL names before a dot.
  const { tables, loadTables } = catalog;
  const isOpen = open !== undefined;
  useEffect(() => {
    if (!isOpen) return;
    const wanted = new Set(database ? [database] : []);
    for (const name of databases) if (sql.toLowerCase().includes(`${name.toLowerCase()}.`)) wanted.add(name);
    for (const name of wanted) if (!tables[name]) loadTables(name);
  }, [isOpen, sql, database, databases, tables, loadTables]);

  useLayoutEffect(() => {
    const caret = pendingCaret.current;
    if (caret === undefined || !editor.current) return;
    pendingCaret.current = undefined;
    editor.current.setSelectionRange(caret, caret);
  });

  const shown = open && items.length > 0 ? items : [];
  const index = open ? Math.min(open.index, Math.max(0, shown.length - 1)) : 0;
  const point =
    open && editor.current && shown.length > 0 ? caretPoint(editor.current, open.caret) : { left: 0, top: 0 };

  function accept(chosen: number) {
    const item = shown[chosen];
    if (!open || !typed || !item) return;
    const next = sql.slice(0, typed.start) + item.insert + sql.slice(open.caret);
    pendingCaret.current = typed.start + item.insert.length;
    setOpen(undefined);
    options.onSqlChange(next);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
    if (event.key === ' ' && event.ctrlKey) {
      setOpen({ caret: event.currentTarget.selectionStart, index: 0 });
      return true;
    }
    if (shown.length === 0) return false;
    const move = (by: number) =>
      setOpen((o) => o && { ...o, index: (index + by + shown.length) % shown.length });
    switch (event.key) {
      case 'ArrowDown':
        move(1);
        return true;
      case 'ArrowUp':
        move(-1);
        return true;
      case 'Enter':
      case 'Tab':
        if (event.ctrlKey || event.metaKey) return false;
        accept(index);
        return true;
      case 'Escape':
        setOpen(undefined);
        return true;
      default:
        return false;
    }
  }

  function onEdit(value: string, caret: number, inserted: string | undefined) {
    const name = typedName(value, caret);
    const typing = inserted !== undefined && TYPING.test(inserted);
    if ((typing || open) && name.parts.join('.') !== '') setOpen({ caret, index: 0 });
    else setOpen(undefined);
  }

  return { items: shown, index, point, accept, onKeyDown, onEdit, close: () => setOpen(undefined) };
}
