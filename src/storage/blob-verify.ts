import { createHash, type Hash } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { CorruptObjectError, encryptedLength } from '../kms/object-cipher.js';
import {
  type ChecksumAlgorithm,
  type Checksum as ChecksumState,
  checksumOfChecksums,
  createChecksum,
  parseChecksumAlgorithm,
} from '../lib/checksums.js';
import { blobPath, openBlobFile } from './blob-store.js';
import { etagHidesMd5, etagOf, multipartEtag } from './blob-writer.js';
import type { ObjectParts } from './multipart-objects.js';
import type { ObjectEncryption } from './object-encryption.js';

/**
 * How the offline check verifies one blob against what the metadata says of it: its file found in a tier, its
 * stored size right for its content's size, its bytes decrypting (every segment authenticates) and its content
 * matching its ETag (made from its MD5, see etagOf) and the checksum its row stores. Content is streamed, never
 * held whole.
 */

/** Where blob files are: the data directory's objects directory, and the cold tier when there is one. */
export interface BlobTiers {
  readonly hot: string;
  readonly cold?: { readonly root: string; readonly storageClass: string };
  /** How a path is named in findings (relative to the data directory where it is inside it). */
  display(path: string): string;
}

/** A blob's file as found: where, how big, and whether the other tier has a copy too. */
export interface FoundBlob {
  path: string;
  size: number;
  inBoth: boolean;
}

async function statOf(path: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The blob's file (the hot tier's first, as reads take it), or why there is none. */
export async function locateBlob(
  tiers: BlobTiers,
  id: string,
  storageClass: string,
): Promise<FoundBlob | { missing: string }> {
  const hot = blobPath(tiers.hot, id);
  const cold = tiers.cold && blobPath(tiers.cold.root, id);
  const [hotStat, coldStat] = await Promise.all([statOf(hot), cold ? statOf(cold) : undefined]);
  const found = hotStat
    ? { path: hot, stat: hotStat }
    : coldStat && cold
      ? { path: cold, stat: coldStat }
      : undefined;
  if (!found) {
    const hint =
      !tiers.cold && storageClass !== 'STANDARD'
        ? ` (its storage class is ${storageClass}: if the installation has a cold tier, give it with --cold-storage-dir)`
        : '';
    return { missing: `blob ${tiers.display(hot)} is missing${hint}` };
  }
  if (!found.stat.isFile()) return { missing: `blob ${tiers.display(found.path)} is not a regular file` };
  return { path: found.path, size: found.stat.size, inBoth: hotStat !== undefined && coldStat !== undefined };
}

/** The size a blob's file has for `size` bytes of content: sealed in segments, or as it is (plaintext). */
export function storedSize(size: number, encryption: ObjectEncryption | undefined): number {
  return encryption ? encryptedLength(size) : size;
}

/** What a blob's content must match: its ETag (made from its MD5, or its parts'), and a checksum of the row's. */
export interface ContentExpectations {
  etag: string;
  /** The parts a multipart object was joined from (their sizes and checksums), where they were recorded. */
  parts?: ObjectParts;
  checksum?: { algorithm: string; value: string; type: 'COMPOSITE' | 'FULL_OBJECT' | null };
}

const SINGLE_ETAG = /^"([0-9a-f]{32})"$/;
const MULTIPART_ETAG = /^"([0-9a-f]{32})-(\d+)"$/;

/** Hashes that follow a stream cut at part boundaries: each part's MD5 and, for a composite checksum, its checksum. */
class PartHashes {
  private index = 0;
  private left: number;
  private md5: Hash = createHash('md5');
  private sum: ChecksumState | undefined;
  readonly md5s: Buffer[] = [];
  readonly sums: string[] = [];

  constructor(
    private readonly sizes: readonly number[],
    private readonly algorithm: ChecksumAlgorithm | undefined,
  ) {
    this.left = sizes[0] ?? 0;
    this.sum = algorithm && createChecksum(algorithm);
  }

  update(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.index < this.sizes.length) {
      if (this.left === 0) {
        this.next();
        continue;
      }
      const take = Math.min(this.left, chunk.length - at);
      const piece = chunk.subarray(at, at + take);
      this.md5.update(piece);
      this.sum?.update(piece);
      this.left -= take;
      at += take;
    }
  }

  private next(): void {
    this.md5s.push(this.md5.digest());
    if (this.sum) this.sums.push(this.sum.digestBase64());
    this.index++;
    this.left = this.sizes[this.index] ?? 0;
    this.md5 = createHash('md5');
    this.sum = this.algorithm && createChecksum(this.algorithm);
  }

  /** Closes the parts still open (the last, and empty ones at the end). */
  finish(): void {
    while (this.index < this.sizes.length) this.next();
  }
}

/** What is wrong with a blob's content (several things can be), or what could not be checked. */
export interface ContentFindings {
  problems: string[];
  notes: string[];
}

