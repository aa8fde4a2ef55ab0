import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { FormParseError, formBoundary, readFormHead } from '../../src/lib/multipart-form.js';
import { checkPostPolicy, parsePostPolicy } from '../../src/storage/post-policy.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutatedBytes } from './mutations.js';

// The multipart/form-data reader of browser uploads takes client bytes: every input either parses to what
// was encoded or fails with a FormParseError, never anything else, never past its bound, never hanging.

interface Form {
  boundary: string;
  fields: [string, string][];
  file: Buffer;
  filename: string;
  preamble: string;
  cuts: number[];
}

const boundary = fc.stringMatching(/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/);
const fieldName = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/).filter((name) => name.toLowerCase() !== 'file');
const fieldValue = fc.string({ unit: 'grapheme', maxLength: 40 });
const form: fc.Arbitrary<Form> = fc
  .record({
    boundary,
    fields: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 6 }),
    file: fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)),
    filename: fc.stringMatching(/^[A-Za-z0-9 ._\\-]{0,20}$/),
    preamble: fc.constantFrom('', 'This is a preamble.\r\n'),
    cuts: fc.array(fc.nat(), { maxLength: 8 }),
  })
  // A boundary never occurs in the parts it separates (RFC 2046); the encoder would pick another.
  .filter((f) => {
    const delimiter = `\r\n--${f.boundary}`;
    return (
      !Buffer.concat([Buffer.from('\r\n'), f.file]).includes(delimiter) &&
      f.fields.every(([, value]) => !`\r\n${value}`.includes(delimiter))
    );
  });

/** Encodes a form as browsers do (written from RFC 7578, not from src). */
function encode(f: Form, trailing: [string, string][] = []): Buffer {
  const part = (name: string, value: string | Buffer, filename?: string) =>
    Buffer.concat([
      Buffer.from(
        `--${f.boundary}\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n${filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n'}\r\n`,
      ),
      Buffer.isBuffer(value) ? value : Buffer.from(value),
      Buffer.from('\r\n'),
    ]);
  return Buffer.concat([
    Buffer.from(f.preamble),
    ...f.fields.map(([name, value]) => part(name, value)),
    part('file', f.file, f.filename),
    ...trailing.map(([name, value]) => part(name, value)),
    Buffer.from(`--${f.boundary}--\r\n`),
  ]);
}

/** The bytes as a stream cut at the given offsets, as they may arrive off a socket. */
function chunked(bytes: Buffer, cuts: readonly number[]): Readable {
  const offsets = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort(
    (a, b) => a - b,
  );
  const bounds = [0, ...offsets, bytes.length];
  return Readable.from(
    bounds
      .slice(1)
      .map((end, i) => bytes.subarray(bounds[i], end))
      .filter((c) => c.length > 0),
  );
}

