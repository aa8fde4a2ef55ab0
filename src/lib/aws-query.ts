import { AppError, badRequest } from '../errors.js';
import { readJsonObject } from './aws-json.js';
import { type ApiRequest, type ApiResponse, readSmallBody } from './http.js';
import type { AnyOperation, Operation, OperationRequest, Resolved } from './operation.js';
import { escapeXml } from './xml.js';

/**
 * The awsQuery protocol (IAM, STS): `Action=…&Version=…` form parameters in, XML out. Inputs are decoded
 * against each operation's declared shape, so only the members it declares can be set, lists are bounded and
 * nesting is only as deep as the shape: `A.member.1.member.1…` a hundred levels down is an unknown parameter,
 * not a hundred allocations.
 */

/** What a request body may be; IAM's largest inputs (policy documents, simulations) are far smaller. */
export const MAX_QUERY_BODY = 1024 * 1024;
const MAX_PARAMS = 2000;
const MAX_KEY_LENGTH = 512;
const MAX_LIST_INDEX = 1000;

export interface StringShape {
  readonly kind: 'string';
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Matched against the whole value; `patternText` is what the error message quotes (AWS's own pattern). */
  readonly pattern?: RegExp;
  readonly patternText?: string;
  readonly values?: readonly string[];
  /** Never echoed in a validation message (passwords). */
  readonly sensitive?: boolean;
}
export interface IntegerShape {
  readonly kind: 'integer';
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
}
export interface BooleanShape {
  readonly kind: 'boolean';
  readonly required?: boolean;
}
/** A double: a decimal or exponent form in a query, a JSON number; never NaN or an infinity. */
export interface DoubleShape {
  readonly kind: 'double';
  readonly required?: boolean;
}
/** A time: ISO 8601 in a query, epoch seconds in JSON. */
export interface TimestampShape {
  readonly kind: 'timestamp';
  readonly required?: boolean;
}
export interface ListShape<M extends Shape = Shape> {
  readonly kind: 'list';
  readonly member: M;
  readonly required?: boolean;
  readonly max?: number;
  /** The name each item is sent under: `member`, or `entry` for a map's key/value pairs (SNS's Attributes). */
  readonly itemName?: 'member' | 'entry';
}
export interface StructShape<F extends Fields = Fields> {
  readonly kind: 'struct';
  readonly fields: F;
  readonly required?: boolean;
}
export type Shape =
  | StringShape
  | IntegerShape
  | BooleanShape
  | DoubleShape
  | TimestampShape
  | ListShape
  | StructShape;
export type Fields = Readonly<Record<string, Shape>>;

type Required<F extends Fields> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];
export type Infer<S> = S extends StringShape
  ? string
  : S extends IntegerShape
    ? number
    : S extends BooleanShape
      ? boolean
      : S extends DoubleShape
        ? number
        : S extends TimestampShape
          ? Date
          : S extends ListShape<infer M>
            ? Infer<M>[]
            : S extends StructShape<infer F>
              ? InferFields<F>
              : never;
export type InferFields<F extends Fields> = { [K in Required<F>]: Infer<F[K]> } & {
  [K in Exclude<keyof F, Required<F>>]?: Infer<F[K]>;
};

/** Shape builders. `required` is a literal so the decoded input's type knows which members are present. */
export const q = {
  string: <const O extends Omit<StringShape, 'kind'> = object>(options?: O) =>
    ({ kind: 'string', ...options }) as { kind: 'string' } & O,
  integer: <const O extends Omit<IntegerShape, 'kind'> = object>(options?: O) =>
    ({ kind: 'integer', ...options }) as { kind: 'integer' } & O,
  boolean: <const O extends Omit<BooleanShape, 'kind'> = object>(options?: O) =>
    ({ kind: 'boolean', ...options }) as { kind: 'boolean' } & O,
  double: <const O extends Omit<DoubleShape, 'kind'> = object>(options?: O) =>
    ({ kind: 'double', ...options }) as { kind: 'double' } & O,
  timestamp: <const O extends Omit<TimestampShape, 'kind'> = object>(options?: O) =>
    ({ kind: 'timestamp', ...options }) as { kind: 'timestamp' } & O,
  list: <M extends Shape, const O extends Omit<ListShape, 'kind' | 'member'> = object>(
    member: M,
    options?: O,
  ) => ({ kind: 'list', member, ...options }) as { kind: 'list'; member: M } & O,
  struct: <F extends Fields, const O extends Omit<StructShape, 'kind' | 'fields'> = object>(
    fields: F,
    options?: O,
  ) => ({ kind: 'struct', fields, ...options }) as { kind: 'struct'; fields: F } & O,
};

