import { badRequest } from '../errors.js';
import type { Policy } from '../iam/policy/index.js';
import { epochSeconds, type JsonInput, type JsonOperations, jsonOperation as op } from '../lib/aws-json.js';
import { bucketNameProblem } from '../storage/index.js';
import { trailTime } from './audit-record.js';
import { publicKeyValue } from './digest-format.js';
import {
  checkTrailName,
  eventSelectorsOf,
  optionalBoolean,
  tagsOf,
  trailArn,
  trailNameOf,
  trailNotFound,
} from './trail-inputs.js';
import type { TrailKeys } from './trail-keys.js';
import { cloudTrailMayWrite } from './trail-policy.js';
import { DEFAULT_SELECTORS, type Trail, type TrailSettings, type TrailStore } from './trails.js';

/** What the trail operations need from the rest of Seawall. */
export interface TrailApiDeps {
  readonly trails: TrailStore;
  readonly keys: TrailKeys;
  readonly accountId: string;
  readonly region: string;
  /** The audit store's last sequence number: where StartLogging and StopLogging draw the line. */
  readonly lastSeq: () => number;
  readonly now: () => number;
  /** A bucket's policy; 'missing' when there is no such bucket. */
  readonly bucketPolicy: (bucket: string) => Promise<Policy | undefined | 'missing'>;
}

const MAX_TRAILS = 5;

/** CloudTrail's time strings in GetTrailStatus (TimeLoggingStarted and friends). */
const timeString = (ms: number | null) => (ms === null ? undefined : trailTime(new Date(ms)));

function defined(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v !== null));
}

