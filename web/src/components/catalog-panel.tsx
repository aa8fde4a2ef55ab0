import { useState } from 'react';
import type { CatalogTable } from '../aws/catalog.js';
import type { Catalog } from '../use-catalog.js';

/** A failure where it happened; a denial says plainly what the signed-in principal may not do. */
function FailureNote(props: { message: string; denied: boolean; className?: string }) {
  const classes = ['error', props.denied ? 'denied' : '', props.className ?? ''].filter(Boolean).join(' ');
  return (
    <p className={classes} role="alert" data-testid={props.denied ? 'access-denied' : 'catalog-error'}>
      {props.message}
    </p>
  );
}

function Chevron({ open }: { open: boolean }) {
  return (
    <span className={open ? 'chevron open' : 'chevron'} aria-hidden="true">
      ▸
    </span>
  );
}

function SyntheticBadge() {
  return (
    <span
      className="badge synthetic"
      title="The real dataset was not available, so the demo generated rows with the same shape. Do not draw conclusions from them."
      data-testid="synthetic-badge"
    >
      synthetic data
    </span>
  );
}

function TableNode({ table, onPick }: { table: CatalogTable; onPick: (table: CatalogTable) => void }) {
  const [open, setOpen] = useState(false);
  const qualified = `${table.database}.${table.name}`;
  return (
    <li className="table-node" data-testid="catalog-table" data-table={qualified}>
      <div className="node-row">
        <button
          type="button"
          className="icon-button"
          aria-expanded={open}
          aria-label={`${open ? 'Hide' : 'Show'} the columns of ${qualified}`}
          onClick={() => setOpen(!open)}
          data-testid="table-toggle"
        >
          <Chevron open={open} />
        </button>
        <button
          type="button"
          className="node-name"
          title={table.description ? `${qualified}: ${table.description}` : qualified}
          onClick={() => {
            setOpen(true);
            onPick(table);
          }}
          data-testid="table-name"
        >
          {table.name}
        </button>
        {table.synthetic && <SyntheticBadge />}
      </div>
      {open && (
        <ul className="columns">
          {table.columns.map((column) => (
            <li key={column.name} data-testid="table-column">
              <span className="column-name">{column.name}</span>
              <span className="column-type">
                {column.type}
                {column.partitionKey ? ' · partition' : ''}
              </span>
            </li>
          ))}
          {table.columns.length === 0 && <li className="muted">No columns</li>}
        </ul>
      )}
    </li>
  );
}

function DatabaseNode(props: { name: string; catalog: Catalog; onPick: (table: CatalogTable) => void }) {
  const { name, catalog } = props;
  const [open, setOpen] = useState(false);
  const tables = catalog.tables[name];

  function toggle() {
    if (!open && (!tables || tables.status === 'failed')) catalog.loadTables(name);
    setOpen(!open);
  }

  return (
    <li className="database-node" data-testid="catalog-database" data-database={name}>
      <button type="button" className="node-row database-row" aria-expanded={open} onClick={toggle}>
        <Chevron open={open} />
        <span className="node-name">{name}</span>
        {tables?.status === 'loaded' && <span className="count">{tables.value.length}</span>}
      </button>
      {open && tables?.status === 'loading' && <p className="muted nested">Loading tables…</p>}
      {open && tables?.status === 'failed' && (
        <FailureNote className="nested" message={tables.message} denied={tables.denied} />
      )}
      {open && tables?.status === 'loaded' && (
        <ul className="tables">
          {tables.value.map((table) => (
            <TableNode key={table.name} table={table} onPick={props.onPick} />
          ))}
          {tables.value.length === 0 && <li className="muted nested">No tables</li>}
        </ul>
      )}
    </li>
  );
}

export function CatalogPanel({
  catalog,
  onPickTable,
}: {
  catalog: Catalog;
  onPickTable: (table: CatalogTable) => void;
}) {
  const { databases } = catalog;
  return (
    <nav className="catalog" aria-label="Data catalog" data-testid="catalog">
      <div className="panel-head">
        <h2>Data catalog</h2>
        <button type="button" className="link-button" onClick={catalog.reload} data-testid="catalog-refresh">
          Refresh
        </button>
      </div>
      {databases.status === 'loading' && <p className="muted">Loading databases…</p>}
      {databases.status === 'failed' && <FailureNote message={databases.message} denied={databases.denied} />}
      {databases.status === 'loaded' && (
        <ul className="tree">
          {databases.value.map((name) => (
            <DatabaseNode key={name} name={name} catalog={catalog} onPick={onPickTable} />
          ))}
          {databases.value.length === 0 && (
            <li className="muted">No databases yet. Create one with a crawler or Glue CreateDatabase.</li>
          )}
        </ul>
      )}
      <p className="fine-print">Click a table to preview it; the arrow shows its columns.</p>
    </nav>
  );
}
