import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { AccessKeyTable, AccountTable } from '../db/schema.js';

export function createIamStore(db: Kysely<Database>) {
  return {
    async firstAccount(): Promise<AccountTable | undefined> {
      return db.selectFrom('accounts').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
    },
    async insertAccountWithKey(account: AccountTable, key: AccessKeyTable): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('accounts').values(account).execute();
        await trx.insertInto('access_keys').values(key).execute();
      });
    },
    async findAccessKey(accessKeyId: string): Promise<AccessKeyTable | undefined> {
      return db
        .selectFrom('access_keys')
        .selectAll()
        .where('access_key_id', '=', accessKeyId)
        .executeTakeFirst();
    },
    async accessKeysOf(principalArn: string): Promise<AccessKeyTable[]> {
      return db
        .selectFrom('access_keys')
        .selectAll()
        .where('principal_arn', '=', principalArn)
        .orderBy('created_at')
        .execute();
    },
  };
}

export type IamStore = ReturnType<typeof createIamStore>;
