import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { parseXml, toXml, XmlParseError } from '../lib/xml.js';
import { CORS_LIST_ELEMENTS, corsRuleElements, readCorsConfiguration } from './bucket-cors.js';

const RULE = '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>';

function read(xml: string) {
  return readCorsConfiguration(parseXml(xml, CORS_LIST_ELEMENTS));
}

function refusal(xml: string): { code: string; message: string } {
  try {
    read(xml);
  } catch (error) {
    if (isAppError(error) && error.status === 400) return { code: error.code, message: error.message };
    // What the XML parser refuses, readXmlBody answers as MalformedXML.
    if (error instanceof XmlParseError) return { code: 'MalformedXML', message: error.message };
    throw error;
  }
  throw new Error(`accepted: ${xml}`);
}

describe('readCorsConfiguration', () => {
  it('reads every member, keeping values and their order exactly', () => {
    const rules = read(
      `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>r1</ID><AllowedHeader>X-Amz-*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://b.example</AllowedOrigin><AllowedOrigin>https://a.example</AllowedOrigin><AllowedOrigin></AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>0</MaxAgeSeconds></CORSRule><CORSRule>${RULE}</CORSRule></CORSConfiguration>`,
    );
    expect(rules).toEqual([
      {
        id: 'r1',
        allowedHeaders: ['X-Amz-*'],
        allowedMethods: ['PUT', 'GET'],
        allowedOrigins: ['https://b.example', 'https://a.example', ''],
        exposeHeaders: ['ETag'],
        maxAgeSeconds: 0,
      },
      { allowedHeaders: [], allowedMethods: ['GET'], allowedOrigins: ['*'], exposeHeaders: [] },
    ]);
    // GetBucketCors renders them back as they came.
    expect(read(toXml('CORSConfiguration', corsRuleElements(rules)))).toEqual(rules);
  });

  it('refuses what does not have the schema’s shape as MalformedXML', () => {
    for (const xml of [
      '<CORSConfiguration/>',
      '<CORSConfiguration></CORSConfiguration>',
      '<CORSConfiguration><CORSRule/></CORSConfiguration>',
      '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>',
      '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>',
      `<CORSConfiguration><CORSRule>${RULE}<Unknown/></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<constructor>x</constructor></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<toString/></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<ID>a</ID><ID>b</ID></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<ID><x/></ID></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>2</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<MaxAgeSeconds>1.5</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<MaxAgeSeconds>0x10</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<MaxAgeSeconds>2147483648</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}<MaxAgeSeconds></MaxAgeSeconds></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule><AllowedOrigin><b>*</b></AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`,
      `<CORSConfiguration>stray<CORSRule>${RULE}</CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}stray</CORSRule></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}</CORSRule><Other/></CORSConfiguration>`,
      `<CORSConfiguration><CORSRule>${RULE}</CORSRule></CORSConfiguration><Second/>`,
      `<Other><CORSRule>${RULE}</CORSRule></Other>`,
      `<CORSConfiguration>${`<CORSRule>${RULE}</CORSRule>`.repeat(101)}</CORSConfiguration>`,
    ]) {
      expect(refusal(xml), xml).toMatchObject({ code: 'MalformedXML' });
    }
  });

  it('refuses values S3 refuses as InvalidRequest, with its messages', () => {
    const rule = (inner: string) => `<CORSConfiguration><CORSRule>${inner}</CORSRule></CORSConfiguration>`;
    expect(refusal(rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>'))).toEqual({
      code: 'InvalidRequest',
      message: 'Found unsupported HTTP method in CORS config. Unsupported method is get',
    });
    expect(refusal(rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod> GET</AllowedMethod>')).code).toBe(
      'InvalidRequest',
    );
    expect(refusal(rule('<AllowedOrigin>**</AllowedOrigin><AllowedMethod>GET</AllowedMethod>')).message).toBe(
      'AllowedOrigin "**" can not have more than one wildcard.',
    );
    expect(refusal(rule(`${RULE}<AllowedHeader>*-*</AllowedHeader>`)).message).toBe(
      'AllowedHeader "*-*" can not have more than one wildcard.',
    );
    expect(refusal(rule(`${RULE}<ExposeHeader>*</ExposeHeader>`)).message).toContain('contains wildcard');
    expect(refusal(rule(`${RULE}<ID>${'i'.repeat(256)}</ID>`)).code).toBe('InvalidRequest');
    expect(read(rule(`${RULE}<ID>${'i'.repeat(255)}</ID>`))[0]?.id).toHaveLength(255);
  });

  it('takes whitespace between elements and decoded entities and CDATA as text', () => {
    const rules = read(
      `<?xml version="1.0"?>\n<CORSConfiguration>\n\t<CORSRule>\n  <AllowedOrigin>https://a.example/?x=1&amp;y=&lt;2&gt;</AllowedOrigin>\n  <AllowedOrigin><![CDATA[<raw>]]></AllowedOrigin>\n  <AllowedMethod>GET</AllowedMethod>\n  <MaxAgeSeconds> 60 </MaxAgeSeconds>\n</CORSRule>\n</CORSConfiguration>`,
    );
    expect(rules[0]?.allowedOrigins).toEqual(['https://a.example/?x=1&y=<2>', '<raw>']);
    expect(rules[0]?.maxAgeSeconds).toBe(60);
  });

  it('says an empty body is missing', () => {
    expect(() => readCorsConfiguration(undefined)).toThrow('Request Body is empty');
  });
});
