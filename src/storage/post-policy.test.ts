import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { checkPostPolicy, type PolicySubject, parsePostPolicy } from './post-policy.js';

const encode = (document: unknown) => Buffer.from(JSON.stringify(document)).toString('base64');
const NOW = new Date('2026-06-01T12:00:00Z');

function subject(fields: Record<string, string>, key = fields.key ?? 'k'): PolicySubject {
  const map = new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), { name, value }]));
  return { fields: map, bucket: 'b', key };
}

function failure(run: () => unknown): { code: string; status: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('parsePostPolicy', () => {
  it('takes both expiration forms and every condition form', () => {
    const policy = parsePostPolicy(
      encode({
        expiration: '2026-06-01T13:00:00.000Z',
        conditions: [
          { bucket: 'b' },
          ['eq', '$Key', 'k'],
          ['STARTS-WITH', '$Content-Type', 'text/'],
          ['content-length-range', '1', 10],
        ],
      }),
    );
    expect(policy.expiration.toISOString()).toBe('2026-06-01T13:00:00.000Z');
    expect(policy.conditions).toEqual([
      { kind: 'eq', field: 'bucket', value: 'b', text: '["eq", "$bucket", "b"]' },
      { kind: 'eq', field: 'key', value: 'k', text: '["eq", "$Key", "k"]' },
      {
        kind: 'starts-with',
        field: 'content-type',
        value: 'text/',
        text: '["STARTS-WITH", "$Content-Type", "text/"]',
      },
      { kind: 'content-length-range', min: 1, max: 10 },
    ]);
    expect(
      parsePostPolicy(encode({ expiration: '2026-06-01T13:00:00Z', conditions: [] })).conditions,
    ).toEqual([]);
  });

  it('refuses what is not a policy with InvalidPolicyDocument', () => {
    const cases: [string, string][] = [
      ['not base64!', 'Invalid Policy: Invalid Base64 Encoding.'],
      [Buffer.from('{nope').toString('base64'), 'Invalid Policy: Invalid JSON.'],
      [encode([1]), 'Invalid Policy: Invalid JSON.'],
      [encode({ conditions: [] }), 'Invalid Policy: Policy missing expiration.'],
      [encode({ expiration: '2026-06-01T13:00:00Z' }), 'Invalid Policy: Policy missing conditions.'],
      [
        encode({ expiration: '2026-02-30T13:00:00Z', conditions: [] }),
        "Invalid Policy: Invalid 'expiration' value: '2026-02-30T13:00:00Z'",
      ],
      [encode({ expiration: 5, conditions: [] }), "Invalid Policy: Invalid 'expiration' value: '5'"],
      [
        encode({ expiration: '2026-06-01T13:00:00Z', conditions: {} }),
        "Invalid Policy: Invalid 'conditions' value: must be a List.",
      ],
      [
        encode({ expiration: '2026-06-01T13:00:00Z', conditions: [{ a: 'x', b: 'y' }] }),
        'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
      ],
    ];
    for (const [text, message] of cases)
      expect(failure(() => parsePostPolicy(text))).toEqual({
        code: 'InvalidPolicyDocument',
        status: 400,
        message,
      });
    for (const condition of [
      ['eq', 'key', 'k'],
      ['eq', '$key'],
      ['eq', '$key', 5],
      ['in', '$key', 'k'],
      ['content-length-range', 0],
      ['content-length-range', -1, 5],
      ['content-length-range', 1.5, 5],
      [],
      'text',
      { key: 5 },
    ]) {
      const text = encode({ expiration: '2026-06-01T13:00:00Z', conditions: [condition] });
      expect(failure(() => parsePostPolicy(text))).toMatchObject({
        code: 'InvalidPolicyDocument',
        status: 400,
      });
    }
  });
});

describe('checkPostPolicy', () => {
  const policy = (conditions: unknown[], expiration = '2026-06-01T13:00:00Z') =>
    parsePostPolicy(encode({ expiration, conditions }));

  it('answers the size range once every condition holds and every field is named', () => {
    const p = policy([
      { bucket: 'b' },
      ['starts-with', '$key', 'up/'],
      ['content-length-range', 5, 50],
      ['content-length-range', 0, 20],
    ]);
    expect(
      checkPostPolicy(
        p,
        subject({ key: 'up/x', policy: 'p', signature: 's', AWSAccessKeyId: 'a', 'x-ignore-y': '1' }),
        NOW,
      ),
    ).toEqual({
      min: 5,
      max: 20,
    });
    expect(checkPostPolicy(policy([]), subject({}), NOW)).toBeUndefined();
  });

  it('refuses with AccessDenied and the reason S3 gives', () => {
    expect(failure(() => checkPostPolicy(policy([], '2026-06-01T11:59:59Z'), subject({}), NOW))).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: 'Invalid according to Policy: Policy expired.',
    });
    expect(failure(() => checkPostPolicy(policy([{ bucket: 'other' }]), subject({}), NOW)).message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "other"]',
    );
    // A condition on an absent field tests the empty string.
    expect(
      failure(() => checkPostPolicy(policy([['starts-with', '$x-amz-meta-a', 'v']]), subject({}), NOW)).code,
    ).toBe('AccessDenied');
    expect(checkPostPolicy(policy([['starts-with', '$x-amz-meta-a', '']]), subject({}), NOW)).toBeUndefined();
    expect(failure(() => checkPostPolicy(policy([]), subject({ 'X-Amz-Meta-A': 'v' }), NOW)).message).toBe(
      'Invalid according to Policy: Extra input fields: X-Amz-Meta-A',
    );
    // The key tested is the one written (after ${filename}), not the field.
    expect(
      failure(() => checkPostPolicy(policy([['eq', '$key', 'a']]), subject({ key: 'a' }, 'b'), NOW)).code,
    ).toBe('AccessDenied');
  });

  it('values are exact; each of several content types must have the prefix', () => {
    const p = policy([['starts-with', '$content-type', 'image/']]);
    expect(checkPostPolicy(p, subject({ 'Content-Type': 'image/png, image/jpeg' }), NOW)).toBeUndefined();
    expect(
      failure(() => checkPostPolicy(p, subject({ 'Content-Type': 'image/png, text/html' }), NOW)).code,
    ).toBe('AccessDenied');
    expect(
      failure(() => checkPostPolicy(policy([{ acl: 'private' }]), subject({ acl: 'Private' }), NOW)).code,
    ).toBe('AccessDenied');
  });
});
