import {
  type Fields,
  type InferFields,
  type QueryObject,
  type QueryProtocol,
  queryOperation,
  validationError,
} from '../lib/aws-query.js';
import type { ConditionValues, Operation, OperationRequest } from '../lib/operation.js';
import { offsetPage } from '../lib/page-token.js';
import { iamArn, nameKey } from './iam-names.js';
import type { IamUserTable } from './iam-schema.js';
import type { IamService } from './iam-types.js';

export const IAM_PROTOCOL: QueryProtocol = {
  service: 'iam',
  version: '2010-05-08',
  namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
};

/** Declares an IAM operation (action `iam:<Name>`). */
export function iamOperation<F extends Fields>(declaration: {
  name: string;
  input: F;
  resources: (input: InferFields<F>, req: OperationRequest) => readonly string[] | Promise<readonly string[]>;
  conditions?: (input: InferFields<F>, req: OperationRequest) => ConditionValues;
  handle: (input: InferFields<F>, req: OperationRequest) => Promise<QueryObject | undefined>;
}): Operation<unknown, InferFields<F>> {
  return queryOperation(IAM_PROTOCOL, declaration) as Operation<unknown, InferFields<F>>;
}

/** A page of a listing, with IAM's IsTruncated and Marker. */
export function page<T>(
  items: readonly T[],
  input: { Marker?: string; MaxItems?: number },
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const result = offsetPage(items, input.Marker, input.MaxItems ?? 100, () =>
    validationError('Invalid Marker.'),
  );
  return {
    items: result.items,
    IsTruncated: result.NextToken !== undefined,
    ...(result.NextToken ? { Marker: result.NextToken } : {}),
  };
}

type Named = 'iam_users' | 'iam_groups' | 'iam_roles';
const KIND = { iam_users: 'user', iam_groups: 'group', iam_roles: 'role' } as const;

/**
 * The ARN of a named user, group or role for authorization: with its path when it exists, else with '/'
 * (the handler then answers NoSuchEntity, if the caller may ask at all).
 */
export async function entityArn(iam: IamService, table: Named, account: string, name: string) {
  const row = await iam.db
    .selectFrom(table)
    .select(['path', 'name'])
    .where('account_id', '=', account)
    .where('name_key', '=', nameKey(name))
    .executeTakeFirst();
  return iamArn(account, KIND[table], row?.path ?? '/', row?.name ?? name);
}

/** The user an operation is about: the one named, else the caller (undefined: the root user). */
export async function targetUser(
  iam: IamService,
  req: OperationRequest,
  name: string | undefined,
): Promise<IamUserTable | undefined> {
  const principal = req.principal;
  if (name !== undefined) return iam.findUser(principal.accountId, name);
  if (principal.type === 'IAMUser' && principal.username !== undefined)
    return iam.findUser(principal.accountId, principal.username);
  if (principal.type === 'Root') return undefined;
  throw validationError('Must specify userName when calling with non-User credentials');
}

/** The ARN of the user an operation is about, for authorization (the caller's own when none is named). */
export async function targetUserArn(iam: IamService, req: OperationRequest, name: string | undefined) {
  if (name !== undefined) return entityArn(iam, 'iam_users', req.principal.accountId, name);
  return req.principal.arn;
}
