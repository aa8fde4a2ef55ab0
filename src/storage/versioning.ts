import { randomBytes } from 'node:crypto';
import { AppError, badRequest, isAppError, notFound } from '../errors.js';
import { httpDate } from './s3-wire.js';
import type { VersionRow } from './storage-store.js';

/** A bucket's versioning state once configured (PutBucketVersioning); a bucket never configured has none. */
export type Versioning = 'Enabled' | 'Suspended';

/** What a delete did: the version it removed or the delete marker it made, as S3's headers report them. */
export interface VersionedDelete {
  versionId?: string;
  deleteMarker?: true;
}

/**
 * Version ids Seawall makes: 24 random bytes, URL-safe, with `.` for base64url's `-` so that no id starts with a
 * dash a command line would read as an option (`aws s3api delete-object --version-id -x…` fails).
 */
const VERSION_ID = /^[A-Za-z0-9_.]{32}$/;

export function newVersionId(): string {
  return randomBytes(24).toString('base64url').replaceAll('-', '.');
}

/** Whether a version id is "null" or one Seawall could have made. */
export function isVersionIdForm(versionId: string): boolean {
  return versionId === 'null' || VERSION_ID.test(versionId);
}

/**
 * A version id a request names must be "null" or one Seawall could have made: InvalidArgument otherwise, worded
 * apart for an empty one, naming where it came from (the versionId parameter, or x-amz-copy-source).
 */
export function checkVersionId(versionId: string, argumentName = 'versionId'): void {
  if (versionId === '')
    throw badRequest('InvalidArgument', 'Version id cannot be the empty string', {
      ArgumentName: argumentName,
      ArgumentValue: versionId,
    });
  if (!isVersionIdForm(versionId))
    throw badRequest('InvalidArgument', 'Invalid version id specified', {
      ArgumentName: argumentName,
      ArgumentValue: versionId,
    });
}

export function noSuchVersion(key: string, versionId: string): AppError {
  return notFound('NoSuchVersion', 'The specified version does not exist.', {
    Key: key,
    VersionId: versionId,
  });
}

/**
 * A read that reaches a delete marker: NoSuchKey when it asked for the current version, MethodNotAllowed when
 * it named the marker's version; both say it is a delete marker, as S3's headers do.
 */
export function deleteMarkerAnswer(marker: VersionRow, named: boolean): AppError {
  const headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.version_id };
  if (!named)
    return new AppError('NoSuchKey', 404, 'The specified key does not exist.', {
      fields: { Key: marker.key },
      headers,
    });
  return markerRefusal('GET', {
    ...headers,
    'last-modified': httpDate(new Date(marker.last_modified)),
  });
}

/** S3's 405 for a request to a delete marker, which allows only DELETE. */
function markerRefusal(method: string, headers: Record<string, string>): AppError {
  return new AppError('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', {
    fields: { Method: method, ResourceType: 'DeleteMarker' },
    headers: { ...headers, allow: 'DELETE' },
  });
}

/**
 * PutObjectAcl on a key whose current version is a delete marker: S3 refuses the write to the marker with 405
 * (without the marker's headers), where a read of it is NoSuchKey.
 */
export function writeToDeleteMarker(error: unknown, method: string): unknown {
  if (!isAppError(error) || error.code !== 'NoSuchKey' || error.headers['x-amz-delete-marker'] !== 'true')
    return error;
  return markerRefusal(method, {});
}

/**
 * A delete marker's MethodNotAllowed names the refused request's own method, as S3's does (PUT for a
 * PutObjectAcl that names one): the read that met the marker does not know it, so the operation's answer adds it.
 */
export function namingMethod(error: unknown, method: string): unknown {
  if (!isAppError(error) || error.code !== 'MethodNotAllowed' || error.fields.ResourceType !== 'DeleteMarker')
    return error;
  if (error.fields.Method === method) return error;
  return markerRefusal(method, error.headers);
}
