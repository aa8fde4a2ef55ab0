import { AppError, badRequest } from '../errors.js';
import { type ApiRequest, readSmallBody } from './http.js';
import {
  type ConditionValues,
  type Operation,
  type OperationRequest,
  registerOperations,
  type ServiceEndpoint,
} from './operation.js';

/** A request's input as an operation sees it: only the members it declared can be read. */
export type JsonInput<M extends string> = { readonly [K in M]?: unknown };

/** The resources a JSON operation touches, from its input (ARNs; `['*']` where the action has none). */
export type JsonResources<M extends string> = (
  input: JsonInput<M>,
  req: OperationRequest,
) => readonly string[] | Promise<readonly string[]>;

/**
 * A JSON-protocol operation: the top-level input members its handler honours, the resources it touches, and
 * the handler. A request carrying any other member (other than null) is refused before the handler runs,
 * never silently ignored. Its IAM action is the service's prefix and its name unless `action` says otherwise.
 */
export interface JsonOperation<M extends string = string> {
  readonly members: readonly M[];
  readonly resources: JsonResources<M>;
  readonly conditions?: (input: JsonInput<M>, req: OperationRequest) => ConditionValues;
  /** Condition keys that cost a lookup, of one resource (see Operation.lookedUpConditions). */
  readonly lookedUpConditions?: (
    input: JsonInput<M>,
    req: OperationRequest,
    resource: string,
  ) => Promise<ConditionValues>;
  readonly action?: string;
  /** Set on the few operations the handler authorizes itself, for any caller (KMS's RetireGrant). */
  readonly anyPrincipal?: true;
  handle(input: JsonInput<M>, req: OperationRequest): Promise<unknown>;
}

/** Declares an operation; its handler can read only the members it declares. */
export function jsonOperation<const M extends string>(
  members: readonly M[],
  resources: JsonResources<NoInfer<M>>,
  handle: (input: JsonInput<M>, req: OperationRequest) => Promise<unknown>,
): JsonOperation<M> {
  return { members, resources, handle };
}

/** The error a service answers for a member it does not implement, in its own validation error. */
export type MemberRefusal = (where: string) => AppError;

export function memberRefusal(code: string): MemberRefusal {
  return (where) => badRequest(code, `${where} is not implemented by Seawall.`);
}

/** The first member of `input` (set, not null) that is not in `understood`, if any. */
export function unexpectedMember(
  input: Record<string, unknown>,
  understood: readonly string[],
): string | undefined {
  return Object.keys(input).find((name) => input[name] !== null && !understood.includes(name));
}

/** Refuses any member of `input` that `members` does not declare; returns the input. */
export function checkMembers(
  name: string,
  members: readonly string[],
  input: Record<string, unknown>,
  refuse: MemberRefusal,
): Record<string, unknown> {
  const member = unexpectedMember(input, members);
  if (member !== undefined) throw refuse(`The ${member.slice(0, 64)} member of ${name}`);
  return input;
}

const MAX_JSON_BODY = 16 * 1024 * 1024;

