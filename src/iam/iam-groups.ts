import type { IamContext } from './iam-context.js';
import { now } from './iam-context.js';
import { findNamed, hasPolicies } from './iam-entities.js';
import {
  alreadyExists,
  deleteConflict,
  iamArn,
  limitExceeded,
  nameKey,
  noSuchNamed,
  uniqueId,
} from './iam-names.js';
import type { IamGroupTable, IamUserTable } from './iam-schema.js';
import type { IamGroups, IamUsers } from './iam-types.js';

export type GroupView = { Path: string; GroupName: string; GroupId: string; Arn: string; CreateDate: Date };

export function groupView(group: IamGroupTable): GroupView {
  return {
    Path: group.path,
    GroupName: group.name,
    GroupId: group.id,
    Arn: iamArn(group.account_id, 'group', group.path, group.name),
    CreateDate: new Date(group.created_at),
  };
}

const MAX_GROUPS_PER_USER = 10;

export function createGroups(ctx: IamContext, users: IamUsers): IamGroups {
  const { db } = ctx;

  const find = (account: string, name: string) => findNamed(db, 'group', account, name);

  return {
    findGroup: find,

    async createGroup(account: string, name: string, path = '/'): Promise<GroupView> {
      const row: IamGroupTable = {
        id: uniqueId('AGPA'),
        account_id: account,
        name,
        name_key: nameKey(name),
        path,
        created_at: now(ctx),
      };
      const clash = await db
        .selectFrom('iam_groups')
        .select('id')
        .where('account_id', '=', account)
        .where('name_key', '=', row.name_key)
        .executeTakeFirst();
      if (clash) throw alreadyExists(`Group with name ${name} already exists.`);
      await db.insertInto('iam_groups').values(row).execute();
      ctx.changed();
      return groupView(row);
    },

    async listGroups(account: string, pathPrefix = '/'): Promise<GroupView[]> {
      const rows = await db
        .selectFrom('iam_groups')
        .selectAll()
        .where('account_id', '=', account)
        .orderBy('name_key')
        .execute();
      return rows.filter((row) => row.path.startsWith(pathPrefix)).map(groupView);
    },

    async groupMembers(group: IamGroupTable): Promise<IamUserTable[]> {
      return db
        .selectFrom('iam_group_members')
        .innerJoin('iam_users', 'iam_users.id', 'iam_group_members.user_id')
        .selectAll('iam_users')
        .where('iam_group_members.group_id', '=', group.id)
        .orderBy('iam_users.name_key')
        .execute();
    },

    async groupsOfUser(userId: string): Promise<IamGroupTable[]> {
      return db
        .selectFrom('iam_group_members')
        .innerJoin('iam_groups', 'iam_groups.id', 'iam_group_members.group_id')
        .selectAll('iam_groups')
        .where('iam_group_members.user_id', '=', userId)
        .orderBy('iam_groups.name_key')
        .execute();
    },

    async deleteGroup(account: string, name: string): Promise<void> {
      const group = await find(account, name);
      const member = await db
        .selectFrom('iam_group_members')
        .select('user_id')
        .where('group_id', '=', group.id)
        .executeTakeFirst();
      if (member) throw deleteConflict('Cannot delete entity, must remove users from group first.');
      if (await hasPolicies(db, 'iam_inline_policies', group.id))
        throw deleteConflict('Cannot delete entity, must delete policies first.');
      if (await hasPolicies(db, 'iam_attachments', group.id))
        throw deleteConflict('Cannot delete entity, must detach all policies first.');
      await db.deleteFrom('iam_groups').where('id', '=', group.id).execute();
      ctx.changed();
    },

    async addUserToGroup(account: string, groupName: string, userName: string): Promise<void> {
      const group = await find(account, groupName);
      const user = await users.findUser(account, userName);
      const groups = await db
        .selectFrom('iam_group_members')
        .select('group_id')
        .where('user_id', '=', user.id)
        .execute();
      if (groups.some((g) => g.group_id === group.id)) return;
      if (groups.length >= MAX_GROUPS_PER_USER)
        throw limitExceeded(`Cannot exceed quota for GroupsPerUser: ${MAX_GROUPS_PER_USER}`);
      await db.insertInto('iam_group_members').values({ group_id: group.id, user_id: user.id }).execute();
      ctx.changed();
    },

    async removeUserFromGroup(account: string, groupName: string, userName: string): Promise<void> {
      const group = await find(account, groupName);
      const user = await users.findUser(account, userName);
      const result = await db
        .deleteFrom('iam_group_members')
        .where('group_id', '=', group.id)
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw noSuchNamed('user', userName);
      ctx.changed();
    },
  };
}
