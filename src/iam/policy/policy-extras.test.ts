// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are literal ${...} text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPolicySize,
  type DenyDecision,
  denialReason,
  evaluate,
  explainDenial,
  type Policy,
  PolicyError,
  parsePolicy,
  policySize,
  policySizeLimits,
  type RequestContext,
} from './index.js';

const AWS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide';
const DENIED = `${AWS}/troubleshoot_access-denied.html`;
const QUOTAS = `${AWS}/reference_iam-quotas.html`;
const GRAMMAR = `${AWS}/reference_policies_grammar.html`;
const S3_POLICY = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html';

const alice = {
  arn: 'arn:aws:iam::123456789012:user/JohnDoe',
  accountId: '123456789012',
  type: 'IAMUser' as const,
};
const request = {
  principal: alice,
  action: 'codedeploy:ListDeployments',
  resource: 'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*',
};
const deny = (reason: 'explicit' | 'implicit', policyType?: DenyDecision['policyType']): DenyDecision =>
  policyType === undefined ? { effect: 'Deny', reason } : { effect: 'Deny', reason, policyType };

const denialCases = [
  {
    doc: DENIED,
    decision: deny('implicit', 'identity-based'),
    text: 'because no identity-based policy allows the codedeploy:ListDeployments action',
  },
  {
    doc: DENIED,
    decision: deny('explicit', 'identity-based'),
    text: 'with an explicit deny in an identity-based policy',
  },
  {
    doc: DENIED,
    decision: deny('implicit', 'resource-based'),
    text: 'because no resource-based policy allows the codedeploy:ListDeployments action',
  },
  {
    doc: DENIED,
    decision: deny('explicit', 'resource-based'),
    text: 'with an explicit deny in a resource-based policy',
  },
  {
    doc: DENIED,
    decision: deny('implicit', 'permissions boundary'),
    text: 'because no permissions boundary allows the codedeploy:ListDeployments action',
  },
  {
    doc: DENIED,
    decision: deny('explicit', 'permissions boundary'),
    text: 'with an explicit deny in a permissions boundary',
  },
  {
    doc: DENIED,
    decision: deny('implicit', 'session'),
    text: 'because no session policy allows the codedeploy:ListDeployments action',
  },
  { doc: DENIED, decision: deny('explicit', 'session'), text: 'with an explicit deny in a session policy' },
];

describe('explainDenial', () => {
  it.each(denialCases)('$text', ({ decision, text }) => {
    expect(denialReason(decision, request.action)).toBe(text);
    expect(explainDenial(decision, request)).toBe(
      `User: ${alice.arn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${text}`,
    );
  });

  it('leaves out "on resource" for actions on *', () => {
    expect(explainDenial(deny('implicit', 'identity-based'), { ...request, resource: '*' })).toBe(
      `User: ${alice.arn} is not authorized to perform: ${request.action} because no identity-based policy allows the ${request.action} action`,
    );
  });
});

const sizeCases = [
  { doc: QUOTAS, name: 'white space is not counted', text: '{ "a" :\n\t"b c" }\r\n', size: 10 },
  { doc: QUOTAS, name: 'a character outside the BMP counts once', text: '"😀"', size: 3 },
  { doc: QUOTAS, name: 'an empty document', text: '', size: 0 },
];

describe('policy size', () => {
  it.each(sizeCases)('$name', ({ text, size }) => expect(policySize(text)).toBe(size));

  it('exports the documented quotas', () => {
    expect(policySizeLimits.managedPolicy.limit).toBe(6144);
    expect(policySizeLimits.inlineUser.limit).toBe(2048);
    expect(policySizeLimits.inlineGroup.limit).toBe(5120);
    expect(policySizeLimits.inlineRole.limit).toBe(10240);
    expect(policySizeLimits.roleTrustPolicy.limit).toBe(2048);
    expect(policySizeLimits.sessionPolicy.limit).toBe(2048);
    expect(policySizeLimits.s3BucketPolicy).toEqual({ limit: 20480, measure: 'bytes' });
  });

  it('accepts a policy at the limit and refuses one past it', () => {
    const text = `"${'a'.repeat(2046)}"   `;
    expect(checkPolicySize(text, policySizeLimits.inlineUser)).toEqual({
      size: 2048,
      limit: 2048,
      withinLimit: true,
    });
    expect(checkPolicySize(`${text}b`, 2048).withinLimit).toBe(false);
  });

  it(`measures S3 bucket policies in bytes, white space included (${S3_POLICY})`, () => {
    expect(checkPolicySize('é é', policySizeLimits.s3BucketPolicy).size).toBe(5);
  });
});

/** JSON-ish text with the shapes a hostile client would try. */
const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'Statement',
  'Effect',
  'Action',
  'Resource',
  'Condition',
  'Principal',
  'StringEquals',
  'aws:username',
  'x',
);
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.constantFrom('Allow', 'Deny', '*', 's3:*', 'arn:aws:s3:::b/*', '${aws:username}', '2012-10-17'),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

