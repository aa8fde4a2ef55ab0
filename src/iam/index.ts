/** Identity: the account, users, groups, roles, policies, access keys and STS sessions, and their APIs. */

export type { Principal } from '../lib/operation.js';
export { createIamApi } from './iam-api.js';
export type { AuthorizationContext } from './iam-authz.js';
export {
  type AccessKeyMetadata,
  type RootCredentials,
  rootArn,
  type SigningIdentity,
} from './iam-keys.js';
export { iamMigrations } from './iam-migrations.js';
/** The IAM service; `authorizationContext(principal)` gathers the policies the authorizer evaluates. */
export { createIamService, type IamService } from './iam-service.js';
/** The console's password sign-in: a user's login profile checked, answered with temporary credentials. */
export { createConsoleSignIn, type SignInRequest, type SignInResult } from './iam-signin.js';
export { createIamStore, type IamStore } from './iam-store.js';
export { createStsApi } from './sts-api.js';
