import { describe, expect, it } from 'vitest';
import { forbiddenAddress, isNonPublicAddress, literalAddress } from './endpoint-guard.js';

describe('isNonPublicAddress', () => {
  it('refuses loopback, private, link-local, reserved and mapped addresses', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '0.0.0.0',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
      'not an address',
      '',
    ])
      expect(isNonPublicAddress(address), address).toBe(true);
  });

  it('lets public addresses through', () => {
    for (const address of [
      '8.8.8.8',
      '172.32.0.1',
      '192.169.0.1',
      '1.1.1.1',
      '2606:4700:4700::1111',
      '2001:4860::8888',
    ])
      expect(isNonPublicAddress(address), address).toBe(false);
  });
});

describe('literalAddress', () => {
  it('answers the host of a URL when it is an address, without IPv6 brackets', () => {
    expect(literalAddress(new URL('http://127.0.0.1:8080/x'))).toBe('127.0.0.1');
    expect(literalAddress(new URL('http://[::1]/'))).toBe('::1');
    expect(literalAddress(new URL('http://0x7f.1/'))).toBe('127.0.0.1');
    expect(literalAddress(new URL('http://example.org/'))).toBeUndefined();
  });
});

describe('forbiddenAddress', () => {
  it('names a loopback or private address a URL gives directly under `public`, and nothing under `any`', () => {
    expect(forbiddenAddress(new URL('http://2130706433:80/'), 'public')).toBe('127.0.0.1');
    expect(forbiddenAddress(new URL('http://[fe80::1]/'), 'public')).toBe('fe80::1');
    expect(forbiddenAddress(new URL('http://8.8.8.8/'), 'public')).toBeUndefined();
    // A name is judged when a delivery resolves it, not here.
    expect(forbiddenAddress(new URL('http://localhost/'), 'public')).toBeUndefined();
    expect(forbiddenAddress(new URL('http://127.0.0.1/'), 'any')).toBeUndefined();
  });
});
