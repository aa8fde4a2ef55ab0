import type { ApiRequest, ApiResponse, QueryParams } from './http.js';

/**
 * The operation registry's vocabulary (DESIGN.md, decision 8). Every operation of every service is declared
 * once with its IAM action, the resources it touches and the condition keys it supplies; the server's one
 * pipeline resolves a request to its operation, decodes it, authorizes it, handles it and emits one event.
 * Domains declare operations with these types; the pipeline in server/ runs them.
 */

/** Condition keys an operation supplies (`s3:prefix`, `aws:RequestTag/team`…); a list is a multivalued key. */
export type ConditionValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One question for the authorizer: may the caller do `action` on each of `resources`? */
export interface AuthzCheck {
  /** An IAM action, `service:Name` (`s3:PutObject`). */
  readonly action: string;
  /** Resource ARNs; `['*']` for actions that name no resource (ListBuckets, StartQueryExecution's data). */
  readonly resources: readonly string[];
  readonly conditions?: ConditionValues;
  /**
   * Condition keys that cost a lookup (an object's existing tags, a KMS key's aliases), of one of the check's
   * resources: read only if a policy is evaluated at all, never for a root caller that no resource policy
   * constrains.
   */
  readonly lookedUpConditions?: (resource: string) => Promise<ConditionValues>;
}

/** Who a verified request comes from, as policies see it. */
export interface Principal {
  readonly accountId: string;
  /** The caller's ARN: `…:root`, `…:user/name`, `arn:aws:sts::…:assumed-role/role/session`. */
  readonly arn: string;
  readonly accessKeyId: string;
  /** `Anonymous`: an unsigned request (S3 only), judged by resource policies alone. */
  readonly type: 'Root' | 'IAMUser' | 'AssumedRole' | 'Anonymous';
  /** AWS's unique id: the account id for root, AIDA… for a user, `AROA…:session` for a role session. */
  readonly userId: string;
  /** The user's name (aws:username); absent for roots and role sessions. */
  readonly username?: string;
  /**
   * The AWS service (`s3.amazonaws.com`) a role session acts for, when Seawall itself made the session for that
   * service's work (ServiceRoles.serviceSession); never for a session a caller assumed.
   */
  readonly service?: string;
}

/** The facts of a request that policies may test, besides the principal (aws:SourceIp, aws:CurrentTime…). */
export interface RequestFacts {
  readonly sourceIp: string;
  readonly secureTransport: boolean;
  readonly time: Date;
  readonly userAgent: string;
}

/** Decides checks for a principal; throws the protocol's AccessDenied with AWS's message when denied. */
export interface Authorizer {
  authorize(principal: Principal, check: AuthzCheck, facts: RequestFacts): Promise<void>;
}

/** A request the pipeline has resolved to its operation: handlers can ask for further checks. */
export interface OperationRequest extends ApiRequest {
  /** What policies may test of the request besides its principal, for work done later on its behalf. */
  readonly facts: RequestFacts;
  /**
   * Authorizes checks beyond the operation's own (CopyObject's source, the tables a query reads), with the
   * same principal and request context; throws the protocol's AccessDenied.
   */
  readonly authorize: (check: AuthzCheck) => Promise<void>;
}

/**
 * One operation, declared once: the service (signing name) that serves it, AWS's name for it, its IAM action,
 * how its input is decoded from what the protocol resolved (`R`), what it must be authorized for, and its
 * handler. An operation cannot be declared without its action and resources.
 */
