import { HttpRequest } from '@smithy/protocol-http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { parseQuery } from '../../src/lib/http.js';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  hmacHex,
  parseAmzDate,
  parseAuthorizationHeader,
  parsePresignedQuery,
  type SignatureParts,
  scopeOf,
  signingKey,
  stringToSign,
} from '../../src/server/sigv4.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';
import {
  accessKey,
  looseEncode,
  region,
  request,
  secret,
  service,
  signedBySdk,
  signer,
  signingDate,
  wirePath,
  wireQuery,
} from './sigv4-client.js';

/** Calls `parse`; anything it throws must be the AppError the server renders. */
function parsesOrAppError<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    return undefined;
  }
}

/** What the server computes for a request it received, from sigv4.ts's parts alone. */
function serverSignature(args: {
  parts: SignatureParts;
  secret: string;
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string>;
  payloadHash: string;
}): string {
  const { parts } = args;
  const canonical = canonicalRequest({
    method: args.method,
    uri: canonicalUri(args.rawPath, parts.service),
    query: canonicalQuery(parseQuery(args.rawQuery), parts.kind === 'query' ? 'X-Amz-Signature' : undefined),
    headers: (name) => args.headers[name],
    signedHeaders: parts.signedHeaders,
    payloadHash: args.payloadHash,
  });
  const key = signingKey(args.secret, parts.scopeDate, parts.region, parts.service);
  return hmacHex(key, stringToSign(parts.amzDate, scopeOf(parts), canonical));
}

const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

describe('SigV4 parsers take any bytes', () => {
  const validHeader =
    'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';

  it('Authorization headers: parsed into well-formed parts or refused with an AppError', () => {
    const header = fc.oneof(wireText(300), mutated(validHeader));
    fc.assert(
      fc.property(header, fc.oneof(wireText(20), fc.constant('20130524T000000Z')), (value, amzDate) => {
        const parts = parsesOrAppError(() => parseAuthorizationHeader(value, amzDate));
        if (!parts) return;
        expect(parts.signature).toMatch(/^[0-9a-f]{64}$/);
        expect(parts.accessKeyId).toMatch(/^[A-Za-z0-9]{1,128}$/);
        expect(parts.scopeDate).toMatch(/^\d{8}$/);
        expect(parts.signedHeaders.length).toBeGreaterThan(0);
        for (const name of parts.signedHeaders) expect(name).not.toMatch(/[;,\s]/);
        expect(value).toContain(`Signature=${parts.signature}`);
      }),
      fuzzParameters(2000),
    );
  });

  it('presigned query strings: parsed into well-formed parts or refused with an AppError', () => {
    const valid =
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    fc.assert(
      fc.property(fc.oneof(wireText(300), mutated(valid)), (raw) => {
        const parts = parsesOrAppError(() => parsePresignedQuery(parseQuery(raw)));
        if (!parts) return;
        expect(parts.expires).toBeGreaterThanOrEqual(0);
        expect(parts.expires).toBeLessThanOrEqual(604_800);
        expect(parts.signature).toMatch(/^[0-9a-f]{64}$/);
      }),
      fuzzParameters(2000),
    );
  });

  it('X-Amz-Date: only real calendar instants parse', () => {
    fc.assert(
      fc.property(fc.oneof(wireText(20), fc.stringMatching(/^\d{8}T\d{6}Z$/)), (text) => {
        const date = parseAmzDate(text);
        if (date === undefined) return;
        expect(date.toISOString().replace(/[-:]|\.\d{3}/g, '')).toBe(text);
      }),
      fuzzParameters(2000),
    );
  });

  it('query strings: any bytes split without throwing; encoded pairs come back exactly', () => {
    fc.assert(
      fc.property(wireText(200), (raw) => {
        for (const [key, value] of parseQuery(raw)) {
          expect(typeof key).toBe('string');
          expect(typeof value).toBe('string');
        }
        // What the server signs for it must be canonical whatever arrived.
        const canonical = canonicalQuery(parseQuery(raw));
        expect(canonical).toMatch(/^([A-Za-z0-9\-_.~%]*=[A-Za-z0-9\-_.~%]*(&|$))*$/);
        expect(canonicalQuery(parseQuery(canonical))).toBe(canonical);
      }),
      fuzzParameters(2000),
    );
    const pairs = fc.array(fc.tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), {
      maxLength: 6,
    });
    fc.assert(
      fc.property(pairs, fc.boolean(), fc.boolean(), (list, raw, lower) => {
        const text = list
          .map(([k, v]) => `${looseEncode(k, raw, lower)}=${looseEncode(v, raw, lower)}`)
          .join('&');
        expect(parseQuery(text)).toEqual(list);
      }),
      fuzzParameters(1000),
    );
  });

  it('paths: any bytes canonicalise without throwing, to a fixed point', () => {
    fc.assert(
      fc.property(wireText(200), service, (raw, name) => {
        const once = canonicalUri(raw, name);
        expect(once).toMatch(/^[A-Za-z0-9\-_.~%/]*$/);
        if (name === 's3') expect(canonicalUri(once, 's3')).toBe(once);
      }),
      fuzzParameters(2000),
    );
  });
});

