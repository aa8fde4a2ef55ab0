import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv-text.js';
import { type DatasetKey, DEFAULT_SAMPLES_DIR, DEMO_DATASETS, demoDataset, samplePath } from './datasets.js';
import { createSyntheticStream, type SyntheticOptions, syntheticChunks } from './synthetic.js';

const SAMPLES = process.env.SEAWALL_SAMPLES_DIR ?? DEFAULT_SAMPLES_DIR;

function generate(key: DatasetKey, options: SyntheticOptions): string {
  return Buffer.concat([...syntheticChunks(key, options)]).toString('utf8');
}

function realFile(key: DatasetKey): string {
  return readFileSync(samplePath(demoDataset(key), SAMPLES), 'utf8');
}

/** How a file is laid out: BOM, line ending, and the first line (header, or a JSON object's key order). */
function structure(text: string, jsonl: boolean) {
  const firstLine = text.slice(0, text.indexOf('\n') + 1);
  return {
    bom: text.startsWith('\ufeff'),
    crlf: firstLine.endsWith('\r\n'),
    header: jsonl ? Object.keys(JSON.parse(firstLine) as object) : firstLine.replace(/^\ufeff/, '').trimEnd(),
    endsWithNewline: text.endsWith('\n'),
  };
}

function rowsOf(text: string, key: DatasetKey, portal = false): string[][] {
  const dataset = demoDataset(key);
  if (dataset.sampleFormat.kind === 'jsonl' && !portal) {
    return text
      .trimEnd()
      .split('\n')
      .map((line) => Object.values(JSON.parse(line) as object).map((v) => (v === null ? '' : String(v))));
  }
  const delimiter = portal || dataset.sampleFormat.kind === 'jsonl' ? ';' : dataset.sampleFormat.delimiter;
  return parseCsv(text, delimiter).slice(1);
}

/** The UTC offset Vancouver really had at a local time, from the ICU time zone database. */
const vancouverOffset = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Vancouver',
  timeZoneName: 'shortOffset',
});
function offsetAt(timestamp: string): string {
  const name = vancouverOffset.formatToParts(new Date(timestamp)).find((p) => p.type === 'timeZoneName');
  return name?.value === 'GMT-7' ? '-07:00' : '-08:00';
}

