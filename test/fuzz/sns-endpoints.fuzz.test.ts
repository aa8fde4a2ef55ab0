import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNonPublicAddress, literalAddress } from '../../src/notify/endpoint-guard.js';
import { fuzzParameters } from './fuzz-runs.js';

/** The IPv4 ranges SNS must not reach, as [first address, last address] numbers: the oracle's own reading. */
const BLOCKED_V4: readonly (readonly [number, number])[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/3',
].map((cidr) => {
  const [base, bits] = cidr.split('/') as [string, string];
  const start = base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  return [start, start + 2 ** (32 - Number(bits)) - 1] as const;
});

const blockedV4 = (n: number) => BLOCKED_V4.some(([first, last]) => n >= first && n <= last);
const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** An IPv4 address written in one of the notations a URL's host accepts (and normalises). */
const notation = (n: number) =>
  fc.constantFrom(
    dotted(n),
    String(n),
    `0x${n.toString(16)}`,
    `0${n.toString(8)}`,
    [24, 16, 8, 0].map((shift) => `0${(Math.floor(n / 2 ** shift) % 256).toString(8)}`).join('.'),
    `${Math.floor(n / 2 ** 24)}.${n % 2 ** 24}`,
    `0x${Math.floor(n / 2 ** 24).toString(16)}.0x${(Math.floor(n / 2 ** 16) % 256).toString(16)}.${n % 2 ** 16}`,
  );

const addressNumber = fc.oneof(
  fc.nat({ max: 2 ** 32 - 1 }),
  // The edges of each blocked range, and just outside them, where off-by-one mistakes live.
  fc
    .constantFrom(...BLOCKED_V4.flatMap(([first, last]) => [first - 1, first, last, last + 1]))
    .filter((n) => n >= 0 && n < 2 ** 32),
);

describe('SNS endpoint guard, fuzzed', () => {
  it('reads an IPv4 host in any notation as the address it is, and refuses exactly the blocked ranges', () => {
    fc.assert(
      fc.property(
        addressNumber.chain((n) => fc.tuple(fc.constant(n), notation(n))),
        ([n, host]) => {
          const literal = literalAddress(new URL(`http://${host}:8080/events`));
          expect(literal).toBe(dotted(n));
          expect(isNonPublicAddress(literal as string)).toBe(blockedV4(n));
        },
      ),
      fuzzParameters(3000),
    );
  });

  it('refuses every IPv4-mapped IPv6 address, whatever IPv4 address it carries', () => {
    fc.assert(
      fc.property(addressNumber, (n) => {
        const literal = literalAddress(new URL(`http://[::ffff:${dotted(n)}]/`));
        expect(literal).toBeDefined();
        expect(isNonPublicAddress(literal as string)).toBe(true);
      }),
      fuzzParameters(1000),
    );
  });

  it('never answers an address for a host that is not one, and never lets a non-address through', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        let url: URL;
        try {
          url = new URL(`http://${text}/`);
        } catch {
          return;
        }
        const literal = literalAddress(url);
        if (literal !== undefined) expect(isIP(literal)).not.toBe(0);
        expect(isNonPublicAddress(text) || isIP(text) !== 0).toBe(true);
      }),
      fuzzParameters(2000),
    );
  });
});
