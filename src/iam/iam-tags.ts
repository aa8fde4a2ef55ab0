import type { IamContext } from './iam-context.js';
import { invalidInput, limitExceeded } from './iam-names.js';
import type { IamTags } from './iam-types.js';

export type Tag = { Key: string; Value: string };

const MAX_TAGS = 50;

/** Refuses a request naming one key twice; IAM compares tag keys whatever their case. */
export function checkDistinctKeys(keys: readonly string[]): void {
  const seen = new Set<string>();
  for (const key of keys) {
    const lower = key.toLowerCase();
    if (seen.has(lower))
      throw invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(lower);
  }
}

export function createTags(ctx: IamContext): IamTags {
  const { db } = ctx;
  return {
    async tagsOf(entityId: string): Promise<Tag[]> {
      const rows = await db
        .selectFrom('iam_tags')
        .select(['key', 'value'])
        .where('entity_id', '=', entityId)
        .orderBy('position')
        .execute();
      return rows.map((row) => ({ Key: row.key, Value: row.value }));
    },

    async tag(entityId: string, tags: readonly Tag[]): Promise<void> {
      checkDistinctKeys(tags.map((t) => t.Key));
      await db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('iam_tags')
          .select(['key_lower', 'position'])
          .where('entity_id', '=', entityId)
          .execute();
        const present = new Set(existing.map((row) => row.key_lower));
        const added = tags.filter((t) => !present.has(t.Key.toLowerCase())).length;
        if (existing.length + added > MAX_TAGS)
          throw limitExceeded('The number of tags has reached the maximum limit.');
        let position = Math.max(0, ...existing.map((row) => row.position + 1));
        for (const t of tags) {
          const keyLower = t.Key.toLowerCase();
          if (present.has(keyLower)) {
            await trx
              .updateTable('iam_tags')
              .set({ key: t.Key, value: t.Value })
              .where('entity_id', '=', entityId)
              .where('key_lower', '=', keyLower)
              .execute();
          } else {
            await trx
              .insertInto('iam_tags')
              .values({ entity_id: entityId, key: t.Key, key_lower: keyLower, value: t.Value, position })
              .execute();
            position++;
          }
        }
      });
      ctx.changed();
    },

    async untag(entityId: string, keys: readonly string[]): Promise<void> {
      if (keys.length === 0) return;
      await db
        .deleteFrom('iam_tags')
        .where('entity_id', '=', entityId)
        .where(
          'key_lower',
          'in',
          keys.map((k) => k.toLowerCase()),
        )
        .execute();
      ctx.changed();
    },
  };
}
