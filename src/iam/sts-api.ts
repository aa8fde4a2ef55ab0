import { type QueryProtocol, q, queryEndpoint, queryOperation } from '../lib/aws-query.js';
import { registerOperations } from '../lib/operation.js';
import { shapes } from './iam-names.js';
import type { IamService } from './iam-types.js';

export const STS_PROTOCOL: QueryProtocol = {
  service: 'sts',
  version: '2011-06-15',
  namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

const SESSION_NAME = /^[\w+=,.@-]*$/;
const stsTag = q.struct({
  Key: q.string({ required: true, min: 1, max: 128, pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u }),
  Value: q.string({ required: true, max: 256, pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u }),
});

const policyArnList = q.list(q.struct({ arn: q.string({ min: 20, max: 2048 }) }), { max: 10 });

/** STS's operations: who the caller is, and temporary credentials for roles and users. */
export function stsOperations(iam: IamService) {
  return [
    queryOperation(STS_PROTOCOL, {
      name: 'GetCallerIdentity',
      input: {},
      // Any authenticated principal may ask who it is; AWS never denies this one, whatever the policies say.
      resources: () => ['*'],
      anyPrincipal: true,
      async handle(_input, req) {
        const { principal } = req;
        return { UserId: principal.userId, Account: principal.accountId, Arn: principal.arn };
      },
    }),
    queryOperation(STS_PROTOCOL, {
      name: 'AssumeRole',
      input: {
        RoleArn: q.string({ required: true, min: 20, max: 2048 }),
        RoleSessionName: q.string({
          required: true,
          min: 2,
          max: 64,
          pattern: SESSION_NAME,
          patternText: '[\\w+=,.@-]*',
        }),
        DurationSeconds: q.integer({ min: 900, max: 43200 }),
        Policy: q.string({ min: 1, max: 2048, pattern: shapes.policyDocument.pattern }),
        PolicyArns: policyArnList,
        Tags: q.list(stsTag, { max: 50 }),
        TransitiveTagKeys: q.list(q.string({ min: 1, max: 128 }), { max: 50 }),
        ExternalId: q.string({
          min: 2,
          max: 1224,
          pattern: /^[\w+=,.@:/-]*$/,
          patternText: '[\\w+=,.@:\\/-]*',
        }),
        SourceIdentity: q.string({ min: 2, max: 64, pattern: SESSION_NAME, patternText: '[\\w+=,.@-]*' }),
      },
      resources: (input) => [input.RoleArn],
      // The role's trust policy decides, together with the caller's identity policies (AWS's rules for
      // a resource policy that must name the caller), in the handler; the pipeline's identity-only check
      // would get within-account trust wrong.
      anyPrincipal: true,
      async handle(input, req) {
        const result = await iam.assumeRole(req.principal, req.region, {
          roleArn: input.RoleArn,
          sessionName: input.RoleSessionName,
          facts: req.facts,
          ...(input.DurationSeconds !== undefined ? { durationSeconds: input.DurationSeconds } : {}),
          ...(input.Policy !== undefined ? { policy: input.Policy } : {}),
          ...(input.PolicyArns !== undefined ? { policyArns: input.PolicyArns.map((p) => p.arn ?? '') } : {}),
          ...(input.Tags !== undefined ? { tags: input.Tags } : {}),
          ...(input.TransitiveTagKeys !== undefined ? { transitiveTagKeys: input.TransitiveTagKeys } : {}),
          ...(input.ExternalId !== undefined ? { externalId: input.ExternalId } : {}),
          ...(input.SourceIdentity !== undefined ? { sourceIdentity: input.SourceIdentity } : {}),
        });
        return result;
      },
    }),
    queryOperation(STS_PROTOCOL, {
      name: 'GetSessionToken',
      input: { DurationSeconds: q.integer({ min: 900, max: 129600 }) },
      resources: () => ['*'],
      // AWS requires no permission for GetSessionToken: a user may always get session credentials.
      anyPrincipal: true,
      async handle(input, req) {
        return iam.getSessionToken(req.principal, input.DurationSeconds);
      },
    }),
  ];
}

/** The STS endpoint (awsQuery, version 2011-06-15). */
export function createStsApi(iam: IamService) {
  return queryEndpoint(STS_PROTOCOL, registerOperations('sts', stsOperations(iam)));
}
