import { q } from '../lib/aws-query.js';
import { boundaryKey, requestTagKeys } from './iam-api-conditions.js';
import { entityArn, iamOperation, listingArn, page, targetUser, targetUserArn } from './iam-api-support.js';
import { rootArn } from './iam-keys.js';
import { paging, shapes, tagList } from './iam-names.js';
import type { IamService } from './iam-types.js';
import { userView } from './iam-users.js';

/** Users, their access keys and their console passwords. */
export function userOperations(iam: IamService) {
  const userArn = (account: string, name: string) => entityArn(iam, 'iam_users', account, name);
  return [
    iamOperation(iam, {
      name: 'CreateUser',
      input: {
        UserName: shapes.userName,
        Path: shapes.path,
        PermissionsBoundary: shapes.optionalArn,
        Tags: tagList,
      },
      resources: (input, req) => [
        `arn:aws:iam::${req.principal.accountId}:user${input.Path ?? '/'}${input.UserName}`,
      ],
      conditions: (input) => ({ ...boundaryKey(input.PermissionsBoundary), ...requestTagKeys(input.Tags) }),
      async handle(input, req) {
        const account = req.principal.accountId;
        if (input.PermissionsBoundary !== undefined)
          await iam.checkBoundary(account, input.PermissionsBoundary);
        const user = await iam.createUser(account, {
          name: input.UserName,
          ...(input.Path !== undefined ? { path: input.Path } : {}),
          ...(input.PermissionsBoundary !== undefined ? { boundary: input.PermissionsBoundary } : {}),
          ...(input.Tags !== undefined ? { tags: input.Tags } : {}),
        });
        return { User: { ...user } };
      },
    }),
    iamOperation(iam, {
      name: 'GetUser',
      input: { UserName: shapes.optionalUserName },
      resources: async (input, req) => [await targetUserArn(iam, req, input.UserName)],
      async handle(input, req) {
        const user = await targetUser(iam, req, input.UserName);
        if (!user) {
          const account = req.principal.accountId;
          const created = await iam.accountCreated(account);
          return { User: { UserId: account, Arn: rootArn(account), CreateDate: created } };
        }
        return { User: { ...userView(user, await iam.tagsOf(user.id)) } };
      },
    }),
    iamOperation(iam, {
      name: 'ListUsers',
      input: { PathPrefix: shapes.pathPrefix, ...paging },
      resources: (input, req) => [listingArn(req.principal.accountId, 'user', input.PathPrefix)],
      async handle(input, req) {
        const users = await iam.listUsers(req.principal.accountId, input.PathPrefix);
        const { items, ...rest } = page(users, input);
        return { Users: items.map((u) => ({ ...u })), ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'UpdateUser',
      input: { UserName: shapes.userName, NewPath: shapes.path, NewUserName: shapes.optionalUserName },
      resources: async (input, req) => {
        const account = req.principal.accountId;
        const current = await userArn(account, input.UserName);
        if (input.NewUserName === undefined && input.NewPath === undefined) return [current];
        const path =
          input.NewPath ?? current.slice(current.indexOf(':user') + 5, current.lastIndexOf('/') + 1);
        return [current, `arn:aws:iam::${account}:user${path}${input.NewUserName ?? input.UserName}`];
      },
      async handle(input, req) {
        await iam.updateUser(req.principal.accountId, input.UserName, {
          ...(input.NewUserName !== undefined ? { newName: input.NewUserName } : {}),
          ...(input.NewPath !== undefined ? { newPath: input.NewPath } : {}),
        });
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'DeleteUser',
      input: { UserName: shapes.userName },
      resources: async (input, req) => [await userArn(req.principal.accountId, input.UserName)],
      async handle(input, req) {
        await iam.deleteUser(req.principal.accountId, input.UserName);
        return undefined;
      },
    }),

    iamOperation(iam, {
      name: 'CreateAccessKey',
      input: { UserName: shapes.optionalUserName },
      resources: async (input, req) => [await targetUserArn(iam, req, input.UserName)],
      async handle(input, req) {
        const user = await targetUser(iam, req, input.UserName);
        return { AccessKey: await iam.createAccessKey(req.principal.accountId, user) };
      },
    }),
    iamOperation(iam, {
      name: 'ListAccessKeys',
      input: { UserName: shapes.optionalUserName, ...paging },
      resources: async (input, req) => [await targetUserArn(iam, req, input.UserName)],
      async handle(input, req) {
        const user = await targetUser(iam, req, input.UserName);
        const keys = await iam.listAccessKeys(req.principal.accountId, user);
        const { items, ...rest } = page(keys, input);
        return { AccessKeyMetadata: items.map((k) => ({ ...k })), ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'UpdateAccessKey',
      input: { UserName: shapes.optionalUserName, AccessKeyId: shapes.accessKeyId, Status: shapes.status },
      resources: async (input, req) => [await targetUserArn(iam, req, input.UserName)],
      async handle(input, req) {
        const user = await targetUser(iam, req, input.UserName);
        const status = input.Status === 'Active' ? 'Active' : 'Inactive';
        await iam.updateAccessKey(req.principal.accountId, user, input.AccessKeyId, status);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'DeleteAccessKey',
      input: { UserName: shapes.optionalUserName, AccessKeyId: shapes.accessKeyId },
      resources: async (input, req) => [await targetUserArn(iam, req, input.UserName)],
      async handle(input, req) {
        const user = await targetUser(iam, req, input.UserName);
        await iam.deleteAccessKey(req.principal.accountId, user, input.AccessKeyId);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'GetAccessKeyLastUsed',
      input: { AccessKeyId: shapes.accessKeyId },
      // IAM authorizes this one on the key's owner; Seawall, as IAM, names no resource for it.
      resources: () => ['*'],
      async handle(input, req) {
        return iam.accessKeyLastUsed(req.principal.accountId, input.AccessKeyId);
      },
    }),

    iamOperation(iam, {
      name: 'CreateLoginProfile',
      input: {
        UserName: shapes.optionalUserName,
        Password: { ...shapes.password, required: true as const },
        PasswordResetRequired: q.boolean(),
      },
      resources: async (input, req) => [await targetUserArn(iam, req, input.UserName)],
      async handle(input, req) {
        const user = await targetUser(iam, req, input.UserName);
        if (!user) throw iam.rootLoginRefusal();
        const profile = await iam.createLoginProfile(
          req.principal.accountId,
          user.name,
          input.Password,
          input.PasswordResetRequired ?? false,
        );
        return { LoginProfile: profile };
      },
    }),
    iamOperation(iam, {
      name: 'GetLoginProfile',
      input: { UserName: shapes.optionalUserName },
      resources: async (input, req) => [await targetUserArn(iam, req, input.UserName)],
      async handle(input, req) {
        const user = await targetUser(iam, req, input.UserName);
        if (!user) throw iam.rootLoginRefusal();
        return { LoginProfile: await iam.getLoginProfile(req.principal.accountId, user.name) };
      },
    }),
    iamOperation(iam, {
      name: 'UpdateLoginProfile',
      input: { UserName: shapes.userName, Password: shapes.password, PasswordResetRequired: q.boolean() },
      resources: async (input, req) => [await userArn(req.principal.accountId, input.UserName)],
      async handle(input, req) {
        await iam.updateLoginProfile(req.principal.accountId, input.UserName, {
          ...(input.Password !== undefined ? { password: input.Password } : {}),
          ...(input.PasswordResetRequired !== undefined
            ? { resetRequired: input.PasswordResetRequired }
            : {}),
        });
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'DeleteLoginProfile',
      input: { UserName: shapes.optionalUserName },
      resources: async (input, req) => [await targetUserArn(iam, req, input.UserName)],
      async handle(input, req) {
        const user = await targetUser(iam, req, input.UserName);
        if (!user) throw iam.rootLoginRefusal();
        await iam.deleteLoginProfile(req.principal.accountId, user.name);
        return undefined;
      },
    }),
  ];
}