export const validationError = (message: string): AppError => badRequest('ValidationError', message);

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw badRequest('MalformedQueryString', 'The request contains a malformed percent-encoding.');
  }
}

/** Parses `application/x-www-form-urlencoded` text; a parameter given twice is refused, not overwritten. */
export function parseForm(text: string): Map<string, string> {
  const params = new Map<string, string>();
  if (text === '') return params;
  for (const part of text.split('&')) {
    if (part === '') continue;
    if (params.size >= MAX_PARAMS)
      throw validationError(`The request has more than ${MAX_PARAMS} parameters.`);
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    addParam(params, key, value);
  }
  return params;
}

function addParam(params: Map<string, string>, key: string, value: string): void {
  if (key.length > MAX_KEY_LENGTH) throw validationError('A parameter name is too long.');
  if (params.has(key)) throw validationError(`The parameter ${key.slice(0, 128)} is given more than once.`);
  params.set(key, value);
}

/** A query request's parameters: the form body of a POST, or the query string of a GET. */
export async function readQueryParams(req: ApiRequest): Promise<Map<string, string>> {
  if (req.method === 'GET') {
    const params = new Map<string, string>();
    for (const [key, value] of req.query) {
      if (key.startsWith('X-Amz-')) continue;
      if (params.size >= MAX_PARAMS)
        throw validationError(`The request has more than ${MAX_PARAMS} parameters.`);
      addParam(params, key, value);
    }
    return params;
  }
  if (req.method !== 'POST') throw badRequest('InvalidAction', 'awsQuery requests are GET or POST.');
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw badRequest('InvalidAction', 'The request body must be application/x-www-form-urlencoded.');
  const body = await readSmallBody(
    req.body,
    MAX_QUERY_BODY,
    () =>
      new AppError('RequestEntityTooLarge', 413, `The request body is larger than ${MAX_QUERY_BODY} bytes.`),
    req.reserve,
  );
  return parseForm(body.toString('utf8'));
}

/** A parameter tree under construction: the values found for one member, by the rest of their names. */
type Entries = [rest: string[], value: string][];

function memberPath(path: string, name: string): string {
  // AWS names members camel-cased in its validation messages ("at 'userName'").
  const camel = name.charAt(0).toLowerCase() + name.slice(1);
  return path === '' ? camel : `${path}.${camel}`;
}

function checkString(shape: StringShape, value: string, path: string): string {
  const shown = shape.sensitive ? '******' : value.length > 128 ? `${value.slice(0, 128)}…` : value;
  const fail = (constraint: string) =>
    validationError(
      `1 validation error detected: Value '${shown}' at '${path}' failed to satisfy constraint: ${constraint}`,
    );
  if (shape.min !== undefined && value.length < shape.min)
    throw fail(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && value.length > shape.max)
    throw fail(`Member must have length less than or equal to ${shape.max}`);
  if (shape.pattern && !shape.pattern.test(value))
    throw fail(
      `Member must satisfy regular expression pattern: ${shape.patternText ?? shape.pattern.source}`,
    );
  if (shape.values && !shape.values.includes(value))
    throw fail(`Member must satisfy enum value set: [${shape.values.join(', ')}]`);
  return value;
}

function scalar(entries: Entries, path: string): string {
  const [entry] = entries;
  if (!entry || entries.length > 1 || entry[0].length > 0)
    throw validationError(`The parameter ${path} is not a single value.`);
  return entry[1];
}

function decodeList(shape: ListShape, entries: Entries, path: string): unknown[] {
  // An empty list is sent as the bare member name with an empty value (`Tags=`).
  if (entries.length === 1 && entries[0]?.[0].length === 0 && entries[0][1] === '') return [];
  const items = new Map<number, Entries>();
  for (const [rest, value] of entries) {
    const [member, index, ...tail] = rest;
    if (member !== (shape.itemName ?? 'member') || index === undefined || !/^[1-9]\d{0,3}$/.test(index))
      throw validationError(`The parameter ${path}.${rest.join('.').slice(0, 64)} is not a list member.`);
    const n = Number(index);
    if (n > (shape.max ?? MAX_LIST_INDEX)) throw validationError(`The list ${path} has too many members.`);
    const list = items.get(n) ?? [];
    list.push([tail, value]);
    items.set(n, list);
  }
  const out: unknown[] = [];
  for (let n = 1; n <= items.size; n++) {
    const item = items.get(n);
    if (!item) throw validationError(`The list ${path} skips member ${n}.`);
    out.push(decodeShape(shape.member, item, `${path}.${shape.itemName ?? 'member'}.${n}`));
  }
  return out;
}

