import type { AppError } from '../errors.js';
import type { Principal } from '../lib/operation.js';
import type { AuthorizationContext } from './iam-authz.js';
import type { GroupView } from './iam-groups.js';
import type { AccessKeyMetadata, RootCredentials, SigningIdentity } from './iam-keys.js';
import type { ManagedPolicy, PolicyHolder, PolicyVersionView, PolicyView } from './iam-policies.js';
import type { RoleView } from './iam-roles.js';
import type { EntityKind, IamDb, IamGroupTable, IamRoleTable, IamUserTable } from './iam-schema.js';
import type { AssumeRoleInput } from './iam-sessions.js';
import type { Tag } from './iam-tags.js';
import type { UserView } from './iam-users.js';
import type { Policy } from './policy/index.js';

/**
 * The IAM service and its parts, each built by its own factory (createKeys, createUsers…) and spread into
 * one by createIamService. Users, groups and roles are found by name within an account, whatever its case;
 * managed policies by ARN. What is missing is NoSuchEntity.
 */
export interface IamService
  extends IamKeys,
    IamUsers,
    IamGroups,
    IamRoles,
    IamPolicies,
    IamTags,
    IamAuthorizationContexts,
    IamSessions {
  /** IAM's tables, for the few reads the API and the console sign-in make directly. */
  readonly db: IamDb;
  /** The error for a change asked of an AWS managed policy, which only AWS may change. */
  awsManagedRefusal(arn: string): AppError;
  accountCreated(account: string): Promise<Date>;
  /** Seawall keeps no console password for the root user; asking for one is refused, not ignored. */
  rootLoginRefusal(): AppError;
  /** The ARN of the role a name or ARN names, with its path (the ARN as given when there is no such role). */
  resolveRoleArn(account: string, role: string): Promise<string>;
  /** The first user or role of this account a policy names that does not exist (iam-principals.ts). */
  unknownPrincipal(account: string, policy: Policy): Promise<string | undefined>;
}

/** The account's root key and every access key's signing identity, for users and the root. */
export interface IamKeys {
  /** Creates the account and the root user's access key on first use; later calls return what exists. */
  ensureRootAccount(region: string): Promise<RootCredentials>;
  /** The identity behind an access key, or undefined when the key is unknown or inactive. */
  signingIdentity(keyId: string): Promise<SigningIdentity | undefined>;
  /** Records a key's last use (GetAccessKeyLastUsed); at most once a minute per key. */
  noteKeyUse(keyId: string, service: string, region: string): Promise<void>;
  /** A new key for the user (undefined: the root user); the only time its secret is returned. */
  createAccessKey(account: string, user: IamUserTable | undefined): Promise<NewAccessKey>;
  listAccessKeys(account: string, user: IamUserTable | undefined): Promise<AccessKeyMetadata[]>;
  updateAccessKey(
    account: string,
    user: IamUserTable | undefined,
    keyId: string,
    status: 'Active' | 'Inactive',
  ): Promise<void>;
  deleteAccessKey(account: string, user: IamUserTable | undefined, keyId: string): Promise<void>;
  /** When and where a key of the account was last used, and whose it is. */
  accessKeyLastUsed(account: string, keyId: string): Promise<AccessKeyLastUsedView>;
}

export type NewAccessKey = AccessKeyMetadata & { SecretAccessKey: string };

export type AccessKeyLastUsedView = {
  /** The key's user, or `root`. */
  UserName: string;
  AccessKeyLastUsed: { LastUsedDate?: Date; ServiceName: string; Region: string };
};

export interface IamUsers {
  findUser(account: string, name: string): Promise<IamUserTable>;
  createUser(account: string, input: NewUser): Promise<UserView>;
  getUser(account: string, name: string): Promise<UserView>;
  listUsers(account: string, pathPrefix?: string): Promise<UserView[]>;
  /** Renames or moves a user; its access keys' principal ARN follows. */
  updateUser(account: string, name: string, change: UserChange): Promise<void>;
  /** Deletes a user that has nothing left: IAM makes the caller remove keys, profile, policies, groups. */
  deleteUser(account: string, name: string): Promise<void>;
  /** Sets the user's permissions boundary (a managed policy's ARN), or removes it with null. */
  setUserBoundary(account: string, name: string, boundary: string | null): Promise<void>;
  /** Gives the user a console password, which must meet IAM's default password policy. */
  createLoginProfile(
    account: string,
    name: string,
    password: string,
    resetRequired: boolean,
  ): Promise<LoginProfileView>;
  getLoginProfile(account: string, name: string): Promise<LoginProfileView>;
  updateLoginProfile(account: string, name: string, change: LoginProfileChange): Promise<void>;
  deleteLoginProfile(account: string, name: string): Promise<void>;
}

