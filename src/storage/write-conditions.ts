import { AppError, conflict, notFound } from '../errors.js';
import type { ObjectRow } from './storage-store.js';

/** S3's conditional write headers, as a PutObject or CompleteMultipartUpload sends them. */
export interface WriteConditions {
  key: string;
  /** `*`: write only if no object has the key. */
  ifNoneMatch?: string | undefined;
  /** Write only if the current object has this ETag (`*`: any). */
  ifMatch?: string | undefined;
}

function preconditionFailed(condition: string): AppError {
  return new AppError(
    'PreconditionFailed',
    412,
    'At least one of the pre-conditions you specified did not hold',
    {
      fields: { Condition: condition },
    },
  );
}

/**
 * S3's conditional writes, judged inside the commit against the object the write would replace: If-None-Match
 * `*` wants none; If-Match wants one with that ETag (none at all is NoSuchKey, as S3 answers).
 */
function checkWriteConditions(input: WriteConditions, current: ObjectRow | undefined): void {
  if (input.ifNoneMatch === '*' && current) throw preconditionFailed('If-None-Match');
  if (input.ifMatch === undefined) return;
  if (!current) throw notFound('NoSuchKey', 'The specified key does not exist.', { Key: input.key });
  const wanted = input.ifMatch.trim();
  if (wanted !== '*' && wanted !== current.etag && `"${wanted}"` !== current.etag)
    throw preconditionFailed('If-Match');
}

/**
 * S3's conditional delete: If-Match wants the object (or the version named) to have that ETag (`*`: any);
 * 412 otherwise. An object that is not there is deleted anyway (S3 answers 204).
 */
export function checkDeleteCondition(
  ifMatch: string | undefined,
  current: { etag: string } | undefined,
): void {
  if (ifMatch === undefined || !current) return;
  const wanted = ifMatch.trim();
  if (wanted !== '*' && wanted !== current.etag && `"${wanted}"` !== current.etag)
    throw preconditionFailed('If-Match');
}

/**
 * A conditional write's two judgements: now, before the bytes are read or joined, against the object `current`
 * finds (412, 404); and the guard answered, for the commit, where a condition that held and fails is a conflict
 * (409). No guard for a write without conditions.
 */
export async function judgeWriteConditions(
  conditions: WriteConditions | undefined,
  current: () => Promise<ObjectRow | undefined>,
): Promise<((current: ObjectRow | undefined) => void) | undefined> {
  if (!conditions || (conditions.ifMatch === undefined && conditions.ifNoneMatch === undefined))
    return undefined;
  checkWriteConditions(conditions, await current());
  return (atCommit) => conflictOnFailure(() => checkWriteConditions(conditions, atCommit));
}

/** A condition that held when the write began and failed at its commit: S3 answers 409, to retry. */
function conflictOnFailure(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw conflict(
      'ConditionalRequestConflict',
      'A conflicting conditional operation is currently in progress against this resource. Please try again.',
    );
  }
}
