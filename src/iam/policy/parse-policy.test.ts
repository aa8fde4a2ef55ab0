// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are literal ${...} text.
import { describe, expect, it } from 'vitest';
import { policyMessages as m, type Policy, PolicyError, type PolicyKind, parsePolicy } from './index.js';

const AWS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide';
const GRAMMAR = `${AWS}/reference_policies_grammar.html`;
const TROUBLE = `${AWS}/troubleshoot_policies.html`;
const VERSION = `${AWS}/reference_policies_elements_version.html`;
const EFFECT = `${AWS}/reference_policies_elements_effect.html`;
const ACTION = `${AWS}/reference_policies_elements_action.html`;
const RESOURCE = `${AWS}/reference_policies_elements_resource.html`;
const PRINCIPAL = `${AWS}/reference_policies_elements_principal.html`;
const SID = `${AWS}/reference_policies_elements_sid.html`;
const CONDITION = `${AWS}/reference_policies_elements_condition.html`;
const OPS = `${AWS}/reference_policies_elements_condition_operators.html`;
const DATE = `${OPS}#Conditions_Date`;
const VARS = `${AWS}/reference_policies_variables.html`;
const TRUST = `${AWS}/id_roles_terms-and-concepts.html#term_trust-policy`;
const ARNS = `${AWS}/reference_identifiers.html#identifiers-arns`;

interface BadCase {
  readonly doc: string;
  readonly name: string;
  readonly kind: PolicyKind;
  readonly text: string;
  readonly message: string;
}

const V = '2012-10-17';
const ok = { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::example_bucket' };
const doc = (statement: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Version: V, ...extra, Statement: statement });
const stmt = (fields: Record<string, unknown>) => doc({ ...ok, ...fields });
const bad = (docUrl: string, name: string, kind: PolicyKind, text: string, message: string): BadCase => ({
  doc: docUrl,
  name,
  kind,
  text,
  message,
});
const trustOk = { Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'sts:AssumeRole' };

