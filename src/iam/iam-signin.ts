import { randomBytes } from 'node:crypto';
import { badRequest } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Principal } from '../lib/operation.js';
import { createAccountAliases } from './iam-aliases.js';
import { iamArn } from './iam-names.js';
import type { IamUserTable } from './iam-schema.js';
import { createThrottle, type ThrottleOptions } from './iam-signin-throttle.js';
import type { IamService } from './iam-types.js';
import { hashPassword, verifyPassword } from './iam-users.js';

/** What a person types on the console's sign-in page. */
export interface SignInRequest {
  /** The 12-digit account id or the account's alias. */
  readonly account: string;
  readonly userName: string;
  readonly password: string;
  /** The new password, when the login profile says the old one must be changed. */
  readonly newPassword?: string;
  /** Where the attempt comes from, for the per-address backoff. */
  readonly sourceIp: string;
  /** The browser's User-Agent, for the audit trail's record of the attempt. */
  readonly userAgent?: string;
}

export type SignInResult =
  | {
      readonly outcome: 'signedIn';
      readonly accountId: string;
      readonly userName: string;
      readonly arn: string;
      readonly credentials: {
        readonly AccessKeyId: string;
        readonly SecretAccessKey: string;
        readonly SessionToken: string;
        readonly Expiration: Date;
      };
    }
  /** Unknown account, unknown user, no login profile or a wrong password: one answer for all four. */
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'throttled'; readonly retryAfterSeconds: number }
  /** The password was right, but must be changed before the user may sign in. */
  | { readonly outcome: 'passwordResetRequired' };

export interface SignInOptions {
  clock: Clock;
  /** How long the console's credentials last; 12 hours, GetSessionToken's default, unless given. */
  durationSeconds?: number;
  perUser?: Partial<ThrottleOptions>;
  perAddress?: Partial<ThrottleOptions>;
}

/** The console's password sign-in. */
export interface ConsoleSignIn {
  /** Checks a user's console password; a refusal or a wait is answered, not thrown. */
  signIn(request: SignInRequest): Promise<SignInResult>;
}

const THROTTLE: ThrottleOptions = {
  threshold: 5,
  baseMs: 1000,
  maxMs: 15 * 60_000,
  forgetMs: 60 * 60_000,
  maxKeys: 100_000,
};

/**
 * The console's password sign-in (AWS's console sign-in): a user's console password checked against its
 * login profile, answered with GetSessionToken's temporary credentials for that user. Every refusal takes a
 * full scrypt verification, against a hash of a random password when there is nothing to compare with, so
 * neither the answer nor its time tells an unknown account or user from a wrong password. Failures back off
 * per account and user and per source address.
 */
export function createConsoleSignIn(iam: IamService, options: SignInOptions): ConsoleSignIn {
  const aliases = createAccountAliases(iam.db);
  const perUser = createThrottle({ ...THROTTLE, ...options.perUser });
  // An office or a proxy puts many people behind one address: it gets more tries before backing off.
  const perAddress = createThrottle({ ...THROTTLE, threshold: 20, ...options.perAddress });
  const decoy = hashPassword(randomBytes(24).toString('base64'));
  const duration = options.durationSeconds ?? 43_200;

  async function userAndHash(account: string | undefined, userName: string) {
    const user: IamUserTable | undefined =
      account === undefined ? undefined : await iam.findUser(account, userName).catch(() => undefined);
    const profile =
      user === undefined
        ? undefined
        : await iam.db
            .selectFrom('iam_login_profiles')
            .selectAll()
            .where('user_id', '=', user.id)
            .executeTakeFirst();
    return { user, profile };
  }

  return {
    async signIn(request: SignInRequest): Promise<SignInResult> {
      const now = options.clock.now().getTime();
      const account = await aliases.resolveAccount(request.account);
      const userKey = `${account ?? request.account.trim().toLowerCase()}/${request.userName.toLowerCase()}`;
      const addressKey = request.sourceIp.replace(/^::ffff:/, '');
      const wait = Math.max(perUser.waitFor(userKey, now), perAddress.waitFor(addressKey, now));
      if (wait > 0) return { outcome: 'throttled', retryAfterSeconds: Math.ceil(wait / 1000) };
      perUser.begin(userKey, now);
      perAddress.begin(addressKey, now);

      const { user, profile } = await userAndHash(account, request.userName);
      const matches = await verifyPassword(request.password, profile?.password_hash ?? (await decoy));
      if (!matches || !user || !profile || account === undefined) return { outcome: 'refused' };
      perUser.forgive(userKey, true);
      perAddress.forgive(addressKey, false);

      if (profile.password_reset_required === 1) {
        if (request.newPassword === undefined) return { outcome: 'passwordResetRequired' };
        if (request.newPassword === request.password)
          throw badRequest('PasswordPolicyViolation', 'The new password must differ from the current one.');
        await iam.updateLoginProfile(account, user.name, {
          password: request.newPassword,
          resetRequired: false,
        });
      } else if (request.newPassword !== undefined) {
        throw badRequest(
          'InvalidInput',
          'A new password is taken only when the login profile requires the password to be reset.',
        );
      }
      const principal: Principal = {
        accountId: account,
        arn: iamArn(account, 'user', user.path, user.name),
        accessKeyId: '',
        type: 'IAMUser',
        userId: user.id,
        username: user.name,
      };
      const { Credentials } = await iam.getSessionToken(principal, duration);
      return {
        outcome: 'signedIn',
        accountId: account,
        userName: user.name,
        arn: principal.arn,
        credentials: Credentials,
      };
    },
  };
}
