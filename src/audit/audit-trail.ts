import { isAppError } from '../errors.js';
import type { SignInRequest, SignInResult } from '../iam/index.js';
import { requestId, uuid } from '../lib/ids.js';
import type {
  AuditExchange,
  AuditSink,
  Authorizer,
  AuthzCheck,
  OperationEvent,
  Principal,
  RequestFacts,
} from '../lib/operation.js';
import type { ConfirmSubscription } from '../notify/index.js';
import {
  type CloudTrailRecord,
  dataResourceOf,
  errorMessageOf,
  HIDDEN,
  isDataEvent,
  recordOf,
  trailTime,
  trailUserAgent,
} from './audit-record.js';
import type { AuditStore } from './audit-store.js';

/** Which data events some trail wants recorded (event selectors); management events are always recorded. */
export interface DataEventSelection {
  wants(resource: string, readOnly: boolean, eventSource: string): boolean;
}

/**
 * The pipeline's audit sink: builds each call's CloudTrail record and stores it durably before the answer
 * is sent. Management events are always recorded; a data event only when a trail's selectors ask for it.
 */
export function createAuditSink(deps: {
  store: AuditStore;
  accountId: string;
  region: string;
  selection: () => DataEventSelection;
}): AuditSink {
  const defaults = { accountId: deps.accountId, region: deps.region };
  const wanted = (event: OperationEvent): boolean => {
    if (!isDataEvent(event)) return true;
    const resource = dataResourceOf(event);
    return (
      resource !== undefined &&
      deps.selection().wants(resource, event.readOnly ?? false, `${event.service}.amazonaws.com`)
    );
  };
  return {
    async begin(event: OperationEvent, exchange: AuditExchange) {
      if (!wanted(event)) return undefined;
      return deps.store.beginSoon(recordOf(event, exchange, defaults));
    },
    async record(event: OperationEvent, exchange: AuditExchange, begun: number | undefined) {
      if (begun === undefined && !wanted(event)) return;
      await deps.store.appendSoon(recordOf(event, exchange, defaults), begun);
    },
  };
}

/**
 * An authorizer for a service that reads the catalog on its callers' behalf (Athena): each glue:GetTable
 * check it makes, allowed or denied, is recorded as the GetTable call AWS records when Athena reads a table's
 * definition, invoked by the service for the caller, so the trail names every table each query read. A query
 * checks a table more than once (planning, then access); its checks share one facts object, by which the
 * repeats are recorded once.
 */
export function recordingTableReads(
  authorizer: Authorizer,
  deps: { store: AuditStore; accountId: string; region: string; invokedBy: string },
): Authorizer {
  const defaults = { accountId: deps.accountId, region: deps.region };
  const seen = new WeakMap<RequestFacts, Set<string>>();
  const record = async (principal: Principal, check: AuthzCheck, facts: RequestFacts, error?: unknown) => {
    const table = check.resources[check.resources.length - 1] ?? '';
    const noted = seen.get(facts) ?? new Set<string>();
    seen.set(facts, noted);
    if (noted.has(table) && error === undefined) return;
    noted.add(table);
    // arn:aws:glue:REGION:ACCOUNT:table/DATABASE/TABLE
    const [, database, name] = table.split(':').slice(5).join(':').split('/');
    const errorCode = error === undefined ? undefined : isAppError(error) ? error.code : 'InternalError';
    const event: OperationEvent = {
      requestId: requestId(),
      time: new Date(),
      service: 'glue',
      region: deps.region,
      operation: 'GetTable',
      action: check.action,
      readOnly: true,
      resources: [table],
      principal,
      sourceIp: deps.invokedBy,
      userAgent: deps.invokedBy,
      outcome: errorCode === undefined ? 'success' : 'denied',
      status: errorCode === undefined ? 200 : 400,
      ...(errorCode ? { errorCode } : {}),
      durationMs: 0,
    };
    const exchange: AuditExchange = {
      input: { CatalogId: principal.accountId, DatabaseName: database, Name: name },
      query: [],
      host: '',
      requestHeaders: {},
      ...(error !== undefined ? { error } : {}),
    };
    await deps.store.appendSoon(recordOf(event, exchange, defaults, deps.invokedBy));
  };
  return {
    async authorize(principal, check, facts) {
      if (check.action !== 'glue:GetTable') return authorizer.authorize(principal, check, facts);
      try {
        await authorizer.authorize(principal, check, facts);
      } catch (error) {
        await record(principal, check, facts, error);
        throw error;
      }
      await record(principal, check, facts);
    },
  };
}

/**
 * Console sign-in with each attempt recorded as CloudTrail's ConsoleLogin event (signin.amazonaws.com), before
 * it is answered. A failed attempt's user name is hidden, as CloudTrail hides it: people type passwords there.
 * A sign-in can change a password (one that must be reset), so it leaves a pending row before it runs, as a
 * changing call does: a process killed in it still leaves a record. One that fails with an error (a new
 * password the policy refuses) is recorded with that error.
 */