const syntaxCases: BadCase[] = [
  bad(GRAMMAR, 'text that is not JSON', 'identity', 'This is not a json document', m.syntax),
  bad(GRAMMAR, 'an empty document', 'identity', '', m.syntax),
  bad(GRAMMAR, 'a truncated document', 'identity', '{"Version":"2012-10-17","Statement":[', m.syntax),
  bad(TROUBLE, 'more than one JSON policy object', 'identity', `${doc(ok)} ${doc(ok)}`, m.syntax),
  bad(
    TROUBLE,
    'two Effect elements in a statement',
    'identity',
    `{"Version":"${V}","Statement":{"Effect":"Deny","Effect":"Allow","Action":"ec2:*","Resource":"*"}}`,
    m.syntax,
  ),
  bad(
    TROUBLE,
    'two Statement elements',
    'identity',
    `{"Version":"${V}","Statement":${JSON.stringify(ok)},"Statement":${JSON.stringify(ok)}}`,
    m.syntax,
  ),
  bad(
    TROUBLE,
    'two Resource elements in a statement',
    'identity',
    `{"Version":"${V}","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b","Resource":"arn:aws:s3:::b/*"}}`,
    m.syntax,
  ),
  bad(GRAMMAR, 'a top-level array', 'identity', `[${doc(ok)}]`, m.syntax),
  bad(GRAMMAR, 'a missing Statement', 'identity', JSON.stringify({ Version: V }), m.syntax),
  bad(GRAMMAR, 'an empty Statement list', 'identity', doc([]), m.syntax),
  bad(GRAMMAR, 'a Statement holding a string', 'identity', doc(['afd']), m.syntax),
  bad(GRAMMAR, 'an unknown top-level field', 'identity', doc(ok, { 'Extra field': 'value' }), m.syntax),
  bad(GRAMMAR, 'an unknown statement field', 'identity', stmt({ 'Extra field': 'value' }), m.syntax),
  bad(
    GRAMMAR,
    'a misspelled Effect (Efect)',
    'identity',
    doc({ Efect: 'Deny', Action: 'ec2:*', Resource: '*' }),
    m.syntax,
  ),
  bad(GRAMMAR, 'an Id that is a list', 'resource', doc(ok, { Id: ['x'] }), m.syntax),
  bad(GRAMMAR, 'an Id that is an object', 'resource', doc(ok, { Id: {} }), m.syntax),
  bad(SID, 'a Sid that is an object', 'identity', stmt({ Sid: {} }), m.syntax),
  bad(
    EFFECT,
    'a statement without Effect',
    'identity',
    doc({ Action: 's3:ListBucket', Resource: '*' }),
    m.syntax,
  ),
  bad(EFFECT, 'an Effect that is not a word IAM knows', 'identity', stmt({ Effect: 'invalid' }), m.syntax),
  bad(EFFECT, 'an Effect that is a boolean', 'identity', stmt({ Effect: true }), m.syntax),
  bad(ACTION, 'an Action that is an object', 'identity', stmt({ Action: {} }), m.syntax),
  bad(ACTION, 'an Action holding a list', 'identity', stmt({ Action: [[]] }), m.syntax),
  bad(
    RESOURCE,
    'a Resource that is an object',
    'identity',
    stmt({ Resource: { a: 'arn:aws:s3:::b' } }),
    m.syntax,
  ),
  bad(RESOURCE, 'a Resource list holding an object', 'identity', stmt({ Resource: ['adfdf', {}] }), m.syntax),
  bad(ACTION, 'both Action and NotAction', 'identity', stmt({ NotAction: 's3:ListBucket' }), m.syntax),
  bad(RESOURCE, 'both Resource and NotResource', 'identity', stmt({ NotResource: '*' }), m.syntax),
  bad(CONDITION, 'a Condition that is a list', 'identity', stmt({ Condition: [] }), m.syntax),
  bad(CONDITION, 'a Condition that is a string', 'identity', stmt({ Condition: 'a' }), m.syntax),
  bad(
    CONDITION,
    'a Condition operator mapped to a string',
    'identity',
    stmt({ Condition: { a: 'b' } }),
    m.syntax,
  ),
  bad(
    CONDITION,
    'a known operator mapped to a string',
    'identity',
    stmt({ Condition: { DateGreaterThan: 'b' } }),
    m.syntax,
  ),
  bad(
    CONDITION,
    'a condition value that is an object',
    'identity',
    stmt({ Condition: { DateGreaterThan: { a: {} } } }),
    m.syntax,
  ),
  bad(
    CONDITION,
    'a condition value that is null',
    'identity',
    stmt({ Condition: { StringEquals: { a: null } } }),
    m.syntax,
  ),
  bad(OPS, 'an unknown condition operator', 'identity', stmt({ Condition: { x: { a: '1' } } }), m.syntax),
  bad(
    OPS,
    'a set qualifier with two colons',
    'identity',
    stmt({ Condition: { 'ForAnyValue::StringEqualsIfExists': { a: 'x' } } }),
    m.syntax,
  ),
  bad(
    `${OPS}#Conditions_IfExists`,
    'IfExists on Null',
    'identity',
    stmt({ Condition: { NullIfExists: { a: 'true' } } }),
    m.syntax,
  ),
  bad(
    PRINCIPAL,
    'both Principal and NotPrincipal',
    'resource',
    stmt({ Principal: '*', NotPrincipal: '*' }),
    m.syntax,
  ),
  bad(
    PRINCIPAL,
    'a Principal string other than *',
    'resource',
    stmt({ Principal: 'arn:aws:iam::111122223333:root' }),
    m.syntax,
  ),
  bad(
    PRINCIPAL,
    'an unknown principal type',
    'resource',
    stmt({ Principal: { Account: '111122223333' } }),
    m.syntax,
  ),
  bad(GRAMMAR, 'JSON nested too deep', 'identity', `${'['.repeat(200)}${']'.repeat(200)}`, m.syntax),
  bad(
    GRAMMAR,
    'a raw control character in a string',
    'identity',
    `{"Version":"${V}","Statement":{"Sid":"a\u0001"}}`,
    m.syntax,
  ),
  bad(GRAMMAR, 'a bad escape in a string', 'identity', `{"Version":"${V}\\x"}`, m.syntax),
  bad(GRAMMAR, 'single-quoted JSON', 'identity', "{'Version':'2012-10-17'}", m.syntax),
];

