import { AppError, badRequest } from '../errors.js';
import { type ApiRequest, type ApiResponse, readSmallBody } from './http.js';

/** An awsJson1_1 operation: the parsed JSON input in, a JSON-serialisable output back. */
export type JsonOperation = (input: Record<string, unknown>, req: ApiRequest) => Promise<unknown>;

const MAX_JSON_BODY = 16 * 1024 * 1024;

/** A JSON object request body (awsJson and restJson APIs); anything else is `code` (400). */
export async function readJsonObject(
  req: ApiRequest,
  code: string,
  limit = MAX_JSON_BODY,
): Promise<Record<string, unknown>> {
  const text = (
    await readSmallBody(req.body, limit, () => badRequest(code, 'The request body is too large.'))
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
export function jsonService(targetPrefix: string, operations: Readonly<Record<string, JsonOperation>>) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const target = req.headers['x-amz-target'] ?? '';
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const name = target.slice(dot + 1);
    if (req.method !== 'POST' || prefix !== targetPrefix || !Object.hasOwn(operations, name)) {
      throw new AppError('UnknownOperationException', 400, `Unknown operation ${target.slice(0, 128)}`);
    }
    const operation = operations[name] as JsonOperation;
    const output = await operation(await readJsonObject(req, 'SerializationException'), req);
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(output ?? {}),
    };
  };
}

/** Input field readers that answer AWS's validation errors for wrong shapes. */
export function requiredString(
  input: Record<string, unknown>,
  name: string,
  code = 'InvalidInputException',
): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '')
    throw badRequest(code, `${name} is required and must be a non-empty string.`);
  return value;
}

export function optionalString(
  input: Record<string, unknown>,
  name: string,
  code = 'InvalidInputException',
): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(code, `${name} must be a string.`);
  return value;
}

export function optionalNumber(
  input: Record<string, unknown>,
  name: string,
  code = 'InvalidInputException',
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw badRequest(code, `${name} must be a number.`);
  return value;
}

export function optionalObject(
  input: Record<string, unknown>,
  name: string,
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