const statementArb = fc.record(
  {
    Effect: fc.constantFrom('Allow', 'Deny', 'allow', 'Maybe'),
    Action: fc.oneof(fc.constantFrom('s3:*', 's3:Get*', '*', 'sts:AssumeRole', 'iam:?et*'), fc.string()),
    Resource: fc.oneof(
      fc.constantFrom('*', 'arn:aws:s3:::b/*', 'arn:aws:s3:::b/${aws:username}/*'),
      fc.string(),
    ),
    Principal: fc.constantFrom('*', { AWS: '123456789012' }, { AWS: 'arn:aws:iam::123456789012:user/u' }),
    Condition: fc.dictionary(
      fc.constantFrom(
        'StringLike',
        'ForAllValues:StringEquals',
        'NumericLessThan',
        'IpAddress',
        'Null',
        'ArnLike',
        'DateGreaterThanIfExists',
        'Bool',
        '__proto__',
      ),
      fc.dictionary(
        fc.constantFrom('x:k', 'aws:SourceIp', '__proto__', 'aws:TagKeys'),
        fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.integer()),
      ),
      { maxKeys: 3 },
    ),
  },
  { requiredKeys: ['Effect'] },
);

const kinds = fc.constantFrom('identity', 'resource', 'trust', 'boundary', 'session') as fc.Arbitrary<
  Policy['kind']
>;

function parseOrRefuse(text: string, kind: Policy['kind']): Policy | undefined {
  try {
    return parsePolicy(text, kind);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return undefined;
  }
}

describe(`hostile input (${GRAMMAR})`, () => {
  it('the parser throws nothing but PolicyError on random JSON', () => {
    fc.assert(
      fc.property(jsonValue, kinds, (value, kind) => void parseOrRefuse(JSON.stringify(value), kind)),
      { numRuns: 500 },
    );
  });

  it('the parser throws nothing but PolicyError on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), kinds, (text, kind) => void parseOrRefuse(text, kind)),
      { numRuns: 500 },
    );
  });

  it('deep nesting and huge strings are refused or parsed, never crash', () => {
    for (const text of [
      '['.repeat(100_000),
      '{"a":'.repeat(50_000),
      `{"Version":"${'x'.repeat(2_000_000)}"}`,
    ]) {
      expect(parseOrRefuse(text, 'identity')).toBeUndefined();
    }
  });

  it('prototype keys pollute nothing', () => {
    const text =
      '{"__proto__":{"polluted":1},"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}';
    expect(parseOrRefuse(text, 'identity')).toBeUndefined();
    const condition =
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"__proto__":"x"}}}}';
    const policy = parsePolicy(condition, 'identity');
    const context = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    const req: RequestContext = { principal: alice, action: 's3:GetObject', resource: '*', context };
    expect(evaluate(req, { identity: [policy] }).effect).toBe('Allow');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('evaluation never throws on parsed policies and random requests', () => {
    const docs = fc
      .array(statementArb, { minLength: 1, maxLength: 3 })
      .map((Statement) => JSON.stringify({ Version: '2012-10-17', Statement }));
    const contextArb = fc.dictionary(
      fc.constantFrom(
        'x:k',
        'aws:SourceIp',
        'aws:TagKeys',
        'aws:username',
        '__proto__',
        'aws:PrincipalTag/team',
      ),
      fc.oneof(
        fc.string(),
        fc.array(fc.string(), { maxLength: 3 }),
        fc.constantFrom('10.0.0.1', '::1', '2020-01-01T00:00:00Z', '5'),
      ),
    );
    const principalArb = fc.constantFrom(
      alice,
      {
        arn: 'arn:aws:sts::123456789012:assumed-role/r/s',
        accountId: '123456789012',
        type: 'AssumedRole' as const,
        roleArn: 'arn:aws:iam::123456789012:role/r',
      },
      { arn: 'arn:aws:iam::123456789012:root', accountId: '123456789012', type: 'Root' as const },
      { arn: '*', accountId: '', type: 'Anonymous' as const },
      { arn: 'glue.amazonaws.com', accountId: '', type: 'Service' as const },
    );
    fc.assert(
      fc.property(
        docs,
        docs,
        principalArb,
        fc.string(),
        fc.string(),
        contextArb,
        fc.option(fc.constantFrom('123456789012', '999999999999')),
        (idText, resText, principal, action, resource, context, owner) => {
          const identity = parseOrRefuse(idText, 'identity');
          const resourcePolicy = parseOrRefuse(resText, 'resource');
          const req: RequestContext = {
            principal,
            action,
            resource,
            context,
            ...(owner === null ? {} : { resourceAccountId: owner }),
          };
          const decision = evaluate(req, {
            identity: identity ? [identity] : [],
            resource: resourcePolicy ? [resourcePolicy] : [],
          });
          expect(['Allow', 'Deny']).toContain(decision.effect);
        },
      ),
      { numRuns: 500 },
    );
  });
});
