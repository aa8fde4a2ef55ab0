import { describe, expect, it } from 'vitest';
import type { Principal, RequestFacts } from '../lib/operation.js';
import { createAuthorizer } from './authorizer.js';
import { parsePolicy } from './policy/index.js';

const USER: Principal = {
  accountId: '123456789012',
  arn: 'arn:aws:iam::123456789012:user/ana',
  accessKeyId: 'AKIAEXAMPLE',
  type: 'IAMUser',
  userId: 'AIDAEXAMPLE',
  username: 'ana',
};
const FACTS: RequestFacts = {
  sourceIp: '127.0.0.1',
  secureTransport: false,
  time: new Date(),
  userAgent: 'test',
};

function authorizerWith(statements: object[]) {
  const policy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), 'identity');
  return createAuthorizer({
    identityPolicies: async () => ({ identity: [policy] }),
    resourcePolicies: async () => undefined,
  });
}

/** A GetObject check whose existing-tag lookup counts how often it runs. */
function getObject(tags: Record<string, string>) {
  const calls = { count: 0, resources: [] as string[] };
  const check = {
    action: 's3:GetObject',
    resources: ['arn:aws:s3:::lake/a.csv'],
    conditions: { 's3:prefix': undefined },
    lookedUpConditions: async (resource: string) => {
      calls.count++;
      calls.resources.push(resource);
      return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`s3:ExistingObjectTag/${k}`, v]));
    },
  };
  return { check, calls };
}

describe('looked-up condition keys', () => {
  it('are not looked up when no policy tests a key the request lacks', async () => {
    const authorizer = authorizerWith([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
      },
    ]);
    const { check, calls } = getObject({ team: 'parks' });
    await authorizer.authorize(USER, check, FACTS);
    expect(calls.count).toBe(0);
  });

  it('are looked up once for each resource, and decide, when a policy tests them', async () => {
    const authorizer = authorizerWith([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'finance' } },
      },
    ]);
    const open = getObject({ team: 'parks' });
    await authorizer.authorize(
      USER,
      { ...open.check, resources: ['arn:aws:s3:::lake/a', 'arn:aws:s3:::lake/b'] },
      FACTS,
    );
    expect(open.calls.resources).toEqual(['arn:aws:s3:::lake/a', 'arn:aws:s3:::lake/b']);
    const closed = getObject({ team: 'finance' });
    await expect(authorizer.authorize(USER, closed.check, FACTS)).rejects.toMatchObject({
      code: 'AccessDenied',
    });
  });
});
