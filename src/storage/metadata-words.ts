/**
 * User metadata values as S3 carries them in headers: RFC 2047 encoded-words. S3 decodes the encoded-words a
 * value is made of before storing it, and answers a stored value that is not printable US-ASCII as an
 * encoded-word (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html). A value reaches a
 * store undecodable as a header otherwise: from a presigned URL's query or a POST form, both UTF-8.
 */

/** `=?charset?B|Q?text?=`, separated only by whitespace (which RFC 2047 drops between adjacent words). */
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/y;
const WHITESPACE = /[ \t\r\n]*/y;

function wordBytes(encoding: string, text: string): Buffer | undefined {
  if (encoding === 'B' || encoding === 'b') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return undefined;
    return Buffer.from(text, 'base64');
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '_') bytes.push(0x20);
    else if (c === '=') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      // A Q word's text is printable ASCII; anything else (a presigned URL's UTF-8) is no encoded-word.
      const code = text.charCodeAt(i);
      if (code < 0x21 || code > 0x7e) return undefined;
      bytes.push(code);
    }
  }
  return Buffer.from(bytes);
}

function charsetText(charset: string, bytes: Buffer): string | undefined {
  // RFC 2231 lets a charset carry a language after '*'.
  const name = charset.split('*')[0]?.toLowerCase();
  if (name === 'utf-8' || name === 'utf8') return bytes.toString('utf8');
  if (name === 'iso-8859-1' || name === 'latin1' || name === 'us-ascii') return bytes.toString('latin1');
  return undefined;
}

/** The value a header carries: its encoded-words decoded when it is made of them only, else itself. */
export function decodeMetadataValue(value: string): string {
  if (!value.includes('=?')) return value;
  let at = 0;
  let decoded = '';
  while (at < value.length) {
    ENCODED_WORD.lastIndex = at;
    const word = ENCODED_WORD.exec(value);
    if (!word) return value;
    const bytes = wordBytes(word[2] ?? '', word[3] ?? '');
    const text = bytes && charsetText(word[1] ?? '', bytes);
    if (text === undefined) return value;
    decoded += text;
    WHITESPACE.lastIndex = ENCODED_WORD.lastIndex;
    WHITESPACE.exec(value);
    at = WHITESPACE.lastIndex;
  }
  return decoded;
}

/**
 * What RFC 2047's Q encoding leaves as it is: printable ASCII but `=`, `?` and `_`, never white space (an
 * encoded-word holds none: a tab left in one ended it, and the value read back as the raw word).
 */
const Q_PLAIN = /[!-<>@-^`-~]/;

/** Outside printable US-ASCII (tab allowed): what a header cannot carry as it is. */
function unprintable(code: number): boolean {
  return code > 0x7e || (code < 0x20 && code !== 0x09);
}

/**
 * The header form of a stored value: as it is when printable US-ASCII; otherwise one UTF-8 encoded-word, Q
 * when most characters are printable ASCII and B when most are not, the forms S3 answers
 * (`=?UTF-8?Q?=04mymeta?=`, `=?UTF-8?B?w4PCtg==?=`).
 */
export function encodeMetadataValue(value: string): string {
  let plain = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    if (unprintable(value.charCodeAt(i))) other++;
    else plain++;
  }
  return other === 0 ? value : encodedWord(value, other >= plain);
}

/**
 * The header form of a stored value for a write to another S3, which decodes it: also an encoded-word when the
 * value as it is would decode to something else (a stored value that is itself an encoded-word's text).
 */
export function carriedMetadataValue(value: string): string {
  const header = encodeMetadataValue(value);
  return header === value && decodeMetadataValue(value) !== value ? encodedWord(value, false) : header;
}

function encodedWord(value: string, base64: boolean): string {
  const bytes = Buffer.from(value, 'utf8');
  if (base64) return `=?UTF-8?B?${bytes.toString('base64')}?=`;
  let text = '';
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    if (c === ' ') text += '_';
    else if (byte < 0x80 && Q_PLAIN.test(c)) text += c;
    else text += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `=?UTF-8?Q?${text}?=`;
}
