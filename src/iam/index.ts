/** Identity: accounts, access keys and (later) users, roles and policies. */
export {
  createIamService,
  type IamService,
  type Principal,
  type RootCredentials,
  rootArn,
  type SigningIdentity,
} from './iam-service.js';
export { createIamStore, type IamStore } from './iam-store.js';
