import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseXml, toXml, type XmlObject, XmlParseError } from '../../src/lib/xml.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

/** Parses; the only failure allowed is XmlParseError, which the APIs answer as MalformedXML. */
function parsedOrRefused(text: string, arrays: readonly string[] = []): Record<string, unknown> | undefined {
  try {
    return parseXml(text, arrays);
  } catch (error) {
    if (!(error instanceof XmlParseError)) throw error;
    return undefined;
  }
}

/** The longest string anywhere in a parsed value: entity expansion would show up here. */
function longestString(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return Math.max(0, ...value.map(longestString));
  if (value !== null && typeof value === 'object')
    return Math.max(0, ...Object.values(value).map(longestString));
  return 0;
}

const S3_DOCUMENTS = [
  '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a &amp; b</Key><VersionId>v1</VersionId></Object><Object><Key>c</Key></Object><Quiet>true</Quiet></Delete>',
  '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>ca-west-1</LocationConstraint></CreateBucketConfiguration>',
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a54357aff0632cce46d942af68356b38"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag></Part></CompleteMultipartUpload>',
];

/** Markup that reaches the corners of an XML parser: declarations, entities, CDATA, comments, names. */
const markup = fc.constantFrom(
  '<!DOCTYPE a>',
  '<!doctype a [<!ENTITY x "xx">]>',
  '<!ENTITY x SYSTEM "file:///etc/passwd">',
  '<! DOCTYPE',
  '&x;',
  '&amp;',
  '&lt;',
  '&#0;',
  '&#x41;',
  '&#xD800;',
  '&#99999999;',
  '&unknown;',
  '<![CDATA[<a>]]>',
  '<!-- c -->',
  '<?pi x?>',
  '<?xml version="1.0"?>',
  '<__proto__>',
  '</__proto__>',
  '<constructor>',
  '<a:b xmlns:a="urn:x">',
  ' x="1"',
  '<a/>',
  '</a>',
  '\u0000',
  '\uFEFF',
);

const name = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9._-]{0,12}$/) },
  fc.constantFrom('Key', 'Object', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'a'),
);
/** Text with any character XML 1.0 allows; '\r' is left out as parsers rightly normalise it. */
const text = fc.string({
  unit: fc
    .string({ unit: 'binary', minLength: 1, maxLength: 1 })
    .filter((c) => /^[\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]$/u.test(c)),
  maxLength: 20,
});
type Tree = { [name: string]: string | Tree | (string | Tree)[] };
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.dictionary(name, fc.oneof({ depthSize: 'small' }, text, tie('node')), {
    maxKeys: 4,
    noNullPrototype: true,
  }),
})).node;

describe('XML bodies under fuzzing', () => {
  it('arbitrary text parses or is refused with XmlParseError, never expands entities', () => {
    const input = fc.oneof(
      wireText(300),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.array(fc.oneof(markup, wireText(6)), { maxLength: 30 }).map((parts) => parts.join('')),
      ...S3_DOCUMENTS.map((doc) => mutated(doc, fc.oneof(markup, wireText(6)))),
    );
    fc.assert(
      fc.property(input, (doc) => {
        const parsed = parsedOrRefused(doc, ['Object', 'Part']);
        if (parsed) expect(longestString(parsed)).toBeLessThanOrEqual(doc.length);
      }),
      fuzzParameters(1000),
    );
  });

  it('deep nesting is refused or parsed, never a stack overflow', () => {
    // Up to what fits in S3's 1 MiB XML body limit.
    const depth = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 300 }) },
      { weight: 1, arbitrary: fc.integer({ min: 300, max: 150_000 }) },
    );
    fc.assert(
      fc.property(depth, fc.constantFrom('a', 'Object', 'x:y'), (n, tag) => {
        parsedOrRefused(`${`<${tag}>`.repeat(n)}x${`</${tag}>`.repeat(n)}`);
        parsedOrRefused(`<${tag}>`.repeat(n));
      }),
      fuzzParameters(10),
    );
  });

  it('documents written by toXml parse back to the same values', () => {
    fc.assert(
      fc.property(name, tree, (root, body) => {
        const doc = toXml(root, body as XmlObject);
        const parsed = parsedOrRefused(doc);
        // fast-xml-parser refuses __proto__ and constructor and renames other Object.prototype names
        // (toString → __toString), so only documents without them must come back unchanged.
        if (namesIn(root, body).some((n) => n in Object.prototype)) return;
        expect(parsed, doc).toBeDefined();
        expect(parsed?.[root], doc).toEqual(normalise(body));
      }),
      fuzzParameters(500),
    );
  });
});

function namesIn(root: string, value: Tree | string): string[] {
  if (typeof value === 'string') return [root];
  return [root, ...Object.entries(value).flatMap(([k, v]) => namesIn(k, v as Tree | string))];
}

/** What a parse gives back for a tree: empty elements read as '', repeated names as arrays already. */
function normalise(value: string | Tree | (string | Tree)[]): unknown {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(normalise);
  const entries = Object.entries(value);
  return entries.length === 0 ? '' : Object.fromEntries(entries.map(([k, v]) => [k, normalise(v)]));
}
