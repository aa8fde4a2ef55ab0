import type { Fields, Shape } from '../lib/aws-query.js';
import type { OperationRequest } from '../lib/operation.js';
import { boundaryKey, requestTagKeys, type TargetFacts } from './iam-api-conditions.js';
import { entityArn, iamOperation, page } from './iam-api-support.js';
import { encodeDocument } from './iam-documents.js';
import { paging, shapes, tagKeyList, tagList } from './iam-names.js';
import type { PolicyHolder } from './iam-policies.js';
import type { EntityKind } from './iam-schema.js';
import type { Tag } from './iam-tags.js';
import type { IamService } from './iam-types.js';

type Kind = 'User' | 'Group' | 'Role';
const TABLE = { User: 'iam_users', Group: 'iam_groups', Role: 'iam_roles' } as const;
const NAME_SHAPE: Record<Kind, Shape> = {
  User: shapes.userName,
  Group: shapes.groupName,
  Role: shapes.roleName,
};

/** Reads a member the operation declared as required (decoding has checked it is there). */
function member<T>(input: Readonly<Record<string, unknown>>, name: string): T {
  return input[name] as T;
}

type Input = Readonly<Record<string, unknown>>;

/** iam:PermissionsBoundary: the boundary the target user or role has now (groups have none). */
const targetBoundary = (_input: Input, _req: OperationRequest, target: TargetFacts | undefined) =>
  boundaryKey(target?.boundary);

/** Attach/Detach*Policy: the policy named (iam:PolicyARN) and the target's boundary. */
const policyArnKeys = (input: Input, req: OperationRequest, target: TargetFacts | undefined) => ({
  'iam:PolicyARN': member<string>(input, 'PolicyArn'),
  ...targetBoundary(input, req, target),
});

/**
 * The operations that exist once per kind of entity (AttachUserPolicy, AttachGroupPolicy…): managed policy
 * attachments, inline policies, permissions boundaries and tags, declared from one template each.
 */
