import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { parseXml, XmlParseError } from '../../src/lib/xml.js';
import { ALL_USERS, aclFromHeaders, PERMISSIONS, parseGrantHeader } from '../../src/storage/acl.js';
import { aclXml, readAccessControlPolicy } from '../../src/storage/acl-xml.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

const OWNER = '123456789012';
const VALID = `<AccessControlPolicy><Owner><ID>${OWNER}</ID></Owner><AccessControlList><Grant><Grantee xsi:type="CanonicalUser"><ID>${OWNER}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee xsi:type="Group"><URI>${ALL_USERS}</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`;

/** What a client's bytes may come to: an ACL whose every grant is well-formed, or one of S3's 4xx errors. */
function judge(run: () => ReturnType<typeof readAccessControlPolicy>): void {
  let acl: ReturnType<typeof readAccessControlPolicy>;
  try {
    acl = run();
  } catch (error) {
    if (error instanceof XmlParseError) return;
    expect(isAppError(error) && error.status >= 400 && error.status < 500, String(error)).toBe(true);
    return;
  }
  expect(acl.owner).toBe(OWNER);
  expect(acl.grants.length).toBeLessThanOrEqual(100);
  for (const grant of acl.grants) {
    expect(PERMISSIONS).toContain(grant.permission);
    if ('id' in grant.grantee) expect(grant.grantee.id).toMatch(/^\d{12}$/);
    else expect(grant.grantee.uri.startsWith('http://acs.amazonaws.com/groups/')).toBe(true);
  }
  // Whatever is accepted renders as a document that reads back the same.
  expect(readAccessControlPolicy(parseXml(aclXml(acl), ['Grant']), OWNER)).toEqual(acl);
}

describe('ACL parsers under fuzzing', () => {
  it('AccessControlPolicy: mutated documents give an ACL or an S3 error', () => {
    fc.assert(
      fc.property(mutated(VALID), (xml) =>
        judge(() => readAccessControlPolicy(parseXml(xml, ['Grant']), OWNER)),
      ),
      fuzzParameters(1500),
    );
  });

  it('grant headers: any value gives grantees S3 knows or an S3 error', () => {
    const value = fc.oneof(wireText(80), mutated(`id="${OWNER}", uri="${ALL_USERS}"`));
    fc.assert(
      fc.property(value, fc.constantFrom('x-amz-grant-read', 'x-amz-grant-full-control'), (text, header) => {
        judge(() => {
          const grantees = parseGrantHeader(header, text);
          expect(grantees.length).toBeGreaterThan(0);
          return aclFromHeaders({ [header]: text }, 'object', OWNER, OWNER) ?? { owner: OWNER, grants: [] };
        });
      }),
      fuzzParameters(1500),
    );
  });
});
