import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toXml } from '../../src/lib/xml.js';
import type { PublicAccessBlock } from '../../src/storage/bucket-access.js';
import { type ObjectOwnership, readOwnershipControls } from '../../src/storage/object-ownership.js';
import { publicAccessBlockElements, readPublicAccessBlock } from '../../src/storage/s3-bucket-access-api.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';
import { readOrRefused as readDocument } from './xml-documents.js';

const OWNERSHIPS: ObjectOwnership[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];
const FLAGS = ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'] as const;

const readBlock = (text: string) => readDocument(text, [], readPublicAccessBlock);
const readOwnership = (text: string) => readDocument(text, ['Rule'], readOwnershipControls);
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
