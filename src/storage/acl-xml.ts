import { AppError, badRequest } from '../errors.js';
import { escapeXml } from '../lib/xml.js';
import {
  type Acl,
  checkCanonicalId,
  checkGroupUri,
  type Grant,
  type Grantee,
  MAX_GRANTS,
  PERMISSIONS,
  type Permission,
  unresolvableEmail,
} from './acl.js';
import { asRecord, onlyElements, S3_NAMESPACE } from './s3-wire.js';

/** S3's answer to an AccessControlPolicy document that does not follow its schema. */
export function malformedAcl(): AppError {
  return badRequest(
    'MalformedACLError',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

function onlyKeys(record: Record<string, unknown>, allowed: readonly string[]): void {
  onlyElements(record, allowed, malformedAcl);
}

/**
 * A Grantee element. Its xsi:type is implied by the one identifying element it holds (ID, URI or
 * EmailAddress): the parser keeps no attributes, and a grantee with none of them, or more than one, is
 * malformed.
 */
function readGrantee(value: unknown): Grantee {
  const grantee = asRecord(value);
  if (!grantee) throw malformedAcl();
  onlyKeys(grantee, ['ID', 'URI', 'EmailAddress', 'DisplayName']);
  const named = ['ID', 'URI', 'EmailAddress'].filter((name) => grantee[name] !== undefined);
  if (named.length !== 1) throw malformedAcl();
  const [kind] = named as [string];
  const value_ = text(grantee[kind]);
  if (value_ === undefined) throw malformedAcl();
  if (kind === 'EmailAddress') throw unresolvableEmail();
  if (kind === 'ID') {
    checkCanonicalId(value_);
    return { id: value_ };
  }
  checkGroupUri(value_);
  return { uri: value_ };
}

function readGrant(value: unknown): Grant {
  const grant = asRecord(value);
  if (!grant) throw malformedAcl();
  onlyKeys(grant, ['Grantee', 'Permission']);
  const permission = text(grant.Permission);
  if (permission === undefined || !(PERMISSIONS as readonly string[]).includes(permission))
    throw malformedAcl();
  return { grantee: readGrantee(grant.Grantee), permission: permission as Permission };
}

/**
 * An AccessControlPolicy document (parsed with `Grant` as an array) as the ACL it sets on a bucket or
 * object owned by `owner`. An Owner other than the resource's is refused, as S3 refuses it.
 */
export function readAccessControlPolicy(document: Record<string, unknown>, owner: string): Acl {
  const policy = asRecord(document.AccessControlPolicy);
  if (!policy || Object.keys(document).length !== 1) throw malformedAcl();
  onlyKeys(policy, ['Owner', 'AccessControlList']);
  if (policy.Owner !== undefined) {
    const stated = asRecord(policy.Owner);
    if (!stated) throw malformedAcl();
    onlyKeys(stated, ['ID', 'DisplayName']);
    const id = text(stated.ID);
    if (id === undefined) throw malformedAcl();
    if (id !== owner) throw new AppError('AccessDenied', 403, 'Access Denied');
  }
  const list = asRecord(policy.AccessControlList);
  if (!list) throw malformedAcl();
  onlyKeys(list, ['Grant']);
  const grants = list.Grant === undefined ? [] : list.Grant;
  if (!Array.isArray(grants) || grants.length > MAX_GRANTS) throw malformedAcl();
  return { owner, grants: grants.map(readGrant) };
}

function granteeXml(grantee: Grantee): string {
  const open = '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type=';
  if ('id' in grantee) {
    const id = escapeXml(grantee.id);
    return `${open}"CanonicalUser"><ID>${id}</ID><DisplayName>${id}</DisplayName></Grantee>`;
  }
  return `${open}"Group"><URI>${escapeXml(grantee.uri)}</URI></Grantee>`;
}

/** The AccessControlPolicy GetBucketAcl and GetObjectAcl answer (a display name is the account id). */
export function aclXml(acl: Acl): string {
  const owner = escapeXml(acl.owner);
  const grants = acl.grants
    .map((grant) => `<Grant>${granteeXml(grant.grantee)}<Permission>${grant.permission}</Permission></Grant>`)
    .join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<AccessControlPolicy xmlns="${S3_NAMESPACE}">`,
    `<Owner><ID>${owner}</ID><DisplayName>${owner}</DisplayName></Owner>`,
    `<AccessControlList>${grants}</AccessControlList>`,
    '</AccessControlPolicy>',
  ].join('');
}
