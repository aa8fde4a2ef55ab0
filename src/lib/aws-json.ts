import { AppError, badRequest } from '../errors.js';
import { type ApiRequest, type ApiResponse, readSmallBody } from './http.js';

/** A request's input as an operation sees it: only the members it declared can be read. */
export type JsonInput<M extends string> = { readonly [K in M]?: unknown };

/**
 * A JSON-protocol operation: the top-level input members its handler honours, and the handler. A request
 * carrying any other member (other than null) is refused before the handler runs, never silently ignored.
 */
export interface JsonOperation<M extends string = string> {
  readonly members: readonly M[];
  handle(input: JsonInput<M>, req: ApiRequest): Promise<unknown>;
}

/** Declares an operation; its handler can read only the members it declares. */
export function jsonOperation<const M extends string>(
  members: readonly M[],
  handle: (input: JsonInput<M>, req: ApiRequest) => Promise<unknown>,
): JsonOperation<M> {
  return { members, handle };
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

/** Runs `operation` on `input` after refusing any member it does not declare. */
export async function runJsonOperation(
  name: string,
  operation: JsonOperation,
  input: Record<string, unknown>,
  req: ApiRequest,
  refuse: MemberRefusal,
): Promise<unknown> {
  const member = unexpectedMember(input, operation.members);
  if (member !== undefined) throw refuse(`The ${member.slice(0, 64)} member of ${name}`);
  return operation.handle(input, req);
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

/**
 * Dispatches awsJson1_1 requests (POST / with X-Amz-Target: Prefix.Operation) to their operations.
 */
export function jsonService(
  targetPrefix: string,
  operations: Readonly<Record<string, JsonOperation>>,
  refuse: MemberRefusal,
) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const target = req.headers['x-amz-target'] ?? '';
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const name = target.slice(dot + 1);
    if (req.method !== 'POST' || prefix !== targetPrefix || !Object.hasOwn(operations, name)) {
      throw new AppError('UnknownOperationException', 400, `Unknown operation ${target.slice(0, 128)}`);
    }
    const operation = operations[name] as JsonOperation;
    const input = await readJsonObject(req, 'SerializationException');
    const output = await runJsonOperation(name, operation, input, req, refuse);
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(output ?? {}),
    };
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
