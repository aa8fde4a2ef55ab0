import { isIP } from 'node:net';
import { AppError, isAppError } from '../errors.js';
import { createThrottle, type ThrottleOptions } from '../iam/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Protocol } from './protocols.js';

/**
 * The refusals that test a credential: an access key id that does not exist, a signature that does not match
 * (header, presigned URL or a POST form's policy, SigV4 or SigV2), a session token missing or invalid. An
 * expired token comes from a client that held it rightly, and is answered as itself.
 * Refusals made before any credential is looked at (unsigned, malformed, a clock out of step, a presigned URL
 * past its expiry) tell a guesser nothing, and what fails after the signature is proven (an x-amz-* header it
 * does not cover, a payload that does not match its hash) comes from someone who holds the key: neither counts.
 */
const CREDENTIAL_FAILURES: ReadonlySet<string> = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
]);

/**
 * Per source address: an office or a proxy puts many clients behind one address, so more tries than the
 * console's five before backing off (1 s, doubling to 5 minutes); an address quiet for an hour is forgotten.
 */
const PER_ADDRESS: ThrottleOptions = {
  threshold: 20,
  baseMs: 1000,
  maxMs: 5 * 60_000,
  forgetMs: 60 * 60_000,
  maxKeys: 10_000,
};

export interface AuthThrottleOptions {
  perAddress?: Partial<ThrottleOptions>;
  /** Per access key id a request claims, whether or not it exists (else the throttle would say which do). */
  perAccessKey?: Partial<ThrottleOptions>;
  /**
   * Whether this machine's own clients (loopback) are throttled too. They are not unless told: the machine's
   * scripts and tools share 127.0.0.1, and a guesser the throttle defends against comes over a network.
   */
  loopback?: boolean;
}

/** Where a request claims to come from, and the shape its answer takes. */
export interface AuthAttempt {
  sourceIp: string;
  protocol: Protocol;
  /** The service the request says it is signed for. */
  service?: string | undefined;
  /** The access key id the request names; else the one a refusal names (a POST form's, read from its body). */
  accessKeyId?: string | undefined;
}

export interface AuthThrottle {
  /**
   * Runs an authentication. A credential failure counts against its source address and the access key id it
   * claims; while either is backing off, such a failure is answered as throttled instead of with its own error,
   * so a guesser learns nothing more (not even whether the key exists) until the wait is over. A request whose
   * signature verifies is never throttled: that is proof of the key, whatever others do from the same address.
   */
  guard<T>(attempt: () => Promise<T>, from: AuthAttempt): Promise<T>;
}

/**
 * AWS's answer to a client over its request rate, in each protocol's shape: S3's `SlowDown` (503, "Please
 * reduce your request rate."), the JSON protocols' `ThrottlingException` (400, as KMS, Glue and Athena answer)
 * and the query protocol's `Throttling` (400, "Rate exceeded", as IAM, STS and CloudWatch answer), but SNS's own
 * `Throttled` (429). The SDKs and the aws cli retry each with backoff.
 */
export function throttled(protocol: Protocol, service?: string): AppError {
  if (protocol === 'restXml') return new AppError('SlowDown', 503, 'Please reduce your request rate.');
  if (service === 'sns') return new AppError('Throttled', 429, 'Rate exceeded');
  return new AppError('Throttling', 400, 'Rate exceeded', {
    protocolCodes: { json: 'ThrottlingException', query: 'Throttling' },
  });
}

/** The eight groups of an IPv6 address, `::` expanded and each in its shortest form. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros =
    tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}

/**
 * What failures are counted under for an address: an IPv4 address itself (also when IPv4-mapped), an IPv6
 * address's /64, since one host is usually given a whole /64 to pick addresses from. Undefined for loopback
 * when it is not throttled.
 */
export function addressKey(sourceIp: string, loopback: boolean): string | undefined {
  const address = sourceIp.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const version = isIP(address);
  const isLoopback = version === 4 ? address.startsWith('127.') : address === '::1';
  if (isLoopback && !loopback) return undefined;
  if (version !== 6) return address;
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

export function createAuthThrottle(deps: {
  clock: Clock;
  logger: Logger;
  options?: AuthThrottleOptions;
}): AuthThrottle {
  const options = deps.options ?? {};
  const addressOptions = { ...PER_ADDRESS, ...options.perAddress };
  const keyOptions = { ...PER_ADDRESS, ...options.perAccessKey };
  const perAddress = createThrottle(addressOptions);
  const perKey = createThrottle(keyOptions);

  /** The error to answer a failed authentication with, having counted it. */
  function refusal(error: unknown, from: AuthAttempt): unknown {
    if (!isAppError(error) || !CREDENTIAL_FAILURES.has(error.code)) return error;
    const address = addressKey(from.sourceIp, options.loopback ?? false);
    if (address === undefined) return error;
    const keyId = from.accessKeyId ?? error.fields.AWSAccessKeyId;
    const now = deps.clock.now().getTime();
    const wait = Math.max(
      perAddress.waitFor(address, now),
      keyId === undefined ? 0 : perKey.waitFor(keyId, now),
    );
    if (wait > 0) return throttled(from.protocol, from.service);
    // Once per address (and key) as it crosses the threshold; the signature and secrets are never logged.
    if (perAddress.begin(address, now) === addressOptions.threshold)
      deps.logger.warn({ sourceIp: address }, 'throttling failed authentication from this address');
    if (keyId !== undefined && perKey.begin(keyId, now) === keyOptions.threshold)
      deps.logger.warn({ accessKeyId: keyId }, 'throttling failed authentication with this access key id');
    return error;
  }

  return {
    async guard(attempt, from) {
      try {
        return await attempt();
      } catch (error) {
        throw refusal(error, from);
      }
    },
  };
}
