import { describe, expect, it } from 'vitest';
import { blobId, requestId } from './ids.js';

describe('ids drawn from the random pool', () => {
  it('have their shapes and do not repeat across refills of the pool', () => {
    // 4 KiB a fill: 1,000 blob ids and 1,000 request ids take several.
    const blobs = Array.from({ length: 1000 }, blobId);
    const requests = Array.from({ length: 1000 }, requestId);
    for (const id of blobs) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of requests) expect(id).toMatch(/^[0-9A-F]{16}$/);
    expect(new Set(blobs).size).toBe(blobs.length);
    expect(new Set(requests).size).toBe(requests.length);
  });
});
