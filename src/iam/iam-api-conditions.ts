import type { ConditionValues } from '../lib/operation.js';
import { nameKey } from './iam-names.js';
import type { Tag } from './iam-tags.js';
import type { IamService } from './iam-types.js';

/**
 * What an IAM operation's target already is, for the condition keys AWS derives from it (Service
 * Authorization Reference, IAM): its tags (aws:ResourceTag/…) and, for users and roles, its permissions
 * boundary (iam:PermissionsBoundary on Attach/Detach/Put/Delete of their policies).
 */
export interface TargetFacts {
  readonly kind: 'user' | 'role' | 'policy';
  readonly tags: readonly Tag[];
  readonly boundary?: string;
}

const IAM_ARN = /^arn:aws:iam::(\d{12}):(user|role|policy)(\/(?:[^/]+\/)*)([^/]+)$/;

/**
 * The user, role or customer managed policy an ARN names in the caller's account, if it exists. Never
 * throws for a missing entity: this runs before authorization, which must not learn what exists.
 */
export async function targetFacts(
  iam: IamService,
  account: string,
  arn: string,
): Promise<TargetFacts | undefined> {
  const match = IAM_ARN.exec(arn);
  if (!match || match[1] !== account) return undefined;
  const [, , kind, path, name] = match as unknown as [string, string, TargetFacts['kind'], string, string];
  if (kind === 'policy') {
    const policy = await iam.findPolicy(account, arn).catch(() => undefined);
    return policy?.row ? { kind, tags: await iam.tagsOf(policy.id) } : undefined;
  }
  const row = await iam.db
    .selectFrom(kind === 'user' ? 'iam_users' : 'iam_roles')
    .select(['id', 'path', 'permissions_boundary'])
    .where('account_id', '=', account)
    .where('name_key', '=', nameKey(name))
    .executeTakeFirst();
  if (!row || row.path !== path) return undefined;
  return {
    kind,
    tags: await iam.tagsOf(row.id),
    ...(row.permissions_boundary !== null ? { boundary: row.permissions_boundary } : {}),
  };
}

/** aws:ResourceTag/<key> for the target's tags; users and roles also answer IAM's iam:ResourceTag/<key>. */
export function resourceTagKeys(target: TargetFacts | undefined): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const tag of target?.tags ?? []) {
    keys[`aws:ResourceTag/${tag.Key}`] = tag.Value;
    if (target?.kind !== 'policy') keys[`iam:ResourceTag/${tag.Key}`] = tag.Value;
  }
  return keys;
}

/** aws:RequestTag/<key> and aws:TagKeys for the tags a request sets; nothing when it sets none. */
export function requestTagKeys(tags: readonly Tag[] | undefined): ConditionValues {
  if (tags === undefined) return {};
  const keys: Record<string, string | readonly string[]> = { 'aws:TagKeys': tags.map((t) => t.Key) };
  for (const tag of tags) keys[`aws:RequestTag/${tag.Key}`] = tag.Value;
  return keys;
}

/** iam:PermissionsBoundary, when there is one to name. */
export function boundaryKey(boundary: string | undefined): ConditionValues {
  return boundary === undefined ? {} : { 'iam:PermissionsBoundary': boundary };
}
