import { type AppError, asAppError, isAppError, isOutOfSpace } from '../errors.js';
import type { ApiResponse } from '../lib/http.js';
import type { Protocol } from '../lib/operation.js';

export type { Protocol, ServiceEndpoint } from '../lib/operation.js';

import { extendedRequestId } from '../lib/ids.js';
import { escapeXml, toXml } from '../lib/xml.js';

function s3ErrorBody(error: AppError, requestId: string): string {
  const fields: Record<string, string> = { Code: error.code, Message: error.message };
  for (const [name, value] of Object.entries(error.fields)) fields[name] = value;
  fields.RequestId = requestId;
  fields.HostId = extendedRequestId(requestId);
  return toXml('Error', fields);
}

const JSON_CONTENT_TYPES = {
  awsJson: 'application/x-amz-json-1.1',
  awsJson1_0: 'application/x-amz-json-1.0',
  restJson: 'application/json',
} as const;

/** The error code a protocol's answer carries for an error (the JSON and query protocols name some apart). */
export function wireErrorCode(unknownError: unknown, protocol: Protocol): string {
  if (!isAppError(unknownError)) return isOutOfSpace(unknownError) ? 'InsufficientCapacity' : 'InternalError';
  if (protocol === 'awsJson' || protocol === 'awsJson1_0' || protocol === 'restJson')
    return unknownError.protocolCodes.json ?? unknownError.code;
  if (protocol === 'awsQuery') return unknownError.protocolCodes.query ?? unknownError.code;
  return unknownError.code;
}

/**
 * Renders an error in the protocol's own shape. Unknown errors become InternalError (or, for a full disk,
 * InsufficientCapacity) with nothing of their internals; the caller logs them with their cause.
 */
export function renderError(
  unknownError: unknown,
  protocol: Protocol,
  requestId: string,
  head: boolean,
): ApiResponse {
  const error = asAppError(unknownError);
  const headers: Record<string, string> = { ...error.headers };
  let body: string;
  let status = error.status;
  switch (protocol) {
    case 'restXml':
      headers['content-type'] = 'application/xml';
      body = s3ErrorBody(error, requestId);
      break;
    case 'awsJson':
    case 'awsJson1_0':
    case 'restJson': {
      const code = wireErrorCode(error, protocol);
      headers['content-type'] = JSON_CONTENT_TYPES[protocol];
      headers['x-amzn-errortype'] = code;
      // awsQueryCompatible services also name the error as their query protocol does, and its fault.
      if (protocol === 'awsJson1_0')
        headers['x-amzn-query-error'] =
          `${wireErrorCode(error, 'awsQuery')};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
      const message = error.protocolMessage ?? error.message;
      body = JSON.stringify({ __type: code, message, Message: message });
      // awsQueryCompatible services answer their query protocol's status (CloudWatch's AccessDenied is a 403).
      if (protocol === 'awsJson') status = error.awsJsonStatus ?? status;
      break;
    }
    case 'awsQuery': {
      const code = wireErrorCode(error, protocol);
      headers['content-type'] = 'text/xml';
      const type = error.status >= 500 ? 'Receiver' : 'Sender';
      body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(error.protocolMessage ?? error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      break;
    }
  }
  return head ? { status, headers } : { status, headers, body };
}