function decodeStruct(fields: Fields, entries: Entries, path: string): Record<string, unknown> {
  const byMember = new Map<string, Entries>();
  for (const [rest, value] of entries) {
    const [name, ...tail] = rest;
    if (name === undefined || !Object.hasOwn(fields, name)) {
      const shown = [path, ...rest].filter(Boolean).join('.').slice(0, 128);
      throw validationError(`The parameter ${shown} is not recognized.`);
    }
    const list = byMember.get(name) ?? [];
    list.push([tail, value]);
    byMember.set(name, list);
  }
  const out: Record<string, unknown> = {};
  for (const [name, shape] of Object.entries(fields)) {
    const found = byMember.get(name);
    const where = memberPath(path, name);
    if (!found) {
      if (shape.required)
        throw validationError(
          `1 validation error detected: Value null at '${where}' failed to satisfy constraint: Member must not be null`,
        );
      continue;
    }
    out[name] = decodeShape(shape, found, where);
  }
  return out;
}

function decodeShape(shape: Shape, entries: Entries, path: string): unknown {
  switch (shape.kind) {
    case 'string':
      return checkString(shape, scalar(entries, path), path);
    case 'integer': {
      const text = scalar(entries, path);
      if (!/^-?\d{1,15}$/.test(text)) throw validationError(`The parameter ${path} must be an integer.`);
      const value = Number(text);
      if ((shape.min !== undefined && value < shape.min) || (shape.max !== undefined && value > shape.max))
        throw validationError(
          `1 validation error detected: Value '${value}' at '${path}' failed to satisfy constraint: Member must have value ${shape.min !== undefined && value < shape.min ? `greater than or equal to ${shape.min}` : `less than or equal to ${shape.max}`}`,
        );
      return value;
    }
    case 'boolean': {
      const text = scalar(entries, path);
      if (text !== 'true' && text !== 'false')
        throw validationError(`The parameter ${path} must be true or false.`);
      return text === 'true';
    }
    case 'double': {
      const text = scalar(entries, path);
      if (!DECIMAL.test(text)) throw validationError(`The parameter ${path} must be a number.`);
      return finite(Number(text), path);
    }
    case 'timestamp':
      return timestampOf(scalar(entries, path), path);
    case 'list':
      return decodeList(shape, entries, path);
    case 'struct':
      return decodeStruct(shape.fields, entries, path);
  }
}

const DECIMAL = /^[-+]?(\d{1,400}(\.\d{0,400})?|\.\d{1,400})([eE][-+]?\d{1,4})?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function finite(value: number, path: string): number {
  if (!Number.isFinite(value)) throw validationError(`The parameter ${path} must be a finite number.`);
  return value;
}

/** A query timestamp: ISO 8601 (what the SDKs send), or epoch seconds. */
function timestampOf(text: string, path: string): Date {
  const millis = ISO_TIME.test(text)
    ? Date.parse(text)
    : /^\d{1,12}(\.\d{1,9})?$/.test(text)
      ? Number(text) * 1000
      : Number.NaN;
  if (!Number.isFinite(millis)) throw validationError(`The parameter ${path} must be a timestamp.`);
  return new Date(millis);
}

/**
 * Decodes a JSON document against the same shapes, for services that answer awsJson as well (CloudWatch): a
 * member the shape does not declare is refused, lists are bounded, timestamps are epoch seconds.
 */
export function decodeJsonInput<F extends Fields>(fields: F, document: unknown): InferFields<F> {
  return decodeJsonStruct(fields, document, '') as InferFields<F>;
}

function decodeJsonStruct(fields: Fields, value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw validationError(`${path || 'The input'} must be an object.`);
  const record = value as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (record[name] !== null && !Object.hasOwn(fields, name))
      throw validationError(
        `The parameter ${[path, name].filter(Boolean).join('.').slice(0, 128)} is not recognized.`,
      );
  }
  const out: Record<string, unknown> = {};
  for (const [name, shape] of Object.entries(fields)) {
    const member = Object.hasOwn(record, name) ? record[name] : undefined;
    const where = memberPath(path, name);
    if (member === undefined || member === null) {
      if (shape.required)
        throw validationError(
          `1 validation error detected: Value null at '${where}' failed to satisfy constraint: Member must not be null`,
        );
      continue;
    }
    out[name] = decodeJsonShape(shape, member, where);
  }
  return out;
}

