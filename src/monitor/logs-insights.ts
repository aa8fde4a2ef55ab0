import { display, evaluate, formatTime, jsonFields, numeric, truthy } from './logs-insights-functions.js';
import {
  type Command,
  type Expr,
  type InsightsQuery,
  InsightsQueryError,
  type Row,
} from './logs-insights-parse.js';

/**
 * Running a Logs Insights query: events fed newest first through its commands, grouped by `stats`, then sorted,
 * deduplicated and limited into the rows GetQueryResults answers.
 */

/** One event as a query sees it. */
export interface QueryEvent {
  readonly time: number;
  readonly ingestion: number;
  readonly group: string;
  readonly stream: string;
  readonly message: string;
}

export interface QueryResult {
  readonly fields: string[];
  readonly rows: { field: string; value: string }[][];
  readonly matched: number;
}

const MAX_ROWS = 10_000;
const MAX_BUFFERED = 100_000;

interface Group {
  keys: unknown[];
  states: {
    count: number;
    sum: number;
    /** Welford's running mean and sum of squared deviations, for stddev. */
    mean: number;
    deviations: number;
    min: number | undefined;
    max: number | undefined;
    distinct: Set<string>;
    values: number[];
    /** earliest, latest, sortsFirst, sortsLast: the value chosen so far and what it was chosen by. */
    chosen?: { value: unknown; by: unknown };
  }[];
}

/** Insights' order of two values: numbers as numbers, anything else as its text. */
function compareValues(x: unknown, y: unknown): number {
  const nx = numeric(x);
  const ny = numeric(y);
  return nx !== undefined && ny !== undefined ? nx - ny : display(x).localeCompare(display(y));
}

/** For earliest, latest, sortsFirst and sortsLast: what a value is chosen by, and whether it beats the one held. */
const CHOOSERS: Readonly<
  Record<string, (value: unknown, row: Row) => { by: unknown; beats: (held: unknown) => boolean }>
> = {
  earliest: (_value, row) => {
    const time = row.get('@timestamp') as number;
    return { by: time, beats: (held) => time < (held as number) };
  },
  latest: (_value, row) => {
    const time = row.get('@timestamp') as number;
    return { by: time, beats: (held) => time > (held as number) };
  },
  sortsfirst: (value) => ({ by: value, beats: (held) => compareValues(value, held) < 0 }),
  sortslast: (value) => ({ by: value, beats: (held) => compareValues(value, held) > 0 }),
};

