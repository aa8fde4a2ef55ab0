import { q } from '../lib/aws-query.js';
import { requestTagKeys } from './iam-api-conditions.js';
import { iamOperation, page } from './iam-api-support.js';
import { encodeDocument } from './iam-documents.js';
import { paging, shapes, tagKeyList, tagList } from './iam-names.js';
import type { IamService } from './iam-types.js';

/** Customer and AWS managed policies, their versions and tags, and where they are attached. */
export function policyOperations(iam: IamService) {
  const arnOf = (input: { PolicyArn: string }) => [input.PolicyArn];
  return [
    iamOperation(iam, {
      name: 'CreatePolicy',
      input: {
        PolicyName: shapes.policyName,
        Path: shapes.path,
        PolicyDocument: shapes.policyDocument,
        Description: shapes.description,
        Tags: tagList,
      },
      resources: (input, req) => [
        `arn:aws:iam::${req.principal.accountId}:policy${input.Path ?? '/'}${input.PolicyName}`,
      ],
      conditions: (input) => requestTagKeys(input.Tags),
      async handle(input, req) {
        const policy = await iam.createPolicy(req.principal.accountId, {
          name: input.PolicyName,
          document: input.PolicyDocument,
          ...(input.Path !== undefined ? { path: input.Path } : {}),
          ...(input.Description !== undefined ? { description: input.Description } : {}),
          ...(input.Tags !== undefined ? { tags: input.Tags } : {}),
        });
        return { Policy: policy };
      },
    }),
    iamOperation(iam, {
      name: 'GetPolicy',
      input: { PolicyArn: shapes.policyArn },
      resources: arnOf,
      async handle(input, req) {
        return { Policy: await iam.getPolicy(req.principal.accountId, input.PolicyArn) };
      },
    }),
    iamOperation(iam, {
      name: 'ListPolicies',
      input: {
        Scope: q.string({ values: ['All', 'AWS', 'Local'] }),
        OnlyAttached: q.boolean(),
        PathPrefix: shapes.pathPrefix,
        PolicyUsageFilter: q.string({ values: ['PermissionsPolicy', 'PermissionsBoundary'] }),
        ...paging,
      },
      resources: () => ['*'],
      async handle(input, req) {
        const policies = await iam.listPolicies(req.principal.accountId, {
          ...(input.Scope !== undefined ? { scope: input.Scope } : {}),
          ...(input.OnlyAttached !== undefined ? { onlyAttached: input.OnlyAttached } : {}),
          ...(input.PathPrefix !== undefined ? { pathPrefix: input.PathPrefix } : {}),
          ...(input.PolicyUsageFilter !== undefined ? { usage: input.PolicyUsageFilter } : {}),
        });
        const { items, ...rest } = page(policies, input);
        return { Policies: items, ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'DeletePolicy',
      input: { PolicyArn: shapes.policyArn },
      resources: arnOf,
      async handle(input, req) {
        await iam.deletePolicy(req.principal.accountId, input.PolicyArn);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'CreatePolicyVersion',
      input: {
        PolicyArn: shapes.policyArn,
        PolicyDocument: shapes.policyDocument,
        SetAsDefault: q.boolean(),
      },
      resources: arnOf,
      async handle(input, req) {
        const version = await iam.createPolicyVersion(
          req.principal.accountId,
          input.PolicyArn,
          input.PolicyDocument,
          input.SetAsDefault ?? false,
        );
        return { PolicyVersion: version };
      },
    }),
    iamOperation(iam, {
      name: 'GetPolicyVersion',
      input: { PolicyArn: shapes.policyArn, VersionId: shapes.versionId },
      resources: arnOf,
      async handle(input, req) {
        const version = await iam.getPolicyVersion(req.principal.accountId, input.PolicyArn, input.VersionId);
        return { PolicyVersion: { ...version, Document: encodeDocument(version.Document) } };
      },
    }),
    iamOperation(iam, {
      name: 'ListPolicyVersions',
      input: { PolicyArn: shapes.policyArn, ...paging },
      resources: arnOf,
      async handle(input, req) {
        const { items, ...rest } = page(
          await iam.listPolicyVersions(req.principal.accountId, input.PolicyArn),
          input,
        );
        return { Versions: items, ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'SetDefaultPolicyVersion',
      input: { PolicyArn: shapes.policyArn, VersionId: shapes.versionId },
      resources: arnOf,
      async handle(input, req) {
        await iam.setDefaultPolicyVersion(req.principal.accountId, input.PolicyArn, input.VersionId);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'DeletePolicyVersion',
      input: { PolicyArn: shapes.policyArn, VersionId: shapes.versionId },
      resources: arnOf,
      async handle(input, req) {
        await iam.deletePolicyVersion(req.principal.accountId, input.PolicyArn, input.VersionId);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'TagPolicy',
      input: { PolicyArn: shapes.policyArn, Tags: { ...tagList, required: true as const } },
      resources: arnOf,
      conditions: (input) => requestTagKeys(input.Tags),
      async handle(input, req) {
        const policy = await iam.findPolicy(req.principal.accountId, input.PolicyArn);
        if (!policy.row) throw iam.awsManagedRefusal(input.PolicyArn);
        await iam.tag(policy.id, input.Tags);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'UntagPolicy',
      input: { PolicyArn: shapes.policyArn, TagKeys: { ...tagKeyList, required: true as const } },
      resources: arnOf,
      conditions: (input) => ({ 'aws:TagKeys': input.TagKeys }),
      async handle(input, req) {
        const policy = await iam.findPolicy(req.principal.accountId, input.PolicyArn);
        if (!policy.row) throw iam.awsManagedRefusal(input.PolicyArn);
        await iam.untag(policy.id, input.TagKeys);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'ListPolicyTags',
      input: { PolicyArn: shapes.policyArn, ...paging },
      resources: arnOf,
      async handle(input, req) {
        const policy = await iam.findPolicy(req.principal.accountId, input.PolicyArn);
        const { items, ...rest } = page(policy.row ? await iam.tagsOf(policy.id) : [], input);
        return { Tags: items, ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'ListEntitiesForPolicy',
      input: {
        PolicyArn: shapes.policyArn,
        EntityFilter: q.string({
          values: ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'],
        }),
        PathPrefix: shapes.pathPrefix,
        PolicyUsageFilter: q.string({ values: ['PermissionsPolicy', 'PermissionsBoundary'] }),
        ...paging,
      },
      resources: arnOf,
      async handle(input, req) {
        const found = await iam.entitiesForPolicy(req.principal.accountId, input.PolicyArn);
        const filter = input.EntityFilter;
        const boundaryOnly = input.PolicyUsageFilter === 'PermissionsBoundary';
        const pick = (kind: 'User' | 'Group' | 'Role') =>
          !boundaryOnly && (filter === undefined || filter === kind);
        return {
          PolicyGroups: pick('Group') ? found.group.map((g) => ({ GroupName: g.name, GroupId: g.id })) : [],
          PolicyUsers: pick('User') ? found.user.map((u) => ({ UserName: u.name, UserId: u.id })) : [],
          PolicyRoles: pick('Role') ? found.role.map((r) => ({ RoleName: r.name, RoleId: r.id })) : [],
          IsTruncated: false,
        };
      },
    }),
  ];
}
