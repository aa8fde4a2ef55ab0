import { type AppError, badRequest } from '../errors.js';
import type { Condition, DataType, DateFormatPart, DateToken } from './recipe.js';

/** Which step a message is about: `Step 3 (FILL_WITH_CUSTOM): …`. */
export interface StepContext {
  readonly step: number;
  readonly operation: string;
}

export const MAX_PARAMETER_BYTES = 64 * 1024;
export const MAX_COLUMN_NAME_LENGTH = 255;
const MAX_CONDITIONS = 100;

export function stepError(context: StepContext, message: string): AppError {
  return badRequest('ValidationException', `Step ${context.step} (${context.operation}): ${message}`);
}

/** Typed, validated access to one step's `Parameters`; every failure names the step and the parameter. */
export interface ParameterReader {
  readonly context: StepContext;
  has(name: string): boolean;
  require(name: string): void;
  string(name: string): string;
  nonEmpty(name: string): string;
  column(name: string): string;
  columns(name: string): readonly string[];
  exactlyOne(first: string, second: string): string;
  optionalOneOf(name: string, allowed: readonly string[], why?: string): void;
  fail(message: string): never;
}

export function createParameterReader(
  context: StepContext,
  parameters: unknown,
  allowed: readonly string[],
): ParameterReader {
  const fail = (message: string): never => {
    throw stepError(context, message);
  };
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    fail('"Parameters" must be an object of string values');
  }
  // Copied into a Map so that keys such as "__proto__" or "constructor" are plain data, never properties.
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(parameters as Record<string, unknown>)) {
    if (value === undefined) continue; // not expressible in JSON; a JS caller's "absent"
    const shown = JSON.stringify(name.slice(0, 64));
    if (!allowed.includes(name)) fail(`parameter ${shown} is not a parameter of this operation`);
    if (typeof value !== 'string')
      fail(`parameter ${shown} must be a string (DataBrew encodes every value as one)`);
    checkText(context, `parameter ${shown}`, value as string);
    values.set(name, value as string);
  }
  const string = (name: string): string => {
    const value = values.get(name);
    return value ?? fail(`parameter "${name}" is required`);
  };
  const reader: ParameterReader = {
    context,
    fail,
    has: (name) => values.has(name),
    require: (name) => void string(name),
    string,
    nonEmpty: (name) => (string(name) === '' ? fail(`parameter "${name}" must not be empty`) : string(name)),
    column: (name) => columnName(context, `parameter "${name}"`, string(name)),
    columns: (name) => columnList(context, name, string(name)),
    exactlyOne(first, second) {
      if (values.has(first) === values.has(second)) {
        fail(`exactly one of parameters "${first}" and "${second}" is required`);
      }
      return values.has(first) ? first : second;
    },
    optionalOneOf(name, options, why) {
      const value = values.get(name);
      if (value !== undefined && !options.includes(value)) {
        fail(
          `parameter "${name}" is ${JSON.stringify(value.slice(0, 64))}; ${why ?? `expected one of ${options.join(', ')}`}`,
        );
      }
    },
  };
  return reader;
}

function checkText(context: StepContext, what: string, value: string): void {
  if (Buffer.byteLength(value, 'utf8') > MAX_PARAMETER_BYTES) {
    throw stepError(context, `${what} is longer than ${MAX_PARAMETER_BYTES} bytes`);
  }
  if (value.includes('\0')) throw stepError(context, `${what} contains a NUL character`);
}

export function columnName(context: StepContext, what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw stepError(context, `${what} must be a non-empty column name`);
  if (value.length > MAX_COLUMN_NAME_LENGTH) {
    throw stepError(context, `${what} is a column name longer than ${MAX_COLUMN_NAME_LENGTH} characters`);
  }
  if (value.includes('\0')) throw stepError(context, `${what} contains a NUL character`);
  return value;
}