export interface Operation<R = unknown, I = unknown> {
  readonly service: string;
  readonly name: string;
  readonly action: string;
  /**
   * Set where the request decides the action (GetObject with a versionId is s3:GetObjectVersion); the
   * declared `action` otherwise.
   */
  readonly actionFor?: (input: I, req: OperationRequest) => string;
  /** Decodes and validates the input (the operation's input schema); refuses what it does not understand. */
  readonly decode: (raw: R, req: OperationRequest) => I | Promise<I>;
  /** The resources the operation touches and the condition keys it supplies, from its input and context. */
  readonly resources: (input: I, req: OperationRequest) => readonly string[] | Promise<readonly string[]>;
  /**
   * Set when the handler authorizes each item itself and answers per-item errors (DeleteObjects' keys); the
   * pipeline then checks only the resources above, if any.
   */
  readonly itemized?: true;
  /**
   * Set on operations whose caller signs a form in the body rather than the request (S3's POST Object): the
   * pipeline reads the form's fields, verifies its policy's signature and takes its signer as the principal
   * (anonymous for a form without a policy) before decoding.
   */
  readonly form?: true;
  /**
   * Set on the few operations any caller may use without a policy: any authenticated one
   * (sts:GetCallerIdentity), or anyone at all where AWS asks no one (S3's CORS preflight).
   */
  readonly anyPrincipal?: true;
  readonly conditions?: (input: I, req: OperationRequest) => ConditionValues;
  /**
   * Runs when the caller is denied the operation's own check, before the denial is answered: it may throw
   * another answer (S3 answers a read of a key that is not there with 404 to a caller who may list the bucket,
   * whether or not it may read the key); returning lets the denial stand.
   */
  readonly denied?: (input: I, req: OperationRequest) => Promise<void>;
  /** Condition keys that cost a lookup, of one resource, read only when a policy is evaluated (see AuthzCheck). */
  readonly lookedUpConditions?: (
    input: I,
    req: OperationRequest,
    resource: string,
  ) => Promise<ConditionValues>;
  readonly handle: (input: I, req: OperationRequest) => Promise<ApiResponse>;
}

/** Any operation, whatever its input type (the pipeline only passes the decoded input back to it). */
// biome-ignore lint/suspicious/noExplicitAny: an operation's input type is its own; the registry holds all kinds.
export type AnyOperation = Operation<any, any>;

/** What a service's router made of a request: the operation it names and the protocol's raw input. */
export interface Resolved {
  readonly operation: AnyOperation;
  readonly raw: unknown;
}

/**
 * The AWS wire protocols, which decide how requests are read and errors look. `awsJson1_0` is the JSON
 * protocol of services that also answer awsQuery (CloudWatch, awsQueryCompatible): its errors carry the query
 * protocol's code too.
 */
export type Protocol = 'restXml' | 'awsJson' | 'awsJson1_0' | 'restJson' | 'awsQuery';

/**
 * A service as the server sees it: its protocol, every operation it declares (the registry walks them), and
 * its router, which names the operation a request asks for (reading the body only where the protocol puts
 * the operation's name there, as awsQuery does).
 */
export interface ServiceEndpoint {
  readonly protocol: Protocol;
  readonly operations: readonly AnyOperation[];
  resolve(req: OperationRequest): Promise<Resolved>;
  /** The protocol of one request, for services that answer two (CloudWatch: awsJson1_0 and awsQuery). */
  protocolOf?(head: Pick<RequestHead, 'headers'>): Protocol;
  /**
   * Headers the answer to a request carries whatever its outcome, from its line and headers alone, asked
   * before it is authenticated: S3's CORS headers for an Origin a bucket's rules allow.
   */
  crossOriginHeaders?(req: RequestHead): Promise<Readonly<Record<string, string>>>;
}

/** What the server knows of a request before authenticating it: its line and headers. */
export type RequestHead = Pick<ApiRequest, 'method' | 'rawPath' | 'query' | 'headers' | 'host'>;

/** IAM action names: a service prefix and an operation name (`s3:PutObject`, `glue:GetTable`). */
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/**
 * Checks a service's operations as the registry requires (an action of the right form, a resources function,
 * a handler; names unique) and returns them unchanged; a bad declaration fails the server at start-up.
 */
export function registerOperations<T extends AnyOperation>(
  service: string,
  operations: readonly T[],
): readonly T[] {
  const names = new Set<string>();
  for (const op of operations) {
    if (op.service !== service) throw new Error(`${op.name} is declared for ${op.service}, not ${service}`);
    if (!ACTION.test(op.action)) throw new Error(`${service}:${op.name} has no valid IAM action`);
    if (typeof op.resources !== 'function' || typeof op.handle !== 'function')
      throw new Error(`${service}:${op.name} must declare its resources and handler`);
    if (names.has(op.name)) throw new Error(`${service}:${op.name} is declared twice`);
    names.add(op.name);
  }
  return operations;
}

/**
 * Operations that change nothing (CloudTrail's readOnly): those whose names say so, and KMS's cryptographic
 * operations, which CloudTrail counts as reads (they use a key without changing it).
 */
export function isReadOnly(operation: Pick<AnyOperation, 'name' | 'service'>): boolean {
  if (operation.service === 'kms' && KMS_READS.test(operation.name)) return true;
  return /^(Get|List|Describe|Head|BatchGet|Search|Simulate|Options|Lookup)/.test(operation.name);
}

