import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The additional checksums S3 accepts (x-amz-checksum-*), by their wire names. */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  'CRC32',
  'CRC32C',
  'CRC64NVME',
  'SHA1',
  'SHA256',
];

/**
 * How a multipart object's checksum is made: FULL_OBJECT is the checksum of all its bytes; COMPOSITE is the
 * checksum of its parts' checksums (written `<base64>-<parts>`).
 */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/** The length of each algorithm's checksum, in bytes. */
export const CHECKSUM_LENGTHS: Readonly<Record<ChecksumAlgorithm, number>> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

/**
 * Whether `value` is the base64 of a checksum of `algorithm`: the right length, written as S3 writes it (padded,
 * no stray bits), since checksums are compared as written.
 */
export function isChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  return isCanonicalBase64(value, CHECKSUM_LENGTHS[algorithm]);
}

/** Whether `value` is the canonical (padded) base64 of exactly `bytes` bytes. */
export function isCanonicalBase64(value: string, bytes: number): boolean {
  if (value.length !== 4 * Math.ceil(bytes / 3) || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const decoded = Buffer.from(value, 'base64');
  return decoded.length === bytes && decoded.toString('base64') === value;
}

export interface Checksum {
  update(chunk: Uint8Array): void;
  /** The checksum as S3 writes it: base64 of the big-endian bytes. */
  digestBase64(): string;
}

export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

export function parseChecksumAlgorithm(value: string): ChecksumAlgorithm | undefined {
  const upper = value.toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper)
    ? (upper as ChecksumAlgorithm)
    : undefined;
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'CRC32':
      return crc32Checksum();
    case 'CRC32C':
      return crc32cChecksum();
    case 'CRC64NVME':
      return crc64NvmeChecksum();
    case 'SHA1':
    case 'SHA256': {
      const hash = createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256');
      return { update: (chunk) => hash.update(chunk), digestBase64: () => hash.digest('base64') };
    }
  }
}

/** `algorithm` over the concatenated bytes of checksums given in base64: a composite checksum's value. */
export function checksumOfChecksums(algorithm: ChecksumAlgorithm, values: readonly string[]): string {
  const checksum = createChecksum(algorithm);
  for (const value of values) checksum.update(Buffer.from(value, 'base64'));
  return checksum.digestBase64();
}

function uint32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

function crc32Checksum(): Checksum {
  let value = 0;
  return {
    update: (chunk) => {
      value = crc32(chunk, value);
    },
    digestBase64: () => uint32Base64(value),
  };
}

/** Slice-by-8 tables for the reflected Castagnoli polynomial. */
const CRC32C_TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const first = tables[0] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    first[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = first[n] as number;
    for (let t = 1; t < 8; t++) {
      c = (first[c & 0xff] as number) ^ (c >>> 8);
      (tables[t] as Uint32Array)[n] = c >>> 0;
    }
  }
  return tables;
})();

export function crc32c(data: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC32C_TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = ~previous >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  while (i < end8) {
    const a =
      crc ^
      ((data[i] as number) |
        ((data[i + 1] as number) << 8) |
        ((data[i + 2] as number) << 16) |
        ((data[i + 3] as number) << 24));
    const b =
      (data[i + 4] as number) |
      ((data[i + 5] as number) << 8) |
      ((data[i + 6] as number) << 16) |
      ((data[i + 7] as number) << 24);
    crc =
      (t7[a & 0xff] as number) ^
      (t6[(a >>> 8) & 0xff] as number) ^
      (t5[(a >>> 16) & 0xff] as number) ^
      (t4[a >>> 24] as number) ^
      (t3[b & 0xff] as number) ^
      (t2[(b >>> 8) & 0xff] as number) ^
      (t1[(b >>> 16) & 0xff] as number) ^
      (t0[b >>> 24] as number);
    i += 8;
  }
  while (i < data.length) {
    crc = (t0[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

function crc32cChecksum(): Checksum {
  let value = 0;
  return {
    update: (chunk) => {
      value = crc32c(chunk, value);
    },
    digestBase64: () => uint32Base64(value),
  };
}

/**
 * CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5) with the 64-bit state kept as two 32-bit halves,
 * because BigInt arithmetic per byte would be far too slow for multi-GiB objects.
 */
const CRC64_TABLES = (() => {
  const low = new Uint32Array(256);
  const high = new Uint32Array(256);
  const polyLow = 0xac4bc9b5;
  const polyHigh = 0x9a6c9329;
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        lo = (lo ^ polyLow) >>> 0;
        hi = (hi ^ polyHigh) >>> 0;
      }
    }
    low[n] = lo;
    high[n] = hi;
  }
  return { low, high };
})();

function crc64NvmeChecksum(): Checksum {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  const { low, high } = CRC64_TABLES;
  return {
    update: (chunk) => {
      for (let i = 0; i < chunk.length; i++) {
        const index = (lo ^ (chunk[i] as number)) & 0xff;
        lo = (((lo >>> 8) | (hi << 24)) ^ (low[index] as number)) >>> 0;
        hi = ((hi >>> 8) ^ (high[index] as number)) >>> 0;
      }
    },
    digestBase64: () => {
      const bytes = Buffer.alloc(8);
      bytes.writeUInt32BE(~hi >>> 0, 0);
      bytes.writeUInt32BE(~lo >>> 0, 4);
      return bytes.toString('base64');
    },
  };
}
