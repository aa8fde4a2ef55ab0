/*
 * Athena's partition projection: a table whose properties say `projection.enabled` has no partitions in the
 * catalog; its partitions are the values each key's projection allows (enum, integer, date), found where
 * `storage.location.template` (or LOCATION/key=value/...) puts them. Seawall lists the template's fixed prefix
 * once and keeps the objects whose path fits the template with values inside the projected ranges, which reads
 * the same objects as enumerating every projected partition, without one listing per partition.
 */
import { badRequest } from '../errors.js';
import type { CatalogTable } from './catalog-types.js';

/** One projected partition key: the pattern its values take in a path, and whether a value is projected. */
interface ProjectedKey {
  pattern: string;
  accepts(value: string): boolean;
}

/** Where a projected table's objects are, and how an object key gives its partition values. */
export interface Projection {
  bucket: string;
  /** The template's text before its first placeholder: everything projected is listed under it. */
  prefix: string;
  /** The partition values of an object at `key`, or undefined when the key is not in a projected partition. */
  valuesOf(key: string): string[] | undefined;
}

function refuse(table: CatalogTable, why: string): never {
  throw badRequest('InvalidInputException', `Table ${table.definition.Name}: partition projection ${why}.`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const DATE_FIELDS: Record<string, { digits: number; field: 'y' | 'M' | 'd' | 'H' | 'm' | 's' }> = {
  yyyy: { digits: 4, field: 'y' },
  MM: { digits: 2, field: 'M' },
  dd: { digits: 2, field: 'd' },
  HH: { digits: 2, field: 'H' },
  mm: { digits: 2, field: 'm' },
  ss: { digits: 2, field: 's' },
};

const UNIT_MS: Record<string, number> = {
  DAYS: 86_400_000,
  HOURS: 3_600_000,
  MINUTES: 60_000,
  SECONDS: 1000,
};

/** A Java date format of yyyy, MM, dd, HH, mm, ss and literals, as a parser to epoch milliseconds (UTC). */
function dateFormat(
  table: CatalogTable,
  format: string,
): { pattern: string; parse(v: string): number | undefined } {
  const parts = format.match(/([a-zA-Z])\1*|'[^']*'|[^a-zA-Z']+/g) ?? [];
  const fields: (keyof typeof DATE_FIELDS | undefined)[] = [];
  let capturing = '';
  let pattern = '';
  for (const part of parts) {
    if (/^[a-zA-Z]/.test(part)) {
      if (!Object.hasOwn(DATE_FIELDS, part))
        refuse(table, `date format '${format}' uses '${part}' (yyyy, MM, dd, HH, mm, ss)`);
      fields.push(part);
      capturing += `(\\d{${DATE_FIELDS[part]?.digits}})`;
      pattern += `\\d{${DATE_FIELDS[part]?.digits}}`;
    } else {
      const literal = escapeRegExp(part.startsWith("'") ? part.slice(1, -1) : part);
      capturing += literal;
      pattern += literal;
    }
  }
  const whole = new RegExp(`^${capturing}$`);
  const parse = (value: string): number | undefined => {
    const match = whole.exec(value);
    if (!match) return undefined;
    const f = { y: 1970, M: 1, d: 1, H: 0, m: 0, s: 0 };
    fields.forEach((name, i) => {
      if (name) f[DATE_FIELDS[name]?.field ?? 'y'] = Number(match[i + 1]);
    });
    const back = new Date(0);
    back.setUTCFullYear(f.y, f.M - 1, f.d);
    back.setUTCHours(f.H, f.m, f.s, 0);
    const ms = back.getTime();
    // 2026/02/30 is not a date: it must read back as written.
    const same = back.getUTCFullYear() === f.y && back.getUTCMonth() === f.M - 1 && back.getUTCDate() === f.d;
    return same && back.getUTCHours() === f.H && back.getUTCMinutes() === f.m && back.getUTCSeconds() === f.s
      ? ms
      : undefined;
  };
  return { pattern, parse };
}

