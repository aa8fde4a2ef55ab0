import { describe, expect, it } from 'vitest';
import { catalogArns, readChecks, s3UrlArn } from './catalog-arns.js';

describe('catalog and S3 ARNs for authorization', () => {
  it('names a table with its database and catalog, in lower case as Glue keeps them', () => {
    expect(catalogArns('ca-west-1', '111122223333').tablePath('Lake', 'Parking')).toEqual([
      'arn:aws:glue:ca-west-1:111122223333:catalog',
      'arn:aws:glue:ca-west-1:111122223333:database/lake',
      'arn:aws:glue:ca-west-1:111122223333:table/lake/parking',
    ]);
    expect(catalogArns('ca-west-1', '111122223333').database({ not: 'a name' })).toBe(
      'arn:aws:glue:ca-west-1:111122223333:database/',
    );
  });

  it('keeps an object URL as written and reads a location as a folder', () => {
    expect(s3UrlArn('s3://results/q/id.csv')).toBe('arn:aws:s3:::results/q/id.csv');
    expect(s3UrlArn('s3://results')).toBe('arn:aws:s3:::results/');
    expect(s3UrlArn('s3://s3/s3/k')).toBe('arn:aws:s3:::s3/s3/k');
    expect(readChecks('s3://lake/raw')).toEqual([
      { action: 's3:ListBucket', resources: ['arn:aws:s3:::lake'], conditions: { 's3:prefix': 'raw/' } },
      { action: 's3:GetObject', resources: ['arn:aws:s3:::lake/raw/'] },
    ]);
    expect(() => s3UrlArn('file:///etc/passwd')).toThrow(/not an s3:\/\/ URL/);
  });
});
