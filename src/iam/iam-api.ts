import { queryEndpoint } from '../lib/aws-query.js';
import { registerOperations } from '../lib/operation.js';
import { accountOperations } from './iam-api-account.js';
import { aliasOperations } from './iam-api-aliases.js';
import { attachmentOperations } from './iam-api-attachments.js';
import { policyOperations } from './iam-api-policies.js';
import { groupAndRoleOperations } from './iam-api-roles.js';
import { IAM_PROTOCOL } from './iam-api-support.js';
import { userOperations } from './iam-api-users.js';
import type { IamService } from './iam-types.js';

/** The IAM endpoint (awsQuery, version 2010-05-08): every operation Seawall's IAM serves. */
export function createIamApi(iam: IamService) {
  return queryEndpoint(
    IAM_PROTOCOL,
    registerOperations('iam', [
      ...userOperations(iam),
      ...groupAndRoleOperations(iam),
      ...policyOperations(iam),
      ...attachmentOperations(iam),
      ...accountOperations(iam),
      ...aliasOperations(iam),
    ]),
  );
}
