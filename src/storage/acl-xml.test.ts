import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { parseXml } from '../lib/xml.js';
import { ALL_USERS, aclFromHeaders, cannedAcl, parseGrantHeader } from './acl.js';
import { aclXml, readAccessControlPolicy } from './acl-xml.js';

const OWNER = '123456789012';

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return undefined;
}

const read = (xml: string) => readAccessControlPolicy(parseXml(xml, ['Grant']), OWNER);

function policy(grants: string, owner = `<Owner><ID>${OWNER}</ID></Owner>`): string {
  return `<AccessControlPolicy>${owner}<AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`;
}

describe('AccessControlPolicy documents', () => {
  it('reads canonical users and groups, and writes back what it read', () => {
    const acl = read(
      policy(
        `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${OWNER}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
          `<Grant><Grantee xsi:type="Group"><URI>${ALL_USERS}</URI></Grantee><Permission>READ</Permission></Grant>`,
      ),
    );
    expect(acl).toEqual({
      owner: OWNER,
      grants: [
        { grantee: { id: OWNER }, permission: 'FULL_CONTROL' },
        { grantee: { uri: ALL_USERS }, permission: 'READ' },
      ],
    });
    expect(read(aclXml(acl).replace(/^<\?xml[^>]*>\n/, ''))).toEqual(acl);
  });

  it('refuses hostile and off-schema documents with S3 errors, never a crash', () => {
    const grant = (grantee: string, permission = 'READ') =>
      `<Grant><Grantee>${grantee}</Grantee><Permission>${permission}</Permission></Grant>`;
    const cases: [string, string][] = [
      [policy(grant(`<URI>${ALL_USERS}</URI>`, 'EVERYTHING')), 'MalformedACLError'],
      [policy(grant(`<URI>${ALL_USERS}</URI>`, '')), 'MalformedACLError'],
      [policy(grant('')), 'MalformedACLError'],
      [policy(grant(`<ID>${OWNER}</ID><URI>${ALL_USERS}</URI>`)), 'MalformedACLError'],
      [policy(grant('<ID><ID>1</ID></ID>')), 'MalformedACLError'],
      [policy(grant(`<ID>${OWNER}</ID><Script>x</Script>`)), 'MalformedACLError'],
      [policy(grant('<ID>../../etc/passwd</ID>')), 'InvalidArgument'],
      [policy(grant('<URI>http://example.com/group</URI>')), 'InvalidArgument'],
      [policy(grant('<EmailAddress>a@example.com</EmailAddress>')), 'UnresolvableGrantByEmailAddress'],
      [policy(grant(`<URI>${ALL_USERS}</URI>`).repeat(101)), 'MalformedACLError'],
      [policy('', '<Owner><ID>999999999999</ID></Owner>'), 'AccessDenied'],
      [policy('', '<Owner><ID><x/></ID></Owner>'), 'MalformedACLError'],
      ['<AccessControlPolicy>text</AccessControlPolicy>', 'MalformedACLError'],
      ['<Other/>', 'MalformedACLError'],
      ['<AccessControlPolicy/><Extra/>', 'MalformedACLError'],
      [policy('<__proto__>1</__proto__>'), 'MalformedACLError'],
    ];
    for (const [xml, expected] of cases) {
      let got: string | undefined;
      try {
        got = code(() => read(xml));
      } catch (error) {
        // The XML layer refuses some documents before the ACL reader sees them.
        got = error instanceof Error ? error.name : String(error);
      }
      expect([expected, 'XmlParseError'], xml.slice(0, 200)).toContain(got);
    }
  });

  it('an empty list takes away every grant, the owner full control included', () => {
    expect(read(policy('')).grants).toEqual([]);
  });
});

describe('grant headers and canned ACLs', () => {
  it('parses id, uri and quoted or bare values; refuses the rest', () => {
    expect(parseGrantHeader('x-amz-grant-read', `id="${OWNER}", uri=${ALL_USERS}`)).toEqual([
      { id: OWNER },
      { uri: ALL_USERS },
    ]);
    const bad = [
      'id=',
      'id="1',
      `id="${OWNER}" junk`,
      'name="x"',
      '',
      ',',
      `id="${OWNER}",`,
      '\u0000',
      'uri="javascript:alert(1)"',
    ];
    for (const value of bad)
      expect(
        code(() => parseGrantHeader('x-amz-grant-read', value)),
        value,
      ).toBe('InvalidArgument');
    expect(code(() => parseGrantHeader('x-amz-grant-read', 'emailAddress="a@b.c"'))).toBe(
      'UnresolvableGrantByEmailAddress',
    );
    expect(code(() => parseGrantHeader('x-amz-grant-read', `id="${OWNER}",`.repeat(101)))).toBe(
      'InvalidArgument',
    );
  });

  it('expands canned ACLs as S3 does and refuses unknown ones or both forms at once', () => {
    expect(cannedAcl('public-read-write', 'bucket', OWNER, OWNER).grants.map((g) => g.permission)).toEqual([
      'FULL_CONTROL',
      'READ',
      'WRITE',
    ]);
    expect(cannedAcl('bucket-owner-read', 'object', '111122223333', OWNER).grants).toEqual([
      { grantee: { id: '111122223333' }, permission: 'FULL_CONTROL' },
      { grantee: { id: OWNER }, permission: 'READ' },
    ]);
    expect(code(() => aclFromHeaders({ 'x-amz-acl': 'everyone' }, 'object', OWNER, OWNER))).toBe(
      'InvalidArgument',
    );
    expect(
      code(() =>
        aclFromHeaders(
          { 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${OWNER}"` },
          'object',
          OWNER,
          OWNER,
        ),
      ),
    ).toBe('InvalidRequest');
    expect(aclFromHeaders({}, 'object', OWNER, OWNER)).toBeUndefined();
  });
});
