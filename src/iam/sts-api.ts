import { type QueryProtocol, queryEndpoint, queryOperation } from '../lib/aws-query.js';
import { registerOperations } from '../lib/operation.js';
import type { IamService } from './iam-service.js';

export const STS_PROTOCOL: QueryProtocol = {
  service: 'sts',
  version: '2011-06-15',
  namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

/** STS's operations: who the caller is, and temporary credentials for roles and users. */
export function stsOperations(_iam: IamService) {
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
  ];
}

/** The STS endpoint (awsQuery, version 2011-06-15). */
export function createStsApi(iam: IamService) {
  return queryEndpoint(STS_PROTOCOL, registerOperations('sts', stsOperations(iam)));
}
