import type { SecretBox } from '../kms/index.js';
import type { Clock } from '../lib/clock.js';
import type { IamDb } from './iam-schema.js';
import type { IamStore } from './iam-store.js';

/** What the parts of the IAM service share: the store, the sealing box, the clock and the write counter. */
export interface IamContext {
  readonly db: IamDb;
  readonly store: IamStore;
  readonly secrets: SecretBox;
  readonly clock: Clock;
  /** Called after every IAM write: cached identities and authorization contexts are dropped. */
  changed(): void;
  /** Grows with each write; a cached value made at an older generation is stale. */
  generation(): number;
}

export function now(ctx: IamContext): number {
  return ctx.clock.now().getTime();
}

/** Secret access keys are sealed with their key id as context, so a sealed secret cannot be moved. */
export const SECRET_CONTEXT = 'access-key:';
