import { describe, expect, it } from 'vitest';
import { parseXml, toXml, XmlParseError } from './xml.js';

describe('xml', () => {
  it('writes elements in order, repeats arrays, escapes text and skips empty values', () => {
    expect(toXml('R', { A: 'x<y&"z"', B: [1, 2], C: undefined, D: { E: true } }, 'urn:x')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="urn:x"><A>x&lt;y&amp;&quot;z&quot;</A><B>1</B><B>2</B><D><E>true</E></D></R>',
    );
  });

  it('parses documents, keeping listed elements as arrays and text untyped', () => {
    const doc = parseXml(
      '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>007</Key></Object><Quiet>true</Quiet></Delete>',
      ['Object'],
    );
    expect(doc).toEqual({ Delete: { Object: [{ Key: '007' }], Quiet: 'true' } });
    expect(parseXml('<A><K>a &amp; b</K></A>')).toEqual({ A: { K: 'a & b' } });
  });

  it('reads an indented document as its compact form, keeping leaf text and CDATA exactly', () => {
    const doc = parseXml('<A>\n  <B>\n    <K> x </K>\n  </B>\n  <B><K/></B>\n  <C>\n  </C>\n</A>\n', ['B']);
    expect(doc).toEqual({ A: { B: [{ K: ' x ' }, { K: '' }], C: '\n  ' } });
    expect(parseXml('<A><K><![CDATA[a <c>]]></K><!-- c --></A>')).toEqual({ A: { K: 'a <c>' } });
    // Text between elements other than whitespace stays, for the reader to refuse.
    expect(parseXml('<A>note<K>v</K></A>')).toEqual({ A: { K: 'v', '#text': 'note' } });
    // References are checked in the whole text: a quoted attribute may hold what looks like a comment.
    expect(() => parseXml('<A><K a="<!--">&nbsp;</K><L b="-->"/></A>')).toThrow(/entity/);
    const siblings = `<A>${'<B>x</B>\n'.repeat(200_000)}</A>`;
    expect((parseXml(siblings, ['B']).A as { B: string[] }).B).toHaveLength(200_000);
  });

  it("decodes XML's character references, as Go's encoder (rclone) writes quotes, and nothing twice", () => {
    expect(parseXml('<P><ETag>&#34;abc&#x22;</ETag><K>&amp;#34;&lt;&#233;</K></P>')).toEqual({
      P: { ETag: '"abc"', K: '&#34;<é' },
    });
  });

  it('refuses hostile and malformed documents', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`;
    const external = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>`;
    for (const text of [
      laughs,
      external,
      '<a><b></a>',
      '<a>',
      'not xml at all',
      '<a></a><b></b>',
      '<a x="1" x="2"/>',
      // Named entities are XML's five only: HTML's are not XML.
      '<a>&nbsp;</a>',
      '<a>&copy;</a>',
      '<a>& b</a>',
      // Character references to what XML does not allow: NUL, a lone surrogate, past Unicode.
      '<a>&#0;</a>',
      '<a>&#xD800;</a>',
      '<a>&#x110000;</a>',
    ]) {
      expect(() => parseXml(text), text).toThrow(XmlParseError);
    }
  });
});
