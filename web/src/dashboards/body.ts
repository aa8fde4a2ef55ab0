/**
 * A CloudWatch dashboard body (the JSON string GetDashboard answers), read into widgets placed on CloudWatch's
 * grid: 24 columns, rows of one height unit, widgets 6 by 6 unless they say otherwise.
 */

export const GRID_COLUMNS = 24;
const DEFAULT_SIZE = 6;
const MAX_HEIGHT = 1000;

export interface Widget {
  /** Its place in the body's list, which names it when it has no title. */
  index: number;
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export interface DashboardBody {
  widgets: Widget[];
  /** The default time range, as the body writes it: `-PT3H`, or an ISO 8601 time. */
  start: string | undefined;
  end: string | undefined;
  /** `auto` (the default) lets a long range lengthen each graph's period; `inherit` always obeys it. */
  periodOverride: 'auto' | 'inherit';
}

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const integer = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** Cells taken so far, for placing a widget that names no position where CloudWatch would: the next free. */
class Grid {
  private readonly taken = new Set<string>();

  fits(x: number, y: number, width: number, height: number): boolean {
    for (let row = y; row < y + height; row += 1)
      for (let column = x; column < x + width; column += 1)
        if (this.taken.has(`${row}:${column}`)) return false;
    return true;
  }

  take(x: number, y: number, width: number, height: number): void {
    for (let row = y; row < y + height; row += 1)
      for (let column = x; column < x + width; column += 1) this.taken.add(`${row}:${column}`);
  }

  /** The first free place, row by row, for a widget with none or part of its position given. */
  place(width: number, height: number, x: number | undefined, y: number | undefined): [number, number] {
    const columns = x === undefined ? [...Array(GRID_COLUMNS - width + 1).keys()] : [x];
    for (let row = y ?? 0; row < (y ?? 0) + MAX_HEIGHT * 2; row += 1) {
      const column = columns.find((c) => this.fits(c, row, width, height));
      if (column !== undefined) return [column, row];
      if (y !== undefined) break;
    }
    return [x ?? 0, y ?? 0];
  }
}

function readWidgets(list: unknown[]): Widget[] {
  const grid = new Grid();
  const sized = list.map((raw, index) => {
    const w = isObject(raw) ? raw : {};
    const width = clamp(integer(w.width) ?? DEFAULT_SIZE, 1, GRID_COLUMNS);
    const height = clamp(integer(w.height) ?? DEFAULT_SIZE, 1, MAX_HEIGHT);
    const given = integer(w.x);
    const x = given === undefined ? undefined : Math.min(given, GRID_COLUMNS - width);
    return { index, w, width, height, x, y: integer(w.y) };
  });
  // Widgets with a position keep it; the others go where there is room, in the body's order.
  for (const s of sized) if (s.x !== undefined && s.y !== undefined) grid.take(s.x, s.y, s.width, s.height);
  return sized.map(({ index, w, width, height, x, y }) => {
    let at: [number, number] = [x ?? 0, y ?? 0];
    if (x === undefined || y === undefined) {
      at = grid.place(width, height, x, y);
      grid.take(at[0], at[1], width, height);
    }
    return {
      index,
      type: typeof w.type === 'string' ? w.type : 'unknown',
      x: at[0],
      y: at[1],
      width,
      height,
      properties: isObject(w.properties) ? w.properties : {},
    };
  });
}

/** The body read, or an Error saying why it cannot be. */
export function parseDashboardBody(text: string): DashboardBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('The dashboard body is not JSON.');
  }
  if (!isObject(parsed) || !Array.isArray(parsed.widgets))
    throw new Error('The dashboard body has no widgets list.');
  const nonEmpty = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    widgets: readWidgets(parsed.widgets),
    start: nonEmpty(parsed.start),
    end: nonEmpty(parsed.end),
    periodOverride: parsed.periodOverride === 'inherit' ? 'inherit' : 'auto',
  };
}

/** The widget's title from its properties, else a name from its type and place. */
export function widgetTitle(widget: Widget): string {
  const title = widget.properties.title;
  if (typeof title === 'string' && title.trim() !== '') return title;
  return `${widget.type[0]?.toUpperCase() ?? ''}${widget.type.slice(1)} widget ${widget.index + 1}`;
}
