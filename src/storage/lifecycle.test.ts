import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { parseXml, XmlParseError } from '../lib/xml.js';
import { parseLifecycle } from './lifecycle.js';
import { dueAfter, expirationHeader } from './lifecycle-rules.js';

const LISTS = ['Rule', 'Tag', 'Transition', 'NoncurrentVersionTransition'];
const parse = (xml: string) => parseLifecycle(parseXml(xml, LISTS), undefined);
const refusal = (xml: string, header?: string) => {
  try {
    parseLifecycle(parseXml(xml, LISTS), header);
  } catch (error) {
    // The API answers a document the XML parser refuses as MalformedXML (readXmlBody).
    if (error instanceof XmlParseError) return 'MalformedXML';
    return isAppError(error) ? error.code : String(error);
  }
  return 'accepted';
};
const doc = (inner: string) =>
  `<LifecycleConfiguration><Rule><Status>Enabled</Status>${inner}</Rule></LifecycleConfiguration>`;
const expire = '<Expiration><Days>1</Days></Expiration>';

describe('parseLifecycle with hostile input', () => {
  it('refuses elements where text belongs, and text where elements belong', () => {
    expect(refusal(doc(`<Prefix><a>x</a></Prefix>${expire}`))).toBe('MalformedXML');
    expect(refusal(doc('<Prefix>a</Prefix><Expiration>7</Expiration>'))).toBe('MalformedXML');
    // Day counts are xs:int: past 32 bits the document does not validate (and no date could be computed).
    expect(refusal(doc('<Prefix>a</Prefix><Expiration><Days>9999999999</Days></Expiration>'))).toBe(
      'MalformedXML',
    );
    expect(refusal(doc('<Prefix>a</Prefix><Expiration><Days><Days>1</Days></Days></Expiration>'))).toBe(
      'MalformedXML',
    );
    expect(refusal(doc(`<Prefix>a</Prefix><Prefix>b</Prefix>${expire}`))).toBe('MalformedXML');
    expect(refusal('<LifecycleConfiguration>text</LifecycleConfiguration>')).toBe('MalformedXML');
  });

  it('refuses names that reach for the prototype or other documents', () => {
    expect(refusal(doc(`<constructor>x</constructor><Prefix/>${expire}`))).toBe('MalformedXML');
    expect(refusal(doc(`<toString/><Prefix/>${expire}`))).toBe('MalformedXML');
    expect(refusal('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>')).toBe(
      'MalformedXML',
    );
  });

  it('refuses numbers S3 would not take: huge, fractional, exponents, negative sizes', () => {
    for (const days of ['1.5', '1e3', '99999999999', '', ' ', '0x10'])
      expect(refusal(doc(`<Prefix/><Expiration><Days>${days}</Days></Expiration>`))).toBe('MalformedXML');
    expect(refusal(doc(`<Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter>${expire}`))).toBe(
      'MalformedXML',
    );
    expect(
      refusal(
        doc(`<Filter><ObjectSizeGreaterThan>99999999999999999999</ObjectSizeGreaterThan></Filter>${expire}`),
      ),
    ).toBe('MalformedXML');
    expect(
      refusal(
        doc(
          `<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter>${expire}`,
        ),
      ),
    ).toBe('InvalidArgument');
  });

  it('refuses two Tags in a Filter, duplicate keys in an And, and oversized tags', () => {
    const tag = (k: string, v = 'v') => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`;
    expect(refusal(doc(`<Filter>${tag('a')}${tag('b')}</Filter>${expire}`))).toBe('MalformedXML');
    expect(refusal(doc(`<Filter><And>${tag('a')}${tag('a')}</And></Filter>${expire}`))).toBe(
      'InvalidRequest',
    );
    expect(refusal(doc(`<Filter><And></And></Filter>${expire}`))).toBe('MalformedXML');
    expect(refusal(doc(`<Filter>${tag('k'.repeat(129))}</Filter>${expire}`))).toBe('InvalidRequest');
    expect(refusal(doc(`<Filter>${tag('k', 'v'.repeat(257))}</Filter>${expire}`))).toBe('InvalidRequest');
  });

  it('refuses an unknown transition minimum size and dates that are not midnight UTC', () => {
    expect(refusal(doc(`<Prefix/>${expire}`), 'all_storage_classes_1K')).toBe('InvalidRequest');
    expect(refusal(doc('<Prefix/><Expiration><Date>2030-01-01T00:00:00+01:00</Date></Expiration>'))).toBe(
      'MalformedXML',
    );
    expect(refusal(doc('<Prefix/><Expiration><Date>2030-01-01T00:00:00.001Z</Date></Expiration>'))).toBe(
      'InvalidArgument',
    );
  });

  it('takes exactly 1000 rules and stores unnamed ones under generated, distinct IDs', () => {
    const many = `<LifecycleConfiguration>${`<Rule><Status>Enabled</Status><Prefix/>${expire}</Rule>`.repeat(1000)}</LifecycleConfiguration>`;
    const config = parse(many);
    expect(new Set(config.rules.map((r) => r.id)).size).toBe(1000);
  });
});

describe('lifecycle timing and headers', () => {
  it('falls due at the first day boundary after the age is reached', () => {
    const day = 86_400_000;
    const made = Date.parse('2026-03-01T13:45:00Z');
    expect(new Date(dueAfter(made, 1, day)).toISOString()).toBe('2026-03-03T00:00:00.000Z');
    expect(dueAfter(10_000, 1, 1000)).toBe(11_000);
  });

  it('URL-encodes a rule id in the header, as S3 documents', async () => {
    const config = parse(doc('<ID>a"b\u00e9</ID><Prefix/><Expiration><Days>1</Days></Expiration>'));
    const header = await expirationHeader(config, { key: 'k', size: 1, tags: async () => new Map() }, 0);
    expect(header).toBe('expiry-date="Fri, 02 Jan 1970 00:00:00 GMT", rule-id="a%22b%C3%A9"');
  });
});

describe('parseLifecycle with a cold tier', () => {
  const withCold = (xml: string, cold = 'STANDARD_IA') => {
    try {
      return parseLifecycle(parseXml(xml, LISTS), undefined, cold);
    } catch (error) {
      return isAppError(error) ? `${error.code}: ${error.message}` : String(error);
    }
  };
  it('takes transitions to the cold tier’s class, with S3’s minimum ages', () => {
    const parsed = withCold(
      doc(
        '<Filter/><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><NoncurrentVersionTransition><NoncurrentDays>45</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions><StorageClass>STANDARD_IA</StorageClass></NoncurrentVersionTransition>',
      ),
    );
    expect(typeof parsed === 'string' ? parsed : parsed.rules[0]).toMatchObject({
      transition: { days: 30, storageClass: 'STANDARD_IA' },
      noncurrentTransition: { days: 45, newerNoncurrentVersions: 2, storageClass: 'STANDARD_IA' },
    });
    expect(
      withCold(
        doc('<Filter/><Transition><Days>10</Days><StorageClass>STANDARD_IA</StorageClass></Transition>'),
      ),
    ).toBe(
      "InvalidArgument: 'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'",
    );
    expect(
      withCold(
        doc('<Filter/><Transition><Days>10</Days><StorageClass>GLACIER_IR</StorageClass></Transition>'),
      ),
    ).toMatch(/^InvalidStorageClass/);
    expect(
      withCold(
        doc('<Filter/><Transition><Days>1</Days><StorageClass>GLACIER_IR</StorageClass></Transition>'),
        'GLACIER_IR',
      ),
    ).not.toBeTypeOf('string');
    // Days and Date together, or neither, is not S3's schema.
    expect(
      withCold(doc('<Filter/><Transition><StorageClass>STANDARD_IA</StorageClass></Transition>')),
    ).toMatch(/^MalformedXML/);
    expect(
      withCold(
        doc(
          '<Filter/><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Transition><Days>60</Days><StorageClass>STANDARD_IA</StorageClass></Transition>',
        ),
      ),
    ).toMatch(/must be different/);
  });
});
