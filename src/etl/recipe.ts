import { badRequest } from '../errors.js';
import { OPERATIONS } from './recipe-operations.js';
import { createParameterReader, parseConditions, stepError } from './recipe-parameters.js';

/**
 * A DataBrew recipe parsed into an immutable tree. Every node carries its 1-based `step` so that later
 * errors (the compiler's column checks) can name the step the way the parser does.
 */
export interface Recipe {
  readonly steps: readonly RecipeStep[];
}

/** CHANGE_DATA_TYPE's `columnDataType` values (DataBrew's names; `integer` is accepted as `int`). */
export type DataType =
  | 'byte'
  | 'short'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'decimal'
  | 'string'
  | 'boolean'
  | 'date'
  | 'timestamp';

/** DataBrew's condition names (recipes.html#recipes.structure), as tree kinds. */
export type Condition =
  | { readonly kind: 'Is' | 'IsNot'; readonly targetColumn: string; readonly values: readonly string[] }
  | {
      readonly kind:
        | 'Contains'
        | 'NotContains'
        | 'StartsWith'
        | 'NotStartsWith'
        | 'EndsWith'
        | 'NotEndsWith'
        | 'LessThan'
        | 'LessThanEqual'
        | 'GreaterThan'
        | 'GreaterThanEqual';
      readonly targetColumn: string;
      readonly value: string;
    }
  | {
      readonly kind: 'IsBetween';
      readonly targetColumn: string;
      readonly lower: string;
      readonly upper: string;
    }
  | { readonly kind: 'IsMissing'; readonly targetColumn: string }
  | { readonly kind: 'IsInvalid'; readonly targetColumn: string; readonly dataType: DataType };

export type DateToken = 'yyyy' | 'yy' | 'mm' | 'dd' | 'month' | 'HH' | 'MM' | 'SS';
export type DateFormatPart =
  | { readonly kind: 'token'; readonly token: DateToken }
  | { readonly kind: 'literal'; readonly text: string };

/** Where a derived column reads from: an existing column, or a constant (DataBrew's `value`). */
export type ColumnSource = { readonly column: string } | { readonly value: string };

type Conditions = { readonly conditions: readonly Condition[] };
type At = { readonly step: number };

export type RecipeStep = At &
  (
    | { readonly kind: 'Rename'; readonly sourceColumn: string; readonly targetColumn: string }
    | { readonly kind: 'Delete'; readonly sourceColumns: readonly string[] }
    | { readonly kind: 'Duplicate'; readonly sourceColumn: string; readonly targetColumn: string }
    | { readonly kind: 'ChangeDataType'; readonly sourceColumn: string; readonly columnDataType: DataType }
    | ({ readonly kind: 'Trim'; readonly source: ColumnSource; readonly targetColumn: string } & Conditions)
    | ({
        readonly kind: 'UpperCase' | 'LowerCase' | 'CapitalCase';
        readonly sourceColumn: string;
      } & Conditions)
    | ({
        readonly kind: 'ReplaceText';
        readonly sourceColumn: string;
        readonly pattern: string;
        readonly value: string;
      } & Conditions)
    | ({
        readonly kind: 'FillWithCustom';
        readonly sourceColumn: string;
        readonly value: string;
      } & Conditions)
    | ({ readonly kind: 'FillWithNull' | 'FillWithEmpty'; readonly sourceColumn: string } & Conditions)
    | ({
        readonly kind: 'FillWithMostFrequent';
        readonly sourceColumn: string;
        readonly groupByColumns: readonly string[];
      } & Conditions)
    | ({ readonly kind: 'RemoveMissing' | 'RemoveValues'; readonly sourceColumn: string } & Conditions)
    | { readonly kind: 'DeleteDuplicateRows' }
    | ({
        readonly kind: 'FormatDate';
        readonly sourceColumn: string;
        readonly targetDateFormat: string;
        readonly format: readonly DateFormatPart[];
      } & Conditions)
    | {
        readonly kind: 'CryptographicHash';
        readonly sourceColumns: readonly string[];
        readonly secretId: string;
        readonly secretVersion: string | undefined;
      }
    | { readonly kind: 'Year'; readonly source: ColumnSource; readonly targetColumn: string }
  );

export type StepKind = RecipeStep['kind'];

export const MAX_STEPS = 1000;

const OPERATION_OF_KIND = new Map<StepKind, string>(
  Object.entries(OPERATIONS).map(([operation, spec]) => [spec.kind, operation]),
);

/** DataBrew's operation name for a step, for messages (`Step 3 (FILL_WITH_CUSTOM): …`). */
export function operationOf(step: RecipeStep): string {
  return OPERATION_OF_KIND.get(step.kind) ?? step.kind;
}

/** The operations `parseRecipe` accepts, in DataBrew's spelling. */
export const SUPPORTED_OPERATIONS: readonly string[] = Object.freeze(Object.keys(OPERATIONS));

/**
 * Parses DataBrew recipe JSON (the value, or its text) into a {@link Recipe}. Every problem is an AppError
 * `ValidationException` (400) whose message names the 1-based step and its operation.
 */
export function parseRecipe(json: unknown): Recipe {
  const value = typeof json === 'string' ? parseJsonText(json) : json;
  if (!Array.isArray(value)) throw invalid('A recipe must be a JSON array of steps');
  if (value.length > MAX_STEPS)
    throw invalid(`A recipe has at most ${MAX_STEPS} steps; this one has ${value.length}`);
  const steps = value.map((raw: unknown, index) => parseStep(raw, index + 1));
  return deepFreeze({ steps });
}

function parseStep(raw: unknown, step: number): RecipeStep {
  const where = `Step ${step}`;
  const object = plainObject(raw, `${where}: a step must be an object`);
  rejectUnknownKeys(object, ['Action', 'ConditionExpressions'], where, 'key');
  const action = plainObject(object.Action, `${where}: "Action" must be an object with an "Operation"`);
  rejectUnknownKeys(action, ['Operation', 'Parameters'], where, 'Action key');
  const operation = action.Operation;
  if (typeof operation !== 'string' || !/^[A-Z_]{1,128}$/.test(operation)) {
    throw invalid(`${where}: "Action.Operation" must be an operation name such as "RENAME"`);
  }
  const spec = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
  if (spec === undefined) throw invalid(`${where} (${operation}): unknown or unsupported operation`);
  const context = { step, operation };
  const parameters = action.Parameters === undefined ? {} : action.Parameters;
  const reader = createParameterReader(context, parameters, [...spec.required, ...spec.optional]);
  for (const name of spec.required) reader.require(name);
  const conditions = parseConditions(context, object.ConditionExpressions);
  if (spec.conditions === 'none' && conditions.length > 0) {
    throw stepError(context, 'this operation does not take ConditionExpressions');
  }
  if (spec.conditions === 'required' && conditions.length === 0) {
    throw stepError(context, 'ConditionExpressions are required (they choose the rows to remove)');
  }
  return { step, kind: spec.kind, ...spec.build(reader, conditions) } as RecipeStep;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('The recipe is not valid JSON');
  }
}

function plainObject(value: unknown, message: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(message);
  return value as Record<string, unknown>;
}

function rejectUnknownKeys(
  object: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  what: string,
) {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    const hint =
      key === 'RecipeAction' ? ' (recipes use "Action"; "RecipeAction" only appears in the docs)' : '';
    throw invalid(`${where}: unknown ${what} ${JSON.stringify(key.slice(0, 64))}${hint}`);
  }
}

function invalid(message: string) {
  return badRequest('ValidationException', message);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
