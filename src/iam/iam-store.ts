import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { AccessKeyTable, AccountTable } from '../db/schema.js';
import { type IamAccessKeyColumns, type IamDb, type IamSessionTable, iamDb } from './iam-schema.js';

export type AccessKeyRow = AccessKeyTable & IamAccessKeyColumns;

/** Accounts, access keys and STS sessions. */
export interface IamStore {
  /** The metadata store seen with IAM's tables. */
  readonly db: IamDb;
  /** The account Seawall made first (the one its root credentials belong to). */
  firstAccount(): Promise<AccountTable | undefined>;
  /** Creates an account with its root user's first access key, in one transaction. */
  insertAccountWithKey(account: AccountTable, key: AccessKeyTable): Promise<void>;
  findAccessKey(accessKeyId: string): Promise<AccessKeyRow | undefined>;
  /** The keys of a principal (by its ARN), oldest first. */
  accessKeysOf(principalArn: string): Promise<AccessKeyRow[]>;
  /** The keys of a user (by its unique id), oldest first. */
  accessKeysOfUser(userId: string): Promise<AccessKeyRow[]>;
  insertAccessKey(key: AccessKeyRow): Promise<void>;
  setAccessKeyStatus(keyId: string, status: 'Active' | 'Inactive'): Promise<void>;
  deleteAccessKey(keyId: string): Promise<void>;
  /** Records when (milliseconds), for which service and in which region a key was last used. */
  noteKeyUse(keyId: string, at: number, service: string, region: string): Promise<void>;
  /** Keeps the keys' principal ARN in step with a renamed or moved user. */
  renameKeyPrincipal(userId: string, arn: string): Promise<void>;
  insertSession(session: IamSessionTable): Promise<void>;
  /** The STS session of a temporary access key (ASIA…). */
  findSession(keyId: string): Promise<IamSessionTable | undefined>;
  /** Forgets sessions long expired (a day on, clients have stopped retrying with them). */
  sweepSessions(before: number): Promise<void>;
}

export function createIamStore(base: Kysely<Database>): IamStore {
  const db = iamDb(base);
  return {
    db,
    async firstAccount(): Promise<AccountTable | undefined> {
      return db.selectFrom('accounts').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
    },
    async insertAccountWithKey(account: AccountTable, key: AccessKeyTable): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('accounts').values(account).execute();
        await trx
          .insertInto('access_keys')
          .values({
            ...key,
            user_id: null,
            last_used_at: null,
            last_used_service: null,
            last_used_region: null,
          })
          .execute();
      });
    },
    async findAccessKey(accessKeyId: string): Promise<AccessKeyRow | undefined> {
      return db
        .selectFrom('access_keys')
        .selectAll()
        .where('access_key_id', '=', accessKeyId)
        .executeTakeFirst();
    },
    async accessKeysOf(principalArn: string): Promise<AccessKeyRow[]> {
      return db
        .selectFrom('access_keys')
        .selectAll()
        .where('principal_arn', '=', principalArn)
        .orderBy('created_at')
        .execute();
    },
    async accessKeysOfUser(userId: string): Promise<AccessKeyRow[]> {
      return db
        .selectFrom('access_keys')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute();
    },
    async insertAccessKey(key: AccessKeyRow): Promise<void> {
      await db.insertInto('access_keys').values(key).execute();
    },
    async setAccessKeyStatus(keyId: string, status: 'Active' | 'Inactive'): Promise<void> {
      await db.updateTable('access_keys').set({ status }).where('access_key_id', '=', keyId).execute();
    },
    async deleteAccessKey(keyId: string): Promise<void> {
      await db.deleteFrom('access_keys').where('access_key_id', '=', keyId).execute();
    },
    async noteKeyUse(keyId: string, at: number, service: string, region: string): Promise<void> {
      await db
        .updateTable('access_keys')
        .set({ last_used_at: at, last_used_service: service, last_used_region: region })
        .where('access_key_id', '=', keyId)
        .execute();
    },
    async renameKeyPrincipal(userId: string, arn: string): Promise<void> {
      await db.updateTable('access_keys').set({ principal_arn: arn }).where('user_id', '=', userId).execute();
    },

    async insertSession(session: IamSessionTable): Promise<void> {
      await db.insertInto('iam_sessions').values(session).execute();
    },
    async findSession(keyId: string): Promise<IamSessionTable | undefined> {
      return db.selectFrom('iam_sessions').selectAll().where('access_key_id', '=', keyId).executeTakeFirst();
    },
    async sweepSessions(before: number): Promise<void> {
      await db.deleteFrom('iam_sessions').where('expires_at', '<', before).execute();
    },
  };
}