describe('synthetic datasets', () => {
  it('have the real files’ structure: header, BOM, line endings, delimiter, row count', () => {
    for (const dataset of DEMO_DATASETS) {
      const jsonl = dataset.sampleFormat.kind === 'jsonl';
      const text = generate(dataset.key, { rows: 1000 });
      expect(structure(text, jsonl), dataset.key).toEqual(structure(realFile(dataset.key), jsonl));
      expect(rowsOf(text, dataset.key), dataset.key).toHaveLength(1000);
      for (const row of rowsOf(text, dataset.key)) expect(row).toHaveLength(dataset.sampleColumns.length);

      const portal = generate(dataset.key, { rows: 1000, format: 'portal-csv' });
      expect(portal.startsWith(`\ufeff${dataset.portalColumns.join(';')}\r\n`), dataset.key).toBe(true);
      expect(portal.replaceAll('\r\n', '').includes('\n'), dataset.key).toBe(false);
      expect(rowsOf(portal, dataset.key, true), dataset.key).toHaveLength(1000);
    }
  });

  it('are deterministic for a seed and differ between seeds', () => {
    for (const dataset of DEMO_DATASETS) {
      const a = generate(dataset.key, { rows: 2000, seed: 7 });
      expect(generate(dataset.key, { rows: 2000, seed: 7, chunkBytes: 1000 })).toBe(a);
      expect(generate(dataset.key, { rows: 2000, seed: 8 })).not.toBe(a);
    }
  });

  it('keep to the years asked for', () => {
    const years: Record<DatasetKey, (row: string[]) => string | undefined> = {
      parking_tickets: (row) => row[2],
      lost_animals: (row) => row[2],
      service_requests_311: (row) => row[4],
      business_licences: (row) => row[7],
    };
    for (const dataset of DEMO_DATASETS) {
      const seen = (options: Partial<SyntheticOptions>) =>
        new Set(
          rowsOf(generate(dataset.key, { rows: 3000, ...options }), dataset.key).map((r) =>
            years[dataset.key](r)?.slice(0, 4),
          ),
        );
      expect(seen({}), dataset.key).toEqual(new Set(['2023', '2024']));
      expect(seen({ years: [2021] }), dataset.key).toEqual(new Set(['2021']));
    }
    expect(() => generate('parking_tickets', { rows: 1, years: [] })).toThrow(RangeError);
  });

  it('parking tickets: 44% without InfractionText in one stretch of dates, statuses and blocks as in the sample', () => {
    const rows = rowsOf(generate('parking_tickets', { rows: 50_000 }), 'parking_tickets');
    const missing = rows.filter((r) => r[6] === '');
    expect(missing.length / rows.length).toBeGreaterThan(0.42);
    expect(missing.length / rows.length).toBeLessThan(0.46);
    const gap = missing.map((r) => r[2] as string).sort();
    const [first, last] = [gap[0] as string, gap.at(-1) as string];
    expect(rows.some((r) => r[6] !== '' && (r[2] as string) > first && (r[2] as string) < last)).toBe(false);
    const share = (status: string) => rows.filter((r) => r[5] === status).length / rows.length;
    expect(share('IS')).toBeCloseTo(0.854, 1);
    expect(share('VA')).toBeCloseTo(0.138, 1);
    expect(share('WR') + share('VS')).toBeGreaterThan(0);
    expect(rows.some((r) => r[0] === '0')).toBe(true);
    const ids = rows.map((r) => Number(r[8]));
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number))).toBe(true);
    const texts = new Map<string, Set<string>>();
    for (const r of rows)
      if (r[6]) texts.set(`${r[3]} ${r[4]}`, (texts.get(`${r[3]} ${r[4]}`) ?? new Set()).add(r[6] as string));
    expect(texts.get('2849 17.6(B)')?.size).toBe(2);
  });

  it('lost animals: placeholders, casing variants, the six sexes and three states, quoted names', () => {
    const text = generate('lost_animals', { rows: 20_000 });
    const rows = rowsOf(text, 'lost_animals');
    expect(new Set(rows.map((r) => r[4]))).toEqual(new Set(['M', 'F', 'M/N', 'F/S', 'X', '']));
    expect(new Set(rows.map((r) => r[5]))).toEqual(new Set(['Lost', 'Found', 'Matched']));
    const names = new Set(rows.map((r) => r[3]));
    expect(names.has('Not Provided') && names.has('Unknown')).toBe(true);
    const colours = new Set(rows.map((r) => r[1]));
    expect(['Black & White', 'Black and White', 'Black and white'].every((c) => colours.has(c))).toBe(true);
    expect(rows.some((r) => r[0] === r[0]?.toLowerCase() && /[a-z]/.test(r[0] ?? ''))).toBe(true);
    expect(text).toContain('"Rigel ""Binx"""');
  });

  it('3-1-1: pandas CSV, DST-correct offsets, empty strings and the geom dict', () => {
    const rows = rowsOf(generate('service_requests_311', { rows: 20_000 }), 'service_requests_311');
    for (const row of rows) {
      for (const stamp of [row[4], row[6]] as string[]) expect(stamp.slice(-6), stamp).toBe(offsetAt(stamp));
      if (row[10]) expect(row[12]).toBe(`{'lon': ${row[11]}, 'lat': ${row[10]}}`);
      else expect([row[7], row[11], row[12]]).toEqual(['', '', '']);
      expect(row[2] === 'Open' ? row[5] : row[5]?.length).toBe(row[2] === 'Open' ? '' : 10);
    }
    const offsets = new Set(rows.map((r) => r[4]?.slice(-6)));
    expect(offsets).toEqual(new Set(['-08:00', '-07:00']));
    expect(rows.filter((r) => r[10] === '').length / rows.length).toBeGreaterThan(0.5);
  });

  it('business licences: 25 columns, float-looking numbers, offsets, GeoJSON with doubled quotes', () => {
    const text = generate('business_licences', { rows: 5000 });
    const rows = rowsOf(text, 'business_licences');
    for (const row of rows) {
      expect(row[20]).toMatch(/^\d+\.0$/);
      expect(row[21]).toMatch(/^(|\d+\.0)$/);
      expect(row[7]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00$/);
      expect(row[7]?.slice(-6)).toBe(offsetAt(row[7] as string));
      if (row[23])
        expect(row[24]).toBe(
          row[23].replace(/^\{"coordinates": \[(\S+), (\S+)\], "type": "Point"\}$/, '$2, $1'),
        );
    }
    expect(text).toMatch(
      /;"\{""coordinates"": \[-123\.\d+, 49\.\d+\], ""type"": ""Point""\}";49\.\d+, -123\.\d+\r\n/,
    );
  });

  it('stream in bounded chunks', async () => {
    let bytes = 0;
    let largest = 0;
    for await (const chunk of createSyntheticStream('parking_tickets', {
      rows: 100_000,
      format: 'portal-csv',
    })) {
      bytes += (chunk as Buffer).length;
      largest = Math.max(largest, (chunk as Buffer).length);
    }
    expect(bytes).toBeGreaterThan(100_000 * 60);
    expect(largest).toBeLessThan(64 * 1024 + 512);
  });
});
