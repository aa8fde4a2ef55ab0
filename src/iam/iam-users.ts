import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../errors.js';
import type { IamContext } from './iam-context.js';
import { now } from './iam-context.js';
import { findNamed } from './iam-entities.js';
import { alreadyExists, deleteConflict, iamArn, nameKey, noSuchEntity, uniqueId } from './iam-names.js';
import type { IamUserTable } from './iam-schema.js';
import type { Tag } from './iam-tags.js';
import type {
  IamTags,
  IamUsers,
  LoginProfileChange,
  LoginProfileView,
  NewUser,
  UserChange,
} from './iam-types.js';

export type UserView = {
  Path: string;
  UserName: string;
  UserId: string;
  Arn: string;
  CreateDate: Date;
  PermissionsBoundary?: { PermissionsBoundaryType: 'Policy'; PermissionsBoundaryArn: string };
  Tags?: Tag[];
};

export function userView(user: IamUserTable, tags?: Tag[]): UserView {
  return {
    Path: user.path,
    UserName: user.name,
    UserId: user.id,
    Arn: iamArn(user.account_id, 'user', user.path, user.name),
    CreateDate: new Date(user.created_at),
    ...(user.permissions_boundary
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'Policy',
            PermissionsBoundaryArn: user.permissions_boundary,
          },
        }
      : {}),
    ...(tags && tags.length > 0 ? { Tags: tags } : {}),
  };
}

/**
 * Passwords are hashed with scrypt at N=2^15, r=8 (32 MiB per hash), well past OWASP's minimum, so a stolen
 * metadata store costs an attacker memory as well as time per guess.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 } as const;
const HASH_BYTES = 32;

function scryptAsync(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number; maxmem: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, params, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const params = { ...SCRYPT, N: Number(n), r: Number(r), p: Number(p) };
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), params);
  return timingSafeEqual(actual, Buffer.from(hash, 'base64'));
}

/** IAM's default password policy: 8 characters or more, of three kinds at least. */
function checkPasswordPolicy(password: string): void {
  const kinds = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((kind) => kind.test(password)).length;
  if (password.length < 8 || kinds < 3)
    throw badRequest(
      'PasswordPolicyViolation',
      'Password should have a minimum length of 8 and at least three of: upper case letters, lower case letters, numbers, symbols.',
    );
}

