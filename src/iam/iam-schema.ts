import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * IAM's own tables (created by iam-migrations.ts). Entities refer to each other by their unique ids
 * (AIDA…, AGPA…, AROA…, ANPA…), never by name, so a rename touches one row. Names are unique per account
 * whatever their case, as in IAM: `name_key` is the lower-cased name.
 */
type Millis = number;

export interface IamUserTable {
  id: string;
  account_id: string;
  name: string;
  name_key: string;
  path: string;
  permissions_boundary: string | null;
  created_at: Millis;
}

export interface IamGroupTable {
  id: string;
  account_id: string;
  name: string;
  name_key: string;
  path: string;
  created_at: Millis;
}

export interface IamGroupMemberTable {
  group_id: string;
  user_id: string;
}

export interface IamRoleTable {
  id: string;
  account_id: string;
  name: string;
  name_key: string;
  path: string;
  /** The trust policy as the client sent it (JSON text). */
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  permissions_boundary: string | null;
  created_at: Millis;
  last_used_at: Millis | null;
  last_used_region: string | null;
}

/** Customer managed policies; AWS managed ones are built in (managed-policies.ts). */
export interface IamPolicyTable {
  id: string;
  account_id: string;
  arn: string;
  name: string;
  name_key: string;
  path: string;
  description: string | null;
  default_version: string;
  /** The number the next version gets (v1, v2…; never reused). */
  next_version: number;
  created_at: Millis;
  updated_at: Millis;
}

export interface IamPolicyVersionTable {
  policy_id: string;
  version_id: string;
  document: string;
  created_at: Millis;
}

export type EntityKind = 'user' | 'group' | 'role';

/** A managed policy (customer or AWS) attached to a user, group or role; also counted as its use. */
export interface IamAttachmentTable {
  entity_id: string;
  entity_kind: EntityKind;
  policy_arn: string;
}

export interface IamInlinePolicyTable {
  entity_id: string;
  entity_kind: EntityKind;
  name: string;
  document: string;
}

/** Tags of users, roles and customer managed policies (by their ids). */
export interface IamTagTable {
  entity_id: string;
  key: string;
  key_lower: string;
  value: string;
  position: number;
}

export interface IamLoginProfileTable {
  user_id: string;
  /** `scrypt$N$r$p$salt$hash`, base64 parts. */
  password_hash: string;
  password_reset_required: number;
  created_at: Millis;
}

/** STS temporary credentials. The secret is sealed; of the session token only its SHA-256 is kept. */
export interface IamSessionTable {
  access_key_id: string;
  account_id: string;
  sealed_secret: string;
  token_sha256: string;
  kind: 'AssumedRole' | 'IAMUser' | 'Root';
  /** The role (AROA…) or user (AIDA…) the session acts as; the account id for root. */
  subject_id: string;
  role_arn: string | null;
  session_name: string | null;
  /** JSON: the inline session policy's text, or null. */
  policy: string | null;
  /** JSON: the session's managed policy ARNs. */
  policy_arns: string;
  /** JSON: [{ Key, Value }] session tags, transitive ones first carried over. */
  tags: string;
  /** JSON: the transitive tag keys. */
  transitive_tag_keys: string;
  source_identity: string | null;
  /** The service Seawall made the session for (serviceSession); never set for a session a caller assumed. */
  service?: string | null;
  created_at: Millis;
  expires_at: Millis;
}

/** The columns IAM users' keys add to the foundation's access_keys table. */
export interface IamAccessKeyColumns {
  /** The user (AIDA…) a key belongs to; null for the root user's keys. */
  user_id: string | null;
  last_used_at: Millis | null;
  last_used_service: string | null;
  last_used_region: string | null;
}

export type IamTables = {
  iam_users: IamUserTable;
  iam_groups: IamGroupTable;
  iam_group_members: IamGroupMemberTable;
  iam_roles: IamRoleTable;
  iam_policies: IamPolicyTable;
  iam_policy_versions: IamPolicyVersionTable;
  iam_attachments: IamAttachmentTable;
  iam_inline_policies: IamInlinePolicyTable;
  iam_tags: IamTagTable;
  iam_login_profiles: IamLoginProfileTable;
  iam_sessions: IamSessionTable;
  access_keys: IamAccessKeyColumns;
};

/** The metadata store seen with IAM's tables. */
export function iamDb(db: Kysely<Database>) {
  return db.withTables<IamTables>();
}

export type IamDb = ReturnType<typeof iamDb>;