async function drain(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const isFile = (name: string) => name.toLowerCase() === 'file';

/** Parses a form whole; any error other than a FormParseError escapes and fails the property. */
async function parse(bytes: Buffer, b: string, cuts: readonly number[] = [], maxHeadBytes = 20 * 1024) {
  try {
    const head = await readFormHead(chunked(bytes, cuts), b, { maxHeadBytes, isFile });
    return { head, file: await drain(head.file.body) };
  } catch (error) {
    if (error instanceof FormParseError) return error;
    throw error;
  }
}

describe('multipart/form-data reader', () => {
  it('reads back what was encoded, however the bytes are cut', async () => {
    await fc.assert(
      fc.asyncProperty(form, async (f) => {
        const parsed = await parse(encode(f, [['after', 'ignored']]), f.boundary, f.cuts);
        if (parsed instanceof FormParseError) throw parsed;
        expect(parsed.head.fields.map((field) => [field.name, field.value])).toEqual(f.fields);
        expect(parsed.head.file.filename).toBe(f.filename);
        expect(parsed.file.equals(f.file)).toBe(true);
      }),
      fuzzParameters(300),
    );
  });

  it('mutated forms parse or fail with a FormParseError', async () => {
    const valid = form.chain((f) => fc.tuple(fc.constant(f), mutatedBytes(encode(f))));
    await fc.assert(
      fc.asyncProperty(valid, async ([f, bytes]) => {
        await parse(bytes, f.boundary, f.cuts);
      }),
      fuzzParameters(500, { caseTimeoutMs: 5000 }),
    );
  });

  it('arbitrary bytes parse or fail with a FormParseError', async () => {
    await fc.assert(
      fc.asyncProperty(
        boundary,
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat()),
        async (b, bytes, cuts) => {
          await parse(Buffer.from(bytes), b, cuts);
        },
      ),
      fuzzParameters(500, { caseTimeoutMs: 5000 }),
    );
  });

  it('never holds more than its bound before the file', async () => {
    await fc.assert(
      fc.asyncProperty(form, fc.integer({ min: 0, max: 400 }), async (f, bound) => {
        const parsed = await parse(encode(f), f.boundary, f.cuts, bound);
        // Everything up to the file's headers counts: a head past the bound is refused, one within it is read.
        const empty = encode({ ...f, file: Buffer.alloc(0) });
        const headEnd = empty.length - 2 - `--${f.boundary}--\r\n`.length;
        if (headEnd > bound) expect(parsed).toMatchObject({ failure: 'tooLarge' });
        else expect(parsed).not.toBeInstanceOf(FormParseError);
      }),
      fuzzParameters(300),
    );
  });

  it('the Content-Type boundary: only multipart/form-data with a valid boundary', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const found = formBoundary(text);
        if (found !== undefined) {
          expect(text.toLowerCase()).toContain('multipart/form-data');
          expect(found).toMatch(/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/);
        }
      }),
      fuzzParameters(2000),
    );
    expect(formBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(formBoundary('Multipart/Form-Data;boundary=xyz;charset=utf-8')).toBe('xyz');
    expect(formBoundary('multipart/mixed; boundary=xyz')).toBeUndefined();
    expect(formBoundary('multipart/form-data')).toBeUndefined();
  });
});

describe('POST policy documents', () => {
  const condition = fc.oneof(
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), {
      maxKeys: 2,
    }),
    fc.tuple(
      fc.constantFrom('eq', 'starts-with', 'EQ', 'in'),
      fc.string({ maxLength: 8 }),
      fc.string({ maxLength: 8 }),
    ),
    fc.tuple(
      fc.constant('content-length-range'),
      fc.oneof(fc.integer(), fc.string()),
      fc.oneof(fc.integer(), fc.string()),
    ),
    fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const document = fc.oneof(
    fc.record(
      {
        expiration: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string({ maxLength: 24 }),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        conditions: fc.oneof(fc.array(condition, { maxLength: 5 }), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const encoded = fc.oneof(
    document.map((d) => Buffer.from(JSON.stringify(d) ?? '').toString('base64')),
    fc.string({ maxLength: 40 }),
  );
  const fields = fc
    .array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { maxLength: 4 })
    .map((pairs) => new Map(pairs.map(([name, value]) => [name.toLowerCase(), { name, value }])));

  it('parse and check either answer or refuse with S3 errors, nothing else', () => {
    fc.assert(
      fc.property(encoded, fields, fc.string({ maxLength: 8 }), (text, map, key) => {
        let policy: ReturnType<typeof parsePostPolicy>;
        try {
          policy = parsePostPolicy(text);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).code).toBe('InvalidPolicyDocument');
          return;
        }
        try {
          const range = checkPostPolicy(policy, { fields: map, bucket: 'b', key }, new Date());
          if (range) expect(range.min >= 0 && Number.isSafeInteger(range.max)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).code).toBe('AccessDenied');
        }
      }),
      fuzzParameters(2000),
    );
  });
});
