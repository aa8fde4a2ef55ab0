import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { SecretBox } from '../kms/index.js';
import type { CheckReport } from '../lib/check-report.js';
import { SECRET_CONTEXT } from './iam-context.js';

/**
 * The offline check of the access keys' secrets (`seawall check`): each is sealed under the root key, so each
 * must open with it. Answers how many opened and how many did not: none opening at all means the root key given
 * is not the data directory's.
 */
export async function checkAccessKeySecrets(
  db: Kysely<Database>,
  secrets: SecretBox,
  report: CheckReport,
): Promise<{ opened: number; failed: number }> {
  const rows = await db
    .selectFrom('access_keys')
    .select(['access_key_id', 'sealed_secret'])
    .orderBy('access_key_id')
    .execute();
  let opened = 0;
  for (const row of rows) {
    const subject = `access key ${row.access_key_id}`;
    try {
      secrets.open(row.sealed_secret, SECRET_CONTEXT + row.access_key_id);
      opened++;
      report.ok('access key secret', subject);
    } catch {
      report.problem(subject, 'its secret does not open with the root key');
    }
  }
  return { opened, failed: rows.length - opened };
}
