import { describe, expect, it } from 'vitest';
import type { CatalogTable } from './catalog-types.js';
import { projectionOf } from './partition-projection.js';

function table(
  keys: string[],
  parameters: Record<string, string>,
  location = 's3://logs/base/',
): CatalogTable {
  return {
    database: 'db',
    definition: {
      Name: 't',
      PartitionKeys: keys.map((Name) => ({ Name, Type: 'string' })),
      StorageDescriptor: { Location: location, Columns: [] },
      Parameters: { 'projection.enabled': 'true', ...parameters },
    },
    version: 1,
    createTime: 0,
    updateTime: 0,
  };
}

const cloudTrail = {
  'projection.timestamp.type': 'date',
  'projection.timestamp.format': 'yyyy/MM/dd',
  'projection.timestamp.range': '2026/01/30,2026/03/02',
  'projection.timestamp.interval': '1',
  'projection.timestamp.interval.unit': 'DAYS',
  'storage.location.template': `s3://logs/AWSLogs/1/CloudTrail/us-west-2/\${timestamp}`,
};

describe('projectionOf', () => {
  it('is undefined unless projection.enabled is true', () => {
    expect(projectionOf(table([], { 'projection.enabled': 'false' }))).toBeUndefined();
  });

  it("lists the template's fixed prefix and reads a date key's values from the path, inside the range", () => {
    const p = projectionOf(table(['timestamp'], cloudTrail));
    expect(p?.bucket).toBe('logs');
    expect(p?.prefix).toBe('AWSLogs/1/CloudTrail/us-west-2/');
    const at = (path: string) => p?.valuesOf(`AWSLogs/1/CloudTrail/us-west-2/${path}`);
    expect(at('2026/02/28/a.json.gz')).toEqual(['2026/02/28']);
    expect(at('2026/01/30/x/b.json.gz')).toEqual(['2026/01/30']);
    expect(at('2026/01/29/a.json.gz')).toBeUndefined();
    expect(at('2026/03/03/a.json.gz')).toBeUndefined();
    expect(at('2026/02/30/a.json.gz')).toBeUndefined();
    expect(at('2026/00/10/a.json.gz')).toBeUndefined();
    expect(at('2026/2/28/a.json.gz')).toBeUndefined();
    expect(at('2026/02/28')).toBeUndefined();
  });

  it('reads years below 100 as written, not as 19xx', () => {
    const p = projectionOf(
      table(['timestamp'], { ...cloudTrail, 'projection.timestamp.range': '0001/01/01,NOW' }),
    );
    expect(p?.valuesOf('AWSLogs/1/CloudTrail/us-west-2/0050/02/28/a.json.gz')).toEqual(['0050/02/28']);
    expect(p?.valuesOf('AWSLogs/1/CloudTrail/us-west-2/0000/12/31/a.json.gz')).toBeUndefined();
  });

  it('keeps only the values a date interval steps to', () => {
    const p = projectionOf(table(['timestamp'], { ...cloudTrail, 'projection.timestamp.interval': '2' }));
    const at = (day: string) => p?.valuesOf(`AWSLogs/1/CloudTrail/us-west-2/2026/02/${day}/a.json.gz`);
    expect(at('01')).toEqual(['2026/02/01']);
    expect(at('02')).toBeUndefined();
  });

  it('places enum and zero-padded integer keys by the default key=value layout, in key order', () => {
    const p = projectionOf(
      table(['region', 'month'], {
        'projection.region.type': 'enum',
        'projection.region.values': 'us-west-2, ca-central-1',
        'projection.month.type': 'integer',
        'projection.month.range': '1,12',
        'projection.month.digits': '2',
      }),
    );
    expect(p?.prefix).toBe('base/region=');
    expect(p?.valuesOf('base/region=ca-central-1/month=07/f.csv')).toEqual(['ca-central-1', '07']);
    expect(p?.valuesOf('base/region=ca-central-1/month=7/f.csv')).toBeUndefined();
    expect(p?.valuesOf('base/region=ca-central-1/month=13/f.csv')).toBeUndefined();
    expect(p?.valuesOf('base/region=eu-west-1/month=07/f.csv')).toBeUndefined();
  });

  it('keeps only the integers an interval steps to', () => {
    const p = projectionOf(
      table(['year'], {
        'projection.year.type': 'integer',
        'projection.year.range': '2020,2030',
        'projection.year.interval': '5',
      }),
    );
    expect(p?.valuesOf('base/year=2025/f.csv')).toEqual(['2025']);
    expect(p?.valuesOf('base/year=2024/f.csv')).toBeUndefined();
  });

  it('refuses what it cannot project, naming it', () => {
    expect(() => projectionOf(table(['d'], { 'projection.d.type': 'injected' }))).toThrow(
      /type of d must be enum, integer or date \(injected is not supported\)/,
    );
    expect(() =>
      projectionOf(table(['timestamp'], { ...cloudTrail, 'projection.timestamp.format': 'yyyy-MM-dd EEE' })),
    ).toThrow(/uses 'EEE'/);
    expect(() =>
      projectionOf(table(['timestamp'], { ...cloudTrail, 'projection.timestamp.range': 'NOW-3YEARS,NOW' })),
    ).toThrow(/range of timestamp must be two dates in its format, or NOW/);
    expect(() =>
      projectionOf(
        table(['timestamp'], { ...cloudTrail, 'storage.location.template': `s3://logs/AWSLogs/\${region}/` }),
      ),
    ).toThrow(/names \$\{region\}, which is not a partition key/);
    const integers = Object.fromEntries(
      ['a', 'b'].flatMap((k) => [
        [`projection.${k}.type`, 'integer'],
        [`projection.${k}.range`, '0,99999'],
      ]),
    );
    expect(() =>
      projectionOf(
        table(['a', 'b'], { ...integers, 'storage.location.template': `s3://logs/x/\${a}\${b}/` }),
      ),
    ).toThrow(/template must put text between \$\{a\} and \$\{b\}/);
  });
});
