import fc from 'fast-check';
import { mutated, wireText } from './mutations.js';

export const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Keys of any characters up to S3's 1024 bytes, with the ones that trouble paths and XML weighted up. */
const keyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  fc.constantFrom(
    '/',
    '//',
    '.',
    '..',
    '%',
    '%2F',
    '+',
    ' ',
    '?',
    '#',
    '&',
    '<',
    ']]>',
    '\\',
    '~',
    "'",
    '"',
    '\r',
    '\n',
  ),
);
export const key = fc
  .string({ unit: keyChar, minLength: 1, maxLength: 120 })
  .filter((k) => !k.includes('\0') && utf8Bytes(k) <= 1024);
/** Keys around and past the limit: a piece repeated to a target size in UTF-8 bytes. */
export const longKey = fc
  .tuple(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }).filter((p) => !p.includes('\0')),
    fc.integer({ min: 900, max: 3000 }),
  )
  .map(([piece, target]) => piece.repeat(Math.ceil(target / utf8Bytes(piece))));
/** Range headers: well-formed, numerically extreme, mutated and arbitrary printable text. */
export const rangeHeader = fc.oneof(
  fc
    .tuple(fc.option(fc.nat({ max: 80 })), fc.option(fc.nat({ max: 80 })))
    .map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
  fc.stringMatching(/^bytes=\d{0,25}-\d{0,25}$/),
  mutated('bytes=10-20', fc.constantFrom('-', ',', ' ', '=', '0', '9', 'bytes', '\t')),
  wireText(30).filter((text) => /^[\t\x20-\x7e]*$/.test(text)),
);
