import { describe, expect, it } from 'vitest';
import { hiveEscape } from './copy-files.js';
import { partitionValues } from './select-writer.js';

describe('partition folders', () => {
  it('escape values as Hive does and read back exactly', () => {
    expect(hiveEscape('a/b=c')).toBe('a%2Fb%3Dc');
    expect(hiveEscape('..')).toBe('..');
    expect(hiveEscape('100%\n')).toBe('100%25%0A');
    expect(hiveEscape('café')).toBe('café');
    expect(hiveEscape(null)).toBe('__HIVE_DEFAULT_PARTITION__');
    const values = ['a/b=c', '100%\n', 'café'];
    const folder = values.map((v, i) => `k${i}=${hiveEscape(v)}`).join('/');
    expect(partitionValues(folder, ['k0', 'k1', 'k2'])).toEqual(values);
  });
});
