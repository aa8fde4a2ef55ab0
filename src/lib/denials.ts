/**
 * Error codes that mean the caller was refused: authorization and authentication failures, in each protocol's
 * name for them. Shared by the server (the pipeline's outcome of a call) and the console (Event history's
 * "denied only"), so both say the same of a record; nothing here may depend on Node.
 */
const DENIALS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'InvalidToken',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'InvalidSignatureException',
]);

/** Whether an error code says the caller was refused (S3's `KMS.AccessDeniedException` included). */
export function isDenial(code: string | undefined): boolean {
  return code !== undefined && (DENIALS.has(code) || code.endsWith('.AccessDeniedException'));
}
