import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SecretBox } from '../kms/index.js';
import type { CheckReport } from '../lib/check-report.js';
import { parseStoredReplication } from './replication-config.js';

/** Another account's S3 endpoint that replication rules name by its account id (`seawall remote add`). */
export interface Remote {
  accountId: string;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RemoteStore {
  get(accountId: string): Promise<Remote | undefined>;
  /** Registers the account's endpoint and credentials, replacing what was registered for it. */
  put(remote: Remote): Promise<void>;
  list(): Promise<Omit<Remote, 'secretAccessKey'>[]>;
  /** Forgets the account's registration; false when none was registered. */
  remove(accountId: string): Promise<boolean>;
}

/** What seals the secrets: the root key, for this purpose only. */
export const REMOTE_SECRETS_PURPOSE = 'replication-remotes';

const context = (accountId: string) => `replication-remote:${accountId}`;

export function createRemoteStore(db: Kysely<Database>, secrets: SecretBox, now: () => number): RemoteStore {
  return {
    async get(accountId) {
      const row = await db
        .selectFrom('replication_remotes')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        accountId: row.account_id,
        endpoint: row.endpoint,
        region: row.region,
        accessKeyId: row.access_key_id,
        secretAccessKey: secrets.open(row.sealed_secret, context(row.account_id)),
      };
    },
    async put(remote) {
      const row = {
        account_id: remote.accountId,
        endpoint: remote.endpoint,
        region: remote.region,
        access_key_id: remote.accessKeyId,
        sealed_secret: secrets.seal(remote.secretAccessKey, context(remote.accountId)),
        created_at: now(),
      };
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('replication_remotes').where('account_id', '=', remote.accountId).execute();
        await trx.insertInto('replication_remotes').values(row).execute();
      });
    },
    async remove(accountId) {
      const removed = await db
        .deleteFrom('replication_remotes')
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(removed.numDeletedRows) > 0;
    },
    async list() {
      const rows = await db.selectFrom('replication_remotes').selectAll().orderBy('account_id').execute();
      return rows.map((row) => ({
        accountId: row.account_id,
        endpoint: row.endpoint,
        region: row.region,
        accessKeyId: row.access_key_id,
      }));
    },
  };
}

/** The replication rules, by bucket and rule id, whose destination is in `accountId` (named by its Account). */
export async function rulesNaming(
  db: Kysely<Database>,
  accountId: string,
): Promise<{ bucket: string; rule: string }[]> {
  const rows = await db
    .selectFrom('bucket_settings')
    .select(['bucket', 'value'])
    .where('name', '=', 'replication')
    .orderBy('bucket')
    .execute();
  return rows.flatMap(({ bucket, value }) =>
    parseStoredReplication(value)
      .rules.filter((rule) => rule.destination.account === accountId)
      .map((rule) => ({ bucket, rule: rule.id })),
  );
}

/**
 * The deliveries still queued for a destination in `accountId` (each row's target is `account/bucket`): how many,
 * and the source bucket of the oldest. Removing the account's remote under them would fail each of them for a
 * day before it is given up as FAILED.
 */
export async function deliveriesQueuedFor(
  db: Kysely<Database>,
  accountId: string,
): Promise<{ count: number; bucket: string } | undefined> {
  if (!/^\d{12}$/.test(accountId)) throw new Error(`not an account id: ${accountId.slice(0, 32)}`);
  // A pattern of digits and '/' only: no wildcard of the account's, and no collation's ordering (PostgreSQL's
  // default ignores punctuation when it compares, which a range over `account/` would trip on).
  const rows = db.selectFrom('s3_replication_outbox').where('target', 'like', `${accountId}/%`);
  const counted = await rows.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirst();
  const count = Number(counted?.count ?? 0);
  if (count === 0) return undefined;
  const oldest = await rows.select('bucket').orderBy('id').limit(1).executeTakeFirst();
  return { count, bucket: oldest?.bucket ?? '' };
}

/** The offline check (`seawall check`): each registered remote's secret must open with the root key. */
export async function checkRemoteSecrets(
  db: Kysely<Database>,
  secrets: SecretBox,
  report: CheckReport,
): Promise<void> {
  const rows = await db
    .selectFrom('replication_remotes')
    .select(['account_id', 'sealed_secret'])
    .orderBy('account_id')
    .execute()
    .catch((error: unknown) => {
      // An installation a Seawall before replication last ran has no such table, and so no remotes.
      if (/no such table|does not exist/.test((error as Error).message)) return [];
      throw error;
    });
  for (const row of rows) {
    const subject = `replication remote ${row.account_id}`;
    try {
      secrets.open(row.sealed_secret, context(row.account_id));
      report.ok('replication remote secret', subject);
    } catch {
      report.problem(subject, 'its secret does not open with the root key');
    }
  }
}
