import { describe, expect, it } from 'vitest';
import { enginePathPattern } from './blob-store.js';

describe('engine paths in messages', () => {
  it('are redacted whole, even when the data directory has spaces and quotes in its path', () => {
    const engineDir = "/home/ana/City Data (2024)/it's here/objects/engine";
    const id = 'ab'.repeat(16);
    const message = `IO Error: Cannot open file "${engineDir}/${id}/f0.csv": gone; LINE 1: read_csv(['${engineDir}/${id}/f1.csv']), spill ${engineDir}/${id}/spill`;
    const redacted = message.replace(enginePathPattern(engineDir), '<file>');
    expect(redacted).toBe(
      'IO Error: Cannot open file "<file>": gone; LINE 1: read_csv([<file>]), spill <file>',
    );
    expect(redacted).not.toContain('City Data');
  });

  it('leave other paths and text alone', () => {
    const pattern = enginePathPattern('/data/objects/engine');
    expect('a /data/objects/other/x and /data/objects/engine/not-an-id'.replace(pattern, '<file>')).toBe(
      'a /data/objects/other/x and /data/objects/engine/not-an-id',
    );
  });
});