function decodeJsonShape(shape: Shape, value: unknown, path: string): unknown {
  switch (shape.kind) {
    case 'string':
      if (typeof value !== 'string') throw validationError(`The parameter ${path} must be a string.`);
      return checkString(shape, value, path);
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        throw validationError(`The parameter ${path} must be an integer.`);
      return decodeShape(shape, [[[], String(value)]], path);
    case 'boolean':
      if (typeof value !== 'boolean') throw validationError(`The parameter ${path} must be true or false.`);
      return value;
    case 'double':
      if (typeof value !== 'number') throw validationError(`The parameter ${path} must be a number.`);
      return finite(value, path);
    case 'timestamp':
      if (typeof value === 'number') return new Date(finite(value, path) * 1000);
      if (typeof value === 'string') return timestampOf(value, path);
      throw validationError(`The parameter ${path} must be a timestamp.`);
    case 'list': {
      if (!Array.isArray(value)) throw validationError(`The parameter ${path} must be a list.`);
      if (value.length > (shape.max ?? MAX_LIST_INDEX))
        throw validationError(`The list ${path} has too many members.`);
      return value.map((item, n) => decodeJsonShape(shape.member, item, `${path}.member.${n + 1}`));
    }
    case 'struct':
      return decodeJsonStruct(shape.fields, value, path);
  }
}

/** A response value as JSON: dates as epoch seconds, maps as objects, absent values left out. */
export function queryValueJson(value: QueryValue): unknown {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof QueryMap) return Object.fromEntries(value.entries);
  if (Array.isArray(value)) return value.map(queryValueJson);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value)) {
      const json = queryValueJson(member);
      if (json !== undefined) out[name] = json;
    }
    return out;
  }
  return value;
}

/** Decodes an operation's parameters (Action and Version removed) against its input members. */
export function decodeQuery<F extends Fields>(
  fields: F,
  params: ReadonlyMap<string, string>,
): InferFields<F> {
  const entries: Entries = [];
  for (const [key, value] of params) entries.push([key.split('.'), value]);
  return decodeStruct(fields, entries, '') as InferFields<F>;
}

/** A response value: lists are rendered as `<member>` elements, dates in ISO 8601, absent values left out. */
export type QueryValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | QueryValue[]
  | QueryObject
  | QueryMap;
export interface QueryObject {
  readonly [name: string]: QueryValue;
}

/** A map in a response: rendered as `<entry><key>…</key><value>…</value></entry>` items. */
export class QueryMap {
  constructor(readonly entries: ReadonlyArray<readonly [string, string | number]>) {}
}

function render(name: string, value: QueryValue, out: string[]): void {
  if (value === undefined || value === null) return;
  out.push(`<${name}>`);
  if (value instanceof QueryMap)
    for (const [key, item] of value.entries)
      out.push(`<entry><key>${escapeXml(key)}</key><value>${escapeXml(String(item))}</value></entry>`);
  else if (Array.isArray(value)) for (const item of value) render('member', item, out);
  else if (value instanceof Date) out.push(value.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  else if (typeof value === 'object')
    for (const [child, childValue] of Object.entries(value)) render(child, childValue, out);
  else out.push(escapeXml(String(value)));
  out.push(`</${name}>`);
}

/** The XML document of a successful awsQuery response. */
export function queryResponseXml(
  action: string,
  namespace: string,
  result: QueryObject | undefined,
  requestId: string,
): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>\n', `<${action}Response xmlns="${namespace}">`];
  if (result) render(`${action}Result`, result, out);
  out.push(`<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`);
  return out.join('');
}

/** The protocol's raw input for an operation: its parameters without Action and Version. */
export interface QueryRaw {
  readonly params: ReadonlyMap<string, string>;
  /** The JSON document of an awsJson request, for services that answer both protocols. */
  readonly json?: Record<string, unknown>;
}

/** A query service's description: its signing name, API version and XML namespace. */
export interface QueryProtocol {
  readonly service: string;
  /** The IAM actions' prefix where it is not the signing name (CloudWatch's `cloudwatch:`). */
  readonly iamPrefix?: string;
  readonly version: string;
  readonly namespace: string;
  /**
   * Set for a service that answers awsJson1_0 too (awsQueryCompatible, as CloudWatch): its X-Amz-Target
   * prefix, and how a request's body is read where clients compress it (Content-Encoding: gzip).
   */
  readonly json?: {
    readonly targetPrefix: string;
    readonly decodeBody?: (req: ApiRequest) => ApiRequest;
  };
  /** The service's own error for an input that does not fit its shape (ValidationError otherwise). */
  readonly invalid?: (message: string) => AppError;
}