const KMS_READS =
  /^(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|GenerateRandom|GenerateMac|VerifyMac|Sign|Verify)/;

export { isDenial } from './denials.js';

/** What the pipeline reports of every request it routed, once, when the response is sent or abandoned. */
export interface OperationEvent {
  readonly requestId: string;
  readonly time: Date;
  /** The signing name; absent when the request could not be authenticated far enough to say. */
  readonly service?: string;
  /** The region the request was signed for. */
  readonly region?: string;
  readonly operation?: string;
  readonly action?: string;
  readonly readOnly?: boolean;
  readonly resources: readonly string[];
  readonly principal?: Principal;
  /** The access key a request that could not be authenticated claimed to be signed with. */
  readonly accessKeyId?: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** `denied`: refused by authentication or authorization; `failed`: any other error. */
  readonly outcome: 'success' | 'denied' | 'failed';
  readonly status: number;
  readonly errorCode?: string;
  readonly durationMs: number;
  /** Request body bytes, as the request declared them (decoded, for aws-chunked uploads). */
  readonly bytesIn?: number;
  /** Response body bytes sent. */
  readonly bytesOut?: number;
  /** When the answer's first byte was ready, in ms after the request began (S3's FirstByteLatency). */
  readonly firstByteMs?: number;
}

/** What the pipeline saw of a call besides its event: the decoded input and the answer about to be sent. */
export interface AuditExchange {
  readonly input?: unknown;
  readonly query: QueryParams;
  readonly host: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly response?: ApiResponse;
  readonly error?: unknown;
}

/**
 * The audit trail as the pipeline sees it. `begin` is told of a call that may change something before its
 * handler runs, and settles once that is durable; `record` of every routed call before its answer is sent, and
 * settles only once the record is durable (it rejects if it cannot be made so, and the call is then answered
 * with an error).
 */
export interface AuditSink {
  begin(event: OperationEvent, exchange: AuditExchange): Promise<number | undefined>;
  record(event: OperationEvent, exchange: AuditExchange, begun: number | undefined): Promise<void>;
}

/** Authorizes one check for a principal already known (a request's, or a job's role session). */
export type Authorize = (check: AuthzCheck) => Promise<void>;

/** Sessions of roles that users hand to services (a crawler's Role, a recipe job's RoleArn). */
export interface ServiceRoles {
  /** The ARN of the role a name or ARN names, with its path: what iam:PassRole is checked on. */
  resolveRoleArn(accountId: string, role: string): Promise<string>;
  /**
   * A session of `role` (a name or an ARN) for `service` (`glue.amazonaws.com`); refused with AccessDenied
   * when the role does not exist or does not trust the service.
   */
  serviceSession(
    accountId: string,
    role: string,
    service: string,
    sessionName: string,
    durationSeconds: number,
  ): Promise<Principal>;
}

/** What a service does with a role it was passed: each check is authorized as the role's session. */
export async function actAsRole(
  deps: { authorizer: Authorizer; roles: ServiceRoles },
  accountId: string,
  role: string,
  service: string,
  sessionName: string,
  durationSeconds: number,
): Promise<Authorize> {
  const principal = await deps.roles.serviceSession(accountId, role, service, sessionName, durationSeconds);
  const facts: RequestFacts = {
    sourceIp: service,
    secureTransport: true,
    time: new Date(),
    userAgent: service,
  };
  return (check) => deps.authorizer.authorize(principal, check, { ...facts, time: new Date() });
}

/** A role named by name or ARN, as an ARN in `accountId`. */
export function roleArnOf(accountId: string, role: string): string {
  return role.startsWith('arn:') ? role : `arn:aws:iam::${accountId}:role/${role}`;
}

/**
 * The iam:PassRole check a caller must pass to hand `role` to `service` (CreateCrawler's Role, a recipe job's
 * RoleArn), as AWS makes it.
 */
export async function passRole(
  req: OperationRequest,
  roles: Pick<ServiceRoles, 'resolveRoleArn'>,
  role: string,
  service: string,
): Promise<void> {
  // The role's real ARN (with its path), so a policy scoped by path cannot be passed by a bare name.
  const arn = await roles.resolveRoleArn(req.principal.accountId, role);
  await req.authorize({
    action: 'iam:PassRole',
    resources: [arn],
    conditions: { 'iam:PassedToService': service },
  });
}