/** Trails, their logging and event selectors, and the digest signing keys, as CloudTrail's API. */
export function createTrailOperations(deps: TrailApiDeps): JsonOperations {
  const { trails, accountId, region } = deps;
  const scope = { accountId, region };
  const arnOf = (name: string) => trailArn(region, accountId, name);
  /** The resource an operation on one trail is authorized on: its ARN, however the caller named it. */
  const resourceOf = (value: unknown) => {
    if (typeof value !== 'string') return ['*'];
    return [value.startsWith('arn:') ? value : arnOf(value)];
  };
  const find = (value: unknown): Trail => {
    const name = trailNameOf(value, scope);
    const trail = trails.get(name);
    if (!trail) throw trailNotFound(typeof value === 'string' ? value : name, accountId);
    return trail;
  };

  const trailShape = (t: Trail) =>
    defined({
      Name: t.name,
      S3BucketName: t.bucket,
      S3KeyPrefix: t.prefix,
      IncludeGlobalServiceEvents: t.globalEvents,
      IsMultiRegionTrail: t.multiRegion,
      HomeRegion: region,
      TrailARN: arnOf(t.name),
      LogFileValidationEnabled: t.validation,
      HasCustomEventSelectors: t.customSelectors,
      HasInsightSelectors: false,
      IsOrganizationTrail: false,
    });
  const writeShape = (t: Trail) =>
    defined({
      Name: t.name,
      S3BucketName: t.bucket,
      S3KeyPrefix: t.prefix,
      IncludeGlobalServiceEvents: t.globalEvents,
      IsMultiRegionTrail: t.multiRegion,
      TrailARN: arnOf(t.name),
      LogFileValidationEnabled: t.validation,
      IsOrganizationTrail: false,
    });

  /** The bucket and prefix a trail delivers to: the bucket must exist and let CloudTrail write there. */
  const checkDestination = async (name: string, bucket: string, prefix: string | null) => {
    if (bucketNameProblem(bucket) !== undefined)
      throw badRequest('InvalidS3BucketNameException', `Bucket name is not valid: ${bucket.slice(0, 300)}`);
    if (prefix !== null && prefix.length > 200)
      throw badRequest('InvalidS3PrefixException', 'S3 key prefix must be at most 200 characters.');
    const policy = await deps.bucketPolicy(bucket);
    if (policy === 'missing')
      throw badRequest('S3BucketDoesNotExistException', `S3 bucket does not exist: ${bucket}`);
    if (!cloudTrailMayWrite(policy, { bucket, prefix, accountId, trailArn: arnOf(name) }))
      throw badRequest(
        'InsufficientS3BucketPolicyException',
        `Incorrect S3 bucket policy is detected for bucket: ${bucket}`,
      );
  };
  const refuseOrganization = (input: JsonInput<'IsOrganizationTrail'>) => {
    if (optionalBoolean(input, 'IsOrganizationTrail'))
      throw badRequest(
        'UnsupportedOperationException',
        'Seawall has no organizations: IsOrganizationTrail is refused.',
      );
  };
  const checkCombination = (settings: TrailSettings) => {
    if (settings.multiRegion && !settings.globalEvents)
      throw badRequest(
        'InvalidParameterCombinationException',
        'Multi-Region trail must include global service events.',
      );
  };
  const prefixOf = (value: unknown): string | null | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string')
      throw badRequest('InvalidS3PrefixException', 'S3KeyPrefix must be a string.');
    return value === '' ? null : value;
  };

  return {
    CreateTrail: op(
      [
        'Name',
        'S3BucketName',
        'S3KeyPrefix',
        'IsMultiRegionTrail',
        'EnableLogFileValidation',
        'IncludeGlobalServiceEvents',
        'IsOrganizationTrail',
        'TagsList',
      ],
      (input) => resourceOf(input.Name),
      async (input) => {
        if (typeof input.Name !== 'string' || input.Name === '')
          throw badRequest('TrailNotProvidedException', 'Trail name is required.');
        const name = checkTrailName(input.Name);
        refuseOrganization(input);
        const bucket = input.S3BucketName;
        if (typeof bucket !== 'string' || bucket === '')
          throw badRequest('InvalidS3BucketNameException', 'S3BucketName is required.');
        const prefix = prefixOf(input.S3KeyPrefix) ?? null;
        const tags = tagsOf(input.TagsList);
        if (trails.get(name))
          throw badRequest(
            'TrailAlreadyExistsException',
            `Trail ${name} already exists for customer: ${accountId}`,
          );
        if (trails.list().length >= MAX_TRAILS)
          throw badRequest(
            'MaximumNumberOfTrailsExceededException',
            `User: ${accountId} already has ${MAX_TRAILS} trails in ${region}.`,
          );
        await checkDestination(name, bucket, prefix);
        const settings: TrailSettings = {
          bucket,
          prefix,
          multiRegion: optionalBoolean(input, 'IsMultiRegionTrail') ?? false,
          validation: optionalBoolean(input, 'EnableLogFileValidation') ?? false,
          globalEvents: optionalBoolean(input, 'IncludeGlobalServiceEvents') ?? true,
          selectors: DEFAULT_SELECTORS,
          customSelectors: false,
          tags,
        };
        checkCombination(settings);
        trails.create(name, settings);
        return writeShape(find(name));
      },
    ),
    UpdateTrail: op(
      [
        'Name',
        'S3BucketName',
        'S3KeyPrefix',
        'IsMultiRegionTrail',
        'EnableLogFileValidation',
        'IncludeGlobalServiceEvents',
        'IsOrganizationTrail',
      ],
      (input) => resourceOf(input.Name),
      async (input) => {
        const trail = find(input.Name);
        refuseOrganization(input);
        const bucket =
          typeof input.S3BucketName === 'string' && input.S3BucketName !== ''
            ? input.S3BucketName
            : trail.bucket;
        const newPrefix = prefixOf(input.S3KeyPrefix);
        const prefix = input.S3KeyPrefix === '' ? null : (newPrefix ?? trail.prefix);
        if (bucket !== trail.bucket || prefix !== trail.prefix)
          await checkDestination(trail.name, bucket, prefix);
        const settings: TrailSettings = {
          bucket,
          prefix,
          multiRegion: optionalBoolean(input, 'IsMultiRegionTrail') ?? trail.multiRegion,
          validation: optionalBoolean(input, 'EnableLogFileValidation') ?? trail.validation,
          globalEvents: optionalBoolean(input, 'IncludeGlobalServiceEvents') ?? trail.globalEvents,
          selectors: trail.selectors,
          customSelectors: trail.customSelectors,
          tags: trail.tags,
        };
        checkCombination(settings);
        trails.update(trail.name, settings, deps.now());
        return writeShape(find(trail.name));
      },
    ),
    DeleteTrail: op(
      ['Name'],
      (input) => resourceOf(input.Name),
      async (input) => {
        trails.remove(find(input.Name).name);
        return {};
      },
    ),
    GetTrail: op(
      ['Name'],
      (input) => resourceOf(input.Name),
      async (input) => ({ Trail: trailShape(find(input.Name)) }),
    ),
    DescribeTrails: op(
      ['trailNameList', 'includeShadowTrails'],
      () => ['*'],
      async (input) => {
        const names = input.trailNameList;
        if (names !== undefined && names !== null && !Array.isArray(names))
          throw badRequest('InvalidParameterException', 'trailNameList must be a list.');
        const all = trails.list();
        if (!names || names.length === 0) return { trailList: all.map(trailShape) };
        const wanted = new Set(names.map((n: unknown) => trailNameOf(n, scope)));
        return { trailList: all.filter((t) => wanted.has(t.name)).map(trailShape) };
      },
    ),
    ListTrails: op(
      ['NextToken'],
      () => ['*'],
      async () => ({
        Trails: trails.list().map((t) => ({ TrailARN: arnOf(t.name), Name: t.name, HomeRegion: region })),
      }),
    ),
    StartLogging: op(
      ['Name'],
      (input) => resourceOf(input.Name),
      async (input) => {
        trails.start(find(input.Name).name, deps.lastSeq(), deps.now());
        return {};
      },
    ),
    StopLogging: op(
      ['Name'],
      (input) => resourceOf(input.Name),
      async (input, request) => {
        trails.stop(find(input.Name).name, deps.lastSeq(), deps.now(), request.requestId);
        return {};
      },
    ),
    GetTrailStatus: op(
      ['Name'],
      (input) => resourceOf(input.Name),
      async (input) => {
        const t = find(input.Name);
        const seconds = (ms: number | null) => (ms === null ? undefined : epochSeconds(ms));
        return defined({
          IsLogging: t.logging,
          LatestDeliveryError: t.deliveryError,
          LatestDeliveryTime: seconds(t.deliveryTime),
          StartLoggingTime: seconds(t.startTime),
          StopLoggingTime: seconds(t.stopTime),
          LatestDigestDeliveryTime: seconds(t.digestTime),
          LatestDigestDeliveryError: t.digestError,
          LatestDeliveryAttemptTime: timeString(t.deliveryAttempt),
          LatestDeliveryAttemptSucceeded: timeString(t.deliveryTime),
          TimeLoggingStarted: timeString(t.startTime),
          TimeLoggingStopped: timeString(t.stopTime),
        });
      },
    ),
    PutEventSelectors: op(
      ['TrailName', 'EventSelectors', 'AdvancedEventSelectors'],
      (input) => resourceOf(input.TrailName),
      async (input) => {
        const trail = find(input.TrailName);
        const advanced = input.AdvancedEventSelectors;
        if (advanced !== undefined && advanced !== null) {
          if (input.EventSelectors !== undefined && input.EventSelectors !== null)
            throw badRequest(
              'InvalidParameterCombinationException',
              'You cannot use both EventSelectors and AdvancedEventSelectors in a PutEventSelectors request.',
            );
          throw badRequest(
            'UnsupportedOperationException',
            'Seawall supports basic event selectors (EventSelectors) only, not AdvancedEventSelectors.',
          );
        }
        const selectors = eventSelectorsOf(input.EventSelectors);
        trails.update(trail.name, { selectors, customSelectors: true }, deps.now());
        return { TrailARN: arnOf(trail.name), EventSelectors: selectors };
      },
    ),
    GetEventSelectors: op(
      ['TrailName'],
      (input) => resourceOf(input.TrailName),
      async (input) => {
        const trail = find(input.TrailName);
        return { TrailARN: arnOf(trail.name), EventSelectors: trail.selectors };
      },
    ),
    ListPublicKeys: op(
      ['StartTime', 'EndTime', 'NextToken'],
      () => ['*'],
      async (input) => {
        // The keys valid at some time in the range; with no start, the key valid now (as CloudTrail answers).
        const now = deps.now();
        const end = typeof input.EndTime === 'number' ? input.EndTime * 1000 : now;
        const start = typeof input.StartTime === 'number' ? input.StartTime * 1000 : now;
        if (start > end)
          throw badRequest(
            'InvalidTimeRangeException',
            'Start time must be earlier than or equal to end time.',
          );
        if (input.NextToken !== undefined && input.NextToken !== null)
          throw badRequest('InvalidTokenException', 'Invalid NextToken.');
        return {
          PublicKeyList: deps.keys
            .publicKeys(region)
            .filter((key) => key.created <= end && key.validUntil > start)
            .map((key) => ({
              Value: publicKeyValue(key.publicDer),
              ValidityStartTime: epochSeconds(key.created),
              ValidityEndTime: epochSeconds(key.validUntil),
              Fingerprint: key.fingerprint,
            })),
        };
      },
    ),
  };
}
