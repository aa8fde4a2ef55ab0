import { limitExceeded, malformedPolicy } from './iam-names.js';
import { checkPolicySize, type Policy, PolicyError, type PolicyKind, parsePolicy } from './policy/index.js';

/**
 * Parses a policy document for where it goes; a refusal is MalformedPolicyDocument with IAM's message and,
 * where IAM's is terse, what was at fault.
 */
export function parseDocument(text: string, kind: PolicyKind): Policy {
  try {
    return parsePolicy(text, kind);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    const detail = error.detail !== error.message ? ` (${error.detail.slice(0, 256)})` : '';
    throw malformedPolicy(`${error.message}${detail}`);
  }
}

/** Refuses a document (or an entity's inline documents together) over an IAM size quota. */
export function checkSize(texts: readonly string[], limit: number, refusal: string): void {
  const size = texts.reduce((sum, text) => sum + checkPolicySize(text, limit).size, 0);
  if (size > limit) throw limitExceeded(refusal);
}

/** IAM returns policy documents URL-encoded (RFC 3986); the AWS CLI decodes them, the SDKs do not. */
export function encodeDocument(text: string): string {
  return encodeURIComponent(text);
}
