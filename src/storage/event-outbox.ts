import type { Kysely, Transaction } from 'kysely';
import type { Database, S3EventOutboxTable } from '../db/schema.js';
import { increasingId } from '../lib/ids.js';

/** An event notification a change raises, stored by the transaction that makes the change. */
export interface EventDraft {
  readonly bucket: string;
  /** JSON: the event record but its sequencer and configurationId. */
  readonly record: string;
  /** JSON: where it goes (notifications.ts). */
  readonly destinations: string;
  readonly createdAt: number;
}

export type OutboxRow = S3EventOutboxTable;

/** Stores the drafts inside the transaction of the change that raised them. */
export async function insertEvents(
  trx: Transaction<Database>,
  drafts: readonly EventDraft[] | undefined,
): Promise<void> {
  for (const draft of drafts ?? []) {
    await trx
      .insertInto('s3_event_outbox')
      .values({
        // The writes of one key are serialised (storage-store.ts, lockKey), so its events' sequencers increase in
        // the order the changes were made, as S3's do.
        id: increasingId(draft.createdAt),
        bucket: draft.bucket,
        record: draft.record,
        destinations: draft.destinations,
        created_at: draft.createdAt,
        attempts: 0,
        next_attempt_at: draft.createdAt,
      })
      .execute();
  }
}

/** The undelivered events: read in sequencer order, removed once delivered, put off after a failure. */
export interface EventOutbox {
  /** Events due at `now`, oldest first, at most `limit`. */
  due(now: number, limit: number): Promise<OutboxRow[]>;
  remove(id: string): Promise<void>;
  /** Records a failed attempt: the event is tried again at `nextAttemptAt`. */
  postpone(id: string, attempts: number, nextAttemptAt: number): Promise<void>;
  /** When the next event falls due; undefined when none waits. */
  nextDue(): Promise<number | undefined>;
}

export function createEventOutbox(db: Kysely<Database>): EventOutbox {
  return {
    due: (now, limit) =>
      db
        .selectFrom('s3_event_outbox')
        .selectAll()
        .where('next_attempt_at', '<=', now)
        .orderBy('id')
        .limit(limit)
        .execute(),
    async remove(id) {
      await db.deleteFrom('s3_event_outbox').where('id', '=', id).execute();
    },
    async postpone(id, attempts, nextAttemptAt) {
      await db
        .updateTable('s3_event_outbox')
        .set({ attempts, next_attempt_at: nextAttemptAt })
        .where('id', '=', id)
        .execute();
    },
    async nextDue() {
      const row = await db
        .selectFrom('s3_event_outbox')
        .select((eb) => eb.fn.min('next_attempt_at').as('at'))
        .executeTakeFirst();
      return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
    },
  };
}