export function recordingSignIn(
  signIn: (request: SignInRequest) => Promise<SignInResult>,
  deps: { store: AuditStore; accountId: string; region: string; now: () => Date },
): (request: SignInRequest) => Promise<SignInResult> {
  return async (request) => {
    const time = trailTime(deps.now());
    const ids = { requestID: requestId(), eventID: uuid() };
    const recordOfAttempt = (outcome: { result: SignInResult } | { error: unknown } | undefined) => {
      const result = outcome && 'result' in outcome ? outcome.result : undefined;
      const error = outcome && 'error' in outcome ? outcome.error : undefined;
      const signedIn = result?.outcome === 'signedIn' ? result : undefined;
      const record: CloudTrailRecord = {
        eventVersion: '1.10',
        userIdentity: signedIn
          ? { type: 'IAMUser', arn: signedIn.arn, accountId: signedIn.accountId, userName: signedIn.userName }
          : { type: 'IAMUser', principalId: '', accountId: deps.accountId, userName: HIDDEN },
        eventTime: time,
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        awsRegion: deps.region,
        sourceIPAddress: request.sourceIp,
        userAgent: trailUserAgent(request.userAgent ?? ''),
        ...(error !== undefined
          ? errorFields(error)
          : signedIn || !outcome
            ? {}
            : { errorMessage: 'Failed authentication' }),
        requestParameters: null,
        responseElements: outcome ? { ConsoleLogin: signedIn ? 'Success' : 'Failure' } : null,
        additionalEventData: {
          MobileVersion: 'No',
          MFAUsed: 'No',
          ...(result?.outcome === 'passwordResetRequired' ? { PasswordResetRequired: 'Yes' } : {}),
        },
        ...ids,
        readOnly: false,
        eventType: 'AwsConsoleSignIn',
        managementEvent: true,
        recipientAccountId: deps.accountId,
        eventCategory: 'Management',
      };
      return record;
    };
    return recordedCall(deps.store, () => signIn(request), recordOfAttempt);
  };
}

/**
 * Runs a call Seawall serves outside the request pipeline as the pipeline runs a changing one: a pending row
 * before it runs, then its record, made from its result or its error, stored before it is answered.
 */
async function recordedCall<T>(
  store: AuditStore,
  run: () => Promise<T>,
  recordOf: (outcome: { result: T } | { error: unknown } | undefined) => CloudTrailRecord,
): Promise<T> {
  const begun = await store.beginSoon(recordOf(undefined));
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await store.appendSoon(recordOf({ error }), begun);
    throw error;
  }
  await store.appendSoon(recordOf({ result }), begun);
  return result;
}

/** The errorCode and errorMessage of a call that failed. */
function errorFields(error: unknown): Pick<CloudTrailRecord, 'errorCode' | 'errorMessage'> {
  const errorMessage = errorMessageOf(error);
  return {
    errorCode: isAppError(error) ? error.code : 'InternalError',
    ...(errorMessage ? { errorMessage } : {}),
  };
}

/**
 * SNS subscription confirmations through a SubscribeURL, recorded as CloudTrail records ConfirmSubscription: an
 * unsigned call (the token, sent only to the endpoint, is the proof, and is hidden in the record).
 */
export function recordingConfirmations(
  confirm: ConfirmSubscription,
  deps: { store: AuditStore; accountId: string; region: string; now: () => Date },
): ConfirmSubscription {
  return (confirmation) => {
    const time = trailTime(deps.now());
    const eventID = uuid();
    const recordOfConfirmation = (outcome: { result: string } | { error: unknown } | undefined) => {
      const record: CloudTrailRecord = {
        eventVersion: '1.10',
        userIdentity: { type: 'AWSAccount', principalId: '', accountId: 'anonymous' },
        eventTime: time,
        eventSource: 'sns.amazonaws.com',
        eventName: 'ConfirmSubscription',
        awsRegion: deps.region,
        sourceIPAddress: confirmation.sourceIp,
        userAgent: trailUserAgent(confirmation.userAgent),
        ...(outcome && 'error' in outcome ? errorFields(outcome.error) : {}),
        requestParameters: {
          // An ARN is at most 256 characters: anything longer is not one, and is not kept whole.
          topicArn: confirmation.topicArn?.slice(0, 256) ?? null,
          token: confirmation.token === null ? null : HIDDEN,
        },
        responseElements: outcome && 'result' in outcome ? { subscriptionArn: outcome.result } : null,
        requestID: confirmation.requestId,
        eventID,
        readOnly: false,
        // The topic is named as a resource only once the confirmation proved it (an anonymous caller could name any).
        ...(outcome && 'result' in outcome && confirmation.topicArn
          ? {
              resources: [{ accountId: deps.accountId, type: 'AWS::SNS::Topic', ARN: confirmation.topicArn }],
            }
          : {}),
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: deps.accountId,
        eventCategory: 'Management',
      };
      return record;
    };
    return recordedCall(deps.store, () => confirm(confirmation), recordOfConfirmation);
  };
}
