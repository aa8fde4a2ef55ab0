import { addDays, createDayTable, type Day, vancouverTimestamp } from './calendar.js';
import { csvField, csvLine, UTF8_BOM } from './csv-text.js';
import { demoDataset } from './datasets.js';
import { createPicker, type Random } from './prng.js';
import type { GeneratorContext, RowSource } from './synthetic.js';
import {
  CHANNELS,
  CLOSE_DAY_DECILES,
  CLOSURE_REASONS,
  LOCAL_AREAS,
  LOCATION_KINDS,
  OPEN_HOURS,
  REQUEST_TYPES,
} from './tables-311.js';

const OPEN_SHARE = 0.0067;
/** Requests opened by phone agents are stamped to the minute: 46% of open timestamps end in :00. */
const WHOLE_MINUTE_SHARE = 0.46;

/** Coordinates as Python prints a float rounded to 11 places: shortest form, no trailing zeros. */
function coordinate(value: number): string {
  return String(Number(value.toFixed(11)));
}

/** Triangular noise in [-1, 1): cheap, and keeps points clustered around an area's centre. */
function noise(random: Random): number {
  return random.next() + random.next() - 1;
}

function closeAfterDays(random: Random): number {
  const bucket = random.int(CLOSE_DAY_DECILES.length - 1);
  const lo = CLOSE_DAY_DECILES[bucket] as number;
  const hi = CLOSE_DAY_DECILES[bucket + 1] as number;
  return lo + random.int(hi - lo + 1);
}

interface Times {
  open: string;
  closeDate: string;
  lastModified: string;
}

function times(day: Day, closed: boolean, random: Random, hours: () => number): Times {
  const hour = hours();
  const minute = random.int(60);
  const second = random.chance(WHOLE_MINUTE_SHARE) ? 0 : random.int(60);
  const open = vancouverTimestamp(day, hour, minute, second);
  if (!closed) {
    const touched = addDays(day, random.int(30));
    return {
      open,
      closeDate: '',
      lastModified: vancouverTimestamp(touched, 8 + random.int(10), random.int(60), random.int(60)),
    };
  }
  const after = closeAfterDays(random);
  const close = addDays(day, after);
  // Nearly every record was last touched on its closing day; a few were edited days later.
  let touched = random.chance(0.98) ? close : addDays(close, 1 + random.int(9));
  let touchHour = 7 + random.int(12);
  // Never touched before it was opened.
  if (touched.epochDay === day.epochDay && touchHour <= hour) {
    if (hour >= 22) touched = addDays(touched, 1);
    else touchHour = hour + 1 + random.int(22 - hour);
  }
  return {
    open,
    closeDate: close.iso,
    lastModified: vancouverTimestamp(touched, touchHour, random.int(60), random.int(60)),
  };
}

/**
 * 3-1-1 service requests. `sample` is the pandas CSV of API records (',' separator, snake_case header, LF,
 * geom as a Python dict repr); `portal-csv` the portal's export (';', BOM, CRLF, labels, geom as
 * "lat, lon"). Timestamps carry -08:00 or -07:00 as daylight time dictates; empty fields are empty strings.
 */
export function serviceRequestRows(context: GeneratorContext): RowSource {
  const { random, years, format } = context;
  const portal = format === 'portal-csv';
  const delimiter = portal ? ';' : ',';
  const lineEnding = portal ? '\r\n' : '\n';
  const field = (value: string) => csvField(value, delimiter);
  const requestTypes = createPicker(
    REQUEST_TYPES.map(
      ([department, type, weight]) => [`${field(department)}${delimiter}${field(type)}`, weight] as const,
    ),
  );
  const reasons = createPicker(CLOSURE_REASONS.map(([reason, weight]) => [field(reason), weight] as const));
  const channels = createPicker(CHANNELS.map(([channel, weight]) => [field(channel), weight] as const));
  const areas = createPicker(LOCAL_AREAS.map((area) => [area, area.weight] as const));
  const locations = createPicker(LOCATION_KINDS);
  const hourPicker = createPicker(OPEN_HOURS.map((count, hour) => [hour, count] as const));
  const days = createDayTable(years, () => 1);
  const dataset = demoDataset('service_requests_311');
  const columns = portal ? dataset.portalColumns : dataset.sampleColumns;
  return {
    head: (portal ? UTF8_BOM : '') + csvLine(columns, delimiter, lineEnding),
    row() {
      const closed = !random.chance(OPEN_SHARE);
      const t = times(days.at(random.next()), closed, random, () => hourPicker.pick(random));
      const reason = closed ? reasons.pick(random) : 'N/A';
      const kind = locations.pick(random);
      const area = areas.pick(random);
      let address = '';
      let latitude = '';
      let longitude = '';
      let geom = '';
      if (kind === 'full') {
        const street = area.streets[random.int(area.streets.length)] as string;
        address = `${1 + random.int(80) * 100 + random.int(100)} ${street}`;
        latitude = coordinate(area.lat + noise(random) * area.latSd * 2);
        longitude = coordinate(area.lon + noise(random) * area.lonSd * 2);
        geom = field(portal ? `${latitude}, ${longitude}` : `{'lon': ${longitude}, 'lat': ${latitude}}`);
      }
      const localArea = kind === 'none' ? '' : field(area.name);
      const values = [
        requestTypes.pick(random), // department and type, already joined
        closed ? 'Close' : 'Open',
        reason,
        t.open,
        t.closeDate,
        t.lastModified,
        field(address),
        localArea,
        channels.pick(random),
        latitude,
        longitude,
        geom,
      ];
      return values.join(delimiter) + lineEnding;
    },
  };
}
