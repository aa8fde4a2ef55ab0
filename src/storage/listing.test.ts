import { describe, expect, it } from 'vitest';
import { prefixSuccessor } from './listing.js';

describe('prefixSuccessor', () => {
  it('is the least string above every string with the prefix, in UTF-8 byte order', () => {
    expect(prefixSuccessor('a/')).toBe('a0');
    expect(prefixSuccessor('é')).toBe('ê');
    expect(prefixSuccessor('\u{d7ff}')).toBe('\u{e000}');
    expect(prefixSuccessor('x\u{10ffff}')).toBe('y');
    expect(prefixSuccessor('\u{10ffff}')).toBeUndefined();
    const utf8 = (s: string) => Buffer.from(s, 'utf8');
    for (const prefix of ['a/', 'dir/é', 'z\u{1f600}']) {
      const next = prefixSuccessor(prefix) as string;
      for (const key of [`${prefix}`, `${prefix}\u{10fffe}zz`, `${prefix}~`])
        expect(Buffer.compare(utf8(key), utf8(next))).toBe(-1);
    }
  });
});