/** Words for a blob that does not decrypt, from the cipher's own finding. */
function corruption(display: string, error: CorruptObjectError): string {
  const segment = /^segment (\d+) does not authenticate$/.exec(error.detail);
  if (segment)
    return `authentication failed at segment ${segment[1]} of blob ${display} (its bytes were altered, or are another blob's)`;
  return `blob ${display} does not decrypt: ${error.detail}`;
}

/**
 * Reads a blob's content through the cipher and compares it with what its row says; `key` is its data key
 * (null for plaintext an earlier Seawall stored), sealed as `encryption` says (absent: SSE-S3 or plaintext),
 * which its ETag is made with.
 */
export async function verifyContent(
  found: FoundBlob,
  blob: { id: string; size: number; key: Uint8Array | null; encryption?: ObjectEncryption | undefined },
  expected: ContentExpectations,
  display: string,
): Promise<ContentFindings> {
  const problems: string[] = [];
  const notes: string[] = [];
  const single = SINGLE_ETAG.exec(expected.etag);
  const multipart = MULTIPART_ETAG.exec(expected.etag);
  const whole = single ? createHash('md5') : undefined;
  const algorithm = expected.checksum ? parseChecksumAlgorithm(expected.checksum.algorithm) : undefined;
  if (expected.checksum && !algorithm)
    notes.push(
      `not checkable: its checksum algorithm ${expected.checksum.algorithm} is not one Seawall computes`,
    );
  const composite = expected.checksum?.type === 'COMPOSITE';
  const wholeSum = algorithm && !composite ? createChecksum(algorithm) : undefined;
  const layout = expected.parts;
  const partSizes = layout?.parts.map((p) => p.size);
  if (partSizes && partSizes.reduce((a, b) => a + b, 0) !== blob.size)
    problems.push(
      `its recorded parts add up to ${partSizes.reduce((a, b) => a + b, 0)} bytes, not its ${blob.size}`,
    );
  const parts =
    partSizes && (multipart || composite)
      ? new PartHashes(partSizes, composite ? algorithm : undefined)
      : undefined;
  if (multipart && !layout)
    notes.push(
      `not checkable against its ETag ${expected.etag}: the record of the parts it was joined from is gone`,
    );
  if (!single && !multipart)
    notes.push(`not checkable against its ETag ${expected.etag}: not one Seawall makes from an MD5`);
  /**
   * Whether an ETag is the one content with these MD5s has; an SSE-KMS or SSE-C object's whose ETag is the bare
   * MD5, as Seawall made them before it keyed them, matches too, with a note.
   */
  const matches = (md5s: readonly Buffer[], etagOfAll: (etags: string[]) => string) => {
    if (
      etagOfAll(md5s.map((md5) => etagOf(md5.toString('hex'), blob.encryption, blob.key))) === expected.etag
    )
      return true;
    if (
      !etagHidesMd5(blob.encryption) ||
      etagOfAll(md5s.map((md5) => `"${md5.toString('hex')}"`)) !== expected.etag
    )
      return false;
    notes.push(
      `its ETag ${expected.etag} is made from its content's bare MD5, as an earlier Seawall made it`,
    );
    return true;
  };
  let read = 0;
  try {
    const stream = await openBlobFile(found.path, blob, 0, blob.size);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      whole?.update(chunk);
      wholeSum?.update(chunk);
      parts?.update(chunk);
    }
  } catch (error) {
    if (error instanceof CorruptObjectError) problems.push(corruption(display, error));
    else problems.push(`blob ${display} cannot be read (${(error as Error).message})`);
    return { problems, notes };
  }
  if (read !== blob.size) {
    problems.push(`blob ${display} holds ${read} bytes of content, not ${blob.size}`);
    return { problems, notes };
  }
  if (whole && single && !matches([whole.digest()], ([etag]) => etag as string))
    problems.push(`content does not match its ETag ${expected.etag} (made from its MD5)`);
  parts?.finish();
  if (parts && multipart && layout && !matches(parts.md5s, multipartEtag))
    problems.push(`content does not match its multipart ETag ${expected.etag} (the MD5 of its parts' ETags)`);
  if (expected.checksum && algorithm) {
    const { value } = expected.checksum;
    if (wholeSum && wholeSum.digestBase64() !== value)
      problems.push(`content does not match its ${algorithm} checksum (${value})`);
    if (composite && parts && layout) {
      layout.parts.forEach((part, i) => {
        if (part.checksum !== undefined && parts.sums[i] !== part.checksum)
          problems.push(
            `part ${part.partNumber} does not match its ${algorithm} checksum (${part.checksum})`,
          );
      });
      if (`${checksumOfChecksums(algorithm, parts.sums)}-${parts.sums.length}` !== value)
        problems.push(`content does not match its composite ${algorithm} checksum (${value})`);
    } else if (composite)
      notes.push(
        `not checkable against its composite ${algorithm} checksum: the record of its parts is gone`,
      );
  }
  return { problems, notes };
}