export function createUsers(ctx: IamContext, tags: IamTags): IamUsers {
  const { db } = ctx;

  const find = (account: string, name: string) => findNamed(db, 'user', account, name);

  async function loginProfile(user: IamUserTable) {
    const profile = await db
      .selectFrom('iam_login_profiles')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (!profile) throw noSuchEntity(`Login Profile for User ${user.name} cannot be found.`);
    return profile;
  }

  async function count(table: 'access_keys' | 'iam_login_profiles' | 'iam_group_members', userId: string) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function countPolicies(table: 'iam_attachments' | 'iam_inline_policies', entityId: string) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('entity_id', '=', entityId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  return {
    findUser: find,

    async createUser(account: string, input: NewUser): Promise<UserView> {
      const row: IamUserTable = {
        id: uniqueId('AIDA'),
        account_id: account,
        name: input.name,
        name_key: nameKey(input.name),
        path: input.path ?? '/',
        permissions_boundary: input.boundary ?? null,
        created_at: now(ctx),
      };
      const clash = await db
        .selectFrom('iam_users')
        .select('id')
        .where('account_id', '=', account)
        .where('name_key', '=', row.name_key)
        .executeTakeFirst();
      if (clash) throw alreadyExists(`User with name ${input.name} already exists.`);
      await db.insertInto('iam_users').values(row).execute();
      if (input.tags?.length) await tags.tag(row.id, input.tags);
      ctx.changed();
      return userView(row, input.tags);
    },

    async getUser(account: string, name: string): Promise<UserView> {
      const user = await find(account, name);
      return userView(user, await tags.tagsOf(user.id));
    },

    async listUsers(account: string, pathPrefix = '/'): Promise<UserView[]> {
      const rows = await db
        .selectFrom('iam_users')
        .selectAll()
        .where('account_id', '=', account)
        .orderBy('name_key')
        .execute();
      return rows.filter((row) => row.path.startsWith(pathPrefix)).map((row) => userView(row));
    },

    async updateUser(account: string, name: string, change: UserChange): Promise<void> {
      const user = await find(account, name);
      const newName = change.newName ?? user.name;
      if (nameKey(newName) !== user.name_key) {
        const clash = await db
          .selectFrom('iam_users')
          .select('id')
          .where('account_id', '=', account)
          .where('name_key', '=', nameKey(newName))
          .executeTakeFirst();
        if (clash) throw alreadyExists(`User with name ${newName} already exists.`);
      }
      const path = change.newPath ?? user.path;
      await db
        .updateTable('iam_users')
        .set({ name: newName, name_key: nameKey(newName), path })
        .where('id', '=', user.id)
        .execute();
      await ctx.store.renameKeyPrincipal(user.id, iamArn(account, 'user', path, newName));
      ctx.changed();
    },

    async deleteUser(account: string, name: string): Promise<void> {
      const user = await find(account, name);
      if ((await count('access_keys', user.id)) > 0)
        throw deleteConflict('Cannot delete entity, must delete access keys first.');
      if ((await count('iam_login_profiles', user.id)) > 0)
        throw deleteConflict('Cannot delete entity, must delete login profile first.');
      if ((await countPolicies('iam_inline_policies', user.id)) > 0)
        throw deleteConflict('Cannot delete entity, must delete policies first.');
      if ((await countPolicies('iam_attachments', user.id)) > 0)
        throw deleteConflict('Cannot delete entity, must detach all policies first.');
      if ((await count('iam_group_members', user.id)) > 0)
        throw deleteConflict('Cannot delete entity, must remove users from group first.');
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('iam_tags').where('entity_id', '=', user.id).execute();
        await trx.deleteFrom('iam_users').where('id', '=', user.id).execute();
      });
      ctx.changed();
    },

    async setUserBoundary(account: string, name: string, boundary: string | null): Promise<void> {
      const user = await find(account, name);
      await db
        .updateTable('iam_users')
        .set({ permissions_boundary: boundary })
        .where('id', '=', user.id)
        .execute();
      ctx.changed();
    },

    async createLoginProfile(
      account: string,
      name: string,
      password: string,
      resetRequired: boolean,
    ): Promise<LoginProfileView> {
      const user = await find(account, name);
      if ((await count('iam_login_profiles', user.id)) > 0)
        throw alreadyExists(`Login Profile for user ${user.name} already exists.`);
      checkPasswordPolicy(password);
      const created = now(ctx);
      await db
        .insertInto('iam_login_profiles')
        .values({
          user_id: user.id,
          password_hash: await hashPassword(password),
          password_reset_required: resetRequired ? 1 : 0,
          created_at: created,
        })
        .execute();
      ctx.changed();
      return { UserName: user.name, CreateDate: new Date(created), PasswordResetRequired: resetRequired };
    },

    async getLoginProfile(account: string, name: string): Promise<LoginProfileView> {
      const user = await find(account, name);
      const profile = await loginProfile(user);
      return {
        UserName: user.name,
        CreateDate: new Date(profile.created_at),
        PasswordResetRequired: profile.password_reset_required === 1,
      };
    },

    async updateLoginProfile(account: string, name: string, change: LoginProfileChange): Promise<void> {
      const user = await find(account, name);
      await loginProfile(user);
      if (change.password !== undefined) checkPasswordPolicy(change.password);
      if (change.password === undefined && change.resetRequired === undefined) return;
      await db
        .updateTable('iam_login_profiles')
        .set({
          ...(change.password === undefined ? {} : { password_hash: await hashPassword(change.password) }),
          ...(change.resetRequired === undefined
            ? {}
            : { password_reset_required: change.resetRequired ? 1 : 0 }),
        })
        .where('user_id', '=', user.id)
        .execute();
      ctx.changed();
    },

    async deleteLoginProfile(account: string, name: string): Promise<void> {
      const user = await find(account, name);
      await loginProfile(user);
      await db.deleteFrom('iam_login_profiles').where('user_id', '=', user.id).execute();
      ctx.changed();
    },
  };
}