describe("SigV4 round trip with the SDK's signer", () => {
  const credentials = fc.record({ accessKeyId: accessKey, secretAccessKey: secret, region, service });

  it('a header-signed request parses back to its parts and its signature verifies', async () => {
    await fc.assert(
      fc.asyncProperty(credentials, request, signingDate, fc.boolean(), async (who, req, date, unsigned) => {
        const rawPath = wirePath(req);
        const payloadHash = unsigned
          ? 'UNSIGNED-PAYLOAD'
          : 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
        const signed = await signer(who).sign(
          new HttpRequest({
            method: req.method,
            protocol: 'https:',
            hostname: 'seawall.test',
            path: rawPath,
            query: Object.fromEntries(req.query),
            headers: {
              host: 'seawall.test',
              'x-amz-content-sha256': payloadHash,
              ...Object.fromEntries(req.headers),
            },
          }),
          { signingDate: date },
        );
        const headers = lowerCased(signed.headers);
        const parts = parseAuthorizationHeader(headers.authorization ?? '', headers['x-amz-date'] ?? '');
        expect(parts).toMatchObject({
          kind: 'header',
          accessKeyId: who.accessKeyId,
          region: who.region,
          service: who.service,
          scopeDate: date.toISOString().slice(0, 10).replace(/-/g, ''),
        });
        expect(parseAmzDate(parts.amzDate)?.getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000);
        expect([...parts.signedHeaders].sort()).toEqual(
          [
            'host',
            'x-amz-content-sha256',
            'x-amz-date',
            ...req.headers.map(([name]) => name).filter(signedBySdk),
          ].sort(),
        );
        const computed = serverSignature({
          parts,
          secret: who.secretAccessKey,
          method: req.method,
          rawPath,
          rawQuery: wireQuery(req),
          headers,
          payloadHash,
        });
        expect(computed).toBe(parts.signature);
      }),
      fuzzParameters(300),
    );
  });

  it('a presigned URL parses back to its parts and its signature verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        credentials,
        request,
        signingDate,
        fc.integer({ min: 1, max: 604_800 }),
        async (who, req, date, expiresIn) => {
          const rawPath = wirePath(req);
          const presigned = await signer(who).presign(
            new HttpRequest({
              method: req.method,
              protocol: 'https:',
              hostname: 'seawall.test',
              path: rawPath,
              query: Object.fromEntries(req.query),
              headers: {
                host: 'seawall.test',
                'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
                ...Object.fromEntries(req.headers),
              },
            }),
            { signingDate: date, expiresIn },
          );
          const signedQuery = Object.entries(presigned.query ?? {}).flatMap(([key, value]) =>
            (Array.isArray(value) ? value : [value ?? '']).map((v) => [key, v] as [string, string]),
          );
          const rawQuery = signedQuery
            .map(
              ([key, value]) =>
                `${looseEncode(key, req.rawSafe, req.lowerHex)}=${looseEncode(value, req.rawSafe, req.lowerHex)}`,
            )
            .join('&');
          const parts = parsePresignedQuery(parseQuery(rawQuery));
          expect(parts).toMatchObject({
            kind: 'query',
            accessKeyId: who.accessKeyId,
            region: who.region,
            service: who.service,
            expires: expiresIn,
          });
          const computed = serverSignature({
            parts,
            secret: who.secretAccessKey,
            method: req.method,
            rawPath,
            rawQuery,
            headers: lowerCased(presigned.headers),
            payloadHash: 'UNSIGNED-PAYLOAD',
          });
          expect(computed).toBe(parts.signature);
        },
      ),
      fuzzParameters(300),
    );
  });
});
