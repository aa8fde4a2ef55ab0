import { type AppError, badRequest } from '../errors.js';
import { asRecord, malformedXml, onlyElements } from './s3-wire.js';

/** One S3 tag. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** Where a tag set goes: objects take 10 tags, buckets 50. */
type TagTarget = 'object' | 'bucket';

const MAX_TAGS: Record<TagTarget, number> = { object: 10, bucket: 50 };
const MAX_KEY = 128;
const MAX_VALUE = 256;
/** What S3 allows in tag keys and values: letters, digits, white space and `+ - = . _ : / @`, in any script. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** S3 words the refusal of an `aws:` key differently for an object and for a bucket. */
const RESERVED_PREFIX: Record<TagTarget, string> = {
  object: 'Your TagKey cannot be prefixed with aws:',
  bucket: 'System tags cannot be added/updated by requester',
};

/** InvalidTag, naming the tag it refuses as S3 does: its TagKey, and its TagValue when the value is at fault. */
function invalidTag(message: string, tag?: Tag, withValue = false): AppError {
  if (!tag) return badRequest('InvalidTag', message);
  return badRequest('InvalidTag', message, {
    TagKey: tag.Key,
    ...(withValue ? { TagValue: tag.Value } : {}),
  });
}

/** Lengths count Unicode characters (code points), as S3 counts them. */
function length(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Checks a tag set against S3's rules and returns it sorted by key (the order S3 answers in): at most 10 tags
 * on an object (BadRequest, as S3 answers) or 50 on a bucket, keys of 1 to 128 and values of at most 256
 * characters of the allowed set, no key twice, no key in the reserved `aws:` namespace.
 */
function checkTagSet(tags: readonly Tag[], target: TagTarget): Tag[] {
  if (tags.length > MAX_TAGS[target])
    throw target === 'object'
      ? badRequest('BadRequest', 'Object tags cannot be greater than 10')
      : invalidTag('Bucket tag count cannot be greater than 50');
  const seen = new Set<string>();
  for (const tag of tags) {
    const { Key, Value } = tag;
    if (Key === '' || length(Key) > MAX_KEY)
      throw invalidTag(`The TagKey you have provided is ${Key === '' ? 'invalid' : 'too long, max 128'}`);
    if (length(Value) > MAX_VALUE) throw invalidTag('The TagValue you have provided is too long, max 256');
    if (!TAG_TEXT.test(Key)) throw invalidTag('The TagKey you have provided is invalid', tag);
    if (!TAG_TEXT.test(Value)) throw invalidTag('The TagValue you have provided is invalid', tag, true);
    if (Key.toLowerCase().startsWith('aws:')) throw invalidTag(RESERVED_PREFIX[target], tag);
    if (seen.has(Key)) throw invalidTag('Cannot provide multiple Tags with the same key', tag);
    seen.add(Key);
  }
  return [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

function text(value: unknown): string | undefined {
  if (value === '' || value === undefined) return '';
  return typeof value === 'string' ? value : undefined;
}

/**
 * A `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` document (parsed with `Tag` as an array),
 * checked; MalformedXML for any other shape, a Tag without its Key or Value included.
 */
export function readTagging(document: Record<string, unknown> | undefined, target: TagTarget): Tag[] {
  const tagging = asRecord(document?.Tagging);
  if (!tagging) throw malformedXml();
  onlyElements(tagging, ['TagSet'], malformedXml);
  // A Tagging without a TagSet (boto3's TagSet=None) is no tags, as an empty TagSet is: S3 takes both.
  if (tagging.TagSet === undefined) return [];
  const set = asRecord(tagging.TagSet);
  if (!set) throw malformedXml();
  onlyElements(set, ['Tag'], malformedXml);
  const list = set.Tag ?? [];
  if (!Array.isArray(list)) throw malformedXml();
  const tags = list.map((entry: unknown) => {
    const tag = asRecord(entry);
    if (!tag) throw malformedXml();
    onlyElements(tag, ['Key', 'Value'], malformedXml);
    if (!('Key' in tag) || !('Value' in tag)) throw malformedXml();
    const key = text(tag.Key);
    const value = text(tag.Value);
    if (key === undefined || value === undefined) throw malformedXml();
    return { Key: key, Value: value };
  });
  return checkTagSet(tags, target);
}

/** S3's answer to an x-amz-tagging that is not a URL-encoded query, or names a tag twice. */
function invalidTaggingHeader(value: string): AppError {
  return badRequest(
    'InvalidArgument',
    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
    { ArgumentName: 'x-amz-tagging', ArgumentValue: value },
  );
}

/**
 * `x-amz-tagging`: a URL-encoded query (`a=1&b=2`; a key without `=` has the empty value), checked as an
 * object's tag set, but a key named twice is the header's fault (InvalidArgument), as S3 answers. An empty
 * header is no tags.
 */
export function parseTaggingHeader(value: string): Tag[] {
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      throw invalidTaggingHeader(value);
    }
  };
  // An empty pair (`&`, `a=1&&b=2`) names nothing, as in any query string: S3 takes `&` as no tags.
  const pairs = value.split('&').filter((pair) => pair !== '');
  const tags = pairs.map((pair) => {
    const equals = pair.indexOf('=');
    const key = decode(equals < 0 ? pair : pair.slice(0, equals));
    return { Key: key, Value: equals < 0 ? '' : decode(pair.slice(equals + 1)) };
  });
  if (new Set(tags.map((tag) => tag.Key)).size < tags.length) throw invalidTaggingHeader(value);
  return checkTagSet(tags, 'object');
}

/** A tag set as the version row's `tags` column keeps it: null for none. */
export function storedTags(tags: readonly Tag[]): string | null {
  return tags.length === 0 ? null : JSON.stringify(tags);
}

/** The tag set in a `tags` column (or bucket setting); empty for null. */
export function tagsOf(stored: string | null | undefined): Tag[] {
  if (!stored) return [];
  const parsed = JSON.parse(stored) as unknown;
  return Array.isArray(parsed) ? (parsed as Tag[]) : [];
}

/**
 * The condition keys of the tags a request asks for: `s3:RequestObjectTag/<key>` for each and
 * `s3:RequestObjectTagKeys`; none when the request carries none, or tags that are not valid (which the
 * operation then refuses).
 */
export function requestTagConditions(
  tags: () => readonly Tag[] | undefined,
): Record<string, string | string[]> {
  let list: readonly Tag[] | undefined;
  try {
    list = tags();
  } catch {
    return {};
  }
  if (list === undefined) return {};
  const conditions: Record<string, string | string[]> = Object.create(null);
  for (const tag of list) conditions[`s3:RequestObjectTag/${tag.Key}`] = tag.Value;
  conditions['s3:RequestObjectTagKeys'] = list.map((tag) => tag.Key);
  return conditions;
}

/** `s3:ExistingObjectTag/<key>` for each tag an object version has. */
export function existingTagConditions(tags: readonly Tag[]): Record<string, string> {
  const conditions: Record<string, string> = Object.create(null);
  for (const tag of tags) conditions[`s3:ExistingObjectTag/${tag.Key}`] = tag.Value;
  return conditions;
}
