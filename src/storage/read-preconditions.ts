/** The four RFC 7232 preconditions a read names: GET's and HEAD's own, or CopyObject's x-amz-copy-source-if-*. */
export interface ReadPreconditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

/** Which of them a read failed, and how GET and HEAD answer it: 412, or 304 for an object unchanged. */
export type PreconditionOutcome =
  | { status: 412; condition: 'If-Match' | 'If-Unmodified-Since' }
  | { status: 304; condition: 'If-None-Match' | 'If-Modified-Since' };

/**
 * Judges the preconditions against an object as S3 does, in RFC 7232's order: If-Match that holds overrides
 * If-Unmodified-Since, If-None-Match that holds overrides If-Modified-Since. Times compare to the second (an
 * HTTP date has no finer unit); a date that does not parse is ignored, and so is an If-Modified-Since later than
 * the server's clock, which RFC 2616 (14.25) calls invalid and S3 answers with the object.
 */
export function judgeReadPreconditions(
  conditions: ReadPreconditions,
  object: { etag: string; lastModified: Date },
  now: Date,
): PreconditionOutcome | undefined {
  const { ifMatch, ifNoneMatch } = conditions;
  const etagIn = (list: string) =>
    list
      .split(',')
      .some((t) => t.trim() === '*' || t.trim() === object.etag || `"${t.trim()}"` === object.etag);
  const modified = Math.floor(object.lastModified.getTime() / 1000) * 1000;
  const timeOf = (value: string | undefined) => {
    const time = value === undefined ? Number.NaN : Date.parse(value);
    return Number.isNaN(time) ? undefined : time;
  };
  if (ifMatch !== undefined && !etagIn(ifMatch)) return { status: 412, condition: 'If-Match' };
  const unmodifiedSince = timeOf(conditions.ifUnmodifiedSince);
  if (ifMatch === undefined && unmodifiedSince !== undefined && modified > unmodifiedSince)
    return { status: 412, condition: 'If-Unmodified-Since' };
  if (ifNoneMatch !== undefined && etagIn(ifNoneMatch)) return { status: 304, condition: 'If-None-Match' };
  const modifiedSince = timeOf(conditions.ifModifiedSince);
  if (
    ifNoneMatch === undefined &&
    modifiedSince !== undefined &&
    modifiedSince <= now.getTime() &&
    modified <= modifiedSince
  )
    return { status: 304, condition: 'If-Modified-Since' };
  return undefined;
}
