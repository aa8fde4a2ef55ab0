import type { GlueClient } from '@aws-sdk/client-glue';
import { useCallback, useEffect, useState } from 'react';
import { type CatalogTable, listDatabases, listTables } from './aws/catalog.js';
import { failureOf } from './aws/denial.js';

export type Loadable<T> =
  | { status: 'loading' }
  | { status: 'loaded'; value: T }
  /** `denied`: a policy refused it; the message then says what the signed-in principal may not do. */
  | { status: 'failed'; message: string; denied: boolean };

export interface Catalog {
  databases: Loadable<string[]>;
  /** Tables by database, fetched the first time a database is opened. */
  tables: Readonly<Record<string, Loadable<CatalogTable[]>>>;
  loadTables(database: string): void;
  reload(): void;
}

export function useCatalog(glue: GlueClient): Catalog {
  const [databases, setDatabases] = useState<Loadable<string[]>>({ status: 'loading' });
  const [tables, setTables] = useState<Record<string, Loadable<CatalogTable[]>>>({});
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    // `generation` is read so that reload() fetches again.
    void generation;
    let live = true;
    setDatabases({ status: 'loading' });
    setTables({});
    listDatabases(glue).then(
      (names) => live && setDatabases({ status: 'loaded', value: names }),
      (error: unknown) => live && setDatabases({ status: 'failed', ...failureOf(error) }),
    );
    return () => {
      live = false;
    };
  }, [glue, generation]);

  const loadTables = useCallback(
    (database: string) => {
      setTables((current) => ({ ...current, [database]: { status: 'loading' } }));
      listTables(glue, database).then(
        (list) => setTables((current) => ({ ...current, [database]: { status: 'loaded', value: list } })),
        (error: unknown) =>
          setTables((current) => ({
            ...current,
            [database]: { status: 'failed', ...failureOf(error) },
          })),
      );
    },
    [glue],
  );

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { databases, tables, loadTables, reload };
}
