import type { IamContext } from './iam-context.js';
import { now } from './iam-context.js';
import { checkSize, parseDocument } from './iam-documents.js';
import {
  alreadyExists,
  deleteConflict,
  iamArn,
  invalidInput,
  limitExceeded,
  nameKey,
  noSuchEntity,
  uniqueId,
} from './iam-names.js';
import type { EntityKind, IamPolicyTable } from './iam-schema.js';
import type { Tag } from './iam-tags.js';
import type {
  AttachedPolicyView,
  IamPolicies,
  IamTags,
  InlinePolicy,
  NewPolicy,
  PolicyEntities,
  PolicyFilter,
  PolicyVersionDocument,
} from './iam-types.js';
import { AWS_MANAGED_POLICIES, awsManagedPolicy } from './managed-policies.js';
import { policySizeLimits } from './policy/index.js';

/** A managed policy, AWS's or the account's. */
export interface ManagedPolicy {
  readonly arn: string;
  readonly name: string;
  readonly id: string;
  readonly path: string;
  readonly description: string | null;
  readonly defaultVersion: string;
  readonly created: Date;
  readonly updated: Date;
  /** The customer policy's row; undefined for AWS managed policies. */
  readonly row?: IamPolicyTable;
}

export type PolicyView = {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  DefaultVersionId: string;
  AttachmentCount: number;
  PermissionsBoundaryUsageCount: number;
  IsAttachable: boolean;
  Description?: string;
  CreateDate: Date;
  UpdateDate: Date;
  Tags?: Tag[];
};

export type PolicyVersionView = {
  Document?: string;
  VersionId: string;
  IsDefaultVersion: boolean;
  CreateDate: Date;
};

/** An entity policies attach to: its unique id, kind and name (for messages). */
export interface PolicyHolder {
  readonly id: string;
  readonly kind: EntityKind;
  readonly name: string;
}

const MAX_VERSIONS = 5;
const MAX_ATTACHED = 10;
const QUOTA_NAME: Record<EntityKind, string> = { user: 'User', group: 'Group', role: 'Role' };
const INLINE_LIMIT: Record<EntityKind, number> = {
  user: policySizeLimits.inlineUser.limit,
  group: policySizeLimits.inlineGroup.limit,
  role: policySizeLimits.inlineRole.limit,
};

function fromRow(row: IamPolicyTable): ManagedPolicy {
  return {
    arn: row.arn,
    name: row.name,
    id: row.id,
    path: row.path,
    description: row.description,
    defaultVersion: row.default_version,
    created: new Date(row.created_at),
    updated: new Date(row.updated_at),
    row,
  };
}

function notAttachable(arn: string) {
  return noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
}

