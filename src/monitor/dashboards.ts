import type BetterSqlite3 from 'better-sqlite3';
import { dashboardInvalidInput, dashboardNotFound, invalidNextToken } from './cloudwatch-errors.js';

/**
 * CloudWatch dashboards: a name and a body (CloudWatch's dashboard body JSON), checked on Put as CloudWatch
 * checks it, stored in the metrics database.
 */

export interface DashboardEntry {
  DashboardName: string;
  DashboardArn: string;
  LastModified: Date;
  Size: number;
}

export interface Dashboards {
  put(name: string, body: string): { DashboardValidationMessages: { DataPath: string; Message: string }[] };
  get(name: string): { DashboardName: string; DashboardArn: string; DashboardBody: string };
  list(
    prefix: string | undefined,
    token: string | undefined,
  ): { DashboardEntries: DashboardEntry[]; NextToken?: string };
  /** Deletes all or, when any is missing, none. */
  delete(names: readonly string[]): void;
  exists(name: string): boolean;
  arn(name: string): string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dashboards (
  name TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  modified INTEGER NOT NULL
);
`;

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const MAX_BODY = 1024 * 1024;
const PAGE = 1000;
const WIDGET_TYPES = new Set(['metric', 'text', 'alarm', 'log', 'explorer', 'custom']);
/** Widget types CloudWatch has that Seawall's console cannot draw: refused rather than stored and ignored. */
const UNSUPPORTED_WIDGETS = new Set(['explorer', 'custom']);

export function checkDashboardName(name: string): void {
  if (!NAME.test(name))
    throw dashboardInvalidInput(
      'The value for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).',
    );
}

/** The body's validation errors, in CloudWatch's DataPath/Message form. */
export function dashboardBodyErrors(body: string): { DataPath: string; Message: string }[] {
  const errors: { DataPath: string; Message: string }[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [{ DataPath: '', Message: 'Should be a valid JSON object' }];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return [{ DataPath: '', Message: 'Should be object' }];
  const document = parsed as Record<string, unknown>;
  if (!Array.isArray(document.widgets))
    return [{ DataPath: '', Message: "Should have required property 'widgets'" }];
  for (const field of ['start', 'end', 'periodOverride']) {
    if (document[field] !== undefined && typeof document[field] !== 'string')
      errors.push({ DataPath: `/${field}`, Message: 'Should be string' });
  }
  document.widgets.forEach((widget: unknown, n: number) => {
    const path = `/widgets/${n}`;
    if (typeof widget !== 'object' || widget === null || Array.isArray(widget)) {
      errors.push({ DataPath: path, Message: 'Should be object' });
      return;
    }
    const w = widget as Record<string, unknown>;
    if (typeof w.type !== 'string' || !WIDGET_TYPES.has(w.type)) {
      errors.push({ DataPath: `${path}/type`, Message: 'Should be equal to one of the allowed values' });
      return;
    }
    if (UNSUPPORTED_WIDGETS.has(w.type)) {
      errors.push({
        DataPath: `${path}/type`,
        Message: `Widgets of type ${w.type} are not implemented by Seawall`,
      });
      return;
    }
    for (const field of ['x', 'y', 'width', 'height']) {
      const value = w[field];
      if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0))
        errors.push({ DataPath: `${path}/${field}`, Message: 'Should be integer' });
    }
    if (typeof w.width === 'number' && w.width > 24)
      errors.push({ DataPath: `${path}/width`, Message: 'Should be <= 24' });
    const properties = w.properties;
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
      errors.push({ DataPath: path, Message: "Should have required property 'properties'" });
      return;
    }
    const props = properties as Record<string, unknown>;
    if (w.type === 'text' && typeof props.markdown !== 'string')
      errors.push({ DataPath: `${path}/properties`, Message: "Should have required property 'markdown'" });
    if (w.type === 'metric') {
      const hasMetrics = Array.isArray(props.metrics);
      if (!hasMetrics && props.query === undefined)
        errors.push({ DataPath: `${path}/properties`, Message: "Should have required property 'metrics'" });
      if (hasMetrics)
        (props.metrics as unknown[]).forEach((metric, m) => {
          if (!Array.isArray(metric) || metric.length === 0)
            errors.push({ DataPath: `${path}/properties/metrics/${m}`, Message: 'Should be array' });
        });
      if (props.region !== undefined && typeof props.region !== 'string')
        errors.push({ DataPath: `${path}/properties/region`, Message: 'Should be string' });
    }
    if (w.type === 'alarm' && !Array.isArray(props.alarms))
      errors.push({ DataPath: `${path}/properties`, Message: "Should have required property 'alarms'" });
    if (w.type === 'log' && typeof props.query !== 'string')
      errors.push({ DataPath: `${path}/properties`, Message: "Should have required property 'query'" });
  });
  return errors;
}

export function createDashboards(
  db: BetterSqlite3.Database,
  accountId: string,
  now: () => number,
): Dashboards {
  db.exec(SCHEMA);
  const upsert = db.prepare(
    'INSERT INTO dashboards (name, body, modified) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, modified = excluded.modified',
  );
  const select = db.prepare<[string], { name: string; body: string; modified: number }>(
    'SELECT name, body, modified FROM dashboards WHERE name = ?',
  );
  const remove = db.prepare('DELETE FROM dashboards WHERE name = ?');
  const arn = (name: string) => `arn:aws:cloudwatch::${accountId}:dashboard/${name}`;

  return {
    arn,
    put(name, body) {
      checkDashboardName(name);
      if (Buffer.byteLength(body) > MAX_BODY)
        throw dashboardInvalidInput('The dashboard body is larger than the 1 MB CloudWatch allows.');
      const errors = dashboardBodyErrors(body);
      if (errors.length > 0)
        throw dashboardInvalidInput(
          `The dashboard body is invalid, there are ${errors.length} validation errors: ${JSON.stringify(errors)}`,
        );
      upsert.run(name, body, now());
      return { DashboardValidationMessages: [] };
    },
    get(name) {
      const row = select.get(name);
      if (!row) throw dashboardNotFound(`Dashboard ${name.slice(0, 255)} does not exist`);
      return { DashboardName: row.name, DashboardArn: arn(row.name), DashboardBody: row.body };
    },
    list(prefix, token) {
      let after = '';
      if (token !== undefined) {
        try {
          after = Buffer.from(token, 'base64url').toString('utf8');
        } catch {
          throw invalidNextToken();
        }
        if (!NAME.test(after)) throw invalidNextToken();
      }
      const rows = db
        .prepare<[string, string, string, number], { name: string; body: string; modified: number }>(
          'SELECT name, body, modified FROM dashboards WHERE name > ? AND substr(name, 1, length(?)) = ? ORDER BY name LIMIT ?',
        )
        .all(after, prefix ?? '', prefix ?? '', PAGE + 1);
      const page = rows.slice(0, PAGE);
      const last = page.at(-1);
      return {
        DashboardEntries: page.map((row) => ({
          DashboardName: row.name,
          DashboardArn: arn(row.name),
          LastModified: new Date(row.modified),
          Size: Buffer.byteLength(row.body),
        })),
        ...(rows.length > PAGE && last ? { NextToken: Buffer.from(last.name).toString('base64url') } : {}),
      };
    },
    delete(names) {
      const missing = names.filter((name) => !select.get(name));
      if (missing.length > 0)
        throw dashboardNotFound(
          `The specified dashboard does not exist. [${missing.join(', ').slice(0, 1024)}]`,
        );
      db.transaction(() => {
        for (const name of names) remove.run(name);
      })();
    },
    exists(name) {
      return select.get(name) !== undefined;
    },
  };
}