/** DataBrew encodes lists as JSON text inside the string value: `"[\"a\",\"b\"]"`. */
export function jsonStringArray(context: StepContext, what: string, text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw stepError(
      context,
      `${what} must be a JSON array of strings, such as ["a","b"]; it is not valid JSON`,
    );
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string')) {
    throw stepError(context, `${what} must be a non-empty JSON array of strings, such as ["a","b"]`);
  }
  // What JSON escapes decode to is checked as plain text is (a \u0000 is a NUL all the same).
  for (const item of value as string[]) checkText(context, `an entry of ${what}`, item);
  return value as string[];
}

function columnList(context: StepContext, name: string, text: string): readonly string[] {
  const what = `parameter "${name}"`;
  const names = jsonStringArray(context, what, text).map((item) =>
    columnName(context, `an entry of ${what}`, item),
  );
  const duplicate = names.find((item, index) => names.indexOf(item) !== index);
  if (duplicate !== undefined)
    throw stepError(context, `${what} names column ${JSON.stringify(duplicate)} twice`);
  return names;
}

const DATA_TYPES: readonly DataType[] = [
  'byte',
  'short',
  'int',
  'long',
  'float',
  'double',
  'decimal',
  'string',
  'boolean',
  'date',
  'timestamp',
];

export function parseDataType(context: StepContext, text: string): DataType {
  const name = text === 'integer' ? 'int' : text;
  const found = DATA_TYPES.find((type) => type === name);
  if (found === undefined) {
    throw stepError(
      context,
      `unknown data type ${JSON.stringify(text.slice(0, 64))}; expected one of ${DATA_TYPES.join(', ')}`,
    );
  }
  return found;
}

// DataBrew's date format tokens as its docs use them (`mm/dd/yyyy`, `dd month yyyy`, `yyyy-mm-dd HH:MM:SS`):
// lower-case `mm` is the month and upper-case `MM` the minute. Longest first, so `month` wins over `mm`.
const DATE_TOKENS: readonly DateToken[] = ['month', 'yyyy', 'yy', 'mm', 'dd', 'HH', 'MM', 'SS'];

export function parseDateFormat(context: StepContext, text: string): readonly DateFormatPart[] {
  if (text === '') throw stepError(context, 'parameter "targetDateFormat" must not be empty');
  const parts: DateFormatPart[] = [];
  let rest = text;
  while (rest.length > 0) {
    const token = DATE_TOKENS.find((candidate) => rest.startsWith(candidate));
    if (token !== undefined) {
      parts.push({ kind: 'token', token });
      rest = rest.slice(token.length);
      continue;
    }
    const letters = /^[A-Za-z]+/.exec(rest)?.[0];
    if (letters !== undefined) {
      throw stepError(
        context,
        `unknown date format token ${JSON.stringify(letters.slice(0, 32))}; expected ${DATE_TOKENS.join(', ')} and separators`,
      );
    }
    const literal = /^[^A-Za-z]+/.exec(rest)?.[0] ?? rest;
    parts.push({ kind: 'literal', text: literal });
    rest = rest.slice(literal.length);
  }
  return parts;
}

const SIMPLE_CONDITIONS = {
  CONTAINS: 'Contains',
  NOT_CONTAINS: 'NotContains',
  STARTS_WITH: 'StartsWith',
  NOT_STARTS_WITH: 'NotStartsWith',
  ENDS_WITH: 'EndsWith',
  NOT_ENDS_WITH: 'NotEndsWith',
  LESS_THAN: 'LessThan',
  LESS_THAN_EQUAL: 'LessThanEqual',
  GREATER_THAN: 'GreaterThan',
  GREATER_THAN_EQUAL: 'GreaterThanEqual',
} as const;

/** The condition names DataBrew documents (recipes.html#recipes.structure), all of which Seawall evaluates. */
export const SUPPORTED_CONDITIONS: readonly string[] = Object.freeze([
  'IS',
  'IS_NOT',
  'IS_BETWEEN',
  ...Object.keys(SIMPLE_CONDITIONS),
  'IS_INVALID',
  'IS_MISSING',
]);

