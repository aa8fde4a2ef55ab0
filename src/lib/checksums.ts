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
 * The checksum S3 computes and keeps for an object uploaded without one (PutObject, POST, CopyObject, a
 * multipart upload created without ChecksumAlgorithm), since December 2024.
 */
export const DEFAULT_CHECKSUM_ALGORITHM: ChecksumAlgorithm = 'CRC64NVME';

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
 * because BigInt arithmetic per byte would be far too slow for multi-GiB objects. Slice-by-8 tables in one flat
 * array: table t (at t * 512) holds, for each byte n, the CRC of n followed by t zero bytes, its low half at
 * 2n and its high half at 2n + 1, so eight bytes take eight lookups per half. One array indexed by offset is
 * markedly faster under V8 than sixteen separate ones.
 */
const CRC64_TABLES = (() => {
  const tables = new Int32Array(8 * 512);
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | (hi << 31);
      hi = hi >>> 1;
      if (carry) {
        lo ^= 0xac4bc9b5;
        hi ^= 0x9a6c9329;
      }
    }
    tables[2 * n] = lo;
    tables[2 * n + 1] = hi;
  }
  for (let t = 1; t < 8; t++) {
    for (let n = 0; n < 256; n++) {
      const lo = tables[(t - 1) * 512 + 2 * n] as number;
      const hi = tables[(t - 1) * 512 + 2 * n + 1] as number;
      const index = (lo & 0xff) << 1;
      tables[t * 512 + 2 * n] = ((lo >>> 8) | (hi << 24)) ^ (tables[index] as number);
      tables[t * 512 + 2 * n + 1] = (hi >>> 8) ^ (tables[index + 1] as number);
    }
  }
  return tables;
})();

/**
 * Feeds `data` into a CRC-64/NVME register held as [low, high] halves, in place (the register starts all ones
 * and is inverted only for the digest). The register is read into locals for the loop: a closure's captured variables are
 * slower to update per byte.
 */
function crc64NvmeUpdate(state: Int32Array, data: Uint8Array): void {
  const tables = CRC64_TABLES;
  let lo = state[0] as number;
  let hi = state[1] as number;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  while (i < end8) {
    const a =
      lo ^
      ((data[i] as number) |
        ((data[i + 1] as number) << 8) |
        ((data[i + 2] as number) << 16) |
        ((data[i + 3] as number) << 24));
    const b =
      hi ^
      ((data[i + 4] as number) |
        ((data[i + 5] as number) << 8) |
        ((data[i + 6] as number) << 16) |
        ((data[i + 7] as number) << 24));
    // The offset of each byte's entry: the first byte went through seven more bytes, so table 7.
    const p7 = 3584 + ((a & 0xff) << 1);
    const p6 = 3072 + ((a >>> 7) & 0x1fe);
    const p5 = 2560 + ((a >>> 15) & 0x1fe);
    const p4 = 2048 + ((a >>> 23) & 0x1fe);
    const p3 = 1536 + ((b & 0xff) << 1);
    const p2 = 1024 + ((b >>> 7) & 0x1fe);
    const p1 = 512 + ((b >>> 15) & 0x1fe);
    const p0 = (b >>> 23) & 0x1fe;
    lo =
      (tables[p7] as number) ^
      (tables[p6] as number) ^
      (tables[p5] as number) ^
      (tables[p4] as number) ^
      (tables[p3] as number) ^
      (tables[p2] as number) ^
      (tables[p1] as number) ^
      (tables[p0] as number);
    hi =
      (tables[p7 + 1] as number) ^
      (tables[p6 + 1] as number) ^
      (tables[p5 + 1] as number) ^
      (tables[p4 + 1] as number) ^
      (tables[p3 + 1] as number) ^
      (tables[p2 + 1] as number) ^
      (tables[p1 + 1] as number) ^
      (tables[p0 + 1] as number);
    i += 8;
  }
  while (i < data.length) {
    const index = ((lo ^ (data[i] as number)) & 0xff) << 1;
    lo = ((lo >>> 8) | (hi << 24)) ^ (tables[index] as number);
    hi = (hi >>> 8) ^ (tables[index + 1] as number);
    i++;
  }
  state[0] = lo;
  state[1] = hi;
}

/**
 * The CRC-64/NVME of this module as a script for a hash worker (hash-workers.ts), which runs no module of
 * Seawall's: the same update function and tables, and `crc64nvme()`, a hash with createHash's update and digest.
 */
export function crc64NvmeWorkerScript(): string {
  return `
const CRC64_TABLES = new Int32Array([${CRC64_TABLES.join(',')}]);
const crc64NvmeUpdate = ${crc64NvmeUpdate.toString()};
function crc64nvme() {
  const state = new Int32Array([-1, -1]);
  return {
    update(chunk) { crc64NvmeUpdate(state, chunk); },
    digest() {
      const bytes = Buffer.alloc(8);
      bytes.writeUInt32BE(~state[1] >>> 0, 0);
      bytes.writeUInt32BE(~state[0] >>> 0, 4);
      return bytes.toString('base64');
    },
  };
}
`;
}

function crc64NvmeChecksum(): Checksum {
  const state = new Int32Array([-1, -1]);
  return {
    update: (chunk) => crc64NvmeUpdate(state, chunk),
    digestBase64: () => {
      const bytes = Buffer.alloc(8);
      bytes.writeUInt32BE(~(state[1] as number) >>> 0, 0);
      bytes.writeUInt32BE(~(state[0] as number) >>> 0, 4);
      return bytes.toString('base64');
    },
  };
}
