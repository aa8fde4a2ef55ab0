import type { IncomingMessage } from 'node:http';
import { badRequest } from '../errors.js';
import type { Principal } from '../lib/operation.js';
import { type Authenticated, isSigV2, type RequestLine } from './authenticate.js';

/** The principal of an unsigned request: it gets only what resource policies grant to everyone. */
export const ANONYMOUS: Principal = {
  accountId: '',
  arn: 'anonymous',
  accessKeyId: '',
  type: 'Anonymous',
  userId: 'anonymous',
};

/** A request that carries no signature at all, neither in its headers nor in its query string. */
export function isUnsigned(line: RequestLine): boolean {
  return (
    line.headers.authorization === undefined &&
    !line.query.some(([name]) => name.startsWith('X-Amz-')) &&
    !isSigV2(line)
  );
}

/**
 * An unsigned S3 request, as the anonymous principal (S3 alone serves anonymous requests; other services
 * answer that a signature is missing). Its body is taken as sent: without a signature there is no payload
 * hash or chunk signature to check, so signed payload modes are refused.
 */
export function anonymousRequest(req: IncomingMessage, line: RequestLine, region: string): Authenticated {
  const declared = line.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD')
    throw badRequest('InvalidRequest', 'An anonymous request cannot carry x-amz-content-sha256.');
  const length = line.headers['content-length'];
  return {
    principal: ANONYMOUS,
    headers: line.headers,
    service: 's3',
    region,
    body: req,
    contentLength: length !== undefined && /^\d{1,16}$/.test(length) ? Number(length) : undefined,
    trailers: () => ({}),
  };
}