const legacyCases: BadCase[] = [
  bad(VERSION, 'an unknown Version', 'identity', doc(ok).replace(V, '2013-10-17'), m.legacy),
  bad(
    VERSION,
    'a Version that is a number',
    'identity',
    JSON.stringify({ Version: 2012, Statement: ok }),
    m.legacy,
  ),
  bad(EFFECT, 'a lower-case allow', 'identity', stmt({ Effect: 'allow' }), m.legacy),
  bad(EFFECT, 'a mixed-case denY', 'identity', stmt({ Effect: 'denY' }), m.legacy),
  bad(
    EFFECT,
    'a bad Effect is reported before a duplicate Sid',
    'identity',
    doc([
      { ...ok, Sid: 'a', Effect: 'aLLow' },
      { ...ok, Sid: 'a' },
    ]),
    m.legacy,
  ),
  bad(
    DATE,
    'a date value that is not a date',
    'identity',
    stmt({ Condition: { DateGreaterThan: { a: 'sdfdsf' } } }),
    m.legacy,
  ),
  bad(
    DATE,
    'a date with a lower-case t and a one-digit hour',
    'identity',
    stmt({ Condition: { DateLessThanEquals: { a: '2016-12-13t2:00:00.593194+1' } } }),
    m.legacy,
  ),
  bad(
    DATE,
    'an epoch value out of range',
    'identity',
    stmt({ Condition: { DateLessThan: { a: '9223372036854775808' } } }),
    m.legacy,
  ),
  bad(
    DATE,
    'a bad date is reported before a missing Action',
    'identity',
    doc({ Effect: 'Allow', Condition: { DateGreaterThan: { a: 'x' } } }),
    m.legacy,
  ),
  bad(
    `${OPS}#Conditions_Numeric`,
    'a numeric value that is not a number',
    'identity',
    stmt({ Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } }),
    m.legacy,
  ),
  bad(
    VARS,
    'a policy variable in a Numeric operator',
    'identity',
    stmt({ Condition: { NumericEquals: { 'x:n': '${x:m}' } } }),
    m.legacy,
  ),
  bad(
    ARNS,
    'an ARN with five components',
    'identity',
    stmt({ Resource: 'arn:aws:s3::example_bucket' }),
    m.legacy,
  ),
  bad(ARNS, 'an ARN with four components', 'identity', stmt({ Resource: 'arn:aws::fdsasf' }), m.legacy),
  bad(
    ARNS,
    'an ARN with an empty service',
    'identity',
    stmt({ Resource: 'arn:aws::::example_bucket' }),
    m.legacy,
  ),
  bad(
    ARNS,
    'a short ARN in NotResource',
    'identity',
    doc({ Effect: 'Allow', Action: 's3:ListBucket', NotResource: 'arn:aws:s3::b' }),
    m.legacy,
  ),
];

