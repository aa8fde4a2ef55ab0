import { describe, expect, it } from 'vitest';
import { createChecksum } from './checksums.js';

const check = Buffer.from('123456789');

function hex(algorithm: Parameters<typeof createChecksum>[0], data: Buffer, splitAt?: number): string {
  const checksum = createChecksum(algorithm);
  if (splitAt === undefined) checksum.update(data);
  else {
    checksum.update(data.subarray(0, splitAt));
    checksum.update(data.subarray(splitAt));
  }
  return Buffer.from(checksum.digestBase64(), 'base64').toString('hex');
}

describe('checksums', () => {
  // Check values from the CRC catalogue (reveng): the CRC of the ASCII string "123456789".
  it('computes the catalogue check values', () => {
    expect(hex('CRC32', check)).toBe('cbf43926');
    expect(hex('CRC32C', check)).toBe('e3069283');
    expect(hex('CRC64NVME', check)).toBe('ae8b14860a799888');
    expect(hex('SHA256', check)).toBe('15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225');
  });

  it('gives the same result when the data arrives in pieces', () => {
    const data = Buffer.alloc(10_007);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1'] as const) {
      expect(hex(algorithm, data, 4099)).toBe(hex(algorithm, data));
    }
  });
});