export function parseConditions(context: StepContext, raw: unknown): readonly Condition[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw stepError(context, '"ConditionExpressions" must be an array');
  if (raw.length > MAX_CONDITIONS) throw stepError(context, `at most ${MAX_CONDITIONS} ConditionExpressions`);
  return raw.map((item: unknown, index) => parseCondition(context, item, index + 1));
}

function parseCondition(context: StepContext, raw: unknown, position: number): Condition {
  const what = `ConditionExpressions[${position}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw stepError(context, `${what} must be an object`);
  const fields = new Map(
    Object.entries(raw as Record<string, unknown>).filter(([, value]) => value !== undefined),
  );
  for (const [key, value] of fields) {
    if (!['Condition', 'Value', 'TargetColumn'].includes(key)) {
      throw stepError(context, `${what} has unknown key ${JSON.stringify(key.slice(0, 64))}`);
    }
    if (typeof value !== 'string') throw stepError(context, `${what}.${key} must be a string`);
    checkText(context, `${what}.${key}`, value);
  }
  const name = fields.get('Condition') as string | undefined;
  const targetColumn = columnName(context, `${what}.TargetColumn`, fields.get('TargetColumn'));
  const value = fields.get('Value') as string | undefined;
  if (name === undefined) throw stepError(context, `${what}.Condition is required`);
  const needValue = (): string => value ?? failValue(context, `${what} (${name}) needs a "Value"`);
  if (name === 'IS' || name === 'IS_NOT') {
    return {
      kind: name === 'IS' ? 'Is' : 'IsNot',
      targetColumn,
      values: valueList(context, what, needValue()),
    };
  }
  if (name === 'IS_BETWEEN')
    return { kind: 'IsBetween', targetColumn, ...bounds(context, what, needValue()) };
  if (name === 'IS_MISSING') return { kind: 'IsMissing', targetColumn };
  if (name === 'IS_INVALID')
    return { kind: 'IsInvalid', targetColumn, dataType: parseDataType(context, needValue()) };
  const kind = Object.hasOwn(SIMPLE_CONDITIONS, name)
    ? SIMPLE_CONDITIONS[name as keyof typeof SIMPLE_CONDITIONS]
    : undefined;
  if (kind === undefined) {
    throw stepError(
      context,
      `${what} has unknown condition ${JSON.stringify(name.slice(0, 64))}; expected one of ${SUPPORTED_CONDITIONS.join(', ')}`,
    );
  }
  return { kind, targetColumn, value: needValue() };
}

function failValue(context: StepContext, message: string): never {
  throw stepError(context, message);
}

/** IS / IS_NOT: the console writes a JSON list (`["draw"]`); a bare string is taken as a one-item list. */
function valueList(context: StepContext, what: string, text: string): readonly string[] {
  return text.trimStart().startsWith('[') ? jsonStringArray(context, `${what}.Value`, text) : [text];
}

/** IS_BETWEEN: `{"GREATER_THAN_EQUAL":"a","LESS_THAN_EQUAL":"b"}` (DataBrew's bound names), or `["a","b"]`. */
function bounds(context: StepContext, what: string, text: string): { lower: string; upper: string } {
  const usage = `${what}.Value must be {"GREATER_THAN_EQUAL":"<low>","LESS_THAN_EQUAL":"<high>"} or ["<low>","<high>"]`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw stepError(context, `${usage}; it is not valid JSON`);
  }
  const checked = (lower: string, upper: string) => {
    checkText(context, `${what}.Value's lower bound`, lower);
    checkText(context, `${what}.Value's upper bound`, upper);
    return { lower, upper };
  };
  if (Array.isArray(value) && value.length === 2 && value.every((item) => typeof item === 'string')) {
    return checked(value[0] as string, value[1] as string);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = new Map(Object.entries(value));
    const lower = entries.get('GREATER_THAN_EQUAL');
    const upper = entries.get('LESS_THAN_EQUAL');
    if (entries.size === 2 && typeof lower === 'string' && typeof upper === 'string')
      return checked(lower, upper);
  }
  throw stepError(context, usage);
}