export type NewUser = { name: string; path?: string; boundary?: string; tags?: Tag[] };

export type UserChange = { newName?: string; newPath?: string };

export type LoginProfileView = { UserName: string; CreateDate: Date; PasswordResetRequired: boolean };

/** What to change of a login profile; neither given changes nothing. */
export type LoginProfileChange = { password?: string; resetRequired?: boolean };

export interface IamGroups {
  findGroup(account: string, name: string): Promise<IamGroupTable>;
  createGroup(account: string, name: string, path?: string): Promise<GroupView>;
  listGroups(account: string, pathPrefix?: string): Promise<GroupView[]>;
  /** A group's members, in name order. */
  groupMembers(group: IamGroupTable): Promise<IamUserTable[]>;
  groupsOfUser(userId: string): Promise<IamGroupTable[]>;
  /** Deletes an empty group: IAM makes the caller remove its users and policies first. */
  deleteGroup(account: string, name: string): Promise<void>;
  /** Adds a user to a group; adding one already there is a no-op. */
  addUserToGroup(account: string, groupName: string, userName: string): Promise<void>;
  removeUserFromGroup(account: string, groupName: string, userName: string): Promise<void>;
}

export interface IamRoles {
  findRole(account: string, name: string): Promise<IamRoleTable>;
  /** The role with this unique id (AROA…), if it still exists; what a role session refers to. */
  findRoleById(id: string): Promise<IamRoleTable | undefined>;
  createRole(account: string, input: NewRole): Promise<RoleView>;
  getRole(account: string, name: string): Promise<RoleView>;
  listRoles(account: string, pathPrefix?: string): Promise<RoleView[]>;
  deleteRole(account: string, name: string): Promise<void>;
  updateAssumeRolePolicy(account: string, name: string, document: string): Promise<void>;
  updateRole(account: string, name: string, change: RoleChange): Promise<void>;
  /** Sets the role's permissions boundary (a managed policy's ARN), or removes it with null. */
  setRoleBoundary(account: string, name: string, boundary: string | null): Promise<void>;
  /** Records the role's use, now, in `region` (GetRole's RoleLastUsed). */
  noteRoleUse(roleId: string, region: string): Promise<void>;
}

export type NewRole = {
  name: string;
  path?: string;
  /** The trust policy (JSON text): who may assume the role. */
  trustPolicy: string;
  description?: string;
  /** Seconds; 3600 unless given. */
  maxSessionDuration?: number;
  boundary?: string;
  tags?: Tag[];
};

export type RoleChange = { description?: string; maxSessionDuration?: number };

