import type { IamContext } from './iam-context.js';
import { nameKey } from './iam-names.js';
import type { Policy } from './policy/index.js';

/**
 * The first principal a policy names that IAM would refuse as not existing: a user or role of this account
 * (by name and path) that is not there. IAM, KMS and S3 refuse a policy naming one (they keep the principal's
 * unique id, not its name). Principals of other accounts, account roots, services and `*` are not looked up.
 */
export async function unknownPrincipal(
  db: IamContext['db'],
  account: string,
  policy: Policy,
): Promise<string | undefined> {
  for (const statement of policy.statements) {
    const spec = statement.principal?.spec;
    if (spec === undefined || spec === '*') continue;
    for (const arn of spec.AWS) {
      const named = /^arn:aws:iam::(\d{12}):(user|role)(\/(?:.*\/)?)([^/]+)$/.exec(arn);
      if (!named || named[1] !== account) continue;
      const [, , kind, path, name] = named as unknown as [string, string, 'user' | 'role', string, string];
      const row = await db
        .selectFrom(kind === 'user' ? 'iam_users' : 'iam_roles')
        .select(['path', 'name'])
        .where('account_id', '=', account)
        .where('name_key', '=', nameKey(name))
        .executeTakeFirst();
      // Exactly as the principal's ARN is written: policies match a caller's ARN as written, so a name in
      // another case (IAM's names are unique in any case) would name no one and, in a Deny, protect nothing.
      if (row?.path !== path || row.name !== name) return arn;
    }
  }
  return undefined;
}