const specificCases: BadCase[] = [
  bad(
    PRINCIPAL,
    'a Principal in an identity-based policy',
    'identity',
    stmt({ Principal: '*' }),
    m.principalForbidden,
  ),
  bad(
    PRINCIPAL,
    'a NotPrincipal in an identity-based policy',
    'identity',
    stmt({ NotPrincipal: { AWS: '111122223333' } }),
    m.principalForbidden,
  ),
  bad(
    PRINCIPAL,
    'a Principal in a permissions boundary',
    'boundary',
    stmt({ Principal: '*' }),
    m.principalForbidden,
  ),
  bad(
    PRINCIPAL,
    'a Principal in a session policy',
    'session',
    stmt({ Principal: '*' }),
    m.principalForbidden,
  ),
  bad(PRINCIPAL, 'a resource-based policy without Principal', 'resource', doc(ok), m.principalMissing),
  bad(
    TRUST,
    'a trust policy without Principal',
    'trust',
    doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }),
    m.principalMissing,
  ),
  bad(
    ACTION,
    'an identity statement without Action',
    'identity',
    doc({ Effect: 'Allow', Resource: '*' }),
    m.actionMissingIdentity,
  ),
  bad(
    ACTION,
    'an identity statement with an empty Action list',
    'identity',
    stmt({ Action: [] }),
    m.actionMissingIdentity,
  ),
  bad(
    ACTION,
    'a later statement with only an Effect',
    'identity',
    doc([{ Effect: 'Deny' }, ok]),
    m.actionMissingIdentity,
  ),
  bad(
    ACTION,
    'a trust statement without Action',
    'trust',
    doc({ Effect: 'Allow', Principal: '*' }),
    m.actionMissingResource,
  ),
  bad(
    RESOURCE,
    'an identity statement without Resource',
    'identity',
    doc({ Effect: 'Allow', Action: 's3:ListBucket' }),
    m.resourceMissing,
  ),
  bad(
    RESOURCE,
    'an identity statement with an empty Resource list',
    'identity',
    stmt({ Resource: [] }),
    m.resourceMissing,
  ),
  bad(
    RESOURCE,
    'a missing Resource is reported before a bad Action',
    'identity',
    doc({ Effect: 'Allow', Action: 'invalid' }),
    m.resourceMissing,
  ),
  bad(
    RESOURCE,
    'a session policy without Resource',
    'session',
    doc({ Effect: 'Allow', Action: 's3:*' }),
    m.resourceMissing,
  ),
  bad(
    RESOURCE,
    'a bucket policy without Resource',
    'resource',
    doc({ Effect: 'Allow', Principal: '*', Action: 's3:*' }),
    m.resourceMissing,
  ),
  bad(
    TRUST,
    'a trust policy with Resource',
    'trust',
    doc({ ...trustOk, Resource: '*' }),
    m.prohibitedField('Resource'),
  ),
  bad(
    TRUST,
    'a trust policy with NotResource',
    'trust',
    doc({ ...trustOk, NotResource: '*' }),
    m.prohibitedField('NotResource'),
  ),
  bad(
    TRUST,
    'a trust policy with a non-STS action',
    'trust',
    doc({ ...trustOk, Action: 's3:GetObject' }),
    m.trustActions,
  ),
  bad(
    SID,
    'two statements with one Sid',
    'identity',
    doc([
      { ...ok, Sid: 'sdf' },
      { Sid: 'sdf', Effect: 'Allow' },
    ]),
    m.sidUnique,
  ),
  bad(
    SID,
    'a Sid with spaces in an IAM policy',
    'identity',
    stmt({ Sid: 'my statement' }),
    m.sidAlphanumeric,
  ),
  bad(ACTION, 'an Action without a vendor', 'identity', stmt({ Action: 'invalid' }), m.actionVendor),
  bad(
    ACTION,
    'an empty NotAction',
    'identity',
    doc({ Effect: 'Allow', NotAction: '', Resource: '*' }),
    m.actionVendor,
  ),
  bad(ACTION, 'an Action with two colons', 'identity', stmt({ Action: 's3:List:Bucket' }), m.actionColons),
  bad(
    ACTION,
    'a later statement with two colons',
    'identity',
    doc([
      { ...ok, Action: 's3s:ListBucket' },
      { ...ok, Action: 's:3s:ListBucket' },
    ]),
    m.actionColons,
  ),
  bad(
    ACTION,
    'a vendor with a space',
    'identity',
    stmt({ Action: 'a a:ListBucket' }),
    m.vendorInvalid('a a'),
  ),
  bad(
    RESOURCE,
    'a Resource that is not an ARN',
    'identity',
    stmt({ Resource: 'invalid resource' }),
    m.resourceNotArn('invalid resource'),
  ),
  bad(RESOURCE, 'an empty Resource string', 'identity', stmt({ Resource: '' }), m.resourceNotArn('')),
  bad(
    RESOURCE,
    'a bare name in a Resource list',
    'identity',
    stmt({ Resource: ['adf'] }),
    m.resourceNotArn('adf'),
  ),
  bad(
    RESOURCE,
    'an unknown partition, padded as IAM shows it',
    'identity',
    stmt({ Resource: 'a:bsdfdsafsad' }),
    m.partitionInvalid('bsdfdsafsad', 'arn:bsdfdsafsad:*:*:*:*'),
  ),
  bad(
    RESOURCE,
    'a three-part resource with an unknown partition',
    'identity',
    stmt({ Resource: 'a:b:cadfsdf' }),
    m.partitionInvalid('b', 'arn:b:cadfsdf:*:*:*'),
  ),
  bad(
    RESOURCE,
    'an ARN missing its arn: prefix',
    'identity',
    stmt({ Resource: 'aws:s3:::example_bucket' }),
    m.partitionInvalid('s3', 'arn:s3:::example_bucket:*'),
  ),
  bad(
    RESOURCE,
    'a misspelled partition',
    'identity',
    stmt({ Resource: 'arn:error:s3:::example_bucket' }),
    m.partitionInvalid('error', 'arn:error:s3:::example_bucket'),
  ),
  bad(RESOURCE, 'an ARN with no service', 'identity', stmt({ Resource: 'arn:aws' }), m.resourceVendor),
  bad(
    RESOURCE,
    'a service with a wildcard',
    'identity',
    stmt({ Resource: 'arn:aws:s3*:::b' }),
    m.resourceVendor,
  ),
  bad(
    RESOURCE,
    'an IAM resource with a region',
    'identity',
    stmt({ Resource: 'arn:aws:iam:us-east-1::example_bucket' }),
    m.iamRegion('arn:aws:iam:us-east-1::example_bucket'),
  ),
  bad(
    PRINCIPAL,
    'a wildcard inside a principal ARN',
    'resource',
    stmt({ Principal: { AWS: 'arn:aws:iam::*:root' } }),
    m.invalidPrincipal('AWS', 'arn:aws:iam::*:root'),
  ),
  bad(
    PRINCIPAL,
    'an account id that is not 12 digits',
    'trust',
    doc({ ...trustOk, Principal: { AWS: '123' } }),
    m.invalidPrincipal('AWS', '123'),
  ),
  bad(
    PRINCIPAL,
    'a wildcard service principal',
    'trust',
    doc({ ...trustOk, Principal: { Service: '*' } }),
    m.invalidPrincipal('Service', '*'),
  ),
];

