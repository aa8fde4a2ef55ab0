import { type OperatorFamily, operatorInfo } from './condition-operators.js';
import { parseDateValue, parseNumericValue } from './date-value.js';
import { ipInRange } from './ip-address.js';
import { compilePattern, matchArn, matchCodes, type VariableResolver } from './patterns.js';
import type { Condition, ConditionOperator } from './policy-types.js';
import type { EvalContext } from './request-context.js';

/**
 * Condition semantics from the operators page and the multivalued-keys page: values of one key are
 * ORed, negated operators are the NOR of their positive form, a missing key fails positive operators and
 * satisfies negated ones, IfExists and ForAllValues pass on a missing key and ForAnyValue fails.
 */

type Compare = (
  requestValue: string,
  policyValue: string,
  variables: VariableResolver | undefined,
) => boolean;

function stringCompare(glob: boolean, ignoreCase: boolean): Compare {
  return (requestValue, policyValue, variables) => {
    const codes = compilePattern(policyValue, { glob, ignoreCase, variables });
    return codes !== undefined && matchCodes(codes, requestValue, ignoreCase);
  };
}

function ordered(
  parse: (text: string) => number | undefined,
  test: (a: number, b: number) => boolean,
): Compare {
  return (requestValue, policyValue) => {
    const a = parse(requestValue);
    const b = parse(policyValue);
    return a !== undefined && b !== undefined && test(a, b);
  };
}

function binaryEquals(requestValue: string, policyValue: string): boolean {
  return Buffer.from(requestValue, 'base64').equals(Buffer.from(policyValue, 'base64'));
}

const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;

/** The positive comparison behind each operator; negated operators reuse their positive twin. */
const comparisons: Readonly<Record<Exclude<ConditionOperator, 'Null'>, Compare>> = {
  StringEquals: stringCompare(false, false),
  StringNotEquals: stringCompare(false, false),
  StringEqualsIgnoreCase: stringCompare(false, true),
  StringNotEqualsIgnoreCase: stringCompare(false, true),
  StringLike: stringCompare(true, false),
  StringNotLike: stringCompare(true, false),
  NumericEquals: ordered(parseNumericValue, eq),
  NumericNotEquals: ordered(parseNumericValue, eq),
  NumericLessThan: ordered(parseNumericValue, lt),
  NumericLessThanEquals: ordered(parseNumericValue, le),
  NumericGreaterThan: ordered(parseNumericValue, gt),
  NumericGreaterThanEquals: ordered(parseNumericValue, ge),
  DateEquals: ordered(parseDateValue, eq),
  DateNotEquals: ordered(parseDateValue, eq),
  DateLessThan: ordered(parseDateValue, lt),
  DateLessThanEquals: ordered(parseDateValue, le),
  DateGreaterThan: ordered(parseDateValue, gt),
  DateGreaterThanEquals: ordered(parseDateValue, ge),
  Bool: (requestValue, policyValue) => requestValue.toLowerCase() === policyValue.toLowerCase(),
  BinaryEquals: binaryEquals,
  IpAddress: (requestValue, policyValue) => ipInRange(requestValue, policyValue),
  NotIpAddress: (requestValue, policyValue) => ipInRange(requestValue, policyValue),
  ArnEquals: (requestValue, policyValue, variables) => matchArn(policyValue, requestValue, variables),
  ArnLike: (requestValue, policyValue, variables) => matchArn(policyValue, requestValue, variables),
  ArnNotEquals: (requestValue, policyValue, variables) => matchArn(policyValue, requestValue, variables),
  ArnNotLike: (requestValue, policyValue, variables) => matchArn(policyValue, requestValue, variables),
};

/** Only string and ARN operators read policy variables; elsewhere `${...}` is literal text. */
const variableFamilies: ReadonlySet<OperatorFamily> = new Set(['string', 'arn']);

function nullHolds(condition: Condition, present: boolean): boolean {
  return condition.values.some((value) => {
    const wanted = value.toLowerCase();
    return (wanted === 'true' && !present) || (wanted === 'false' && present);
  });
}

/** Whether one condition entry holds; `variables` is undefined for Version 2008-10-17 policies. */
export function conditionHolds(condition: Condition, context: EvalContext, variables: boolean): boolean {
  const found = context.values.get(condition.key.toLowerCase());
  const present = found !== undefined && found.length > 0;
  if (condition.operator === 'Null') return nullHolds(condition, present);
  const { family, negated } = operatorInfo[condition.operator];
  if (!present) {
    if (condition.ifExists || condition.setQualifier === 'ForAllValues') return true;
    return condition.setQualifier === 'ForAnyValue' ? false : negated;
  }
  const compare = comparisons[condition.operator];
  const resolver = variables && variableFamilies.has(family) ? context.resolve : undefined;
  const positive = (requestValue: string) =>
    condition.values.some((policyValue) => compare(requestValue, policyValue, resolver));
  const holdsFor = (requestValue: string) => positive(requestValue) !== negated;
  if (condition.setQualifier === 'ForAllValues') return found.every(holdsFor);
  if (condition.setQualifier === 'ForAnyValue') return found.some(holdsFor);
  const anyPositive = found.some(positive);
  return anyPositive !== negated;
}
