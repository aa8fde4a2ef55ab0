import { nameKey, noSuchNamed } from './iam-names.js';
import type { IamDb, IamGroupTable, IamRoleTable, IamUserTable } from './iam-schema.js';

interface EntityTables {
  user: { table: 'iam_users'; row: IamUserTable };
  group: { table: 'iam_groups'; row: IamGroupTable };
  role: { table: 'iam_roles'; row: IamRoleTable };
}

const TABLES = { user: 'iam_users', group: 'iam_groups', role: 'iam_roles' } as const;

/** A user, group or role of the account by name (names match whatever their case), or IAM's NoSuchEntity. */
export async function findNamed<K extends keyof EntityTables>(
  db: IamDb,
  kind: K,
  account: string,
  name: string,
): Promise<EntityTables[K]['row']> {
  const row = await db
    .selectFrom(TABLES[kind] as EntityTables['user']['table'])
    .selectAll()
    .where('account_id', '=', account)
    .where('name_key', '=', nameKey(name))
    .executeTakeFirst();
  if (!row) throw noSuchNamed(kind, name);
  return row as EntityTables[K]['row'];
}

/** Whether an entity still has inline policies, or attached ones (which keep it from being deleted). */
export async function hasPolicies(
  db: IamDb,
  table: 'iam_attachments' | 'iam_inline_policies',
  entityId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom(table)
    .select('entity_id')
    .where('entity_id', '=', entityId)
    .executeTakeFirst();
  return row !== undefined;
}