const badCases = [...syntaxCases, ...legacyCases, ...specificCases];

describe('parsePolicy refusals', () => {
  it.each(badCases)('refuses $name', ({ kind, text, message }) => {
    const attempt = () => parsePolicy(text, kind);
    expect(attempt).toThrow(PolicyError);
    expect(attempt).toThrow(expect.objectContaining({ message }));
  });

  it('keeps a precise detail beside the terse message', () => {
    expect(() => parsePolicy(stmt({ Condition: { x: { a: '1' } } }), 'identity')).toThrow(
      expect.objectContaining({ message: m.syntax, detail: 'Invalid Condition type : x' }),
    );
    expect(() => parsePolicy(stmt({ Effect: 'allow' }), 'identity')).toThrow(
      expect.objectContaining({ detail: 'Invalid effect: allow' }),
    );
  });

  it('covers at least 40 malformed documents, each naming its page', () => {
    expect(badCases.length).toBeGreaterThanOrEqual(40);
    for (const entry of badCases) expect(entry.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});

interface GoodCase {
  readonly doc: string;
  readonly name: string;
  readonly kind: PolicyKind;
  readonly text: string;
  readonly check: (policy: Policy) => void;
}

const good = (
  docUrl: string,
  name: string,
  kind: PolicyKind,
  text: string,
  check: (p: Policy) => void,
): GoodCase => ({
  doc: docUrl,
  name,
  kind,
  text,
  check,
});
const first = (policy: Policy) => policy.statements[0];

const goodCases: GoodCase[] = [
  good(GRAMMAR, 'a minimal identity policy', 'identity', doc([ok]), (p) => {
    expect(p).toMatchObject({ kind: 'identity', version: V });
    expect(first(p)).toEqual({
      effect: 'Allow',
      action: { negated: false, patterns: ['s3:ListBucket'] },
      resource: { negated: false, patterns: ['arn:aws:s3:::example_bucket'] },
      conditions: [],
    });
  }),
  good(GRAMMAR, 'a single statement object becomes a list', 'identity', doc(ok), (p) =>
    expect(p.statements).toHaveLength(1),
  ),
  good(
    VERSION,
    'a missing Version defaults to 2008-10-17',
    'identity',
    JSON.stringify({ Statement: ok }),
    (p) => expect(p.version).toBe('2008-10-17'),
  ),
  good(
    VERSION,
    'Version 2008-10-17 is kept',
    'identity',
    JSON.stringify({ Version: '2008-10-17', Statement: ok }),
    (p) => expect(p.version).toBe('2008-10-17'),
  ),
  good(
    GRAMMAR,
    'Id is kept',
    'resource',
    doc({ ...ok, Principal: '*' }, { Id: 'cd3ad3d9-2776-4ef1-a904-4c229d1642ee' }),
    (p) => expect(p.id).toBe('cd3ad3d9-2776-4ef1-a904-4c229d1642ee'),
  ),
  good(PRINCIPAL, 'Principal * stays *', 'resource', stmt({ Principal: '*' }), (p) =>
    expect(first(p)?.principal).toEqual({ negated: false, spec: '*' }),
  ),
  good(
    PRINCIPAL,
    'a principal map gets every list',
    'resource',
    stmt({ Principal: { AWS: '123456789012' } }),
    (p) =>
      expect(first(p)?.principal?.spec).toEqual({
        AWS: ['123456789012'],
        Service: [],
        Federated: [],
        CanonicalUser: [],
      }),
  ),
  good(
    PRINCIPAL,
    'several principal types at once',
    'resource',
    stmt({
      Principal: {
        AWS: ['arn:aws:iam::123456789012:root', '999999999999'],
        Service: 'glue.amazonaws.com',
        CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
      },
    }),
    (p) =>
      expect(first(p)?.principal?.spec).toMatchObject({
        AWS: ['arn:aws:iam::123456789012:root', '999999999999'],
        Service: ['glue.amazonaws.com'],
      }),
  ),
  good(
    `${AWS}/reference_policies_elements_notprincipal.html`,
    'NotPrincipal is negated',
    'resource',
    stmt({ NotPrincipal: { AWS: '123456789012' }, Effect: 'Deny' }),
    (p) => expect(first(p)?.principal?.negated).toBe(true),
  ),
  good(
    `${AWS}/reference_policies_elements_notaction.html`,
    'NotAction is negated',
    'identity',
    doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }),
    (p) => expect(first(p)?.action).toEqual({ negated: true, patterns: ['iam:*'] }),
  ),
  good(
    `${AWS}/reference_policies_elements_notresource.html`,
    'NotResource is negated',
    'identity',
    doc({ Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] }),
    (p) => expect(first(p)?.resource?.negated).toBe(true),
  ),
  good(
    `${AWS}/reference_policies_condition-single-vs-multi-valued-context-keys.html`,
    'a qualified IfExists operator is split',
    'identity',
    stmt({ Condition: { 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['a*'] } } }),
    (p) =>
      expect(first(p)?.conditions).toEqual([
        {
          operator: 'StringLike',
          ifExists: true,
          setQualifier: 'ForAnyValue',
          key: 'aws:TagKeys',
          values: ['a*'],
        },
      ]),
  ),
  good(
    CONDITION,
    'numbers and booleans keep their text',
    'identity',
    stmt({
      Condition: {
        NumericLessThanEquals: { 's3:max-keys': 10 },
        NumericEquals: { 'x:n': 1.5 },
        Bool: { 'aws:SecureTransport': true },
      },
    }),
    (p) => expect(first(p)?.conditions.map((c) => c.values[0])).toEqual(['10', '1.5', 'true']),
  ),
  good(
    CONDITION,
    'a JSON number keeps its exact literal',
    'identity',
    `{"Version":"${V}","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"x:n":1.50}}}}`,
    (p) => expect(first(p)?.conditions[0]?.values).toEqual(['1.50']),
  ),
  good(
    CONDITION,
    'several keys under one operator become several conditions',
    'identity',
    stmt({ Condition: { StringEquals: { 'x:a': '1', 'x:b': ['2', '3'] } } }),
    (p) =>
      expect(first(p)?.conditions.map((c) => [c.key, c.values])).toEqual([
        ['x:a', ['1']],
        ['x:b', ['2', '3']],
      ]),
  ),
  good(CONDITION, 'an empty Condition is accepted', 'identity', stmt({ Condition: {} }), (p) =>
    expect(first(p)?.conditions).toEqual([]),
  ),
  good(
    CONDITION,
    'an unknown operator with nothing under it is accepted',
    'identity',
    stmt({ Condition: { a: {} } }),
    (p) => expect(first(p)?.conditions).toEqual([]),
  ),
  good(
    CONDITION,
    'a condition key with no values is accepted',
    'identity',
    stmt({ Condition: { DateGreaterThan: { a: [] } } }),
    (p) => expect(first(p)?.conditions[0]?.values).toEqual([]),
  ),
  good(
    ACTION,
    'any text after the vendor is an action name',
    'identity',
    stmt({ Action: 'iam: asdf safdsf af ' }),
    (p) => expect(first(p)?.action?.patterns).toEqual(['iam: asdf safdsf af ']),
  ),
  good(ACTION, 'Action * alone', 'identity', stmt({ Action: '*' }), (p) =>
    expect(first(p)?.action?.patterns).toEqual(['*']),
  ),
  good(RESOURCE, 'a three-part ARN is accepted', 'identity', stmt({ Resource: 'arn:aws:fdsasf' }), (p) =>
    expect(first(p)?.resource?.patterns).toEqual(['arn:aws:fdsasf']),
  ),
  good(
    RESOURCE,
    'an unknown service is accepted',
    'identity',
    stmt({ Resource: ['arn:aws:invalid-service:::example_bucket', '*'] }),
    (p) => expect(first(p)?.resource?.patterns).toHaveLength(2),
  ),
  good(
    VARS,
    'variables are kept as written',
    'identity',
    stmt({ Resource: 'arn:aws:s3:::b/${aws:username}/*' }),
    (p) => expect(first(p)?.resource?.patterns).toEqual(['arn:aws:s3:::b/${aws:username}/*']),
  ),
  good(
    TRUST,
    'a service trust policy',
    'trust',
    doc({ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    (p) => expect(p.kind).toBe('trust'),
  ),
  good(
    TRUST,
    'a trust policy with sts:* and TagSession',
    'trust',
    doc({ ...trustOk, Action: ['sts:*', 'sts:TagSession'] }),
    (p) => expect(first(p)?.action?.patterns).toHaveLength(2),
  ),
  good(
    SID,
    'resource-based policies allow spaces in Sid',
    'resource',
    stmt({ Principal: '*', Sid: 'Allow public read' }),
    (p) => expect(first(p)?.sid).toBe('Allow public read'),
  ),
  good(
    GRAMMAR,
    'elements may come in any order',
    'identity',
    `{"Statement":{"Resource":"*","Action":"s3:*","Effect":"Deny"},"Version":"${V}"}`,
    (p) => expect(first(p)?.effect).toBe('Deny'),
  ),
  good(
    GRAMMAR,
    'unicode escapes are decoded',
    'identity',
    `{"Version":"${V}","Statement":{"Sid":"\\u0041b","Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
    (p) => expect(first(p)?.sid).toBe('Ab'),
  ),
  good(
    GRAMMAR,
    'prototype keys are plain data',
    'identity',
    stmt({ Condition: JSON.parse('{"StringEquals":{"__proto__":"x","constructor":"y"}}') }),
    (p) => {
      expect(first(p)?.conditions.map((c) => c.key)).toEqual(['__proto__', 'constructor']);
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    },
  ),
];

describe('parsePolicy accepts and normalizes', () => {
  it.each(goodCases)('$name', ({ kind, text, check }) => check(parsePolicy(text, kind)));

  it('returns a deeply frozen tree', () => {
    const policy = parsePolicy(stmt({ Condition: { StringEquals: { 'x:a': '1' } } }), 'identity');
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.statements)).toBe(true);
    expect(Object.isFrozen(first(policy))).toBe(true);
    expect(Object.isFrozen(first(policy)?.conditions[0])).toBe(true);
    expect(Object.isFrozen(first(policy)?.action?.patterns)).toBe(true);
  });

  it('names a documentation page for every case', () => {
    for (const entry of goodCases) expect(entry.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});
