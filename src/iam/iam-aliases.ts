import type { Kysely } from 'kysely';
import { alreadyExists, noSuchEntity } from './iam-names.js';

export interface IamAccountAliasTable {
  account_id: string;
  alias: string;
}

/** IAM's rule for aliases: 3 to 63 lower-case letters, digits and single hyphens, no hyphen at either end. */
export const ALIAS_PATTERN = /^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;
export const ALIAS_PATTERN_TEXT = '^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$';
const ACCOUNT_ID = /^\d{12}$/;

type AliasDb = Kysely<{ iam_account_aliases: IamAccountAliasTable }>;

/** Account aliases (iam-migrations-aliases.ts): the name a person signs in with instead of the account id. */
export interface AccountAliases {
  aliasOf(account: string): Promise<string | undefined>;
  /** The account an alias or a 12-digit account id names; undefined when there is none. */
  resolveAccount(accountOrAlias: string): Promise<string | undefined>;
  /** One alias per account, and no two accounts with the same one; asking again for the same is a no-op. */
  createAlias(account: string, alias: string): Promise<void>;
  deleteAlias(account: string, alias: string): Promise<void>;
}

export function createAccountAliases<DB>(base: Kysely<DB>): AccountAliases {
  const db = base as unknown as AliasDb;

  async function aliasOf(account: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('iam_account_aliases')
      .select('alias')
      .where('account_id', '=', account)
      .executeTakeFirst();
    return row?.alias;
  }

  return {
    aliasOf,

    async resolveAccount(accountOrAlias: string): Promise<string | undefined> {
      const text = accountOrAlias.trim().toLowerCase();
      const column = ACCOUNT_ID.test(text) ? 'account_id' : 'alias';
      const row = await db
        .selectFrom('iam_account_aliases')
        .select('account_id')
        .where(column, '=', text)
        .executeTakeFirst();
      if (row) return row.account_id;
      if (column === 'alias') return undefined;
      const account = await (base as unknown as Kysely<{ accounts: { id: string } }>)
        .selectFrom('accounts')
        .select('id')
        .where('id', '=', text)
        .executeTakeFirst();
      return account?.id;
    },

    async createAlias(account: string, alias: string): Promise<void> {
      const current = await aliasOf(account);
      if (current === alias) return;
      if (current !== undefined)
        throw alreadyExists(`The account already has the alias ${current}; delete it first.`);
      const taken = await db
        .selectFrom('iam_account_aliases')
        .select('account_id')
        .where('alias', '=', alias)
        .executeTakeFirst();
      if (taken) throw alreadyExists(`The account alias ${alias} already exists.`);
      await db.insertInto('iam_account_aliases').values({ account_id: account, alias }).execute();
    },

    async deleteAlias(account: string, alias: string): Promise<void> {
      const result = await db
        .deleteFrom('iam_account_aliases')
        .where('account_id', '=', account)
        .where('alias', '=', alias)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw noSuchEntity(`The account alias ${alias} cannot be found.`);
    },
  };
}
