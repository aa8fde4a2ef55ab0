/*
 * Trino's `timestamp with time zone`, here: a wall-clock TIMESTAMP in a zone the translator knows (see
 * trino-datetime.ts). These helpers write the DuckDB SQL that moves between that wall-clock time and the
 * instant. A region zone ('America/Vancouver', 'UTC') goes through DuckDB's ICU time zones; a fixed offset
 * ('+05:30', which ICU does not name) is added or taken away as minutes.
 */

import type { JsonNode } from '../sandbox-tree.js';
import { QueryRejected } from '../sandbox-tree.js';
import { type Call, constantOf, stringConstant, type Translation } from './rules.js';

const OFFSET = /^([+-])(\d{1,2}):?(\d{2})$/;

/** Trino's name of a zone as written: `Z` and `UTC` are UTC; an offset is `+hh:mm`. */
export function canonicalZone(zone: string): string {
  const trimmed = zone.trim();
  if (/^(z|utc|gmt|ut)$/i.test(trimmed)) return 'UTC';
  const offset = OFFSET.exec(trimmed);
  if (offset) {
    const [, sign, hours, minutes] = offset as unknown as [string, string, string, string];
    if (Number(hours) > 14 || Number(minutes) > 59)
      throw new QueryRejected(`INVALID_FUNCTION_ARGUMENT: Invalid time zone offset: ${zone}`);
    if (Number(hours) === 0 && Number(minutes) === 0) return 'UTC';
    return `${sign}${hours.padStart(2, '0')}:${minutes}`;
  }
  return trimmed;
}

function offsetMinutes(zone: string): number | undefined {
  const offset = OFFSET.exec(zone);
  if (!offset) return undefined;
  const minutes = Number(offset[2]) * 60 + Number(offset[3]);
  return offset[1] === '-' ? -minutes : minutes;
}

/**
 * A zone: one of the call's arguments (by index), or a tree already translated (the zone of a zoned
 * argument, or a literal made here).
 */
export type ZoneRef = { arg: number } | { tree: JsonNode };

/**
 * Builds one template: fragments refer to the call's arguments as `$1`…, and to trees added here as the
 * placeholders after them.
 */
export class TemplateBuilder {
  private readonly extra: JsonNode[] = [];
  constructor(private readonly call: Call) {}

  /** A placeholder for a tree added after the call's arguments. */
  add(tree: JsonNode): string {
    this.extra.push(tree);
    return `$${this.call.args.length + this.extra.length}`;
  }

  /** The zone's canonical name when it is a string literal. */
  private nameOf(zone: ZoneRef): string | undefined {
    const constant = constantOf('arg' in zone ? this.call.args[zone.arg] : zone.tree);
    return typeof constant?.value === 'string' ? canonicalZone(constant.value) : undefined;
  }

  /** SQL for the zone as DuckDB's ICU names it (never a fixed offset: those are added as minutes). */
  private icuZone(zone: ZoneRef, name: string | undefined): string {
    if (name !== undefined) return this.add(stringConstant(name));
    return 'arg' in zone ? `$${zone.arg + 1}` : this.add(zone.tree);
  }

  /** The wall-clock time in `zone` of the instant `instant` (SQL over placeholders). */
  local(instant: string, zone: ZoneRef): string {
    const name = this.nameOf(zone);
    const minutes = name === undefined ? undefined : offsetMinutes(name);
    if (minutes !== undefined)
      return `(CAST(CAST(${instant} AS TIMESTAMPTZ) AS TIMESTAMP) + INTERVAL (${minutes}) MINUTE)`;
    return `timezone(${this.icuZone(zone, name)}, CAST(${instant} AS TIMESTAMPTZ))`;
  }

  /** The instant of the wall-clock time `local` in `zone`. */
  instant(local: string, zone: ZoneRef): string {
    const name = this.nameOf(zone);
    const minutes = name === undefined ? undefined : offsetMinutes(name);
    if (minutes !== undefined)
      return `CAST(CAST(${local} AS TIMESTAMP) - INTERVAL (${minutes}) MINUTE AS TIMESTAMPTZ)`;
    return `timezone(${this.icuZone(zone, name)}, CAST(${local} AS TIMESTAMP))`;
  }

  /** The instant of argument `index`: read in its zone when it is a zoned wall-clock time, else as is (UTC). */
  instantOfArgument(index: number): string {
    const zone = this.call.zoneOf(index);
    return zone ? this.instant(`$${index + 1}`, { tree: zone }) : `CAST($${index + 1} AS TIMESTAMPTZ)`;
  }

  /** The translation; `zone`, when given, makes its value a wall-clock time in that zone. */
  done(sql: string, zone?: ZoneRef): Translation {
    if (!zone) return { sql, extra: this.extra };
    const name = this.nameOf(zone);
    const placeholder =
      name !== undefined
        ? this.add(stringConstant(name))
        : 'arg' in zone
          ? `$${zone.arg + 1}`
          : this.add(zone.tree);
    return { sql, extra: this.extra, zone: Number(placeholder.slice(1)) };
  }
}

/**
 * A timestamp literal's text split into its wall-clock part and its zone, if it names one
 * (`2012-10-31 01:00 UTC`, `2024-01-01 00:00 America/New_York`, `2020-05-11 11:15:05.055+01:00`).
 */
export function splitZonedLiteral(text: string): { local: string; zone: string } | undefined {
  const match =
    /^\s*(\d{4,}-\d{1,2}-\d{1,2}(?:[ ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?)?)\s*([A-Za-z][A-Za-z0-9_/+-]*|[+-]\d{1,2}:?\d{2})\s*$/.exec(
      text,
    );
  if (!match) return undefined;
  return { local: match[1] as string, zone: canonicalZone(match[2] as string) };
}
