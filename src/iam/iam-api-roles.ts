import { q } from '../lib/aws-query.js';
import { boundaryKey, requestTagKeys } from './iam-api-conditions.js';
import { entityArn, iamOperation, listingArn, page } from './iam-api-support.js';
import { groupView } from './iam-groups.js';
import { paging, shapes, tagList } from './iam-names.js';
import type { IamService } from './iam-types.js';
import { userView } from './iam-users.js';

const maxSessionDuration = q.integer({ min: 3600, max: 43200 });

/** Groups and their members; roles and their trust policies. */
export function groupAndRoleOperations(iam: IamService) {
  const groupArn = (account: string, name: string) => entityArn(iam, 'iam_groups', account, name);
  const roleArn = (account: string, name: string) => entityArn(iam, 'iam_roles', account, name);
  const userArn = (account: string, name: string) => entityArn(iam, 'iam_users', account, name);
  return [
    iamOperation(iam, {
      name: 'CreateGroup',
      input: { GroupName: shapes.groupName, Path: shapes.path },
      resources: (input, req) => [
        `arn:aws:iam::${req.principal.accountId}:group${input.Path ?? '/'}${input.GroupName}`,
      ],
      async handle(input, req) {
        return { Group: await iam.createGroup(req.principal.accountId, input.GroupName, input.Path) };
      },
    }),
    iamOperation(iam, {
      name: 'GetGroup',
      input: { GroupName: shapes.groupName, ...paging },
      resources: async (input, req) => [await groupArn(req.principal.accountId, input.GroupName)],
      async handle(input, req) {
        const group = await iam.findGroup(req.principal.accountId, input.GroupName);
        const { items, ...rest } = page(await iam.groupMembers(group), input);
        return { Group: groupView(group), Users: items.map((u) => userView(u)), ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'ListGroups',
      input: { PathPrefix: shapes.pathPrefix, ...paging },
      resources: (input, req) => [listingArn(req.principal.accountId, 'group', input.PathPrefix)],
      async handle(input, req) {
        const { items, ...rest } = page(
          await iam.listGroups(req.principal.accountId, input.PathPrefix),
          input,
        );
        return { Groups: items, ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'DeleteGroup',
      input: { GroupName: shapes.groupName },
      resources: async (input, req) => [await groupArn(req.principal.accountId, input.GroupName)],
      async handle(input, req) {
        await iam.deleteGroup(req.principal.accountId, input.GroupName);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'AddUserToGroup',
      input: { GroupName: shapes.groupName, UserName: shapes.userName },
      resources: async (input, req) => [await groupArn(req.principal.accountId, input.GroupName)],
      async handle(input, req) {
        await iam.addUserToGroup(req.principal.accountId, input.GroupName, input.UserName);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'RemoveUserFromGroup',
      input: { GroupName: shapes.groupName, UserName: shapes.userName },
      resources: async (input, req) => [await groupArn(req.principal.accountId, input.GroupName)],
      async handle(input, req) {
        await iam.removeUserFromGroup(req.principal.accountId, input.GroupName, input.UserName);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'ListGroupsForUser',
      input: { UserName: shapes.userName, ...paging },
      resources: async (input, req) => [await userArn(req.principal.accountId, input.UserName)],
      async handle(input, req) {
        const user = await iam.findUser(req.principal.accountId, input.UserName);
        const { items, ...rest } = page((await iam.groupsOfUser(user.id)).map(groupView), input);
        return { Groups: items, ...rest };
      },
    }),

    iamOperation(iam, {
      name: 'CreateRole',
      input: {
        RoleName: shapes.roleName,
        Path: shapes.path,
        AssumeRolePolicyDocument: shapes.policyDocument,
        Description: shapes.description,
        MaxSessionDuration: maxSessionDuration,
        PermissionsBoundary: shapes.optionalArn,
        Tags: tagList,
      },
      resources: (input, req) => [
        `arn:aws:iam::${req.principal.accountId}:role${input.Path ?? '/'}${input.RoleName}`,
      ],
      conditions: (input) => ({ ...boundaryKey(input.PermissionsBoundary), ...requestTagKeys(input.Tags) }),
      async handle(input, req) {
        const account = req.principal.accountId;
        if (input.PermissionsBoundary !== undefined)
          await iam.checkBoundary(account, input.PermissionsBoundary);
        const role = await iam.createRole(account, {
          name: input.RoleName,
          trustPolicy: input.AssumeRolePolicyDocument,
          ...(input.Path !== undefined ? { path: input.Path } : {}),
          ...(input.Description !== undefined ? { description: input.Description } : {}),
          ...(input.MaxSessionDuration !== undefined ? { maxSessionDuration: input.MaxSessionDuration } : {}),
          ...(input.PermissionsBoundary !== undefined ? { boundary: input.PermissionsBoundary } : {}),
          ...(input.Tags !== undefined ? { tags: input.Tags } : {}),
        });
        return { Role: role };
      },
    }),
    iamOperation(iam, {
      name: 'GetRole',
      input: { RoleName: shapes.roleName },
      resources: async (input, req) => [await roleArn(req.principal.accountId, input.RoleName)],
      async handle(input, req) {
        return { Role: await iam.getRole(req.principal.accountId, input.RoleName) };
      },
    }),
    iamOperation(iam, {
      name: 'ListRoles',
      input: { PathPrefix: shapes.pathPrefix, ...paging },
      resources: (input, req) => [listingArn(req.principal.accountId, 'role', input.PathPrefix)],
      async handle(input, req) {
        const { items, ...rest } = page(
          await iam.listRoles(req.principal.accountId, input.PathPrefix),
          input,
        );
        return { Roles: items, ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'DeleteRole',
      input: { RoleName: shapes.roleName },
      resources: async (input, req) => [await roleArn(req.principal.accountId, input.RoleName)],
      async handle(input, req) {
        await iam.deleteRole(req.principal.accountId, input.RoleName);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'UpdateAssumeRolePolicy',
      input: { RoleName: shapes.roleName, PolicyDocument: shapes.policyDocument },
      resources: async (input, req) => [await roleArn(req.principal.accountId, input.RoleName)],
      async handle(input, req) {
        await iam.updateAssumeRolePolicy(req.principal.accountId, input.RoleName, input.PolicyDocument);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'UpdateRole',
      input: {
        RoleName: shapes.roleName,
        Description: shapes.description,
        MaxSessionDuration: maxSessionDuration,
      },
      resources: async (input, req) => [await roleArn(req.principal.accountId, input.RoleName)],
      async handle(input, req) {
        await iam.updateRole(req.principal.accountId, input.RoleName, {
          ...(input.Description !== undefined ? { description: input.Description } : {}),
          ...(input.MaxSessionDuration !== undefined ? { maxSessionDuration: input.MaxSessionDuration } : {}),
        });
        return {};
      },
    }),
  ];
}
