import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { parseXml, toXml, XmlParseError } from '../../src/lib/xml.js';
import type { PublicAccessBlock } from '../../src/storage/bucket-access.js';
import { type ObjectOwnership, readOwnershipControls } from '../../src/storage/object-ownership.js';
import { publicAccessBlockElements, readPublicAccessBlock } from '../../src/storage/s3-bucket-access-api.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

/** What a reader gives for a document, or 'refused' when it is answered with a 400 (or does not parse). */
function readOrRefused<T>(text: string, lists: string[], read: (document: Record<string, unknown>) => T) {
  try {
    return read(parseXml(text, lists));
  } catch (error) {
    if (error instanceof XmlParseError) return 'refused';
    if (isAppError(error) && error.status === 400) return 'refused';
    throw error;
  }
}

const OWNERSHIPS: ObjectOwnership[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];
const FLAGS = ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'] as const;

const readBlock = (text: string) => readOrRefused(text, [], readPublicAccessBlock);
const readOwnership = (text: string) => readOrRefused(text, ['Rule'], readOwnershipControls);
const ownershipDocument = (ownership: string) =>
  toXml('OwnershipControls', { Rule: [{ ObjectOwnership: ownership }] });

/** Every flag a boolean: what S3 stores (a missing element is false). */
function expectBlock(block: PublicAccessBlock): void {
  expect(Object.keys(block).sort()).toEqual([...FLAGS].sort());
  for (const flag of FLAGS) expect(typeof block[flag]).toBe('boolean');
}

describe('the PublicAccessBlockConfiguration and OwnershipControls readers under fuzzing', () => {
  it('read back exactly what GetPublicAccessBlock and GetBucketOwnershipControls answer', () => {
    const block = fc.record(Object.fromEntries(FLAGS.map((flag) => [flag, fc.boolean()]))) as fc.Arbitrary<
      Record<(typeof FLAGS)[number], boolean>
    >;
    fc.assert(
      fc.property(block, fc.constantFrom(...OWNERSHIPS), (flags, ownership) => {
        const read = readBlock(toXml('PublicAccessBlockConfiguration', publicAccessBlockElements(flags)));
        expect(read).toEqual(flags);
        expect(readOwnership(ownershipDocument(ownership))).toBe(ownership);
      }),
      fuzzParameters(200),
    );
  });

  it('answer mutated documents with a well-formed setting or a 400, never anything else', () => {
    const valid = toXml(
      'PublicAccessBlockConfiguration',
      publicAccessBlockElements({
        blockPublicAcls: true,
        ignorePublicAcls: false,
        blockPublicPolicy: true,
        restrictPublicBuckets: false,
      }),
    );
    const insert = fc.oneof(
      wireText(8),
      fc.constantFrom('<Rule>', '</Rule>', 'TRUE', ' false ', '<BlockPublicAcls>', '&amp;'),
    );
    expect(readBlock(valid)).not.toBe('refused');
    expect(readOwnership(ownershipDocument('ObjectWriter'))).toBe('ObjectWriter');
    fc.assert(
      fc.property(mutated(valid, insert), mutated(ownershipDocument('ObjectWriter'), insert), (a, b) => {
        const block = readBlock(a);
        if (block !== 'refused') expectBlock(block);
        const ownership = readOwnership(b);
        if (ownership !== 'refused') expect(OWNERSHIPS).toContain(ownership);
      }),
      fuzzParameters(2000),
    );
  });
});
