import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type XmlValue = string | number | bigint | boolean | Date | undefined | null | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/**
 * A key whose value is a list of objects rendered in place, each one's elements in turn: elements of different
 * names in one order (S3's Version and DeleteMarker entries, interleaved by key).
 */
export const XML_SEQUENCE = '#sequence';

function render(name: string, value: XmlValue, out: string[]): void {
  if (value === undefined || value === null) return;
  if (name === XML_SEQUENCE && Array.isArray(value)) {
    for (const item of value)
      if (item !== null && typeof item === 'object' && !Array.isArray(item) && !(item instanceof Date))
        for (const [child, childValue] of Object.entries(item)) render(child, childValue, out);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) render(name, item, out);
    return;
  }
  out.push(`<${name}>`);
  if (value instanceof Date) out.push(value.toISOString());
  else if (typeof value === 'object') {
    for (const [child, childValue] of Object.entries(value)) render(child, childValue, out);
  } else out.push(escapeXml(String(value)));
  out.push(`</${name}>`);
}

/**
 * Serialises a plain object as an XML document: keys become elements in insertion order, arrays become
 * repeated elements, `undefined` and `null` are left out, dates are written in ISO 8601.
 */
export function toXml(root: string, body: XmlObject, namespace?: string): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    namespace ? `<${root} xmlns="${namespace}">` : `<${root}>`,
  ];
  for (const [name, value] of Object.entries(body)) render(name, value, out);
  out.push(`</${root}>`);
  return out.join('');
}

export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
}

/** XML 1.0's Char production: tab, line feed, carriage return and the rest of Unicode but surrogates. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/**
 * Parses an XML request body into plain objects. Documents with a DOCTYPE are refused outright (no entity
 * expansion of any kind); elements named in `arrays` always come back as arrays.
 */
export function parseXml(text: string, arrays: readonly string[] = []): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    throw new XmlParseError('DOCTYPE and ENTITY declarations are not allowed');
  // XML knows five named entities and numeric character references (Go's encoder writes `"` as `&#34;`);
  // anything else after `&` is not XML. HTML's named entities are refused rather than decoded.
  // The whole text is checked, CDATA sections and comments too: telling them apart needs a real tokenizer
  // (a quoted attribute may hold `<!--`), and S3's clients send neither.
  if (/&(?!(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)/.test(text))
    throw new XmlParseError('an entity reference that XML does not define');
  for (const [, decimal, hex] of text.matchAll(/&#(?:([0-9]+)|x([0-9A-Fa-f]+));/g)) {
    if (!isXmlChar(decimal !== undefined ? Number(decimal) : Number.parseInt(hex as string, 16)))
      throw new XmlParseError('a character reference to a character XML does not allow');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlParseError(valid.err.msg);
  const arraySet = new Set(arrays);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    processEntities: true,
    // Decodes numeric character references too; other HTML entities were refused above.
    htmlEntities: true,
    isArray: (name) => arraySet.has(name),
  });
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (error) {
    // The validator passes some documents the parser then refuses with a plain Error: nesting deeper than
    // its limit, element names such as __proto__, a malformed processing instruction.
    throw new XmlParseError(error instanceof Error ? error.message : 'the document could not be parsed');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new XmlParseError('empty document');
  dropIndentation(parsed);
  return parsed as Record<string, unknown>;
}

/** The parser's name for the text between an element's children. */
const BETWEEN_CHILDREN = '#text';

/**
 * Removes the whitespace a pretty-printed document has between an element's children, so that an indented
 * document reads as its compact form; other text between children stays, for the reader to refuse.
 */
function dropIndentation(root: object): void {
  const pending: unknown[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    // A loop, not a spread: a document may hold hundreds of thousands of siblings.
    if (Array.isArray(node)) for (const item of node) pending.push(item);
    else if (typeof node === 'object' && node !== null) {
      const element = node as Record<string, unknown>;
      const between = element[BETWEEN_CHILDREN];
      if (typeof between === 'string' && between.trim() === '') delete element[BETWEEN_CHILDREN];
      for (const value of Object.values(element)) pending.push(value);
    }
  }
}
