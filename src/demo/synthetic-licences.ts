import { dayFromEpoch, daysInMonth, epochDayOf, PAD2, vancouverTimestamp } from './calendar.js';
import { csvField, csvLine, UTF8_BOM } from './csv-text.js';
import { demoDataset } from './datasets.js';
import { createPicker, type Random } from './prng.js';
import type { GeneratorContext, RowSource } from './synthetic.js';
import {
  LICENCE_BUSINESSES,
  LICENCE_EMPLOYEES,
  LICENCE_FEES,
  LICENCE_ISSUE_MONTHS,
  LICENCE_REVISIONS,
  LICENCE_SITES,
  LICENCE_SUBTYPES,
  LICENCE_UNIT_TYPES,
  LICENCE_UNITS,
  TRADE_NAME_PARTS,
} from './tables-licences.js';

/** Letters Canada Post uses in postal codes (never D, F, I, O, Q, U). */
const POSTAL_LETTERS = 'ABCEGHJKLMNPRSTVWXYZ';
const CHAIN_SHARE = 0.35;
const NO_TRADE_NAME_SHARE = 0.13;
const NO_COUNTRY_SHARE = 0.057;
const NOT_GEOCODED_SHARE = 0.04;

/** Coordinates as the portal prints them: 15 significant digits. */
function coordinate(value: number): string {
  return String(Number(value.toPrecision(15)));
}

function postalCode(prefix: string, random: Random): string {
  const letter = POSTAL_LETTERS[random.int(POSTAL_LETTERS.length)] as string;
  return `${prefix} ${random.int(10)}${letter}${random.int(10)}`;
}

/**
 * A licence's folder year and issue time. Rows belong to a year by IssuedDate, as the portal query selects
 * them, so a renewal issued in December of the last year belongs to next year's folder.
 */
function licenceTime(
  years: readonly number[],
  random: Random,
  monthOffset: () => number,
): { folderYear: number; issued: string } {
  const candidates = [...years, Math.max(...years) + 1];
  for (;;) {
    const folderYear = candidates[random.int(candidates.length)] as number;
    const offset = monthOffset();
    const year = folderYear + Math.floor(offset / 12);
    if (!years.includes(year)) continue;
    const month = (((offset % 12) + 12) % 12) + 1;
    const day = dayFromEpoch(epochDayOf(year, month, 1 + random.int(daysInMonth(year, month))));
    return {
      folderYear,
      issued: vancouverTimestamp(day, 8 + random.int(10), random.int(60), random.int(60)),
    };
  }
}

function business(random: Random, chains: () => readonly [string, string]): [string, string] {
  if (random.chance(CHAIN_SHARE)) return [...chains()];
  const [adjectives, nouns] = TRADE_NAME_PARTS as [readonly string[], readonly string[]];
  const trade = random.chance(NO_TRADE_NAME_SHARE)
    ? ''
    : `${adjectives[random.int(adjectives.length)]} ${nouns[random.int(nouns.length)]}`;
  return [`${1_000_000 + random.int(600_000)} BC Ltd`, trade];
}

/**
 * Restaurant business licences in the portal's export format (the sample is one): BOM, CRLF, ';', the 25
 * columns, numbers printed as floats ('43.0'), timestamps with offsets, Geom as quoted GeoJSON with doubled
 * quotes and geo_point_2d as "lat, lon". Like the sample, every row is an issued restaurant licence.
 */
export function businessLicenceRows(context: GeneratorContext): RowSource {
  const { random, years } = context;
  const field = (value: string) => csvField(value, ';');
  const chains = createPicker(
    LICENCE_BUSINESSES.map(([name, trade, weight]) => [[name, trade] as const, weight] as const),
  );
  const subtypes = createPicker(LICENCE_SUBTYPES);
  const sites = createPicker(LICENCE_SITES.map((site) => [site, site.weight] as const));
  const employees = createPicker(LICENCE_EMPLOYEES);
  const fees = createPicker(LICENCE_FEES);
  const revisions = createPicker(LICENCE_REVISIONS);
  const unitTypes = createPicker(LICENCE_UNIT_TYPES);
  const units = createPicker(LICENCE_UNITS);
  const issueMonths = createPicker(LICENCE_ISSUE_MONTHS);
  const extractDate = `${Math.max(...years) + 1}-10-01T02:31:39-07:00`;
  let rsn = 4_528_000;
  let number = 108_000;
  return {
    head: UTF8_BOM + csvLine(demoDataset('business_licences').sampleColumns, ';', '\r\n'),
    row() {
      const { folderYear: year, issued } = licenceTime(years, random, () => issueMonths.pick(random));
      rsn += 1 + random.int(160);
      number += 1 + random.int(60);
      const revision = revisions.pick(random);
      // Amended licences (revision 1x) mostly show no fee: it was paid on the original.
      const fee = revision.startsWith('1') && random.chance(0.96) ? '' : fees.pick(random);
      const [name, trade] = business(random, () => chains.pick(random));
      const unitType = unitTypes.pick(random);
      const unit = unitType === '' ? '' : units.pick(random);
      const site = sites.pick(random);
      const house = String(site.houses[0] + random.int(site.houses[1] - site.houses[0] + 1));
      let geom = '';
      let point = '';
      if (!random.chance(NOT_GEOCODED_SHARE)) {
        const lat = coordinate(site.lat + (random.next() - 0.5) * 0.004);
        const lon = coordinate(site.lon + (random.next() - 0.5) * 0.006);
        geom = field(`{"coordinates": [${lon}, ${lat}], "type": "Point"}`);
        point = `${lat}, ${lon}`;
      }
      const values = [
        PAD2[year % 100],
        String(rsn),
        `${PAD2[year % 100]}-${100_000 + (number % 900_000)}`,
        revision,
        field(name),
        field(trade),
        'Issued',
        issued,
        `${year}-12-31`,
        'Restaurant',
        field(subtypes.pick(random)),
        unit,
        unitType,
        house,
        field(site.street),
        'Vancouver',
        'BC',
        random.chance(NO_COUNTRY_SHARE) ? '' : 'CA',
        postalCode(site.postal, random),
        field(site.area),
        employees.pick(random),
        fee,
        extractDate,
        geom,
        point,
      ];
      return `${values.join(';')}\r\n`;
    },
  };
}
