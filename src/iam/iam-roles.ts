import type { IamContext } from './iam-context.js';
import { now } from './iam-context.js';
import { checkSize, encodeDocument, parseDocument } from './iam-documents.js';
import { findNamed, hasPolicies } from './iam-entities.js';
import { alreadyExists, deleteConflict, iamArn, malformedPolicy, nameKey, uniqueId } from './iam-names.js';
import { unknownPrincipal } from './iam-principals.js';
import type { IamRoleTable } from './iam-schema.js';
import type { Tag } from './iam-tags.js';
import type { IamRoles, IamTags, NewRole, RoleChange } from './iam-types.js';
import { policyMessages, policySizeLimits } from './policy/index.js';

export type RoleView = {
  Path: string;
  RoleName: string;
  RoleId: string;
  Arn: string;
  CreateDate: Date;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  PermissionsBoundary?: { PermissionsBoundaryType: 'Policy'; PermissionsBoundaryArn: string };
  Tags?: Tag[];
  RoleLastUsed?: { LastUsedDate?: Date; Region?: string };
};

export function roleArn(role: IamRoleTable): string {
  return iamArn(role.account_id, 'role', role.path, role.name);
}

export function roleView(role: IamRoleTable, detail?: { tags: Tag[] }): RoleView {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: roleArn(role),
    CreateDate: new Date(role.created_at),
    AssumeRolePolicyDocument: encodeDocument(role.trust_policy),
    ...(role.description !== null ? { Description: role.description } : {}),
    MaxSessionDuration: role.max_session_duration,
    ...(detail && role.permissions_boundary
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'Policy',
            PermissionsBoundaryArn: role.permissions_boundary,
          },
        }
      : {}),
    ...(detail && detail.tags.length > 0 ? { Tags: detail.tags } : {}),
    ...(detail
      ? {
          RoleLastUsed:
            role.last_used_at === null
              ? {}
              : { LastUsedDate: new Date(role.last_used_at), Region: role.last_used_region ?? undefined },
        }
      : {}),
  };
}

/** A trust policy is valid IAM, within its quota, and names only principals that exist (unknownPrincipal). */
async function checkTrustPolicy(db: IamContext['db'], account: string, document: string): Promise<void> {
  const policy = parseDocument(document, 'trust');
  checkSize(
    [document],
    policySizeLimits.roleTrustPolicy.limit,
    'Cannot exceed quota for ACLSizePerRole: 2048',
  );
  const unknown = await unknownPrincipal(db, account, policy);
  if (unknown !== undefined) throw malformedPolicy(policyMessages.invalidPrincipal('AWS', unknown));
}

export function createRoles(ctx: IamContext, tags: IamTags): IamRoles {
  const { db } = ctx;

  const find = (account: string, name: string) => findNamed(db, 'role', account, name);

  return {
    findRole: find,

    async findRoleById(id: string): Promise<IamRoleTable | undefined> {
      return db.selectFrom('iam_roles').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async createRole(account: string, input: NewRole): Promise<RoleView> {
      await checkTrustPolicy(db, account, input.trustPolicy);
      const row: IamRoleTable = {
        id: uniqueId('AROA'),
        account_id: account,
        name: input.name,
        name_key: nameKey(input.name),
        path: input.path ?? '/',
        trust_policy: input.trustPolicy,
        description: input.description ?? null,
        max_session_duration: input.maxSessionDuration ?? 3600,
        permissions_boundary: input.boundary ?? null,
        created_at: now(ctx),
        last_used_at: null,
        last_used_region: null,
      };
      const clash = await db
        .selectFrom('iam_roles')
        .select('id')
        .where('account_id', '=', account)
        .where('name_key', '=', row.name_key)
        .executeTakeFirst();
      if (clash) throw alreadyExists(`Role with name ${input.name} already exists.`);
      await db.insertInto('iam_roles').values(row).execute();
      if (input.tags?.length) await tags.tag(row.id, input.tags);
      ctx.changed();
      return roleView(row, { tags: input.tags ?? [] });
    },

    async getRole(account: string, name: string): Promise<RoleView> {
      const role = await find(account, name);
      return roleView(role, { tags: await tags.tagsOf(role.id) });
    },

    async listRoles(account: string, pathPrefix = '/'): Promise<RoleView[]> {
      const rows = await db
        .selectFrom('iam_roles')
        .selectAll()
        .where('account_id', '=', account)
        .orderBy('name_key')
        .execute();
      return rows.filter((row) => row.path.startsWith(pathPrefix)).map((row) => roleView(row));
    },

    async deleteRole(account: string, name: string): Promise<void> {
      const role = await find(account, name);
      if (await hasPolicies(db, 'iam_inline_policies', role.id))
        throw deleteConflict('Cannot delete entity, must delete policies first.');
      if (await hasPolicies(db, 'iam_attachments', role.id))
        throw deleteConflict('Cannot delete entity, must detach all policies first.');
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('iam_tags').where('entity_id', '=', role.id).execute();
        await trx.deleteFrom('iam_roles').where('id', '=', role.id).execute();
      });
      ctx.changed();
    },

    async updateAssumeRolePolicy(account: string, name: string, document: string): Promise<void> {
      const role = await find(account, name);
      await checkTrustPolicy(db, account, document);
      await db.updateTable('iam_roles').set({ trust_policy: document }).where('id', '=', role.id).execute();
      ctx.changed();
    },

    async updateRole(account: string, name: string, change: RoleChange): Promise<void> {
      const role = await find(account, name);
      if (change.description === undefined && change.maxSessionDuration === undefined) return;
      await db
        .updateTable('iam_roles')
        .set({
          ...(change.description !== undefined ? { description: change.description } : {}),
          ...(change.maxSessionDuration !== undefined
            ? { max_session_duration: change.maxSessionDuration }
            : {}),
        })
        .where('id', '=', role.id)
        .execute();
      ctx.changed();
    },

    async setRoleBoundary(account: string, name: string, boundary: string | null): Promise<void> {
      const role = await find(account, name);
      await db
        .updateTable('iam_roles')
        .set({ permissions_boundary: boundary })
        .where('id', '=', role.id)
        .execute();
      ctx.changed();
    },

    async noteRoleUse(roleId: string, region: string): Promise<void> {
      await db
        .updateTable('iam_roles')
        .set({ last_used_at: now(ctx), last_used_region: region })
        .where('id', '=', roleId)
        .execute();
    },
  };
}

/**
 * The role a name or an ARN names, if there is one: an ARN must be the role's own, path included (what a
 * crawler's Role or a recipe job's RoleArn hands over).
 */
export async function roleNamed(
  roles: Pick<IamRoles, 'findRole'>,
  account: string,
  role: string,
): Promise<IamRoleTable | undefined> {
  const name = /^arn:aws:iam::\d{12}:role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(role)?.[1] ?? role;
  const found = await roles.findRole(account, name).catch(() => undefined);
  return found && (!role.startsWith('arn:') || roleArn(found) === role) ? found : undefined;
}
