import { describe, expect, it } from 'vitest';
import type { Logger } from '../lib/logger.js';
import { type AuthThrottleOptions, addressKey, createAuthThrottle, throttled } from './auth-throttle.js';
import { renderError } from './protocols.js';
import { type AuthFailure, authError } from './sigv4.js';

function throttleWith(options?: AuthThrottleOptions) {
  const warnings: unknown[] = [];
  const logger = { warn: (fields: unknown) => warnings.push(fields) } as unknown as Logger;
  const throttle = createAuthThrottle({
    clock: { now: () => new Date(0) },
    logger,
    ...(options ? { options } : {}),
  });
  /** What a request failing with `failure` from `sourceIp` is answered with: its own code, or the throttle's. */
  const fail = async (failure: AuthFailure, sourceIp: string, accessKeyId?: string) => {
    const attempt = () => Promise.reject(authError(failure, 'refused'));
    const error = await throttle
      .guard(attempt, { sourceIp, protocol: 'restXml', accessKeyId })
      .catch((e) => e);
    return (error as { code: string }).code;
  };
  return { throttle, fail, warnings };
}

const REMOTE = '203.0.113.7';

describe('the authentication throttle', () => {
  it('counts only failures that test a credential, and then answers them SlowDown', async () => {
    const { fail } = throttleWith({ perAddress: { threshold: 2 } });
    for (let i = 0; i < 10; i++)
      expect(await fail('AuthorizationHeaderMalformed', REMOTE)).toBe('AuthorizationHeaderMalformed');
    expect(await fail('SignatureDoesNotMatch', REMOTE)).toBe('SignatureDoesNotMatch');
    expect(await fail('InvalidAccessKeyId', REMOTE)).toBe('InvalidAccessKeyId');
    expect(await fail('InvalidAccessKeyId', REMOTE)).toBe('SlowDown');
    expect(await fail('SignatureDoesNotMatch', '198.51.100.1')).toBe('SignatureDoesNotMatch');
  });

  it('never throttles a request that authenticates', async () => {
    const { throttle, fail } = throttleWith({ perAddress: { threshold: 1 } });
    expect(await fail('SignatureDoesNotMatch', REMOTE, 'AKIAEXAMPLEEXAMPLE00')).toBe('SignatureDoesNotMatch');
    expect(await fail('SignatureDoesNotMatch', REMOTE, 'AKIAEXAMPLEEXAMPLE00')).toBe('SlowDown');
    const passed = await throttle.guard(() => Promise.resolve('signed'), {
      sourceIp: REMOTE,
      protocol: 'restXml',
      accessKeyId: 'AKIAEXAMPLEEXAMPLE00',
    });
    expect(passed).toBe('signed');
  });

  it('leaves this machine’s own clients alone unless told, after twenty failures by default', async () => {
    const exempt = throttleWith();
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      for (let i = 0; i < 30; i++)
        expect(await exempt.fail('SignatureDoesNotMatch', address)).toBe('SignatureDoesNotMatch');
    const counted = throttleWith({ loopback: true });
    for (let i = 0; i < 20; i++)
      expect(await counted.fail('SignatureDoesNotMatch', '127.0.0.1')).toBe('SignatureDoesNotMatch');
    expect(await counted.fail('SignatureDoesNotMatch', '127.0.0.1')).toBe('SlowDown');
  });

  it('warns once as an address starts being throttled, naming the address only', async () => {
    const { fail, warnings } = throttleWith({ perAddress: { threshold: 2 } });
    for (let i = 0; i < 6; i++)
      await fail('InvalidAccessKeyId', REMOTE, `AKIA${String(i).padStart(16, '0')}`);
    expect(warnings).toEqual([{ sourceIp: REMOTE }]);
  });

  it('counts an IPv6 host by its /64, and an IPv4-mapped address as IPv4', () => {
    expect(addressKey('2001:db8:1:2::5', false)).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff::9', false)).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1', false)).toBe('2001:db8:0:0::/64');
    expect(addressKey('::ffff:198.51.100.4', false)).toBe('198.51.100.4');
    expect(addressKey('::1', false)).toBeUndefined();
    expect(addressKey('::1', true)).toBe('0:0:0:0::/64');
  });

  it('answers in each protocol’s shape: SlowDown for S3, ThrottlingException for JSON, Throttling for query', () => {
    const answer = (protocol: Parameters<typeof throttled>[0]) => {
      const rendered = renderError(throttled(protocol), protocol, 'REQ', false);
      return {
        status: rendered.status,
        type: rendered.headers?.['x-amzn-errortype'],
        body: String(rendered.body),
      };
    };
    const s3 = answer('restXml');
    expect(s3.status).toBe(503);
    expect(s3.body).toContain('<Code>SlowDown</Code><Message>Please reduce your request rate.</Message>');
    for (const protocol of ['awsJson', 'awsJson1_0', 'restJson'] as const) {
      const json = answer(protocol);
      expect(json).toMatchObject({ status: 400, type: 'ThrottlingException' });
      expect(JSON.parse(json.body)).toMatchObject({
        __type: 'ThrottlingException',
        message: 'Rate exceeded',
      });
    }
    const sns = renderError(throttled('awsQuery', 'sns'), 'awsQuery', 'REQ', false);
    expect(sns.status).toBe(429);
    expect(String(sns.body)).toContain('<Code>Throttled</Code>');
    const query = answer('awsQuery');
    expect(query.status).toBe(400);
    expect(query.body).toContain(
      '<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>',
    );
  });
});