export function createPolicies(ctx: IamContext, tags: IamTags): IamPolicies {
  const { db } = ctx;

  async function find(account: string, arn: string): Promise<ManagedPolicy> {
    const aws = awsManagedPolicy(arn);
    if (aws)
      return {
        arn,
        name: aws.name,
        id: aws.id,
        path: aws.path,
        description: aws.description,
        defaultVersion: aws.versionId,
        created: aws.created,
        updated: aws.updated,
      };
    const row = await db
      .selectFrom('iam_policies')
      .selectAll()
      .where('account_id', '=', account)
      .where('arn', '=', arn)
      .executeTakeFirst();
    if (!row) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    return fromRow(row);
  }

  function customer(policy: ManagedPolicy): IamPolicyTable {
    if (!policy.row)
      throw invalidInput(`Policy ${policy.arn} is an AWS managed policy and cannot be changed.`);
    return policy.row;
  }

  async function counts(arn: string) {
    const attached = await db
      .selectFrom('iam_attachments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('policy_arn', '=', arn)
      .executeTakeFirstOrThrow();
    let boundaries = 0;
    for (const table of ['iam_users', 'iam_roles'] as const) {
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('permissions_boundary', '=', arn)
        .executeTakeFirstOrThrow();
      boundaries += Number(row.n);
    }
    return { attachments: Number(attached.n), boundaries };
  }

  async function view(policy: ManagedPolicy, withTags: boolean): Promise<PolicyView> {
    const { attachments, boundaries } = await counts(policy.arn);
    const tagList = withTags && policy.row ? await tags.tagsOf(policy.id) : [];
    return {
      PolicyName: policy.name,
      PolicyId: policy.id,
      Arn: policy.arn,
      Path: policy.path,
      DefaultVersionId: policy.defaultVersion,
      AttachmentCount: attachments,
      PermissionsBoundaryUsageCount: boundaries,
      IsAttachable: true,
      ...(policy.description ? { Description: policy.description } : {}),
      CreateDate: policy.created,
      UpdateDate: policy.updated,
      ...(tagList.length > 0 ? { Tags: tagList } : {}),
    };
  }

  async function versions(policyId: string) {
    return db
      .selectFrom('iam_policy_versions')
      .selectAll()
      .where('policy_id', '=', policyId)
      .orderBy('created_at')
      .execute();
  }

  function checkManagedDocument(document: string): void {
    parseDocument(document, 'identity');
    checkSize([document], policySizeLimits.managedPolicy.limit, 'Cannot exceed quota for PolicySize: 6144');
  }

  return {
    findPolicy: find,

    async defaultDocument(account: string, arn: string): Promise<string | undefined> {
      const aws = awsManagedPolicy(arn);
      if (aws) return aws.document;
      const row = await db
        .selectFrom('iam_policies')
        .innerJoin('iam_policy_versions', (join) =>
          join
            .onRef('iam_policy_versions.policy_id', '=', 'iam_policies.id')
            .onRef('iam_policy_versions.version_id', '=', 'iam_policies.default_version'),
        )
        .select('iam_policy_versions.document')
        .where('iam_policies.account_id', '=', account)
        .where('iam_policies.arn', '=', arn)
        .executeTakeFirst();
      return row?.document;
    },

    async createPolicy(account: string, input: NewPolicy): Promise<PolicyView> {
      checkManagedDocument(input.document);
      const clash = await db
        .selectFrom('iam_policies')
        .select('id')
        .where('account_id', '=', account)
        .where('name_key', '=', nameKey(input.name))
        .executeTakeFirst();
      if (clash)
        throw alreadyExists(`A policy called ${input.name} already exists. Duplicate names are not allowed.`);
      const at = now(ctx);
      const path = input.path ?? '/';
      const row: IamPolicyTable = {
        id: uniqueId('ANPA'),
        account_id: account,
        arn: iamArn(account, 'policy', path, input.name),
        name: input.name,
        name_key: nameKey(input.name),
        path,
        description: input.description ?? null,
        default_version: 'v1',
        next_version: 2,
        created_at: at,
        updated_at: at,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('iam_policies').values(row).execute();
        await trx
          .insertInto('iam_policy_versions')
          .values({ policy_id: row.id, version_id: 'v1', document: input.document, created_at: at })
          .execute();
      });
      if (input.tags?.length) await tags.tag(row.id, input.tags);
      ctx.changed();
      return view(fromRow(row), true);
    },

    async getPolicy(account: string, arn: string): Promise<PolicyView> {
      return view(await find(account, arn), true);
    },

    async listPolicies(account: string, filter: PolicyFilter): Promise<PolicyView[]> {
      const rows = await db
        .selectFrom('iam_policies')
        .selectAll()
        .where('account_id', '=', account)
        .orderBy('name_key')
        .execute();
      const scope = filter.scope ?? 'All';
      const candidates: ManagedPolicy[] = [
        ...(scope === 'Local'
          ? []
          : AWS_MANAGED_POLICIES.map((p) => ({ ...p, defaultVersion: p.versionId }))),
        ...(scope === 'AWS' ? [] : rows.map(fromRow)),
      ].filter((p) => p.path.startsWith(filter.pathPrefix ?? '/'));
      const views: PolicyView[] = [];
      for (const policy of candidates) {
        const v = await view(policy, false);
        if (filter.onlyAttached && v.AttachmentCount === 0 && v.PermissionsBoundaryUsageCount === 0) continue;
        if (filter.usage === 'PermissionsPolicy' && filter.onlyAttached && v.AttachmentCount === 0) continue;
        if (filter.usage === 'PermissionsBoundary' && v.PermissionsBoundaryUsageCount === 0) continue;
        views.push(v);
      }
      return views;
    },

    async deletePolicy(account: string, arn: string): Promise<void> {
      const row = customer(await find(account, arn));
      const { attachments, boundaries } = await counts(arn);
      if (attachments + boundaries > 0) throw deleteConflict('Cannot delete a policy attached to entities.');
      if ((await versions(row.id)).length > 1)
        throw deleteConflict(
          "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        );
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('iam_policy_versions').where('policy_id', '=', row.id).execute();
        await trx.deleteFrom('iam_tags').where('entity_id', '=', row.id).execute();
        await trx.deleteFrom('iam_policies').where('id', '=', row.id).execute();
      });
      ctx.changed();
    },

    async createPolicyVersion(
      account: string,
      arn: string,
      document: string,
      setAsDefault: boolean,
    ): Promise<PolicyVersionView> {
      const row = customer(await find(account, arn));
      checkManagedDocument(document);
      if ((await versions(row.id)).length >= MAX_VERSIONS)
        throw limitExceeded(
          'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
        );
      const at = now(ctx);
      const versionId = `v${row.next_version}`;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('iam_policy_versions')
          .values({ policy_id: row.id, version_id: versionId, document, created_at: at })
          .execute();
        await trx
          .updateTable('iam_policies')
          .set({
            next_version: row.next_version + 1,
            updated_at: at,
            ...(setAsDefault ? { default_version: versionId } : {}),
          })
          .where('id', '=', row.id)
          .execute();
      });
      ctx.changed();
      return { VersionId: versionId, IsDefaultVersion: setAsDefault, CreateDate: new Date(at) };
    },

    async getPolicyVersion(account: string, arn: string, versionId: string): Promise<PolicyVersionDocument> {
      const policy = await find(account, arn);
      if (!policy.row) {
        const aws = awsManagedPolicy(arn);
        if (!aws || versionId !== aws.versionId)
          throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
        return {
          Document: aws.document,
          VersionId: versionId,
          IsDefaultVersion: true,
          CreateDate: aws.updated,
        };
      }
      const version = (await versions(policy.id)).find((v) => v.version_id === versionId);
      if (!version)
        throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
      return {
        Document: version.document,
        VersionId: versionId,
        IsDefaultVersion: versionId === policy.defaultVersion,
        CreateDate: new Date(version.created_at),
      };
    },

    async listPolicyVersions(account: string, arn: string): Promise<PolicyVersionView[]> {
      const policy = await find(account, arn);
      if (!policy.row)
        return [{ VersionId: policy.defaultVersion, IsDefaultVersion: true, CreateDate: policy.updated }];
      return (await versions(policy.id)).reverse().map((v) => ({
        VersionId: v.version_id,
        IsDefaultVersion: v.version_id === policy.defaultVersion,
        CreateDate: new Date(v.created_at),
      }));
    },

    async setDefaultPolicyVersion(account: string, arn: string, versionId: string): Promise<void> {
      const row = customer(await find(account, arn));
      if (!(await versions(row.id)).some((v) => v.version_id === versionId))
        throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
      await db
        .updateTable('iam_policies')
        .set({ default_version: versionId, updated_at: now(ctx) })
        .where('id', '=', row.id)
        .execute();
      ctx.changed();
    },

    async deletePolicyVersion(account: string, arn: string, versionId: string): Promise<void> {
      const row = customer(await find(account, arn));
      if (!(await versions(row.id)).some((v) => v.version_id === versionId))
        throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
      if (versionId === row.default_version)
        throw deleteConflict('Cannot delete the default version of a policy.');
      await db
        .deleteFrom('iam_policy_versions')
        .where('policy_id', '=', row.id)
        .where('version_id', '=', versionId)
        .execute();
      ctx.changed();
    },

    async attachPolicy(account: string, holder: PolicyHolder, arn: string): Promise<void> {
      await find(account, arn).catch(() => {
        throw notAttachable(arn);
      });
      const attached = await db
        .selectFrom('iam_attachments')
        .select('policy_arn')
        .where('entity_id', '=', holder.id)
        .execute();
      if (attached.some((a) => a.policy_arn === arn)) return;
      if (attached.length >= MAX_ATTACHED)
        throw limitExceeded(`Cannot exceed quota for PoliciesPer${QUOTA_NAME[holder.kind]}: ${MAX_ATTACHED}`);
      await db
        .insertInto('iam_attachments')
        .values({ entity_id: holder.id, entity_kind: holder.kind, policy_arn: arn })
        .execute();
      ctx.changed();
    },

    async detachPolicy(_account: string, holder: PolicyHolder, arn: string): Promise<void> {
      const result = await db
        .deleteFrom('iam_attachments')
        .where('entity_id', '=', holder.id)
        .where('policy_arn', '=', arn)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw noSuchEntity(`Policy ${arn} was not found.`);
      ctx.changed();
    },

    async attachedPolicies(holder: Pick<PolicyHolder, 'id'>): Promise<AttachedPolicyView[]> {
      const rows = await db
        .selectFrom('iam_attachments')
        .select('policy_arn')
        .where('entity_id', '=', holder.id)
        .orderBy('policy_arn')
        .execute();
      return rows.map((row) => ({
        PolicyName: row.policy_arn.slice(row.policy_arn.lastIndexOf('/') + 1),
        PolicyArn: row.policy_arn,
      }));
    },

    async checkBoundary(account: string, arn: string): Promise<void> {
      await find(account, arn).catch(() => {
        throw noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
      });
    },

    async putInlinePolicy(holder: PolicyHolder, name: string, document: string): Promise<void> {
      parseDocument(document, 'identity');
      const others = await db
        .selectFrom('iam_inline_policies')
        .select(['name', 'document'])
        .where('entity_id', '=', holder.id)
        .execute();
      const texts = [...others.filter((p) => p.name !== name).map((p) => p.document), document];
      const limit = INLINE_LIMIT[holder.kind];
      checkSize(
        texts,
        limit,
        `Maximum policy size of ${limit} bytes exceeded for ${holder.kind} ${holder.name}`,
      );
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('iam_inline_policies')
          .where('entity_id', '=', holder.id)
          .where('name', '=', name)
          .execute();
        await trx
          .insertInto('iam_inline_policies')
          .values({ entity_id: holder.id, entity_kind: holder.kind, name, document })
          .execute();
      });
      ctx.changed();
    },

    async getInlinePolicy(holder: PolicyHolder, name: string): Promise<string> {
      const row = await db
        .selectFrom('iam_inline_policies')
        .select('document')
        .where('entity_id', '=', holder.id)
        .where('name', '=', name)
        .executeTakeFirst();
      if (!row) throw noSuchEntity(`The ${holder.kind} policy with name ${name} cannot be found.`);
      return row.document;
    },

    async inlinePolicies(holder: Pick<PolicyHolder, 'id'>): Promise<InlinePolicy[]> {
      return db
        .selectFrom('iam_inline_policies')
        .select(['name', 'document'])
        .where('entity_id', '=', holder.id)
        .orderBy('name')
        .execute();
    },

    async deleteInlinePolicy(holder: PolicyHolder, name: string): Promise<void> {
      const result = await db
        .deleteFrom('iam_inline_policies')
        .where('entity_id', '=', holder.id)
        .where('name', '=', name)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw noSuchEntity(`The ${holder.kind} policy with name ${name} cannot be found.`);
      ctx.changed();
    },

    async entitiesForPolicy(account: string, arn: string): Promise<PolicyEntities> {
      await find(account, arn);
      const rows = await db
        .selectFrom('iam_attachments')
        .select(['entity_id', 'entity_kind'])
        .where('policy_arn', '=', arn)
        .execute();
      const out: PolicyEntities = {
        user: [],
        group: [],
        role: [],
      };
      for (const kind of ['user', 'group', 'role'] as const) {
        const ids = rows.filter((r) => r.entity_kind === kind).map((r) => r.entity_id);
        if (ids.length === 0) continue;
        const table = kind === 'user' ? 'iam_users' : kind === 'group' ? 'iam_groups' : 'iam_roles';
        out[kind] = await db
          .selectFrom(table)
          .select(['name', 'id'])
          .where('id', 'in', ids)
          .orderBy('name_key')
          .execute();
      }
      return out;
    },
  };
}
