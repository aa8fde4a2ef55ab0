import type { SecretBox } from '../kms/index.js';
import { validationError } from '../lib/aws-query.js';
import type { Clock } from '../lib/clock.js';
import { roleArnOf } from '../lib/operation.js';
import { createAuthorizationContexts } from './iam-authz.js';
import type { IamContext } from './iam-context.js';
import { createGroups } from './iam-groups.js';
import { createKeys } from './iam-keys.js';
import { invalidInput } from './iam-names.js';
import { createPolicies } from './iam-policies.js';
import { unknownPrincipal } from './iam-principals.js';
import { createRoles, roleArn, roleNamed } from './iam-roles.js';
import { createSessions } from './iam-sessions.js';
import type { IamStore } from './iam-store.js';
import { createTags } from './iam-tags.js';
import type { IamService } from './iam-types.js';
import { createUsers } from './iam-users.js';
import type { Policy } from './policy/index.js';

/**
 * IAM: the account and its root key, users and their keys and passwords, groups, roles, managed and inline
 * policies, and the identities STS sessions act as. Every write bumps a generation that drops the cached
 * signing identities and authorization contexts.
 */
export function createIamService(deps: { store: IamStore; secrets: SecretBox; clock: Clock }): IamService {
  let generation = 0;
  const ctx: IamContext = {
    db: deps.store.db,
    store: deps.store,
    secrets: deps.secrets,
    clock: deps.clock,
    changed: () => {
      generation++;
    },
    generation: () => generation,
  };
  const tags = createTags(ctx);
  const users = createUsers(ctx, tags);
  const groups = createGroups(ctx, users);
  const roles = createRoles(ctx, tags);
  const policies = createPolicies(ctx, tags);
  const contexts = createAuthorizationContexts(ctx, { groups, roles, policies, tags });
  return {
    db: ctx.db,
    ...createKeys(ctx),
    ...users,
    ...groups,
    ...roles,
    ...policies,
    ...tags,
    ...contexts,
    ...createSessions(ctx, { roles, contextOf: contexts.authorizationContext }),

    awsManagedRefusal(arn: string) {
      return invalidInput(`Policy ${arn} is an AWS managed policy and cannot be changed.`);
    },

    async accountCreated(account: string): Promise<Date> {
      const row = await ctx.db
        .selectFrom('accounts')
        .select('created_at')
        .where('id', '=', account)
        .executeTakeFirstOrThrow();
      return new Date(row.created_at);
    },

    async resolveRoleArn(account: string, role: string): Promise<string> {
      const found = await roleNamed(roles, account, role);
      return found ? roleArn(found) : roleArnOf(account, role);
    },

    unknownPrincipal: (account: string, policy: Policy) => unknownPrincipal(ctx.db, account, policy),

    rootLoginRefusal() {
      return validationError('Seawall keeps no console password for the root user; name a user.');
    },
  };
}
