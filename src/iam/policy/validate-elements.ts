import { operatorInfo } from './condition-operators.js';
import { parseDateValue, parseNumericValue } from './date-value.js';
import { globMatch } from './patterns.js';
import { legacyError, PolicyError, policyMessages } from './policy-error.js';
import type { Condition, MatchBlock, PrincipalBlock } from './policy-types.js';

/**
 * Semantic checks on values the readers already shaped. IAM answers some faults from its legacy
 * parser (checked first, across the whole document) and the rest with specific messages.
 */

const partitions = new Set([
  '*',
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
]);

/** Faults IAM reports as "The policy failed legacy parsing" for one Resource entry. */
export function checkResourceLegacy(resource: string): void {
  const parts = resource.split(':');
  if (parts.length < 2 || !partitions.has(parts[1] ?? '')) return;
  if (parts.length === 4 || parts.length === 5)
    legacyError(`Resource ${resource} has too few ARN components`);
  if (parts.length >= 6 && parts[2] === '') legacyError(`Resource ${resource} has an empty service`);
}

/** IAM shows a short resource padded to six components, with its first component read as "arn". */
function displayArn(parts: readonly string[]): string {
  const shown = ['arn', ...parts.slice(1)];
  while (shown.length < 6) shown.push('*');
  return shown.join(':');
}

/** The specific refusals for one Resource entry, after the legacy ones passed. */
export function checkResourceFormat(resource: string): void {
  if (resource === '*') return;
  const parts = resource.split(':');
  if (parts.length < 2) throw new PolicyError(policyMessages.resourceNotArn(resource));
  const partition = parts[1] ?? '';
  if (!partitions.has(partition)) {
    throw new PolicyError(policyMessages.partitionInvalid(partition, displayArn(parts)));
  }
  const vendor = parts[2];
  if (vendor === undefined || /[*?]/.test(vendor)) throw new PolicyError(policyMessages.resourceVendor);
  if (vendor === 'iam' && parts.length >= 6 && parts[3] !== '') {
    throw new PolicyError(policyMessages.iamRegion(resource));
  }
}

const vendorPattern = /^[A-Za-z0-9_*?-]+$/;

/** `service:Action` with wildcards, or a lone `*`. */
export function checkActionFormat(action: string): void {
  if (action === '*') return;
  const parts = action.split(':');
  if (parts.length < 2)
    throw new PolicyError(policyMessages.actionVendor, `Action "${action}" has no vendor`);
  if (parts.length > 2) throw new PolicyError(policyMessages.actionColons, `Action "${action}"`);
  const vendor = parts[0] ?? '';
  if (!vendorPattern.test(vendor)) throw new PolicyError(policyMessages.vendorInvalid(vendor));
}

/** A trust policy may only name STS actions (AssumeRole*, TagSession, SetSourceIdentity...). */
export function checkTrustActions(action: MatchBlock): void {
  for (const pattern of action.patterns) {
    const vendor = pattern.split(':')[0] ?? '';
    if (!globMatch(vendor, 'sts', true)) {
      throw new PolicyError(policyMessages.trustActions, `Action "${pattern}" is not an STS action`);
    }
  }
}

const accountPattern = /^\d{12}$/;
const uniqueIdPattern = /^A[A-Z0-9]{15,127}$/;

function checkAwsPrincipal(value: string): void {
  if (value === '*' || accountPattern.test(value) || uniqueIdPattern.test(value)) return;
  if (value.startsWith('arn:') && !/[*?]/.test(value) && value.split(':').length >= 6) return;
  throw new PolicyError(policyMessages.invalidPrincipal('AWS', value));
}

/** Principal values: `*`, account ids, ARNs and service names, never partial wildcards. */
export function checkPrincipalValues(block: PrincipalBlock): void {
  if (block.spec === '*') return;
  block.spec.AWS.forEach(checkAwsPrincipal);
  for (const key of ['Service', 'Federated', 'CanonicalUser'] as const) {
    for (const value of block.spec[key]) {
      if (value === '' || /[*?]/.test(value))
        throw new PolicyError(policyMessages.invalidPrincipal(key, value));
    }
  }
}

/** Dates and numbers IAM cannot read fail in its legacy parser. */
export function checkConditionLegacy(condition: Condition): void {
  const { family } = operatorInfo[condition.operator];
  for (const value of condition.values) {
    if (family === 'date' && parseDateValue(value) === undefined) {
      legacyError(`${condition.operator} value "${value}" is not a date`);
    }
    if (family === 'numeric' && parseNumericValue(value) === undefined) {
      legacyError(`${condition.operator} value "${value}" is not a number`);
    }
  }
}
