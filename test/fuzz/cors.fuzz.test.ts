import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toXml } from '../../src/lib/xml.js';
import {
  CORS_LIST_ELEMENTS,
  CORS_METHODS,
  type CorsRule,
  corsRuleElements,
  readCorsConfiguration,
} from '../../src/storage/bucket-cors.js';
import {
  corsResponseHeaders,
  matchCorsRule,
  requestedHeaderNames,
  wildcardMatch,
} from '../../src/storage/cors-rules.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';
import { readOrRefused as readDocument } from './xml-documents.js';

/** The rules a CORSConfiguration document gives, or 'refused' (a 400, or no XML). */
const readOrRefused = (text: string): CorsRule[] | 'refused' =>
  readDocument(text, CORS_LIST_ELEMENTS, readCorsConfiguration);

/** What S3 promises of every configuration it stores. */
function expectStorable(rules: readonly CorsRule[]): void {
  expect(rules.length).toBeGreaterThan(0);
  expect(rules.length).toBeLessThanOrEqual(100);
  const methods: readonly string[] = CORS_METHODS;
  for (const rule of rules) {
    expect(rule.allowedMethods.length).toBeGreaterThan(0);
    expect(rule.allowedOrigins.length).toBeGreaterThan(0);
    for (const method of rule.allowedMethods) expect(methods).toContain(method);
    for (const origin of rule.allowedOrigins) expect(origin.split('*').length).toBeLessThanOrEqual(2);
    for (const header of rule.allowedHeaders) expect(header.split('*').length).toBeLessThanOrEqual(2);
    for (const header of rule.exposeHeaders) expect(header).not.toContain('*');
    if (rule.maxAgeSeconds !== undefined) expect(Number.isSafeInteger(rule.maxAgeSeconds)).toBe(true);
    for (const value of [...rule.allowedOrigins, ...rule.allowedHeaders, ...rule.exposeHeaders])
      expect(typeof value).toBe('string');
  }
}

/** Text with the characters that matter to the parser and the matcher, and no wildcard. */
const text = fc.string({ unit: fc.constantFrom(...'ab.:/-<>&"\' GETPUT'.split('')), maxLength: 12 });
/** Mostly what S3 stores (at most one wildcard), sometimes what it refuses. */
const pattern = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.oneof(
      text,
      fc.tuple(text, text).map(([a, b]) => `${a}*${b}`),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('**', 'a*b*c', 'OPTIONS', ' GET', '') },
);
const method = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...CORS_METHODS) },
  { weight: 1, arbitrary: fc.oneof(pattern, fc.constantFrom('OPTIONS', 'get', ' GET', '')) },
);

const ruleArbitrary: fc.Arbitrary<CorsRule> = fc.record(
  {
    id: fc.string({ maxLength: 260 }),
    allowedHeaders: fc.array(pattern, { maxLength: 3 }),
    allowedMethods: fc.array(method, { minLength: 1, maxLength: 3 }),
    allowedOrigins: fc.array(pattern, { minLength: 1, maxLength: 3 }),
    exposeHeaders: fc.array(fc.oneof({ weight: 9, arbitrary: text }, { weight: 1, arbitrary: pattern }), {
      maxLength: 2,
    }),
    maxAgeSeconds: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  },
  { requiredKeys: ['allowedHeaders', 'allowedMethods', 'allowedOrigins', 'exposeHeaders'] },
) as fc.Arbitrary<CorsRule>;

const documentOf = (rules: readonly CorsRule[]) => toXml('CORSConfiguration', corsRuleElements(rules));

const VALID = documentOf([
  {
    id: 'r',
    allowedHeaders: ['x-amz-*'],
    allowedMethods: ['GET', 'PUT'],
    allowedOrigins: ['https://*.example', 'https://a.org'],
    exposeHeaders: ['ETag'],
    maxAgeSeconds: 30,
  },
  { allowedHeaders: [], allowedMethods: ['HEAD'], allowedOrigins: ['*'], exposeHeaders: [] },
]);

/** The oracle for wildcardMatch: a regular expression from the pattern, every other character escaped. */
function oracle(pattern: string, text: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${source}$`).test(text);
}

describe('the CORSConfiguration parser under fuzzing', () => {
  it('stores only what S3 would, gives back exactly what it stored, and refuses the rest with a 400', () => {
    fc.assert(
      fc.property(fc.array(ruleArbitrary, { minLength: 1, maxLength: 4 }), (rules) => {
        const read = readOrRefused(documentOf(rules));
        if (read === 'refused') return;
        expectStorable(read);
        expect(read).toEqual(rules);
        expect(readOrRefused(documentOf(read))).toEqual(read);
      }),
      fuzzParameters(1000),
    );
  });

  it('answers mutated documents with rules S3 would store or a 400, never anything else', () => {
    fc.assert(
      fc.property(
        mutated(
          VALID,
          fc.oneof(wireText(8), fc.constantFrom('<CORSRule>', '</CORSRule>', '*', '<ID>', '&amp;')),
        ),
        (text) => {
          const read = readOrRefused(text);
          if (read !== 'refused') expectStorable(read);
        },
      ),
      fuzzParameters(2000),
    );
  });
});

describe('CORS matching under fuzzing', () => {
  it('matches wildcards as a regular expression would, without building one', () => {
    const chars = fc.constantFrom(...'ab*.'.split(''));
    fc.assert(
      fc.property(
        fc.string({ unit: chars, maxLength: 8 }),
        fc.string({ unit: chars, maxLength: 10 }),
        (p, t) => {
          expect(wildcardMatch(p, t)).toBe(oracle(p, t));
        },
      ),
      fuzzParameters(3000),
    );
  });

  it('echoes only an origin a rule allows, and allows only requested headers a rule allows', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArbitrary, { minLength: 1, maxLength: 3 }),
        wireText(20),
        fc.constantFrom(...CORS_METHODS),
        fc.option(wireText(30), { nil: undefined }),
        (rules, origin, method, requested) => {
          const question = { origin, method, requestHeaders: requestedHeaderNames(requested) };
          const match = matchCorsRule(rules, question);
          if (!match) return;
          expect(rules).toContain(match.rule);
          expect(match.rule.allowedMethods).toContain(method);
          const headers = corsResponseHeaders(match, question);
          const allowOrigin = headers['access-control-allow-origin'];
          // `*` is the wildcard answer only from a rule allowing `*`; else it echoes an Origin of `*` itself.
          const wildcard = allowOrigin === '*' && match.rule.allowedOrigins.includes('*');
          if (!wildcard) {
            expect(allowOrigin).toBe(origin);
            expect(match.rule.allowedOrigins.some((pattern) => wildcardMatch(pattern, origin))).toBe(true);
            expect(headers['access-control-allow-credentials']).toBe('true');
          }
          for (const name of question.requestHeaders)
            expect(match.rule.allowedHeaders.some((p) => wildcardMatch(p.toLowerCase(), name))).toBe(true);
        },
      ),
      fuzzParameters(2000),
    );
  });
});
