import { createDayTable } from './calendar.js';
import { csvField, csvLine, UTF8_BOM } from './csv-text.js';
import { demoDataset } from './datasets.js';
import { createPicker, type Random } from './prng.js';
import type { GeneratorContext, RowSource } from './synthetic.js';
import {
  ANIMAL_BREEDS,
  ANIMAL_COLOURS,
  ANIMAL_MONTHS,
  ANIMAL_NAMES,
  ANIMAL_SEXES,
  ANIMAL_STATES,
  QUOTED_NAMES,
} from './tables-animals.js';

/** About 2% of breeds, colours and names are typed in another case ('lab x', 'Black & white', 'COCO'). */
const CASE_VARIANT_SHARE = 0.02;
/** The export has a few identical rows that no key tells apart. */
const DUPLICATE_SHARE = 0.001;
const EMPTY_COLOUR_SHARE = 0.001;

function recase(value: string, random: Random): string {
  if (!random.chance(CASE_VARIANT_SHARE)) return value;
  const style = random.next();
  if (style < 0.5) return value.toLowerCase();
  if (style < 0.85) return value.charAt(0) + value.slice(1).toLowerCase();
  return value.toUpperCase();
}

/**
 * Lost and found animals in the portal's export format (the sample is one): BOM, CRLF, ';', placeholder
 * names ('Not Provided', 'Unknown'), casing and spelling variants, sexes M, F, M/N, F/S, X or empty.
 */
export function lostAnimalRows(context: GeneratorContext): RowSource {
  const { random, years } = context;
  const breeds = createPicker(ANIMAL_BREEDS);
  const colours = createPicker(ANIMAL_COLOURS);
  const names = createPicker(ANIMAL_NAMES);
  const sexes = createPicker(ANIMAL_SEXES);
  const states = createPicker(ANIMAL_STATES);
  const days = createDayTable(years, (day) => ANIMAL_MONTHS[day.month - 1] as number);
  const field = (value: string) => csvField(value, ';');
  let previous = '';
  return {
    head: UTF8_BOM + csvLine(demoDataset('lost_animals').sampleColumns, ';', '\r\n'),
    row() {
      if (previous !== '' && random.chance(DUPLICATE_SHARE)) return previous;
      const breed = recase(breeds.pick(random), random);
      const colour = random.chance(EMPTY_COLOUR_SHARE) ? '' : recase(colours.pick(random), random);
      const date = days.at(random.next()).iso;
      const name = random.chance(0.004)
        ? (QUOTED_NAMES[random.int(QUOTED_NAMES.length)] as string)
        : recase(names.pick(random), random);
      previous = `${field(breed)};${field(colour)};${date};${field(name)};${sexes.pick(random)};${states.pick(random)}\r\n`;
      return previous;
    },
  };
}
