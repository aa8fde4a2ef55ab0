import fc from 'fast-check';
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

/** CRC-64/NVME one byte at a time over a single table, as Seawall first computed it: the reference. */
function crc64NvmeBytewise(data: Uint8Array): string {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  for (const byte of data) {
    const index = (lo ^ byte) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ (BYTEWISE_LOW[index] as number)) >>> 0;
    hi = ((hi >>> 8) ^ (BYTEWISE_HIGH[index] as number)) >>> 0;
  }
  return ((BigInt(~hi >>> 0) << 32n) | BigInt(~lo >>> 0)).toString(16).padStart(16, '0');
}

const BYTEWISE_LOW = new Uint32Array(256);
const BYTEWISE_HIGH = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let lo = n;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      lo = (lo ^ 0xac4bc9b5) >>> 0;
      hi = (hi ^ 0x9a6c9329) >>> 0;
    }
  }
  BYTEWISE_LOW[n] = lo;
  BYTEWISE_HIGH[n] = hi;
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

  // The 64b CRC test cases of the NVM Express NVM Command Set Specification (section 5.2.1.3.5, as the Linux
  // kernel's lib/test_crc64.c quotes them): 4096 bytes each.
  it('computes the CRC-64/NVME test cases of the NVMe specification', () => {
    const cases: [(i: number) => number, string][] = [
      [() => 0, '6482d367eb22b64e'],
      [() => 0xff, 'c0ddba7302eca3ac'],
      [(i) => i & 0xff, '3e729f5f6750449c'],
      [(i) => 0xff - (i & 0xff), '9a2df64b8e9e517e'],
    ];
    for (const [byte, expected] of cases) {
      expect(hex('CRC64NVME', Buffer.from(Array.from({ length: 4096 }, (_, i) => byte(i))))).toBe(expected);
    }
    // awslabs/aws-c-s3's and crc64fast-nvme's vectors, and nothing at all.
    expect(hex('CRC64NVME', Buffer.from('aaaaaaaaaa'))).toBe('0c1a80036d65c555');
    expect(hex('CRC64NVME', Buffer.from('hello world!'))).toBe('d9160d1fa8e418e3');
    expect(hex('CRC64NVME', Buffer.alloc(0))).toBe('0000000000000000');
  });

  it('computes CRC-64/NVME as the byte-at-a-time algorithm does, however the data is cut and aligned', () => {
    const input = fc
      .record({
        data: fc.uint8Array({ maxLength: 2_000 }),
        cuts: fc.array(fc.nat(), { maxLength: 8 }),
        // Where the first piece starts in its backing buffer (each next one a byte further), so pieces come at
        // every alignment.
        shift: fc.integer({ min: 0, max: 7 }),
      })
      .map(({ data, cuts, shift }) => ({
        data,
        shift,
        cuts: [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b),
      }));
    fc.assert(
      fc.property(input, ({ data, cuts, shift }) => {
        const checksum = createChecksum('CRC64NVME');
        let from = 0;
        for (const [k, to] of [...cuts, data.length].entries()) {
          const offset = (shift + k) % 8;
          const backing = new Uint8Array(offset + to - from);
          backing.set(data.subarray(from, to), offset);
          checksum.update(backing.subarray(offset));
          from = to;
        }
        const got = Buffer.from(checksum.digestBase64(), 'base64').toString('hex');
        expect(got).toBe(crc64NvmeBytewise(data));
      }),
      { numRuns: 300 },
    );
  });

  it('the byte-at-a-time reference itself gives the catalogue check value', () => {
    expect(crc64NvmeBytewise(check)).toBe('ae8b14860a799888');
  });
});
