import { createDayTable, type Day, daysInMonth } from './calendar.js';
import { csvField, csvLine, UTF8_BOM } from './csv-text.js';
import { demoDataset } from './datasets.js';
import { createPicker, type Picker, type Random } from './prng.js';
import type { GeneratorContext, RowSource } from './synthetic.js';
import {
  PARKING_INFRACTIONS,
  PARKING_MONTHS,
  PARKING_STATUSES,
  PARKING_STREETS,
  PARKING_WEEKDAYS,
  PARKING_YEAR_ROWS,
  TEXT_GAP_START,
} from './tables-parking.js';

interface Street {
  readonly name: string;
  readonly hotShare: number;
  readonly hot: Picker<string>;
  readonly min: number;
  readonly steps: number;
}

interface Infraction {
  readonly bylaw: string;
  readonly section: string;
  readonly text: string;
  readonly variant: string;
  readonly variantShare: number;
}

/** Every string is encoded once, up front, for the target format: the hot loop only concatenates. */
type Encode = (value: string) => string;

function streets(encode: Encode): Picker<Street> {
  return createPicker(
    PARKING_STREETS.map(([name, weight, min, max, hot]) => {
      const hotCount = hot.reduce((sum, [, count]) => sum + count, 0);
      const street: Street = {
        name: encode(name),
        hotShare: hotCount / weight,
        hot: createPicker(hot.map(([block, count]) => [String(block), count] as const)),
        min,
        steps: (max - min) / 100 + 1,
      };
      return [street, weight] as const;
    }),
  );
}

function infractions(encode: Encode): Picker<Infraction> {
  return createPicker(
    PARKING_INFRACTIONS.map((entry) => {
      const [bylaw, section, weight, text] = entry;
      const infraction: Infraction = {
        bylaw: String(bylaw),
        section: encode(section),
        text: encode(text),
        variant: entry.length === 6 ? encode(entry[4]) : encode(text),
        variantShare: entry.length === 6 ? entry[5] : 0,
      };
      return [infraction, weight] as const;
    }),
  );
}

function yearWeight(year: number): number {
  const known = Object.values(PARKING_YEAR_ROWS);
  return PARKING_YEAR_ROWS[year] ?? known.reduce((a, b) => a + b, 0) / known.length;
}

/** Tickets per day follow the sample's month and weekday profile, scaled by the year's volume. */
function dayWeight(day: Day): number {
  const month = (PARKING_MONTHS[day.month - 1] as number) / daysInMonth(day.year, day.month);
  return month * (PARKING_WEEKDAYS[day.weekday] as number) * yearWeight(day.year);
}

function block(street: Street, random: Random): string {
  return random.chance(street.hotShare)
    ? street.hot.pick(random)
    : String(street.min + 100 * random.int(street.steps));
}

/**
 * Parking tickets: JSON Lines exactly like the sample, or the portal's CSV export. BI_ID rises through the
 * file in irregular steps (the sample keeps every 8th ticket) while entry dates are in no order, as in the
 * real file. InfractionText is missing for one contiguous stretch of entry dates holding the asked share.
 */
export function parkingTicketRows(context: GeneratorContext): RowSource {
  const { random, years, format } = context;
  const csv = format === 'portal-csv';
  const encode: Encode = csv ? (value) => csvField(value, ';') : (value) => JSON.stringify(value);
  const streetPicker = streets(encode);
  const infractionPicker = infractions(encode);
  const statusPicker = createPicker(PARKING_STATUSES);
  const table = createDayTable(years, dayWeight);
  const share = context.missingTextShare;
  const gapStart = Math.min(TEXT_GAP_START, 1 - share);
  const gapEnd = gapStart + share;
  const missing = csv ? '' : 'null';
  let id = 4_222_179;
  const columns = demoDataset('parking_tickets').portalColumns;
  return {
    head: csv ? UTF8_BOM + csvLine(columns, ';', '\r\n') : '',
    row() {
      const street = streetPicker.pick(random);
      const infraction = infractionPicker.pick(random);
      const u = random.next();
      const day = table.at(u);
      const text =
        u >= gapStart && u < gapEnd
          ? missing
          : random.chance(infraction.variantShare)
            ? infraction.variant
            : infraction.text;
      const status = statusPicker.pick(random);
      const blockNumber = block(street, random);
      id += 1 + random.int(14);
      if (csv) {
        return `${blockNumber};${street.name};${day.iso};${infraction.bylaw};${infraction.section};${status};${text};${day.year};${id}\r\n`;
      }
      return `{"Block":${blockNumber},"Street":${street.name},"EntryDate":"${day.iso}","Bylaw":${infraction.bylaw},"Section":${infraction.section},"Status":"${status}","InfractionText":${text},"Year":${day.year},"BI_ID":${id}}\n`;
    },
  };
}
