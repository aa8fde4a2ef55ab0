import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Calls to an AWS JSON protocol service (awsJson1_0, awsJson1_1) signed with the signed-in keys, for the
 * services the console has no SDK client for (CloudWatch, CloudWatch Logs). The signer and hash are the ones
 * every SDK client in the console already uses, so nothing is added to the page.
 */

/** How requests name a JSON protocol service and its operations. */
export interface JsonService {
  /** SigV4's service name: `monitoring`, `logs`. */
  signingName: string;
  /** X-Amz-Target's prefix: `GraniteServiceVersion20100801`, `Logs_20140328`. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
}

/** An error the service answered, named by AWS's code for it (`UnknownOperationException`). */
export class AwsServiceError extends Error {
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = code;
    this.status = status;
  }
}

/** One operation: its input as JSON (timestamps in epoch seconds), its output parsed. */
export type JsonCall = <T>(operation: string, input: object, signal?: AbortSignal) => Promise<T>;

/** AWS writes a code bare, with its namespace (`aws.foo#Code`) or with a URI after it (`Code:http://…`). */
function codeOf(raw: string): string {
  const afterHash = raw.slice(raw.lastIndexOf('#') + 1);
  const colon = afterHash.indexOf(':');
  return colon === -1 ? afterHash : afterHash.slice(0, colon);
}

function errorOf(response: Response, text: string): AwsServiceError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the status says what happened.
  }
  const rawCode =
    response.headers.get('x-amzn-errortype') ?? (typeof body.__type === 'string' ? body.__type : '');
  const code = rawCode ? codeOf(rawCode) : `HTTP ${response.status}`;
  const message = [body.message, body.Message].find((m): m is string => typeof m === 'string' && m !== '');
  return new AwsServiceError(
    code,
    message ?? (response.statusText || 'The request failed.'),
    response.status,
  );
}

/** Where and as whom to call: the console's ClientConfig (declared here so tests can load this module). */
export interface JsonClientConfig {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function jsonClient(config: JsonClientConfig, service: JsonService): JsonCall {
  const signer = new SignatureV4({
    service: service.signingName,
    region: config.region,
    credentials: config.credentials,
    sha256: Sha256,
  });
  const endpoint = new URL(config.endpoint);
  return async <T>(operation: string, input: object, signal?: AbortSignal): Promise<T> => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: '/',
      query: {},
      headers: {
        host: endpoint.host,
        'content-type': `application/x-amz-json-${service.jsonVersion}`,
        'x-amz-target': `${service.targetPrefix}.${operation}`,
      },
      body,
    });
    // The browser sends Host itself (and refuses to be told it).
    const headers = Object.fromEntries(
      Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'host'),
    );
    const response = await fetch(new URL('/', endpoint), {
      method: 'POST',
      headers,
      body,
      credentials: 'omit',
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw errorOf(response, text);
    return (text.trim() === '' ? {} : JSON.parse(text)) as T;
  };
}
