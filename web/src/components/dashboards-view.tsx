import { useEffect, useMemo, useState } from 'react';
import { jsonClient } from '../aws/aws-json.js';
import type { ClientConfig } from '../aws/clients.js';
import { CLOUDWATCH, type DashboardEntry, listDashboards } from '../aws/cloudwatch.js';
import { type Failure, failureOf } from '../aws/denial.js';
import { LOGS } from '../aws/logs.js';
import { formatBytes, formatDateTime } from '../format.js';
import { type DashboardClients, DashboardPage } from './dashboard-page.js';
import '../styles/dashboards.css';

type Listing =
  | { status: 'loading' }
  | { status: 'loaded'; dashboards: DashboardEntry[] }
  | ({ status: 'failed' } & Failure);

function DashboardList({ clients, onOpen }: { clients: DashboardClients; onOpen: (name: string) => void }) {
  const [listing, setListing] = useState<Listing>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    listDashboards(clients.cloudwatch, controller.signal).then(
      (dashboards) => controller.signal.aborted || setListing({ status: 'loaded', dashboards }),
      (error: unknown) => controller.signal.aborted || setListing({ status: 'failed', ...failureOf(error) }),
    );
    return () => controller.abort();
  }, [clients]);

  return (
    <section
      className="card"
      aria-labelledby="dashboards-title"
      data-testid="dashboard-list"
      data-state={listing.status}
    >
      <div className="panel-head">
        <h2 id="dashboards-title">Dashboards</h2>
        <span className="muted">CloudWatch dashboards, drawn live from their metrics</span>
      </div>
      {listing.status === 'loading' && <p className="muted">Loading dashboards…</p>}
      {listing.status === 'failed' && (
        <p
          className={listing.denied ? 'error denied' : 'error'}
          role="alert"
          data-testid="dashboard-list-error"
        >
          {listing.message}
          {listing.denied && ' The list needs cloudwatch:ListDashboards.'}
        </p>
      )}
      {listing.status === 'loaded' && listing.dashboards.length === 0 && (
        <p className="muted">There are no dashboards. Scripts make them with PutDashboard.</p>
      )}
      {listing.status === 'loaded' && listing.dashboards.length > 0 && (
        <div className="table-frame">
          <table className="result-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Last modified</th>
                <th scope="col">Size</th>
              </tr>
            </thead>
            <tbody>
              {listing.dashboards.map((entry) => (
                <tr key={entry.name} data-testid="dashboard-row" data-name={entry.name}>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => onOpen(entry.name)}
                      data-testid="dashboard-open"
                    >
                      {entry.name}
                    </button>
                  </td>
                  <td>{entry.modified ? formatDateTime(entry.modified) : '—'}</td>
                  <td>{entry.size === undefined ? '—' : formatBytes(entry.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * CloudWatch dashboards: the list (ListDashboards), and a dashboard's widgets drawn on CloudWatch's grid from
 * its body, read with the signed-in keys as any script would.
 */
export function DashboardsView({ config }: { config: ClientConfig }) {
  const clients = useMemo(
    () => ({ cloudwatch: jsonClient(config, CLOUDWATCH), logs: jsonClient(config, LOGS) }),
    [config],
  );
  const [open, setOpen] = useState<string | undefined>(undefined);
  return open === undefined ? (
    <DashboardList clients={clients} onOpen={setOpen} />
  ) : (
    <DashboardPage key={open} name={open} clients={clients} onBack={() => setOpen(undefined)} />
  );
}
