import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { KeyStore } from './key-store.js';
import { type EncryptionContext, open, sealedHeader } from './kms-ciphertext.js';
import { keyArn, keyMaterialId, materialContext, serviceKeyContext } from './kms-service.js';
import type { DataKeyKms } from './object-keyring.js';

/**
 * KMS as the offline check (`seawall check`) sees it: the metadata read, never written. The server's KMS keeps
 * its keys up to date as it reads them (due rotations made, due deletions carried out, Seawall's own keys made
 * on first use); this view does none of that, and opens a key's material whatever its state, so what a disabled
 * key or one pending deletion sealed is still verified.
 */
export interface OfflineKms extends DataKeyKms {
  /** Every version of every key's material, and Seawall's own keys, each unwrapped with the key store. */
  checkMaterials(): AsyncIterable<MaterialCheck>;
}

/** What unwrapping one key's material found. */
export type MaterialCheck =
  | { kind: 'service-key'; name: string; error?: string }
  | {
      kind: 'key';
      keyId: string;
      arn: string;
      /** Enabled, Disabled or PendingDeletion. */
      state: string;
      deletionAt: number | null;
      /** 1 for the material the key was made with, then one more per rotation, oldest first. */
      version: number;
      materialId: string;
      error?: string;
    }
  | { kind: 'no-material'; keyId: string; arn: string }
  | { kind: 'stray-material'; keyId: string; materialId: string };

/** Why a data key sealed by KMS does not open offline. */
export class OfflineKeyError extends Error {
  override readonly name = 'OfflineKeyError';

  constructor(
    readonly reason: 'key-gone' | 'material-gone' | 'unwrap' | 'ciphertext',
    message: string,
  ) {
    super(message);
  }
}

interface MaterialRow {
  id: string;
  key_id: string;
  wrapped: string;
  created_at: number;
}

/** Unwrapped material is kept by its id while the check runs, at most this many versions. */
const CACHE = 1024;

export function createOfflineKms(db: Kysely<Database>, keyStore: KeyStore): OfflineKms {
  const unwrapped = new Map<string, Promise<Buffer>>();
  const serviceKeys = new Map<string, Promise<Buffer>>();
  const unwrapError = (error: unknown) => (error instanceof Error ? error.message : String(error));

  async function unwrapMaterial(row: MaterialRow, account: string, region: string): Promise<Buffer> {
    let found = unwrapped.get(row.id);
    if (!found) {
      found = keyStore.unwrap(
        row.wrapped,
        materialContext({ accountId: account, region }, row.key_id, row.id),
      );
      if (unwrapped.size >= CACHE) unwrapped.delete(unwrapped.keys().next().value as string);
      unwrapped.set(row.id, found);
    }
    return found;
  }

  return {
    async serviceKey(name) {
      let found = serviceKeys.get(name);
      if (!found) {
        found = (async () => {
          const row = await db
            .selectFrom('kms_service_keys')
            .select('wrapped')
            .where('name', '=', name)
            .executeTakeFirst();
          if (!row) throw new OfflineKeyError('key-gone', `Seawall's ${name} key does not exist`);
          return keyStore.unwrap(row.wrapped, serviceKeyContext(name)).catch((error: unknown) => {
            throw new OfflineKeyError(
              'unwrap',
              `Seawall's ${name} key does not unwrap with the root key (${unwrapError(error)})`,
            );
          });
        })();
        serviceKeys.set(name, found);
      }
      return found;
    },

    async decrypt(scope, blob: Buffer, context: EncryptionContext) {
      const header = sealedHeader(blob);
      const key = await db
        .selectFrom('kms_keys')
        .select(['id', 'account_id', 'region'])
        .where('id', '=', header.keyId)
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .executeTakeFirst();
      const arn = keyArn(scope, header.keyId);
      if (!key) throw new OfflineKeyError('key-gone', `KMS key ${arn} does not exist (deleted)`);
      const row = await db
        .selectFrom('kms_key_materials')
        .select(['id', 'key_id', 'wrapped', 'created_at'])
        .where('id', '=', header.materialId)
        .where('key_id', '=', key.id)
        .executeTakeFirst();
      if (!row)
        throw new OfflineKeyError(
          'material-gone',
          `KMS key ${arn} has no material ${header.materialId}, which sealed it`,
        );
      let material: Buffer;
      try {
        material = await unwrapMaterial(row, key.account_id, key.region);
      } catch (error) {
        throw new OfflineKeyError(
          'unwrap',
          `KMS key ${arn}: material ${row.id} does not unwrap with the root key (${unwrapError(error)})`,
        );
      }
      try {
        return {
          arn,
          plaintext: open(material, blob, context),
          keyMaterialId: keyMaterialId(header.materialId),
        };
      } catch {
        throw new OfflineKeyError(
          'ciphertext',
          `it does not decrypt under KMS key ${arn} (the sealed key or its encryption context was altered)`,
        );
      }
    },

    async *checkMaterials() {
      for (const row of await db
        .selectFrom('kms_service_keys')
        .select(['name', 'wrapped'])
        .orderBy('name')
        .execute()) {
        try {
          await keyStore.unwrap(row.wrapped, serviceKeyContext(row.name));
          yield { kind: 'service-key', name: row.name };
        } catch (error) {
          yield { kind: 'service-key', name: row.name, error: unwrapError(error) };
        }
      }
      const keys = await db
        .selectFrom('kms_keys')
        .select(['id', 'account_id', 'region', 'state', 'deletion_at'])
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const known = new Set(keys.map((k) => k.id));
      for (const key of keys) {
        const arn = keyArn({ accountId: key.account_id, region: key.region }, key.id);
        const materials = await db
          .selectFrom('kms_key_materials')
          .select(['id', 'key_id', 'wrapped', 'created_at'])
          .where('key_id', '=', key.id)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        if (materials.length === 0) yield { kind: 'no-material', keyId: key.id, arn };
        for (const [index, row] of materials.entries()) {
          const found = {
            kind: 'key' as const,
            keyId: key.id,
            arn,
            state: key.state,
            deletionAt: key.deletion_at,
            version: index + 1,
            materialId: row.id,
          };
          try {
            await unwrapMaterial(row, key.account_id, key.region);
            yield found;
          } catch (error) {
            unwrapped.delete(row.id);
            yield { ...found, error: unwrapError(error) };
          }
        }
      }
      const strays = await db
        .selectFrom('kms_key_materials')
        .select(['id', 'key_id'])
        .orderBy('id')
        .execute();
      for (const row of strays)
        if (!known.has(row.key_id)) yield { kind: 'stray-material', keyId: row.key_id, materialId: row.id };
    },
  };
}
