import { conditionList, matchBlock, principalBlock } from './parse-elements.js';
import { legacyError, PolicyError, policyMessages, syntaxError } from './policy-error.js';
import type {
  Condition,
  MatchBlock,
  Policy,
  PolicyKind,
  PolicyVersion,
  PrincipalBlock,
  Statement,
} from './policy-types.js';
import { type JsonValue, parseStrictJson } from './strict-json.js';
import {
  checkActionFormat,
  checkConditionLegacy,
  checkPrincipalValues,
  checkResourceFormat,
  checkResourceLegacy,
  checkTrustActions,
} from './validate-elements.js';

/** A statement whose elements have the right JSON shapes but are not yet checked for meaning. */
interface Draft {
  readonly sid: string | undefined;
  readonly effect: string;
  readonly principal: PrincipalBlock | undefined;
  readonly action: MatchBlock | undefined;
  readonly resource: MatchBlock | undefined;
  readonly conditions: readonly Condition[];
}

const documentFields = new Set(['Version', 'Id', 'Statement']);
const statementFields = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const versions = new Set<string>(['2012-10-17', '2008-10-17']);

function objectEntries(
  value: JsonValue,
  fields: ReadonlySet<string>,
  what: string,
): ReadonlyMap<string, JsonValue> {
  if (value.kind !== 'object') return syntaxError(`${what} must be a JSON object`);
  for (const key of value.entries.keys()) {
    if (!fields.has(key)) syntaxError(`Unknown field ${key}`);
  }
  return value.entries;
}

function optionalString(value: JsonValue | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.kind !== 'string') return syntaxError(`${field} must be a string`);
  return value.value;
}

function readDraft(value: JsonValue): Draft {
  const entries = objectEntries(value, statementFields, 'A statement');
  const effect = entries.get('Effect');
  if (effect === undefined) syntaxError('Missing required field Effect');
  if (effect.kind !== 'string') syntaxError('Effect must be a string');
  return {
    sid: optionalString(entries.get('Sid'), 'Sid'),
    effect: effect.value,
    principal: principalBlock(entries),
    action: matchBlock(entries, 'Action', 'NotAction'),
    resource: matchBlock(entries, 'Resource', 'NotResource'),
    conditions: conditionList(entries.get('Condition')),
  };
}

function readStatements(value: JsonValue | undefined): readonly Draft[] {
  if (value === undefined) return syntaxError('Missing required field Statement');
  const items = value.kind === 'array' ? value.items : [value];
  if (items.length === 0) syntaxError('Statement must not be empty');
  return items.map(readDraft);
}

/** Faults IAM's legacy parser reports, checked across every statement before anything else. */
function checkLegacy(drafts: readonly Draft[]): void {
  for (const draft of drafts) {
    if (draft.effect !== 'Allow' && draft.effect !== 'Deny') {
      // IAM's legacy parser takes Allow/Deny in any case, then refuses it; other words are syntax errors.
      const miscased = /^(?:allow|deny)$/i.test(draft.effect);
      (miscased ? legacyError : syntaxError)(`Invalid effect: ${draft.effect}`);
    }
    draft.resource?.patterns.forEach(checkResourceLegacy);
    draft.conditions.forEach(checkConditionLegacy);
  }
}

function checkSids(drafts: readonly Draft[], kind: PolicyKind): void {
  const seen = new Set<string>();
  for (const { sid } of drafts) {
    if (sid === undefined) continue;
    // IAM allows only letters and digits; services with resource policies (S3, SQS...) allow more.
    if (kind !== 'resource' && !/^[0-9A-Za-z]*$/.test(sid))
      throw new PolicyError(policyMessages.sidAlphanumeric);
    if (seen.has(sid)) throw new PolicyError(policyMessages.sidUnique, `Duplicate Sid ${sid}`);
    seen.add(sid);
  }
}

function checkPrincipalRules(draft: Draft, kind: PolicyKind): void {
  const wantsPrincipal = kind === 'resource' || kind === 'trust';
  if (!wantsPrincipal && draft.principal !== undefined)
    throw new PolicyError(policyMessages.principalForbidden);
  if (wantsPrincipal && draft.principal === undefined) throw new PolicyError(policyMessages.principalMissing);
  if (draft.principal !== undefined) checkPrincipalValues(draft.principal);
}

function checkSemantics(draft: Draft, kind: PolicyKind): void {
  checkPrincipalRules(draft, kind);
  const identityLike = kind !== 'resource' && kind !== 'trust';
  if (draft.action === undefined || draft.action.patterns.length === 0) {
    throw new PolicyError(
      identityLike ? policyMessages.actionMissingIdentity : policyMessages.actionMissingResource,
    );
  }
  if (kind === 'trust' && draft.resource !== undefined) {
    throw new PolicyError(
      policyMessages.prohibitedField(draft.resource.negated ? 'NotResource' : 'Resource'),
    );
  }
  if (kind !== 'trust' && (draft.resource === undefined || draft.resource.patterns.length === 0)) {
    throw new PolicyError(policyMessages.resourceMissing);
  }
  draft.action.patterns.forEach(checkActionFormat);
  if (kind === 'trust') checkTrustActions(draft.action);
  draft.resource?.patterns.forEach(checkResourceFormat);
}

function toStatement(draft: Draft): Statement {
  const { sid, principal, action, resource, conditions } = draft;
  return Object.freeze({
    ...(sid === undefined ? {} : { sid }),
    effect: draft.effect === 'Allow' ? 'Allow' : 'Deny',
    ...(principal === undefined ? {} : { principal }),
    ...(action === undefined ? {} : { action }),
    ...(resource === undefined ? {} : { resource }),
    conditions,
  });
}

function readVersion(value: JsonValue | undefined): PolicyVersion {
  if (value === undefined) return '2008-10-17';
  if (value.kind !== 'string' || !versions.has(value.value)) {
    return legacyError(`Version must be 2012-10-17 or 2008-10-17`);
  }
  return value.value as PolicyVersion;
}

/**
 * Parses and validates a policy document for where it will be attached, refusing what IAM refuses
 * with IAM's MalformedPolicyDocument wording. The result is deeply frozen.
 */
export function parsePolicy(text: string, kind: PolicyKind): Policy {
  const entries = objectEntries(parseStrictJson(text), documentFields, 'A policy');
  const version = readVersion(entries.get('Version'));
  const id = optionalString(entries.get('Id'), 'Id');
  const drafts = readStatements(entries.get('Statement'));
  checkLegacy(drafts);
  checkSids(drafts, kind);
  for (const draft of drafts) checkSemantics(draft, kind);
  return Object.freeze({
    kind,
    version,
    ...(id === undefined ? {} : { id }),
    statements: Object.freeze(drafts.map(toStatement)),
  });
}
