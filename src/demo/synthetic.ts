import { Readable } from 'node:stream';
import { type DatasetKey, DEMO_YEARS, demoDataset } from './datasets.js';
import { createRandom, type Random } from './prng.js';
import { serviceRequestRows } from './synthetic-311.js';
import { lostAnimalRows } from './synthetic-animals.js';
import { businessLicenceRows } from './synthetic-licences.js';
import { parkingTicketRows } from './synthetic-parking.js';

/**
 * Synthetic stand-ins for the four datasets, for machines with neither the samples nor a network: same
 * columns, formats, value distributions and quirks as the real files, generated as a stream from a seed.
 *
 * `sample` is the format of the real sample file (JSON Lines for parking tickets, pandas CSV for 3-1-1,
 * the portal's CSV export for the other two); `portal-csv` is what the portal's export endpoint gives
 * (';', BOM, CRLF, labelled header).
 */
export type SyntheticFormat = 'sample' | 'portal-csv';

export interface SyntheticOptions {
  rows: number;
  /** Same seed, same bytes. Default 2023. */
  seed?: number;
  /** Years the rows fall in. Default 2023 and 2024. */
  years?: readonly number[];
  format?: SyntheticFormat;
  /**
   * Share of parking tickets without InfractionText (they sit in one contiguous stretch of entry dates, as
   * in the real data). Default 0.44.
   */
  missingInfractionTextShare?: number;
  /** Size of the Buffers handed out. Default 64 KiB. */
  chunkBytes?: number;
}

/** What each dataset's generator provides: the start of the file (BOM, header) and one row at a time. */
export interface RowSource {
  readonly head: string;
  row(): string;
}

export interface GeneratorContext {
  readonly random: Random;
  readonly years: readonly number[];
  readonly format: SyntheticFormat;
  readonly missingTextShare: number;
}

const GENERATORS: Record<DatasetKey, (context: GeneratorContext) => RowSource> = {
  parking_tickets: parkingTicketRows,
  lost_animals: lostAnimalRows,
  service_requests_311: serviceRequestRows,
  business_licences: businessLicenceRows,
};

function checkOptions(options: SyntheticOptions): void {
  if (!Number.isSafeInteger(options.rows) || options.rows < 0) {
    throw new RangeError(`rows must be a whole number ≥ 0, not ${options.rows}`);
  }
  const years = options.years ?? DEMO_YEARS;
  if (years.length === 0 || years.some((y) => !Number.isInteger(y) || y < 1970 || y > 2100)) {
    throw new RangeError(`years must be one or more years between 1970 and 2100, not [${years.join(', ')}]`);
  }
  const share = options.missingInfractionTextShare ?? 0.44;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`missingInfractionTextShare must be in [0, 1]`);
}

/**
 * The file as a sequence of Buffers of about `chunkBytes` each. Only one chunk exists at a time, so any
 * number of rows can be generated in constant memory.
 */
export function* syntheticChunks(key: DatasetKey, options: SyntheticOptions): Generator<Buffer> {
  checkOptions(options);
  const source = GENERATORS[key]({
    random: createRandom(options.seed ?? 2023),
    years: options.years ?? DEMO_YEARS,
    format: options.format ?? 'sample',
    missingTextShare: options.missingInfractionTextShare ?? 0.44,
  });
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  let text = source.head;
  for (let i = 0; i < options.rows; i++) {
    text += source.row();
    // String length counts UTF-16 units, close enough to bytes for these mostly-ASCII rows.
    if (text.length >= chunkBytes) {
      yield Buffer.from(text, 'utf8');
      text = '';
    }
  }
  if (text.length > 0) yield Buffer.from(text, 'utf8');
}

/** The same bytes as a Node stream, with backpressure: a slow consumer pauses the generator. */
export function createSyntheticStream(key: DatasetKey, options: SyntheticOptions): Readable {
  return Readable.from(syntheticChunks(key, options), { objectMode: false });
}

/** A file name like the real one's: the sample's name, or `<portal id>.csv` for the export format. */
export function syntheticFileName(key: DatasetKey, format: SyntheticFormat = 'sample'): string {
  const dataset = demoDataset(key);
  return format === 'sample' ? dataset.sampleFile : `${dataset.portalDatasetId}.csv`;
}
