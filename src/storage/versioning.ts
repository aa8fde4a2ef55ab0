import { randomBytes } from 'node:crypto';
import { AppError, badRequest, notFound } from '../errors.js';
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

/** A version id a request names must be "null" or one Seawall could have made: InvalidArgument otherwise. */
export function checkVersionId(versionId: string): void {
  if (versionId !== 'null' && !VERSION_ID.test(versionId))
    throw badRequest('InvalidArgument', 'Invalid version id specified', {
      ArgumentName: 'versionId',
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
  return new AppError('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', {
    fields: { Method: 'GET', ResourceType: 'DeleteMarker' },
    headers: { ...headers, 'last-modified': httpDate(new Date(marker.last_modified)), allow: 'DELETE' },
  });
}
