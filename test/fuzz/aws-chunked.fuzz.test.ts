import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { AwsChunkedDecoder, type AwsChunkedOptions } from '../../src/server/aws-chunked.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutatedBytes, wireText } from './mutations.js';

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('hex');

interface Framing {
  payload: Buffer;
  /** Where the payload is cut into chunks (ascending offsets). */
  cuts: number[];
  signed: boolean;
  trailer: [string, string][] | undefined;
  /** Some clients leave out the blank line after the trailers. */
  finalBlankLine: boolean;
  sendDecodedLength: boolean;
  upperHex: boolean;
  seed: string;
}

const SIGNING = {
  key: createHmac('sha256', 'fuzz-signing-key').update('k').digest(),
  amzDate: '20240101T000000Z',
  scope: '20240101/ca-west-1/s3/aws4_request',
};

/** Encodes an aws-chunked body as SigV4 streaming defines it (written from the spec, not from src). */
function encode(f: Framing): Buffer {
  const bounds = [0, ...f.cuts, f.payload.length];
  const chunks = bounds
    .slice(1)
    .map((end, i) => f.payload.subarray(bounds[i], end))
    .filter((c) => c.length > 0);
  let previous = f.seed;
  const out: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const size = f.upperHex ? chunk.length.toString(16).toUpperCase() : chunk.length.toString(16);
    if (f.signed) {
      const text = `AWS4-HMAC-SHA256-PAYLOAD\n${SIGNING.amzDate}\n${SIGNING.scope}\n${previous}\n${sha('')}\n${sha(chunk)}`;
      previous = hmac(SIGNING.key, text);
      out.push(Buffer.from(`${size};chunk-signature=${previous}\r\n`));
    } else out.push(Buffer.from(`${size}\r\n`));
    out.push(chunk);
    if (chunk.length > 0) out.push(Buffer.from('\r\n'));
  }
  if (f.trailer) {
    const canonical = f.trailer.map(([name, value]) => `${name}:${value}\n`).join('');
    out.push(Buffer.from(canonical.replace(/\n/g, '\r\n')));
    if (f.signed) {
      const text = `AWS4-HMAC-SHA256-TRAILER\n${SIGNING.amzDate}\n${SIGNING.scope}\n${previous}\n${sha(canonical)}`;
      out.push(Buffer.from(`x-amz-trailer-signature:${hmac(SIGNING.key, text)}\r\n`));
    }
    if (f.finalBlankLine) out.push(Buffer.from('\r\n'));
  } else out.push(Buffer.from('\r\n'));
  return Buffer.concat(out);
}

function decoderFor(f: Framing): AwsChunkedDecoder {
  const options: AwsChunkedOptions = {
    trailer: f.trailer !== undefined,
    ...(f.sendDecodedLength ? { decodedLength: f.payload.length } : {}),
    ...(f.signed ? { signing: { ...SIGNING, seedSignature: f.seed } } : {}),
  };
  return new AwsChunkedDecoder(options);
}

/** Feeds `body` in the given pieces; resolves with what came out and how decoding ended. */
async function decode(
  decoder: AwsChunkedDecoder,
  body: Buffer,
  splits: number[],
): Promise<{ out: Buffer; error?: unknown; maxSeen: number }> {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const size of splits) {
    if (at >= body.length) break;
    pieces.push(body.subarray(at, at + size));
    at += size;
  }
  if (at < body.length) pieces.push(body.subarray(at));
  const out: Buffer[] = [];
  let total = 0;
  let maxSeen = 0;
  try {
    for await (const chunk of Readable.from(pieces).pipe(decoder)) {
      out.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      maxSeen = Math.max(maxSeen, total);
    }
    return { out: Buffer.concat(out), maxSeen };
  } catch (error) {
    return { out: Buffer.concat(out), error, maxSeen };
  }
}

const trailerName = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,24}$/).filter((name) => name !== 'x-amz-trailer-signature'),
  fc.constantFrom('x-amz-checksum-crc32', '__proto__', 'constructor', '0'),
);
const trailerValue = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019+/=:; -_.'.split('')), maxLength: 32 })
  .map((value) => value.trim());

const framing: fc.Arbitrary<Framing> = fc
  .record({
    payload: fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)),
    cutFractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
    signed: fc.boolean(),
    trailer: fc.option(
      fc.uniqueArray(fc.tuple(trailerName, trailerValue), { selector: ([n]) => n, maxLength: 3 }),
      {
        nil: undefined,
      },
    ),
    finalBlankLine: fc.boolean(),
    sendDecodedLength: fc.boolean(),
    upperHex: fc.boolean(),
    seed: fc.stringMatching(/^[0-9a-f]{64}$/),
  })
  .map(({ cutFractions, ...f }) => ({
    ...f,
    cuts: [...new Set(cutFractions.map((x) => Math.floor(x * f.payload.length)))].sort((a, b) => a - b),
  }));

/** How the transport splits the stream: any sizes from single bytes up. */
const splits = fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 40 });

describe('aws-chunked decoding under fuzzing', () => {
  it('a valid body decodes to exactly its payload and trailers, however the stream is split', async () => {
    await fc.assert(
      fc.asyncProperty(framing, splits, async (f, split) => {
        const decoder = decoderFor(f);
        const result = await decode(decoder, encode(f), split);
        expect(result.error).toBeUndefined();
        expect(result.out.equals(f.payload)).toBe(true);
        expect(decoder.trailers).toEqual(Object.fromEntries(f.trailer ?? []));
      }),
      fuzzParameters(200, { caseTimeoutMs: 5000 }),
    );
  });

  it('a mutated body is refused with an AppError or, if signed, still decodes to exactly the payload', async () => {
    const cases = framing.chain((f) =>
      fc.tuple(fc.constant(f), mutatedBytes(encode(f), wireText(6)), splits),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ([f, body, split]) => {
        const result = await decode(decoderFor(f), body, split);
        if (f.sendDecodedLength) expect(result.maxSeen).toBeLessThanOrEqual(f.payload.length);
        if (result.error !== undefined) {
          expect(isAppError(result.error), String(result.error)).toBe(true);
          return;
        }
        // Chunk signatures chain over every byte, so a signed body that verifies is the one that was signed.
        if (f.signed) expect(result.out.equals(f.payload)).toBe(true);
      }),
      fuzzParameters(300, { caseTimeoutMs: 5000 }),
    );
  });

  it('arbitrary bytes end in an AppError or a body, never more bytes than declared, never a hang', async () => {
    const options = fc.record({
      trailer: fc.boolean(),
      decodedLength: fc.option(fc.nat({ max: 64 }), { nil: undefined }),
      signed: fc.boolean(),
    });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
      wireText(400).map((text) => Buffer.from(text, 'latin1')),
    );
    await fc.assert(
      fc.asyncProperty(options, bytes, splits, async (o, body, split) => {
        const decoder = new AwsChunkedDecoder({
          trailer: o.trailer,
          ...(o.decodedLength === undefined ? {} : { decodedLength: o.decodedLength }),
          ...(o.signed ? { signing: { ...SIGNING, seedSignature: 'a'.repeat(64) } } : {}),
        });
        const result = await decode(decoder, body, split);
        if (o.decodedLength !== undefined) expect(result.maxSeen).toBeLessThanOrEqual(o.decodedLength);
        if (result.error !== undefined) expect(isAppError(result.error), String(result.error)).toBe(true);
      }),
      fuzzParameters(500, { caseTimeoutMs: 5000 }),
    );
  });
});
