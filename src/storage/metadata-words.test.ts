import { describe, expect, it } from 'vitest';
import { carriedMetadataValue, decodeMetadataValue, encodeMetadataValue } from './metadata-words.js';

describe('user metadata as RFC 2047 encoded-words', () => {
  it('decodes a value made of encoded-words only, and keeps anything else as it came', () => {
    expect(decodeMetadataValue('=?UTF-8?Q?caf=C3=A9_au_lait?=')).toBe('café au lait');
    expect(decodeMetadataValue('=?utf-8?b?w6k=?= =?UTF-8?B?w6k=?=')).toBe('éé');
    expect(decodeMetadataValue('=?ISO-8859-1?Q?=E9?=')).toBe('é');
    // Not encoded-words: a Q word with a character outside printable ASCII (a presigned URL's UTF-8), an
    // unknown charset, text around a word, a malformed base64 word.
    for (const raw of ['=?UTF-8?Q?Ł?=', '=?koi8-r?B?w6k=?=', 'x =?UTF-8?B?w6k=?=', '=?UTF-8?B?w6k?=='])
      expect(decodeMetadataValue(raw)).toBe(raw);
  });

  it('answers a value outside printable ASCII as one UTF-8 word, and a control character never raw', () => {
    expect(encodeMetadataValue('plain value')).toBe('plain value');
    expect(encodeMetadataValue('é')).toBe('=?UTF-8?B?w6k=?=');
    expect(encodeMetadataValue('\u0004mymeta')).toBe('=?UTF-8?Q?=04mymeta?=');
    expect(encodeMetadataValue('a\r\nSet-Cookie: x')).toBe('=?UTF-8?Q?a=0D=0ASet-Cookie:_x?=');
  });

  it('carries to another S3 a stored value that is an encoded-word’s text as a word of its own', () => {
    const stored = '=?UTF-8?B?Zm9v?=';
    expect(encodeMetadataValue(stored)).toBe(stored);
    expect(decodeMetadataValue(carriedMetadataValue(stored))).toBe(stored);
    expect(carriedMetadataValue('plain')).toBe('plain');
  });
});
