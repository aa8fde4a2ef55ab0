import { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { ApiResponse } from '../lib/http.js';
import { uuid } from '../lib/ids.js';
import type { AuditExchange, OperationEvent, Principal } from '../lib/operation.js';

/**
 * CloudTrail's record of one call (the fields of its record contents, eventVersion 1.10), built from the
 * pipeline's event for the call and what the call read and answered. Secrets never reach a record: members that
 * hold them are replaced by CloudTrail's own placeholder, and bodies are never copied.
 */
export interface CloudTrailRecord {
  readonly eventVersion: string;
  readonly userIdentity: UserIdentity;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: Record<string, unknown> | null;
  readonly additionalEventData?: Record<string, unknown>;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly resources?: readonly TrailResource[];
  readonly eventType: 'AwsApiCall' | 'AwsConsoleSignIn';
  readonly managementEvent: boolean;
  readonly recipientAccountId: string;
  readonly eventCategory: 'Management' | 'Data';
}

export interface UserIdentity {
  readonly type: string;
  readonly invokedBy?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly sessionContext?: Record<string, unknown>;
}

export interface TrailResource {
  readonly ARN: string;
  readonly accountId?: string;
  readonly type: string;
}

/** CloudTrail's placeholder for a member it does not record. */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * Member names whose values are secrets wherever they appear: passwords, secret keys, session tokens, KMS
 * plaintext, SSE-C keys, private keys. Matched on the name with case and separators ignored.
 */
const SECRET_MEMBER =
  /(password|secret|plaintext|sessiontoken|privatekey|customerkey|customeralgorithmkey|^token$|signingkey|authorization)/;

function isSecretMember(name: string): boolean {
  return SECRET_MEMBER.test(name.toLowerCase().replace(/[-_]/g, ''));
}

/** Large inputs (a policy document, a query) are kept whole up to this many characters in all. */
const MAX_PARAMETER_CHARS = 100 * 1024;

/**
 * A decoded input or answer as CloudTrail shows it: plain values only (bodies, streams and buffers are never
 * copied), members in camelCase as CloudTrail writes them, secrets hidden. Returns null when nothing is left.
 */
export function auditValue(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (depth > 12 || Buffer.isBuffer(value) || value instanceof Readable || ArrayBuffer.isView(value))
    return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item) => auditValue(item, depth + 1)).filter((item) => item !== undefined);
    return items;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
    if (member === undefined || member === null) continue;
    const shown = isSecretMember(name) ? HIDDEN : auditValue(member, depth + 1);
    // Defined, not assigned: a member named `__proto__` stays a member.
    if (shown !== undefined)
      Object.defineProperty(out, camelCase(name), {
        value: shown,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}

function camelCase(name: string): string {
  return /^[A-Z][A-Za-z0-9]*$/.test(name) ? name[0]?.toLowerCase() + name.slice(1) : name;
}

/** An object of plain members, or null when there is none or it is too large to keep. */
function parameters(value: unknown): Record<string, unknown> | null {
  const shown = auditValue(value);
  if (shown === undefined || shown === null || typeof shown !== 'object' || Array.isArray(shown)) return null;
  if (Object.keys(shown).length === 0) return null;
  const text = JSON.stringify(shown);
  if (text.length > MAX_PARAMETER_CHARS) return { truncated: true, size: text.length };
  return shown as Record<string, unknown>;
}

/** The services whose calls Seawall serves, by signing name, as CloudTrail names their sources. */
export function eventSourceOf(service: string | undefined): string {
  return `${service ?? 'unknown'}.amazonaws.com`;
}

/** An S3 object ARN (`arn:aws:s3:::bucket/key`) as opposed to a bucket's. */
function isObjectArn(arn: string): boolean {
  return arn.startsWith('arn:aws:s3:::') && arn.indexOf('/') > 0;
}

/**
 * S3's object-level calls are data events, with the calls on a bucket's objects that name no one object
 * (listing them, deleting many at once): the only data events a trail's selectors can ask for
 * (`AWS::S3::Object`). Every other call is a management event, always recorded; SNS's Publish, a data event
 * in AWS only through advanced selectors (which Seawall refuses), is one of them rather than never recorded.
 */
const S3_BUCKET_DATA = new Set(['ListObjects', 'ListObjectsV2', 'ListObjectVersions', 'DeleteObjects']);

export function isDataEvent(event: Pick<OperationEvent, 'service' | 'operation' | 'resources'>): boolean {
  return (
    event.service === 's3' && (S3_BUCKET_DATA.has(event.operation ?? '') || event.resources.some(isObjectArn))
  );
}

/**
 * The resource a data event is about, as event selectors name it: `arn:aws:s3:::bucket/key`, or
 * `arn:aws:s3:::bucket/` for a call on a bucket's objects that names none.
 */
export function dataResourceOf(event: Pick<OperationEvent, 'resources'>): string | undefined {
  const object = event.resources.find(isObjectArn);
  if (object) return object;
  const bucket = event.resources.find((arn) => arn.startsWith('arn:aws:s3:::'));
  return bucket ? `${bucket}/` : event.resources[0];
}

function resourceType(arn: string): string | undefined {
  const parts = arn.split(':');
  const service = parts[2];
  const rest = parts.slice(5).join(':');
  const kind = rest.split(/[/:]/)[0] ?? '';
  switch (service) {
    case 's3':
      return rest.includes('/') ? 'AWS::S3::Object' : 'AWS::S3::Bucket';
    case 'kms':
      return kind === 'alias' ? 'AWS::KMS::Alias' : 'AWS::KMS::Key';
    case 'glue':
      return { catalog: 'AWS::Glue::Catalog', database: 'AWS::Glue::Database', table: 'AWS::Glue::Table' }[
        kind
      ];
    case 'iam':
      return {
        user: 'AWS::IAM::User',
        role: 'AWS::IAM::Role',
        group: 'AWS::IAM::Group',
        policy: 'AWS::IAM::Policy',
      }[kind];
    case 'athena':
      return kind === 'workgroup' ? 'AWS::Athena::WorkGroup' : undefined;
    case 'sns':
      return 'AWS::SNS::Topic';
    case 'databrew':
      return {
        dataset: 'AWS::DataBrew::Dataset',
        recipe: 'AWS::DataBrew::Recipe',
        job: 'AWS::DataBrew::Job',
      }[kind];
    case 'cloudtrail':
      return kind === 'trail' ? 'AWS::CloudTrail::Trail' : undefined;
    default:
      return undefined;
  }
}

/** The resources a record names: each ARN the call was authorized on, with its type where CloudTrail has one. */
function trailResources(arns: readonly string[], accountId: string): TrailResource[] {
  const out: TrailResource[] = [];
  const seen = new Set<string>();
  for (const arn of arns) {
    if (arn === '*' || seen.has(arn) || !arn.startsWith('arn:')) continue;
    seen.add(arn);
    const type = resourceType(arn);
    if (!type) continue;
    const owner = arn.split(':')[4] || (arn.startsWith('arn:aws:s3:::') ? accountId : undefined);
    out.push({ ARN: arn, ...(owner ? { accountId: owner } : {}), type });
  }
  return out;
}

function identityOf(principal: Principal | undefined, claimedKey: string | undefined): UserIdentity {
  if (!principal) return { type: 'Unknown', ...(claimedKey ? { accessKeyId: claimedKey } : {}) };
  if (principal.type === 'Anonymous') return { type: 'AWSAccount', principalId: '', accountId: 'anonymous' };
  const base = {
    principalId: principal.userId,
    arn: principal.arn,
    accountId: principal.accountId,
    ...(principal.accessKeyId ? { accessKeyId: principal.accessKeyId } : {}),
  };
  if (principal.type === 'AssumedRole') {
    // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    const role = principal.arn.split('/')[1] ?? '';
    return {
      type: 'AssumedRole',
      ...base,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: principal.userId.split(':')[0],
          arn: `arn:aws:iam::${principal.accountId}:role/${role}`,
          accountId: principal.accountId,
          userName: role,
        },
        attributes: { mfaAuthenticated: 'false' },
      },
    };
  }
  const temporary = principal.accessKeyId.startsWith('ASIA');
  return {
    type: principal.type,
    ...base,
    ...(principal.username ? { userName: principal.username } : {}),
    ...(temporary ? { sessionContext: { attributes: { mfaAuthenticated: 'false' } } } : {}),
  };
}

