/** Identity: the account, users, groups, roles, policies, access keys and STS sessions, and their APIs. */

export type { Principal } from '../lib/operation.js';
/** Who a principal is to a policy, as every decision (and KMS's lockout check) evaluates it. */
export { type PolicySource, principalContext } from './authorizer.js';
/** The global condition keys (aws:…) of a request, for decisions a service makes on its own policies. */
export { globalKeys } from './global-keys.js';
export { createIamApi } from './iam-api.js';
export type { AuthorizationContext } from './iam-authz.js';
/** The offline check (seawall check): every access key's secret opens with the root key. */
export { checkAccessKeySecrets } from './iam-key-check.js';
export {
  type AccessKeyMetadata,
  type RootCredentials,
  rootArn,
  type SigningIdentity,
} from './iam-keys.js';
export { iamMigrations } from './iam-migrations.js';
/** Builds the IAM service from its store, the KMS sealing box and the clock. */
export { createIamService } from './iam-service.js';
/** The console's password sign-in: a user's login profile checked, answered with temporary credentials. */
export { createConsoleSignIn, type SignInRequest, type SignInResult } from './iam-signin.js';
/** Backoff for failed authentication, per key (an account and user, a source address, an access key id). */
export { createThrottle, type Throttle, type ThrottleOptions } from './iam-signin-throttle.js';
export { createIamStore, type IamStore } from './iam-store.js';
/** The IAM service; `authorizationContext(principal)` gathers the policies the authorizer evaluates. */
export type { IamService } from './iam-types.js';
export { createStsApi } from './sts-api.js';