/** Managed policies (AWS's and the account's) and their versions, attachments and inline policies. */
export interface IamPolicies {
  findPolicy(account: string, arn: string): Promise<ManagedPolicy>;
  /** The default version's document of a managed policy (for authorization and simulation). */
  defaultDocument(account: string, arn: string): Promise<string | undefined>;
  createPolicy(account: string, input: NewPolicy): Promise<PolicyView>;
  getPolicy(account: string, arn: string): Promise<PolicyView>;
  listPolicies(account: string, filter: PolicyFilter): Promise<PolicyView[]>;
  deletePolicy(account: string, arn: string): Promise<void>;
  createPolicyVersion(
    account: string,
    arn: string,
    document: string,
    setAsDefault: boolean,
  ): Promise<PolicyVersionView>;
  getPolicyVersion(account: string, arn: string, versionId: string): Promise<PolicyVersionDocument>;
  /** The policy's versions, newest first. */
  listPolicyVersions(account: string, arn: string): Promise<PolicyVersionView[]>;
  setDefaultPolicyVersion(account: string, arn: string, versionId: string): Promise<void>;
  deletePolicyVersion(account: string, arn: string, versionId: string): Promise<void>;
  /** Attaches a managed policy; attaching one already attached is a no-op. */
  attachPolicy(account: string, holder: PolicyHolder, arn: string): Promise<void>;
  detachPolicy(account: string, holder: PolicyHolder, arn: string): Promise<void>;
  /** The managed policies attached to an entity, in ARN order. */
  attachedPolicies(holder: Pick<PolicyHolder, 'id'>): Promise<AttachedPolicyView[]>;
  /** Checks a permissions boundary names a managed policy that exists. */
  checkBoundary(account: string, arn: string): Promise<void>;
  /** Adds or replaces an entity's inline policy of that name. */
  putInlinePolicy(holder: PolicyHolder, name: string, document: string): Promise<void>;
  /** The inline policy's document (JSON text). */
  getInlinePolicy(holder: PolicyHolder, name: string): Promise<string>;
  /** An entity's inline policies, in name order. */
  inlinePolicies(holder: Pick<PolicyHolder, 'id'>): Promise<InlinePolicy[]>;
  deleteInlinePolicy(holder: PolicyHolder, name: string): Promise<void>;
  /** The users, groups and roles a managed policy is attached to. */
  entitiesForPolicy(account: string, arn: string): Promise<PolicyEntities>;
}

export type NewPolicy = { name: string; path?: string; document: string; description?: string; tags?: Tag[] };

/** ListPolicies' filters: `scope` is All, AWS or Local; `usage` PermissionsPolicy or PermissionsBoundary. */
export type PolicyFilter = { scope?: string; onlyAttached?: boolean; pathPrefix?: string; usage?: string };

export type PolicyVersionDocument = PolicyVersionView & { Document: string };

export type AttachedPolicyView = { PolicyName: string; PolicyArn: string };

export type InlinePolicy = { name: string; document: string };

export type PolicyEntities = Record<EntityKind, { name: string; id: string }[]>;

/** Tags of users, roles and customer managed policies, by the entity's unique id. */
export interface IamTags {
  tagsOf(entityId: string): Promise<Tag[]>;
  /** Adds or replaces tags (a key already there, in any case, keeps its place and takes the new value). */
  tag(entityId: string, tags: readonly Tag[]): Promise<void>;
  untag(entityId: string, keys: readonly string[]): Promise<void>;
}

export interface IamAuthorizationContexts {
  /**
   * The policies and principal keys that decide what `principal` may do. The account's root gets none:
   * no identity policy applies to it.
   */
  authorizationContext(principal: Principal): Promise<AuthorizationContext>;
}

/** STS: temporary credentials for roles (AssumeRole) and for users and the root (GetSessionToken). */
export interface IamSessions {
  assumeRole(caller: Principal, region: string, input: AssumeRoleInput): Promise<AssumeRoleResult>;
  /**
   * A session of a role for work a service does on its behalf (a crawl, a recipe job): the role, named by
   * name or ARN, must exist and trust the service principal (`glue.amazonaws.com`) with sts:AssumeRole, or
   * the service is "unable to assume" it, as Glue and DataBrew say. The session is never handed out.
   */
  serviceSession(
    accountId: string,
    role: string,
    service: string,
    sessionName: string,
    durationSeconds: number,
  ): Promise<Principal>;
  /**
   * The credentials of such a session, for a service that calls Seawall's own API as the role (replication to
   * a bucket of the same installation); never handed to a caller either.
   */
  serviceCredentials(
    accountId: string,
    role: string,
    service: string,
    sessionName: string,
    durationSeconds: number,
  ): Promise<SessionCredentials>;
  /** A session of the calling user or root; 12 hours unless asked, an hour at most for the root. */
  getSessionToken(caller: Principal, durationSeconds: number | undefined): Promise<SessionTokenResult>;
}

/** Temporary credentials, as STS returns them. */
export type SessionCredentials = {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
};

export type AssumeRoleResult = {
  Credentials: SessionCredentials;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  SourceIdentity?: string;
};

export type SessionTokenResult = { Credentials: SessionCredentials };
