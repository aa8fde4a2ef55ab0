import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { SecretBox } from '../kms/index.js';
import { publicKeyFingerprint } from './digest-format.js';

/**
 * The key pair digests are signed with: one RSA-2048 pair per region, made once and kept in audit.db, its
 * private half sealed under a key derived from the root key (never stored in the clear).
 */
export interface SigningKey {
  readonly privateKey: KeyObject;
  /** PKCS#1 DER. */
  readonly publicDer: Buffer;
  readonly fingerprint: string;
  /** When the pair was made (ms): the start of its validity. */
  readonly created: number;
}

export interface TrailKeys {
  /** The region's signing key, made on first use. */
  signing(region: string): SigningKey;
  /** Every public key of a region, oldest first (ListPublicKeys). */
  publicKeys(region: string): Omit<SigningKey, 'privateKey'>[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trail_signing_keys (
  region TEXT PRIMARY KEY,
  public_der BLOB NOT NULL,
  sealed_private TEXT NOT NULL,
  created INTEGER NOT NULL
);
`;

interface KeyRow {
  region: string;
  public_der: Buffer;
  sealed_private: string;
  created: number;
}

export function createTrailKeys(deps: {
  db: BetterSqlite3.Database;
  secrets: SecretBox;
  now: () => number;
}): TrailKeys {
  const { db, secrets } = deps;
  db.exec(SCHEMA);
  const find = db.prepare('SELECT * FROM trail_signing_keys WHERE region = ?');
  const insert = db.prepare(
    'INSERT OR IGNORE INTO trail_signing_keys (region, public_der, sealed_private, created) VALUES (?, ?, ?, ?)',
  );
  const opened = new Map<string, SigningKey>();

  const rowOf = (region: string): KeyRow => {
    const found = find.get(region) as KeyRow | undefined;
    if (found) return found;
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = pair.publicKey.export({ format: 'der', type: 'pkcs1' });
    insert.run(region, der, secrets.seal(pem, `cloudtrail-digest:${region}`), deps.now());
    return find.get(region) as KeyRow;
  };

  return {
    signing(region) {
      const cached = opened.get(region);
      if (cached) return cached;
      const row = rowOf(region);
      const key: SigningKey = {
        privateKey: createPrivateKey(secrets.open(row.sealed_private, `cloudtrail-digest:${region}`)),
        publicDer: row.public_der,
        fingerprint: publicKeyFingerprint(row.public_der),
        created: row.created,
      };
      opened.set(region, key);
      return key;
    },
    publicKeys(region) {
      const row = rowOf(region);
      return [
        {
          publicDer: row.public_der,
          fingerprint: publicKeyFingerprint(row.public_der),
          created: row.created,
        },
      ];
    },
  };
}
