import { isAppError } from '../../src/errors.js';
import { parseXml, XmlParseError } from '../../src/lib/xml.js';

/**
 * What a reader of a configuration document (PutBucketCors, PutBucketLifecycleConfiguration…) makes of a body:
 * its value, or 'refused' when the body does not parse as XML or the reader answers it with one of `statuses`
 * (S3's 400 unless told). Any other failure is thrown: a hostile document must never get more than a 4xx.
 */
export function readOrRefused<T>(
  text: string,
  lists: readonly string[],
  read: (document: Record<string, unknown>) => T,
  statuses: readonly number[] = [400],
): T | 'refused' {
  try {
    return read(parseXml(text, lists));
  } catch (error) {
    if (error instanceof XmlParseError) return 'refused';
    if (isAppError(error) && statuses.includes(error.status)) return 'refused';
    throw error;
  }
}
