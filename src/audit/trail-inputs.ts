import { badRequest } from '../errors.js';
import type { JsonInput } from '../lib/aws-json.js';
import type { EventSelector, ReadWriteType } from './trails.js';

/** CloudTrail's input rules and errors: trail names and ARNs, booleans, tags, event selectors. */

const TRAIL_ARN = /^arn:aws:cloudtrail:([a-z0-9-]+):(\d{12}):trail\/(.+)$/;

export function trailArn(region: string, accountId: string, name: string): string {
  return `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;
}

/** AWS's trail name rules, with InvalidTrailNameException's wording. */
export function checkTrailName(name: string): string {
  const invalid = (message: string) => badRequest('InvalidTrailNameException', message);
  if (name.length < 3)
    throw invalid(
      `Trail name too short. Minimum allowed length: 3 characters. Specified name length: ${name.length} characters.`,
    );
  if (name.length > 128)
    throw invalid(
      `Trail name too long. Maximum allowed length: 128 characters. Specified name length: ${name.length} characters.`,
    );
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw invalid(
      'Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).',
    );
  if (!/^[A-Za-z0-9]/.test(name)) throw invalid('Trail name must starts with a letter or number.');
  if (!/[A-Za-z0-9]$/.test(name)) throw invalid('Trail name must ends with a letter or number.');
  if (/[._-]{2}/.test(name)) throw invalid('Trail name cannot have adjacent periods, underscores or dashes.');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) throw invalid('Trail name cannot be in IP address format.');
  return name;
}

/** A trail named by name or ARN: its name, once the ARN is known to be this account's and region's. */
export function trailNameOf(nameOrArn: unknown, scope: { region: string; accountId: string }): string {
  if (typeof nameOrArn !== 'string' || nameOrArn === '')
    throw badRequest('InvalidTrailNameException', 'Trail name cannot be blank.');
  if (!nameOrArn.startsWith('arn:')) return checkTrailName(nameOrArn);
  const match = TRAIL_ARN.exec(nameOrArn);
  if (!match)
    throw badRequest(
      'CloudTrailARNInvalidException',
      `The ARN ${nameOrArn.slice(0, 300)} is invalid. Trail ARNs look like arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.`,
    );
  const [, region, account, name] = match as unknown as [string, string, string, string];
  if (account !== scope.accountId || region !== scope.region) throw trailNotFound(nameOrArn, scope.accountId);
  return checkTrailName(name);
}

export function trailNotFound(nameOrArn: string, accountId: string): Error {
  return badRequest(
    'TrailNotFoundException',
    `Unknown trail: ${nameOrArn.slice(0, 300)} for the user: ${accountId}`,
  );
}

export function optionalBoolean<M extends string>(
  input: JsonInput<M>,
  name: NoInfer<M>,
): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest('InvalidParameterException', `${name} must be a boolean.`);
  return value;
}

export function tagsOf(value: unknown): { Key: string; Value: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest('InvalidTagParameterException', 'TagsList must be a list.');
  if (value.length > 50)
    throw badRequest('TagsLimitExceededException', 'The number of tags on the trail would exceed 50.');
  return value.map((tag: unknown) => {
    const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || Key.length < 1 || Key.length > 128)
      throw badRequest('InvalidTagParameterException', 'A tag key must be 1 to 128 characters.');
    if (Value !== undefined && Value !== null && (typeof Value !== 'string' || Value.length > 256))
      throw badRequest('InvalidTagParameterException', 'A tag value must be at most 256 characters.');
    return { Key, Value: typeof Value === 'string' ? Value : '' };
  });
}

const READ_WRITE: readonly ReadWriteType[] = ['ReadOnly', 'WriteOnly', 'All'];

function invalidSelectors(message: string): Error {
  return badRequest('InvalidEventSelectorsException', message);
}

/** An S3 data resource value: all of S3, or a bucket's objects by prefix. */
function checkS3Value(value: unknown): string {
  if (typeof value !== 'string')
    throw invalidSelectors('Value for DataResources.Values must be a list of strings.');
  if (value === 'arn:aws:s3' || value === 'arn:aws:s3:::') return value;
  if (!/^arn:aws:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/s.test(value) || value.length > 2048)
    throw invalidSelectors(`Value ${value.slice(0, 300)} for DataResources.Values is invalid.`);
  return value;
}

/** Classic event selectors, as PutEventSelectors takes them; data resources of S3 objects only. */
export function eventSelectorsOf(value: unknown): EventSelector[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalidSelectors('EventSelectors must be a non-empty list.');
  if (value.length > 5) throw invalidSelectors('A trail can have at most 5 event selectors.');
  let resourceValues = 0;
  return value.map((raw: unknown): EventSelector => {
    const selector = (raw ?? {}) as Record<string, unknown>;
    const unknownMember = Object.keys(selector).find(
      (k) =>
        ![
          'ReadWriteType',
          'IncludeManagementEvents',
          'DataResources',
          'ExcludeManagementEventSources',
        ].includes(k),
    );
    if (unknownMember)
      throw invalidSelectors(`Unknown member ${unknownMember.slice(0, 64)} of an event selector.`);
    const readWrite = selector.ReadWriteType ?? 'All';
    if (typeof readWrite !== 'string' || !READ_WRITE.includes(readWrite as ReadWriteType))
      throw invalidSelectors(`ReadWriteType must be one of ${READ_WRITE.join(', ')}.`);
    const management = selector.IncludeManagementEvents ?? true;
    if (typeof management !== 'boolean') throw invalidSelectors('IncludeManagementEvents must be a boolean.');
    const data = selector.DataResources ?? [];
    if (!Array.isArray(data)) throw invalidSelectors('DataResources must be a list.');
    const excluded = selector.ExcludeManagementEventSources ?? [];
    if (
      !Array.isArray(excluded) ||
      excluded.some((s) => s !== 'kms.amazonaws.com' && s !== 'rdsdata.amazonaws.com')
    )
      throw invalidSelectors(
        'ExcludeManagementEventSources can name kms.amazonaws.com and rdsdata.amazonaws.com.',
      );
    return {
      ReadWriteType: readWrite as ReadWriteType,
      IncludeManagementEvents: management,
      DataResources: data.map((entry: unknown) => {
        const { Type, Values } = (entry ?? {}) as { Type?: unknown; Values?: unknown };
        if (Type !== 'AWS::S3::Object')
          throw invalidSelectors(
            `Seawall records data events of the resource type AWS::S3::Object only, not ${String(Type).slice(0, 64)}.`,
          );
        if (!Array.isArray(Values)) throw invalidSelectors('DataResources.Values must be a list.');
        resourceValues += Values.length;
        if (resourceValues > 250)
          throw invalidSelectors('A trail can have at most 250 data resource values.');
        return { Type, Values: Values.map(checkS3Value) };
      }),
      ExcludeManagementEventSources: excluded as string[],
    };
  });
}