export function attachmentOperations(iam: IamService) {
  async function holder(kind: Kind, req: OperationRequest, name: string): Promise<PolicyHolder> {
    const account = req.principal.accountId;
    const row =
      kind === 'User'
        ? await iam.findUser(account, name)
        : kind === 'Group'
          ? await iam.findGroup(account, name)
          : await iam.findRole(account, name);
    return { id: row.id, kind: kind.toLowerCase() as EntityKind, name: row.name };
  }

  function perKind(kind: Kind) {
    const nameField = `${kind}Name`;
    const nameOf = (input: Readonly<Record<string, unknown>>) => member<string>(input, nameField);
    const arnOf = async (input: Readonly<Record<string, unknown>>, req: OperationRequest) => [
      await entityArn(iam, TABLE[kind], req.principal.accountId, nameOf(input)),
    ];
    const named: Fields = { [nameField]: NAME_SHAPE[kind] };
    return [
      iamOperation(iam, {
        name: `Attach${kind}Policy`,
        input: { ...named, PolicyArn: shapes.policyArn } as Fields,
        resources: arnOf,
        conditions: policyArnKeys,
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          await iam.attachPolicy(req.principal.accountId, target, member(input, 'PolicyArn'));
          return undefined;
        },
      }),
      iamOperation(iam, {
        name: `Detach${kind}Policy`,
        input: { ...named, PolicyArn: shapes.policyArn } as Fields,
        resources: arnOf,
        conditions: policyArnKeys,
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          await iam.detachPolicy(req.principal.accountId, target, member(input, 'PolicyArn'));
          return undefined;
        },
      }),
      iamOperation(iam, {
        name: `ListAttached${kind}Policies`,
        input: { ...named, PathPrefix: shapes.pathPrefix, ...paging } as Fields,
        resources: arnOf,
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          const { items, ...rest } = page(await iam.attachedPolicies(target), input);
          return { AttachedPolicies: items, ...rest };
        },
      }),
      iamOperation(iam, {
        name: `Put${kind}Policy`,
        input: { ...named, PolicyName: shapes.policyName, PolicyDocument: shapes.policyDocument } as Fields,
        resources: arnOf,
        conditions: targetBoundary,
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          await iam.putInlinePolicy(target, member(input, 'PolicyName'), member(input, 'PolicyDocument'));
          return undefined;
        },
      }),
      iamOperation(iam, {
        name: `Get${kind}Policy`,
        input: { ...named, PolicyName: shapes.policyName } as Fields,
        resources: arnOf,
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          const policyName = member<string>(input, 'PolicyName');
          const document = await iam.getInlinePolicy(target, policyName);
          return {
            [nameField]: target.name,
            PolicyName: policyName,
            PolicyDocument: encodeDocument(document),
          };
        },
      }),
      iamOperation(iam, {
        name: `List${kind}Policies`,
        input: { ...named, ...paging } as Fields,
        resources: arnOf,
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          const { items, ...rest } = page(
            (await iam.inlinePolicies(target)).map((p) => p.name),
            input,
          );
          return { PolicyNames: items, ...rest };
        },
      }),
      iamOperation(iam, {
        name: `Delete${kind}Policy`,
        input: { ...named, PolicyName: shapes.policyName } as Fields,
        resources: arnOf,
        conditions: targetBoundary,
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          await iam.deleteInlinePolicy(target, member(input, 'PolicyName'));
          return undefined;
        },
      }),
    ];
  }

  /** Permissions boundaries and tags: users and roles only. */
  function boundariesAndTags(kind: 'User' | 'Role') {
    const nameField = `${kind}Name`;
    const nameOf = (input: Readonly<Record<string, unknown>>) => member<string>(input, nameField);
    const arnOf = async (input: Readonly<Record<string, unknown>>, req: OperationRequest) => [
      await entityArn(iam, TABLE[kind], req.principal.accountId, nameOf(input)),
    ];
    const named: Fields = { [nameField]: NAME_SHAPE[kind] };
    const setBoundary = (req: OperationRequest, name: string, arn: string | null) =>
      kind === 'User'
        ? iam.setUserBoundary(req.principal.accountId, name, arn)
        : iam.setRoleBoundary(req.principal.accountId, name, arn);
    return [
      iamOperation(iam, {
        name: `Put${kind}PermissionsBoundary`,
        input: { ...named, PermissionsBoundary: shapes.policyArn } as Fields,
        resources: arnOf,
        conditions: (input) => boundaryKey(member(input, 'PermissionsBoundary')),
        async handle(input, req) {
          const arn = member<string>(input, 'PermissionsBoundary');
          await iam.checkBoundary(req.principal.accountId, arn);
          await setBoundary(req, nameOf(input), arn);
          return undefined;
        },
      }),
      iamOperation(iam, {
        name: `Delete${kind}PermissionsBoundary`,
        input: named,
        resources: arnOf,
        conditions: targetBoundary,
        async handle(input, req) {
          await setBoundary(req, nameOf(input), null);
          return undefined;
        },
      }),
      iamOperation(iam, {
        name: `Tag${kind}`,
        input: { ...named, Tags: { ...tagList, required: true } } as Fields,
        resources: arnOf,
        conditions: (input) => requestTagKeys(member<Tag[]>(input, 'Tags')),
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          await iam.tag(target.id, member<Tag[]>(input, 'Tags'));
          return undefined;
        },
      }),
      iamOperation(iam, {
        name: `Untag${kind}`,
        input: { ...named, TagKeys: { ...tagKeyList, required: true } } as Fields,
        resources: arnOf,
        conditions: (input) => ({ 'aws:TagKeys': member<string[]>(input, 'TagKeys') }),
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          await iam.untag(target.id, member<string[]>(input, 'TagKeys'));
          return undefined;
        },
      }),
      iamOperation(iam, {
        name: `List${kind}Tags`,
        input: { ...named, ...paging } as Fields,
        resources: arnOf,
        async handle(input, req) {
          const target = await holder(kind, req, nameOf(input));
          const { items, ...rest } = page(await iam.tagsOf(target.id), input);
          return { Tags: items, ...rest };
        },
      }),
    ];
  }

  return [
    ...perKind('User'),
    ...perKind('Group'),
    ...perKind('Role'),
    ...boundariesAndTags('User'),
    ...boundariesAndTags('Role'),
  ];
}
