import type { ConditionOperator, SetQualifier } from './policy-types.js';

/** What kind of values an operator compares; decides parsing, matching and whether variables apply. */
export type OperatorFamily = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';

export interface OperatorInfo {
  readonly family: OperatorFamily;
  /** Negated operators are true when no policy value matches ("NOR"), and when the key is missing. */
  readonly negated: boolean;
}

const info = (family: OperatorFamily, negated = false): OperatorInfo => ({ family, negated });

/** Every operator of https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html */
export const operatorInfo: Readonly<Record<ConditionOperator, OperatorInfo>> = {
  StringEquals: info('string'),
  StringNotEquals: info('string', true),
  StringEqualsIgnoreCase: info('string'),
  StringNotEqualsIgnoreCase: info('string', true),
  StringLike: info('string'),
  StringNotLike: info('string', true),
  NumericEquals: info('numeric'),
  NumericNotEquals: info('numeric', true),
  NumericLessThan: info('numeric'),
  NumericLessThanEquals: info('numeric'),
  NumericGreaterThan: info('numeric'),
  NumericGreaterThanEquals: info('numeric'),
  DateEquals: info('date'),
  DateNotEquals: info('date', true),
  DateLessThan: info('date'),
  DateLessThanEquals: info('date'),
  DateGreaterThan: info('date'),
  DateGreaterThanEquals: info('date'),
  Bool: info('bool'),
  BinaryEquals: info('binary'),
  IpAddress: info('ip'),
  NotIpAddress: info('ip', true),
  ArnEquals: info('arn'),
  ArnLike: info('arn'),
  ArnNotEquals: info('arn', true),
  ArnNotLike: info('arn', true),
  Null: info('null'),
};

const operatorNames = new Map<string, ConditionOperator>(
  Object.keys(operatorInfo).map((name) => [name, name as ConditionOperator]),
);

export interface ParsedOperatorName {
  readonly operator: ConditionOperator;
  readonly ifExists: boolean;
  readonly setQualifier?: SetQualifier;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; undefined for anything IAM does not know. */
export function parseOperatorName(name: string): ParsedOperatorName | undefined {
  let rest = name;
  let setQualifier: SetQualifier | undefined;
  for (const qualifier of ['ForAllValues', 'ForAnyValue'] as const) {
    if (rest.startsWith(`${qualifier}:`)) {
      setQualifier = qualifier;
      rest = rest.slice(qualifier.length + 1);
    }
  }
  const ifExists = rest.endsWith('IfExists');
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  const operator = operatorNames.get(rest);
  // The docs allow IfExists on every operator except Null.
  if (operator === undefined || (operator === 'Null' && ifExists)) return undefined;
  return setQualifier === undefined ? { operator, ifExists } : { operator, ifExists, setQualifier };
}