/**
 * Declares an awsQuery operation: its input members, the resources it touches and a handler returning the
 * Result element's content (undefined for operations whose response has no Result).
 */
export function queryOperation<F extends Fields>(
  protocol: QueryProtocol,
  declaration: {
    name: string;
    action?: string;
    input: F;
    resources: (
      input: InferFields<F>,
      req: OperationRequest,
    ) => readonly string[] | Promise<readonly string[]>;
    conditions?: Operation<QueryRaw, InferFields<F>>['conditions'];
    anyPrincipal?: true;
    handle: (input: InferFields<F>, req: OperationRequest) => Promise<QueryObject | undefined>;
  },
): Operation<QueryRaw, InferFields<F>> {
  const { name, input, handle } = declaration;
  return {
    service: protocol.service,
    name,
    action: declaration.action ?? `${protocol.iamPrefix ?? protocol.service}:${name}`,
    decode: (raw) => decodeRaw(protocol, input, raw),
    resources: declaration.resources,
    ...(declaration.conditions ? { conditions: declaration.conditions } : {}),
    ...(declaration.anyPrincipal ? { anyPrincipal: true } : {}),
    async handle(decoded, req): Promise<ApiResponse> {
      const result = await handle(decoded, req);
      if (protocol.json && isJsonRequest(req))
        return {
          status: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: JSON.stringify(queryValueJson(result ?? {}) ?? {}),
        };
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: queryResponseXml(name, protocol.namespace, result, req.requestId),
      };
    },
  };
}

/** Whether a request to a service that answers both protocols is in awsJson (it names its operation). */
function isJsonRequest(req: Pick<ApiRequest, 'headers'>): boolean {
  return req.headers['x-amz-target'] !== undefined;
}

/** An operation's input from either protocol; validation errors in the service's own error where it has one. */
function decodeRaw<F extends Fields>(protocol: QueryProtocol, input: F, raw: QueryRaw): InferFields<F> {
  try {
    return raw.json !== undefined ? decodeJsonInput(input, raw.json) : decodeQuery(input, raw.params);
  } catch (error) {
    if (protocol.invalid && error instanceof AppError && error.code === 'ValidationError')
      throw protocol.invalid(error.message);
    throw error;
  }
}

/**
 * A query service's endpoint: its operations and the router that names the one a request asks for. A service
 * that also answers awsJson1_0 (`protocol.json`) takes a request naming its operation in X-Amz-Target as JSON.
 */
export function queryEndpoint(protocol: QueryProtocol, operations: readonly AnyOperation[]) {
  const byName = new Map(operations.map((op) => [op.name, op]));
  const json = protocol.json;
  return {
    protocol: 'awsQuery' as const,
    ...(json
      ? {
          protocolOf: (head: Pick<ApiRequest, 'headers'>) =>
            isJsonRequest(head) ? ('awsJson1_0' as const) : ('awsQuery' as const),
        }
      : {}),
    operations,
    async resolve(req: ApiRequest): Promise<Resolved> {
      if (json && isJsonRequest(req)) {
        const target = req.headers['x-amz-target'] ?? '';
        const dot = target.lastIndexOf('.');
        const operation = byName.get(target.slice(dot + 1));
        if (req.method !== 'POST' || target.slice(0, dot) !== json.targetPrefix || !operation)
          throw new AppError('UnknownOperationException', 400, `Unknown operation ${target.slice(0, 128)}`);
        const document = await readJsonObject(json.decodeBody?.(req) ?? req, 'SerializationException');
        return { operation, raw: { params: new Map(), json: document } satisfies QueryRaw };
      }
      const params = await readQueryParams(json?.decodeBody?.(req) ?? req);
      const action = params.get('Action');
      if (action === undefined)
        throw badRequest('MissingAction', 'The request must contain the parameter Action.');
      const version = params.get('Version');
      const operation = byName.get(action);
      if (!operation || version !== protocol.version) {
        throw badRequest(
          'InvalidAction',
          `Could not find operation ${action.slice(0, 128)} for version ${(version ?? 'NO_VERSION_SPECIFIED').slice(0, 32)}`,
        );
      }
      params.delete('Action');
      params.delete('Version');
      const raw: QueryRaw = { params };
      return { operation, raw };
    },
  };
}