function dateKey(table: CatalogTable, key: string, p: (name: string) => string | undefined): ProjectedKey {
  const format = dateFormat(table, p('format') ?? refuse(table, `of ${key} needs projection.${key}.format`));
  const bounds = (p('range') ?? '').split(',').map((end) => {
    const text = end.trim();
    const at = text.toUpperCase() === 'NOW' ? Date.now() : format.parse(text);
    return at ?? refuse(table, `range of ${key} must be two dates in its format, or NOW`);
  });
  if (bounds.length !== 2) refuse(table, `range of ${key} must be two dates in its format, or NOW`);
  const [start, end] = bounds as [number, number];
  const unit = (p('interval.unit') ?? 'DAYS').toUpperCase();
  const interval = Number(p('interval') ?? '1');
  const step =
    (UNIT_MS[unit] ??
      refuse(table, `interval unit ${unit} is not supported (DAYS, HOURS, MINUTES, SECONDS)`)) * interval;
  if (!Number.isInteger(interval) || interval < 1)
    refuse(table, `interval of ${key} must be a positive integer`);
  return {
    pattern: format.pattern,
    accepts: (value) => {
      const at = format.parse(value);
      return at !== undefined && at >= start && at <= end && (at - start) % step === 0;
    },
  };
}

function projectedKey(table: CatalogTable, key: string): ProjectedKey {
  const params = table.definition.Parameters ?? {};
  const p = (name: string) => params[`projection.${key}.${name}`];
  switch (p('type')?.toLowerCase()) {
    case 'enum': {
      const values = (p('values') ?? '').split(',').map((v) => v.trim());
      return { pattern: values.map(escapeRegExp).join('|'), accepts: (v) => values.includes(v) };
    }
    case 'integer': {
      const [low, high] = (p('range') ?? '').split(',').map((v) => Number(v.trim()));
      if (!Number.isInteger(low) || !Number.isInteger(high))
        refuse(table, `range of ${key} must be two integers`);
      const digits = Number(p('digits') ?? '0');
      const step = Number(p('interval') ?? '1');
      if (!Number.isInteger(step) || step < 1) refuse(table, `interval of ${key} must be a positive integer`);
      const inRange = (n: number) => n >= (low ?? 0) && n <= (high ?? 0) && (n - (low ?? 0)) % step === 0;
      const accepts = (v: string) => {
        const n = Number(v);
        return Number.isInteger(n) && inRange(n) && String(n).padStart(digits, '0') === v;
      };
      return { pattern: '-?\\d+', accepts };
    }
    case 'date':
      return dateKey(table, key, p);
    default:
      return refuse(table, `type of ${key} must be enum, integer or date (injected is not supported)`);
  }
}

/** The projection of a table whose properties enable it, or undefined when they do not. */
export function projectionOf(table: CatalogTable): Projection | undefined {
  const params = table.definition.Parameters ?? {};
  if (params['projection.enabled']?.toLowerCase() !== 'true') return undefined;
  const keys = (table.definition.PartitionKeys ?? []).map((k) => k.Name);
  const location = (table.definition.StorageDescriptor?.Location ?? '').replace(/\/+$/, '');
  const template =
    params['storage.location.template'] ?? `${location}/${keys.map((k) => `${k}=\${${k}}`).join('/')}`;
  const match = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(template.replace(/\/+$/, ''));
  if (!match) return refuse(table, `location template '${template.slice(0, 200)}' is not an s3:// URL`);
  const path = match[2] as string;
  const projected = new Map(keys.map((k) => [k, projectedKey(table, k)]));
  const order: string[] = [];
  const parts = path.split(/(\$\{[^}]*\})/);
  const pattern = parts.map((part, i) => {
    const name = /^\$\{(.*)\}$/.exec(part)?.[1];
    if (name === undefined) return escapeRegExp(part);
    // Two placeholders with nothing between them could split a folder name many ways (a regular expression
    // that backtracks for minutes on a long key): each must be followed by text of its own.
    if (i >= 2 && parts[i - 1] === '')
      refuse(table, `template must put text between \${${order.at(-1)}} and \${${name}}`);
    const key =
      projected.get(name) ?? refuse(table, `template names \${${name}}, which is not a partition key`);
    order.push(name);
    return `(${key.pattern})`;
  });
  if (keys.some((k) => !order.includes(k))) refuse(table, 'template must name every partition key');
  const whole = new RegExp(`^${pattern.join('')}/`);
  const placeholder = path.indexOf('${');
  return {
    bucket: match[1] as string,
    prefix: placeholder < 0 ? `${path}/` : path.slice(0, placeholder),
    valuesOf: (objectKey) => {
      const found = whole.exec(objectKey);
      if (!found) return undefined;
      const byName = new Map(order.map((name, i) => [name, found[i + 1] as string]));
      if (order.some((name) => byName.get(name) !== found[order.indexOf(name) + 1])) return undefined;
      const values = keys.map((k) => byName.get(k) as string);
      return keys.every((k, i) => projected.get(k)?.accepts(values[i] as string)) ? values : undefined;
    },
  };
}
