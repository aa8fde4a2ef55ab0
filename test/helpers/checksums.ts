import { createHash } from 'node:crypto';

/**
 * Reference checksums for tests, written apart from the server's (src/lib/checksums.ts): plain byte-at-a-time
 * reflected CRCs from their polynomials (CRC-64 in BigInt), and SHA from node:crypto.
 */
export type Algorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

function table(polynomial: bigint, width: 32 | 64): bigint[] {
  const mask = (1n << BigInt(width)) - 1n;
  return Array.from({ length: 256 }, (_, n) => {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ polynomial : c >> 1n;
    return c & mask;
  });
}

const CRC32_TABLE = table(0xedb88320n, 32).map(Number);
const CRC32C_TABLE = table(0x82f63b78n, 32).map(Number);
const CRC64NVME_TABLE = table(0x9a6c9329ac4bc9b5n, 64);

function crc32With(lookup: number[], data: Uint8Array): Buffer {
  let crc = 0xffffffff;
  for (const byte of data) crc = ((lookup[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)) >>> 0;
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out;
}

function crc64nvme(data: Uint8Array): Buffer {
  const mask = (1n << 64n) - 1n;
  let crc = mask;
  for (const byte of data)
    crc = (CRC64NVME_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] as bigint) ^ (crc >> 8n);
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(crc ^ mask);
  return out;
}

/** The raw checksum of `data`, big-endian as S3 writes it. */
export function rawChecksum(algorithm: Algorithm, data: Uint8Array): Buffer {
  switch (algorithm) {
    case 'CRC32':
      return crc32With(CRC32_TABLE, data);
    case 'CRC32C':
      return crc32With(CRC32C_TABLE, data);
    case 'CRC64NVME':
      return crc64nvme(data);
    case 'SHA1':
      return createHash('sha1').update(data).digest();
    case 'SHA256':
      return createHash('sha256').update(data).digest();
  }
}

/** The checksum as S3 answers it: base64. */
export function checksumOf(algorithm: Algorithm, data: Uint8Array): string {
  return rawChecksum(algorithm, data).toString('base64');
}

/** A composite checksum: the checksum of the parts' raw checksums, then `-<number of parts>`. */
export function compositeChecksum(algorithm: Algorithm, parts: readonly Uint8Array[]): string {
  const joined = Buffer.concat(parts.map((part) => rawChecksum(algorithm, part)));
  return `${checksumOf(algorithm, joined)}-${parts.length}`;
}