/** A JSON object request body (awsJson and restJson APIs); anything else is `code` (400). */
export async function readJsonObject(
  req: ApiRequest,
  code: string,
  limit = MAX_JSON_BODY,
): Promise<Record<string, unknown>> {
  const text = (
    await readSmallBody(
      req.body,
      limit,
      () => badRequest(code, 'The request body is too large.'),
      req.reserve,
    )
  ).toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest(code, 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(code, 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: each operation's members are its own.
type AnyJsonOperation = JsonOperation<any>;

/** A group of JSON operations, by name, as one domain declares them. */
export type JsonOperations = Readonly<Record<string, AnyJsonOperation>>;

/** Turns a service's JSON operations into registry operations whose input is the decoded document. */
export function registryOperations(
  service: string,
  iamPrefix: string,
  operations: Readonly<Record<string, AnyJsonOperation>>,
  refuse: MemberRefusal,
  encode: (output: unknown) => { status: number; headers: Record<string, string>; body: string },
): Operation<Record<string, unknown>, Record<string, unknown>>[] {
  return Object.entries(operations).map(([name, op]) => ({
    service,
    name,
    action: op.action ?? `${iamPrefix}:${name}`,
    decode: (raw) => checkMembers(name, op.members, raw, refuse),
    resources: (input, req) => op.resources(input, req),
    ...(op.conditions ? { conditions: (input, req) => op.conditions?.(input, req) ?? {} } : {}),
    ...(op.lookedUpConditions ? { lookedUpConditions: op.lookedUpConditions } : {}),
    ...(op.anyPrincipal ? { anyPrincipal: true as const } : {}),
    handle: async (input, req) => encode(await op.handle(input, req)),
  }));
}

/**
 * An awsJson1_1 service (POST / with X-Amz-Target: Prefix.Operation): the target names the operation, whose
 * input is the JSON document in the body.
 */
export function jsonService(options: {
  service: string;
  iamPrefix: string;
  /** The X-Amz-Target prefix, or each of them where SDKs send different ones (CloudTrail's). */
  targetPrefix: string | readonly string[];
  /** The operations, in groups (one per domain that serves this signing name); names must not repeat. */
  operations:
    | Readonly<Record<string, AnyJsonOperation>>
    | readonly Readonly<Record<string, AnyJsonOperation>>[];
  refuse: MemberRefusal;
  /** The largest request body the service reads (16 MiB unless a service says less). */
  maxBodyBytes?: number;
}): ServiceEndpoint {
  const groups = Array.isArray(options.operations) ? options.operations : [options.operations];
  const encode = (output: unknown) => ({
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(output ?? {}),
  });
  const table = registerOperations(
    options.service,
    groups.flatMap((group) =>
      registryOperations(options.service, options.iamPrefix, group, options.refuse, encode),
    ),
  );
  const byName = new Map(table.map((op) => [op.name, op]));
  const prefixes: readonly string[] =
    typeof options.targetPrefix === 'string' ? [options.targetPrefix] : options.targetPrefix;
  return {
    protocol: 'awsJson',
    operations: table,
    async resolve(req) {
      const target = req.headers['x-amz-target'] ?? '';
      const dot = target.lastIndexOf('.');
      const operation = byName.get(target.slice(dot + 1));
      if (req.method !== 'POST' || !prefixes.includes(target.slice(0, dot)) || !operation) {
        throw new AppError('UnknownOperationException', 400, `Unknown operation ${target.slice(0, 128)}`);
      }
      return {
        operation,
        raw: await readJsonObject(req, 'SerializationException', options.maxBodyBytes ?? MAX_JSON_BODY),
      };
    },
  };
}

/** Input field readers that answer AWS's validation errors for wrong shapes. */
export function requiredString<M extends string>(
  input: JsonInput<M>,
  name: NoInfer<M>,
  code = 'InvalidInputException',
): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '')
    throw badRequest(code, `${name} is required and must be a non-empty string.`);
  return value;
}

export function optionalString<M extends string>(
  input: JsonInput<M>,
  name: NoInfer<M>,
  code = 'InvalidInputException',
): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(code, `${name} must be a string.`);
  return value;
}

export function optionalNumber<M extends string>(
  input: JsonInput<M>,
  name: NoInfer<M>,
  code = 'InvalidInputException',
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw badRequest(code, `${name} must be a number.`);
  return value;
}

export function optionalObject<M extends string>(
  input: JsonInput<M>,
  name: NoInfer<M>,
  code = 'InvalidInputException',
): Record<string, unknown> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(code, `${name} must be an object.`);
  return value as Record<string, unknown>;
}

/** awsJson timestamps are epoch seconds. */
export function epochSeconds(millis: number): number {
  return millis / 1000;
}
