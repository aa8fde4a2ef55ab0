import { AppError } from '../errors.js';
import {
  type Fields,
  type InferFields,
  type QueryObject,
  type QueryProtocol,
  type QueryRaw,
  queryOperation,
  validationError,
} from '../lib/aws-query.js';
import type { ConditionValues, Operation, OperationRequest } from '../lib/operation.js';
import { offsetPage } from '../lib/page-token.js';
import { resourceTagKeys, type TargetFacts, targetFacts } from './iam-api-conditions.js';
import { isUserSession } from './iam-keys.js';
import { iamArn, nameKey } from './iam-names.js';
import type { IamUserTable } from './iam-schema.js';
import type { IamService } from './iam-types.js';

export const IAM_PROTOCOL: QueryProtocol = {
  service: 'iam',
  version: '2010-05-08',
  namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
};

/** What an IAM operation's conditions are computed from: its input, request and existing target. */
export type IamConditions<I> = (
  input: I,
  req: OperationRequest,
  target: TargetFacts | undefined,
) => ConditionValues | Promise<ConditionValues>;

/**
 * Declares an IAM operation (action `iam:<Name>`). Its condition keys may need the store (the target's tags
 * and boundary), so they are computed while decoding, which may wait, and handed to the registry's
 * synchronous `conditions`: aws:ResourceTag/… of the first resource that exists, then the declaration's own.
 */
export function iamOperation<F extends Fields>(
  iam: IamService,
  declaration: {
    name: string;
    input: F;
    resources: (
      input: InferFields<F>,
      req: OperationRequest,
    ) => readonly string[] | Promise<readonly string[]>;
    conditions?: IamConditions<InferFields<F>>;
    handle: (input: InferFields<F>, req: OperationRequest) => Promise<QueryObject | undefined>;
  },
): Operation<unknown, InferFields<F>> {
  const { conditions: _computedBelow, ...plain } = declaration;
  const op = queryOperation(IAM_PROTOCOL, plain);
  const computed = new WeakMap<object, { resources: readonly string[]; conditions: ConditionValues }>();
  return {
    ...op,
    async decode(raw, req) {
      if (isUserSession(req.principal)) throw invalidSessionToken();
      const input = op.decode(raw as QueryRaw, req) as InferFields<F>;
      const resources = await declaration.resources(input, req);
      let target: TargetFacts | undefined;
      for (const arn of resources) {
        target = await targetFacts(iam, req.principal.accountId, arn);
        if (target) break;
      }
      const own = (await declaration.conditions?.(input, req, target)) ?? {};
      computed.set(input, { resources, conditions: { ...resourceTagKeys(target), ...own } });
      return input;
    },
    resources: (input, req) => computed.get(input)?.resources ?? declaration.resources(input, req),
    conditions(input) {
      const found = computed.get(input);
      // Keys missing would let a Deny conditioned on them fail open: refuse rather than guess.
      if (!found) throw new Error(`iam:${declaration.name}: conditions asked before the input was decoded`);
      return found.conditions;
    },
  };
}

/** What AWS answers an IAM call made with GetSessionToken credentials obtained without MFA. */
function invalidSessionToken(): AppError {
  return new AppError('InvalidClientTokenId', 403, 'The security token included in the request is invalid', {
    protocolCodes: { query: 'InvalidClientTokenId' },
  });
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

/**
 * What IAM authorizes a listing of users, groups or roles on: the ARN of their path prefix with no name
 * (`arn:aws:iam::123456789012:user/` for all), as its AccessDenied messages name it, so a policy that allows
 * `iam:ListUsers` on `arn:aws:iam::*:user/*` allows the listing.
 */
export function listingArn(account: string, kind: 'user' | 'group' | 'role', pathPrefix: string | undefined) {
  return iamArn(account, kind, pathPrefix ?? '/', '');
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
