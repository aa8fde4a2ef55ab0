import { describe, expect, it } from 'vitest';
import type { CorsRule } from './bucket-cors.js';
import { corsResponseHeaders, matchCorsRule, requestedHeaderNames, wildcardMatch } from './cors-rules.js';

const rule = (overrides: Partial<CorsRule>): CorsRule => ({
  allowedHeaders: [],
  allowedMethods: ['GET'],
  allowedOrigins: ['*'],
  exposeHeaders: [],
  ...overrides,
});

describe('wildcardMatch', () => {
  it('lets `*` stand for any run of characters, the empty one included, anchored at both ends', () => {
    expect(wildcardMatch('start*end', 'startend')).toBe(true);
    expect(wildcardMatch('start*end', 'start12end')).toBe(true);
    expect(wildcardMatch('start*end', '0start12end')).toBe(false);
    expect(wildcardMatch('start*end', 'start12end0')).toBe(false);
    expect(wildcardMatch('*suffix', 'foo.suffix')).toBe(true);
    expect(wildcardMatch('*suffix', 'foo.suffix.get')).toBe(false);
    expect(wildcardMatch('prefix*', 'prefix')).toBe(true);
    expect(wildcardMatch('*', '')).toBe(true);
    expect(wildcardMatch('', '')).toBe(true);
    expect(wildcardMatch('', 'x')).toBe(false);
    expect(wildcardMatch('https://*.example', 'https://a.b.example')).toBe(true);
    // Characters that mean something to regular expressions mean nothing here.
    expect(wildcardMatch('a.b', 'axb')).toBe(false);
    expect(wildcardMatch('(a|b)+', '(a|b)+')).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXbYc')).toBe(true);
  });
});

describe('requestedHeaderNames', () => {
  it('splits, trims and lowercases, dropping empty items and keeping the order sent', () => {
    expect(requestedHeaderNames('X-Amz-Date,Content-Type , ,authorization')).toEqual([
      'x-amz-date',
      'content-type',
      'authorization',
    ]);
    expect(requestedHeaderNames('')).toEqual([]);
    expect(requestedHeaderNames(undefined)).toEqual([]);
  });
});

describe('matchCorsRule', () => {
  it('takes the first rule whose origin, method and headers all match', () => {
    const rules = [
      rule({ allowedOrigins: ['https://a.example'], allowedMethods: ['PUT'] }),
      rule({ allowedOrigins: ['https://a.example'], allowedMethods: ['GET'], allowedHeaders: ['X-Amz-*'] }),
      rule({ allowedOrigins: ['*'], allowedMethods: ['GET'] }),
    ];
    const first = matchCorsRule(rules, { origin: 'https://a.example', method: 'PUT', requestHeaders: [] });
    expect(first?.rule).toBe(rules[0]);
    const second = matchCorsRule(rules, {
      origin: 'https://a.example',
      method: 'GET',
      requestHeaders: ['x-amz-date'],
    });
    expect(second).toEqual({ rule: rules[1], anyOrigin: false });
    const third = matchCorsRule(rules, { origin: 'https://b.example', method: 'GET', requestHeaders: [] });
    expect(third).toEqual({ rule: rules[2], anyOrigin: true });
    expect(
      matchCorsRule(rules, { origin: 'https://b.example', method: 'GET', requestHeaders: ['x-amz-date'] }),
    ).toBeUndefined();
    // Origins and methods match case-sensitively, as browsers write them.
    expect(
      matchCorsRule(rules, { origin: 'https://A.example', method: 'PUT', requestHeaders: [] }),
    ).toBeUndefined();
    expect(
      matchCorsRule(rules, { origin: 'https://a.example', method: 'get', requestHeaders: [] }),
    ).toBeUndefined();
  });

  it('echoes the origin allowed by a pattern, with credentials; `*` answers `*` alone', () => {
    const echoed = rule({
      allowedOrigins: ['*', 'https://a.example'],
      allowedMethods: ['GET', 'HEAD'],
      exposeHeaders: ['ETag', 'x-amz-version-id'],
      maxAgeSeconds: 0,
    });
    const question = { origin: 'https://a.example', method: 'GET', requestHeaders: ['x-a', 'x-b'] };
    expect(corsResponseHeaders({ rule: echoed, anyOrigin: false }, question)).toEqual({
      'access-control-allow-origin': 'https://a.example',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, HEAD',
      'access-control-allow-headers': 'x-a, x-b',
      'access-control-expose-headers': 'ETag, x-amz-version-id',
      'access-control-max-age': '0',
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    });
    // The first pattern that matches decides: here `*`.
    const match = matchCorsRule([echoed], { ...question, requestHeaders: [] });
    expect(match?.anyOrigin).toBe(true);
    expect(
      corsResponseHeaders(match as NonNullable<typeof match>, { ...question, requestHeaders: [] }),
    ).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD',
      'access-control-expose-headers': 'ETag, x-amz-version-id',
      'access-control-max-age': '0',
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    });
  });
});