/** Runs a query over events fed one by one (newest first); answers whether it wants more. */
export function createQueryRun(query: InsightsQuery): {
  add(event: QueryEvent): boolean;
  finish(): QueryResult;
} {
  const statsAt = query.commands.findIndex((c) => c.kind === 'stats');
  const pre = statsAt < 0 ? query.commands : query.commands.slice(0, statsAt);
  const stats = statsAt < 0 ? undefined : (query.commands[statsAt] as Extract<Command, { kind: 'stats' }>);
  const post = statsAt < 0 ? [] : query.commands.slice(statsAt + 1);
  const streamingLimit =
    !stats && !pre.some((c) => c.kind === 'sort' || c.kind === 'dedup')
      ? pre.find((c) => c.kind === 'limit')
      : undefined;
  const rows: Row[] = [];
  const groups = new Map<string, Group>();
  let shown: string[] | undefined;
  let matched = 0;

  const rowOf = (event: QueryEvent): Row => {
    const row: Row = new Map<string, unknown>([
      ['@timestamp', event.time],
      ['@message', event.message],
      ['@logStream', event.stream],
      ['@log', event.group],
      ['@ingestionTime', event.ingestion],
    ]);
    jsonFields(event.message, row);
    return row;
  };

  /** Applies row commands; false when the row is filtered out. */
  const apply = (commands: readonly Command[], row: Row): boolean => {
    for (const command of commands) {
      if (command.kind === 'filter' && !truthy(evaluate(command.expr, row))) return false;
      if (command.kind === 'fields' || command.kind === 'display') {
        for (const item of command.items)
          if (item.expr.type !== 'field' || item.name !== item.expr.name)
            row.set(item.name, evaluate(item.expr, row));
      }
      if (command.kind === 'parse') {
        const text = display(evaluate(command.source, row));
        const spec = command.glob ?? command.regex;
        if (!spec) continue;
        const matcher = spec.re.matcher(text);
        if (!matcher.find()) continue;
        spec.names.forEach((name, i) => {
          row.set(name, command.glob ? matcher.group(i + 1) : matcher.group(name));
        });
      }
    }
    return true;
  };

  for (const command of query.commands) {
    if (command.kind === 'fields') shown = [...(shown ?? []), ...command.items.map((i) => i.name)];
    if (command.kind === 'display') shown = command.items.map((i) => i.name);
  }

  return {
    add(event) {
      const row = rowOf(event);
      if (!apply(pre, row)) return true;
      matched++;
      if (!stats) {
        if (rows.length >= MAX_BUFFERED)
          throw new InsightsQueryError(
            `The query matched more than ${MAX_BUFFERED} events before its sort; narrow it with filter or a shorter time range.`,
          );
        rows.push(row);
        return !(streamingLimit && rows.length >= (streamingLimit as { n: number }).n);
      }
      const keys = stats.by.map((b) => evaluate(b.expr, row));
      const key = JSON.stringify(keys);
      let group = groups.get(key);
      if (!group) {
        if (groups.size >= MAX_BUFFERED)
          throw new InsightsQueryError('The stats command has too many groups.');
        group = {
          keys,
          states: stats.aggs.map(() => ({
            count: 0,
            sum: 0,
            mean: 0,
            deviations: 0,
            min: undefined,
            max: undefined,
            distinct: new Set(),
            values: [],
          })),
        };
        groups.set(key, group);
      }
      stats.aggs.forEach((agg, i) => {
        const state = group.states[i] as Group['states'][number];
        const first = agg.args[0];
        const star = first?.type === 'literal' && first.value === '*';
        const value = first && !star ? evaluate(first, row) : undefined;
        if (agg.fn === 'count') {
          if (star || first === undefined || (value !== undefined && value !== null)) state.count++;
          return;
        }
        if (agg.fn === 'count_distinct') {
          if (value !== undefined && state.distinct.size < 100_000) state.distinct.add(display(value));
          return;
        }
        const chooser = CHOOSERS[agg.fn];
        if (chooser) {
          if (value === undefined || value === null) return;
          const { by, beats } = chooser(value, row);
          if (!state.chosen || beats(state.chosen.by)) state.chosen = { value, by };
          return;
        }
        const n = numeric(value);
        if (n === undefined) return;
        state.count++;
        state.sum += n;
        const delta = n - state.mean;
        state.mean += delta / state.count;
        state.deviations += delta * (n - state.mean);
        state.min = state.min === undefined ? n : Math.min(state.min, n);
        state.max = state.max === undefined ? n : Math.max(state.max, n);
        if (agg.fn === 'pct' && state.values.length < MAX_BUFFERED) state.values.push(n);
      });
      return true;
    },
    finish() {
      let out: Row[] = rows;
      let fields = shown ?? ['@timestamp', '@message'];
      if (stats) {
        out = [...groups.values()].map((group) => {
          const row: Row = new Map();
          stats.by.forEach((b, i) => {
            row.set(b.name, group.keys[i]);
          });
          stats.aggs.forEach((agg, i) => {
            const s = group.states[i] as Group['states'][number];
            const value =
              agg.fn === 'count'
                ? s.count
                : agg.fn === 'count_distinct'
                  ? s.distinct.size
                  : agg.fn === 'sum'
                    ? s.sum
                    : agg.fn === 'avg'
                      ? s.count > 0
                        ? s.sum / s.count
                        : undefined
                      : agg.fn === 'min'
                        ? s.min
                        : agg.fn === 'max'
                          ? s.max
                          : agg.fn === 'stddev'
                            ? standardDeviation(s)
                            : CHOOSERS[agg.fn]
                              ? s.chosen?.value
                              : percentileOf(
                                  s.values,
                                  numeric(agg.args[1] ? evaluate(agg.args[1], new Map()) : undefined),
                                );
            row.set(agg.name, value);
          });
          return row;
        });
        // Groups by a time bin come out in time order, as Insights gives them.
        out.sort((a, b) =>
          display(a.get(stats.by[0]?.name ?? '')).localeCompare(display(b.get(stats.by[0]?.name ?? ''))),
        );
        fields = post.some((c) => c.kind === 'display')
          ? (shown as string[])
          : [...stats.by.map((b) => b.name), ...stats.aggs.map((a) => a.name)];
        out = out.filter((row) =>
          apply(
            post.filter((c) => c.kind === 'filter'),
            row,
          ),
        );
      }
      for (const command of stats ? post : pre) {
        if (command.kind === 'sort')
          out = [...out].sort((a, b) => {
            for (const key of command.keys) {
              const c = compareValues(evaluate(key.expr, a), evaluate(key.expr, b));
              if (c !== 0) return key.desc ? -c : c;
            }
            return 0;
          });
        if (command.kind === 'dedup') out = deduplicated(out, command.fields);
        if (command.kind === 'limit') out = out.slice(0, command.n);
      }
      return {
        fields,
        matched,
        rows: out.slice(0, MAX_ROWS).map((row) =>
          fields.map((field) => {
            const value = row.get(field);
            return {
              field,
              value:
                (field === '@timestamp' || field === '@ingestionTime') && typeof value === 'number'
                  ? formatTime(value)
                  : display(value),
            };
          }),
        ),
      };
    },
  };
}

/** The sample standard deviation (0 for one value). */
function standardDeviation(s: { count: number; deviations: number }): number | undefined {
  if (s.count === 0) return undefined;
  if (s.count === 1) return 0;
  return Math.sqrt(s.deviations / (s.count - 1));
}

/** dedup: the first row of each combination of the fields' values; a row missing one of them is kept. */
function deduplicated(rows: Row[], fields: readonly Expr[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const values = fields.map((field) => evaluate(field, row));
    if (values.some((value) => value === undefined || value === null)) return true;
    const key = JSON.stringify(values.map(display));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function percentileOf(values: number[], p: number | undefined): number | undefined {
  if (values.length === 0 || p === undefined) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