/** The user name LookupEvents files a record under: the IAM user's, a role session's name, or `root`. */
export function recordUsername(identity: UserIdentity): string | undefined {
  if (identity.type === 'Root') return 'root';
  if (identity.type === 'AssumedRole') return identity.arn?.split('/')[2];
  return identity.userName;
}

/** S3's request parameters as CloudTrail writes them: the bucket, the key, the host and the sub-resources. */
function s3Parameters(event: OperationEvent, exchange: AuditExchange): Record<string, unknown> | null {
  const arn = event.resources.find((r) => r.startsWith('arn:aws:s3:::'));
  const out: Record<string, unknown> = {};
  if (arn) {
    const path = arn.slice('arn:aws:s3:::'.length);
    const slash = path.indexOf('/');
    out.bucketName = slash < 0 ? path : path.slice(0, slash);
    if (slash >= 0) out.key = path.slice(slash + 1);
  }
  if (exchange.host) out.Host = exchange.host;
  for (const [name, value] of exchange.query) {
    // A query parameter never stands in for what the call was on (`?key=` on another object's GET).
    if (name.toLowerCase().startsWith('x-amz-') || Object.hasOwn(out, name)) continue;
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** The answer headers CloudTrail copies into an S3 call's responseElements. */
const S3_RESPONSE_HEADERS = [
  'x-amz-version-id',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-bucket-key-enabled',
  'x-amz-server-side-encryption-context',
  'x-amz-delete-marker',
  'x-amz-expiration',
];

function s3Response(response: ApiResponse | undefined): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const name of S3_RESPONSE_HEADERS) {
    const value = response?.headers?.[name];
    if (value !== undefined) out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** A JSON protocol's answer, for calls that change something (CloudTrail records no read's answer). */
function jsonResponse(response: ApiResponse | undefined): Record<string, unknown> | null {
  const body = response?.body;
  if (typeof body !== 'string' || body.length === 0 || body.length > MAX_PARAMETER_CHARS) return null;
  if (!/json/.test(String(response?.headers?.['content-type'] ?? ''))) return null;
  try {
    return parameters(JSON.parse(body));
  } catch {
    return null;
  }
}

/** S3's additional event data: how the call was signed and the bytes it carried. */
function s3Additional(exchange: AuditExchange): Record<string, unknown> {
  const headers = exchange.requestHeaders;
  const presigned = exchange.query.some(([name]) => name === 'X-Amz-Signature');
  const out: Record<string, unknown> = {
    SignatureVersion: 'SigV4',
    AuthenticationMethod: presigned ? 'QueryString' : 'AuthHeader',
    bytesTransferredIn:
      Number(headers['x-amz-decoded-content-length'] ?? headers['content-length'] ?? 0) || 0,
  };
  const out2 = Number(exchange.response?.headers?.['content-length'] ?? Number.NaN);
  const body = exchange.response?.body;
  out.bytesTransferredOut = Number.isFinite(out2)
    ? out2
    : typeof body === 'string' || Buffer.isBuffer(body)
      ? Buffer.byteLength(body)
      : 0;
  return out;
}

/** A call's error message, as its answer says it (only Seawall's own errors carry one to a record). */
export function errorMessageOf(error: unknown): string | undefined {
  if (error instanceof AppError) return error.message.slice(0, 1024);
  return error === undefined ? undefined : 'We encountered an internal error. Please try again.';
}

/** A caller's User-Agent as a record keeps it: at most 1024 characters. */
export function trailUserAgent(userAgent: string): string {
  return userAgent.slice(0, 1024);
}

/** CloudTrail's time format: seconds, UTC, `Z`. */
export function trailTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The record of one call. `accountId` is the installation's, for calls no principal could be found for. */
export function recordOf(
  event: OperationEvent,
  exchange: AuditExchange,
  defaults: { accountId: string; region: string },
  /** The service that made the call on the principal's behalf (`athena.amazonaws.com`), if one did. */
  invokedBy?: string,
): CloudTrailRecord {
  const s3 = event.service === 's3';
  const data = isDataEvent(event);
  const failed = event.errorCode !== undefined;
  const accountId =
    event.principal && event.principal.type !== 'Anonymous' ? event.principal.accountId : defaults.accountId;
  const resources = trailResources(event.resources, accountId);
  const errorMessage = failed ? errorMessageOf(exchange.error) : undefined;
  return {
    eventVersion: '1.10',
    userIdentity: {
      ...identityOf(event.principal, event.accessKeyId),
      ...(invokedBy ? { invokedBy } : {}),
    },
    eventTime: trailTime(event.time),
    eventSource: eventSourceOf(event.service),
    eventName: event.operation ?? 'Unknown',
    awsRegion: event.region ?? defaults.region,
    sourceIPAddress: event.sourceIp,
    userAgent: trailUserAgent(event.userAgent),
    ...(failed ? { errorCode: event.errorCode } : {}),
    ...(errorMessage ? { errorMessage } : {}),
    requestParameters: s3 ? s3Parameters(event, exchange) : parameters(exchange.input),
    responseElements:
      failed || (event.readOnly ?? true)
        ? null
        : s3
          ? s3Response(exchange.response)
          : jsonResponse(exchange.response),
    ...(s3 ? { additionalEventData: s3Additional(exchange) } : {}),
    requestID: event.requestId,
    eventID: uuid(),
    readOnly: event.readOnly ?? false,
    ...(resources.length > 0 ? { resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: !data,
    recipientAccountId: accountId,
    eventCategory: data ? 'Data' : 'Management',
  };
}
