import { awsUriEncode } from '../src/lib/http.js';
import { canonicalRequest, hmacHex, signingKey, stringToSign } from '../src/server/sigv4.js';

/**
 * A minimal SigV4 signer for load generation: the SDKs spend more CPU per request than the server does, which
 * would measure the client. Correctness against real clients is the tests' job.
 */
export function signS3(args: {
  method: string;
  host: string;
  path: string;
  accessKeyId: string;
  secret: string;
  region: string;
  headers?: Record<string, string>;
}): Record<string, string> {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    host: args.host,
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-amz-date': amzDate,
    ...args.headers,
  };
  const signed = Object.keys(headers).sort();
  const canonical = canonicalRequest({
    method: args.method,
    uri: args.path
      .split('/')
      .map((s) => awsUriEncode(decodeURIComponent(s)))
      .join('/'),
    query: '',
    headers: (name) => headers[name],
    signedHeaders: signed,
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const scope = `${date}/${args.region}/s3/aws4_request`;
  const signature = hmacHex(
    signingKey(args.secret, date, args.region, 's3'),
    stringToSign(amzDate, scope, canonical),
  );
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${args.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
  };
}
