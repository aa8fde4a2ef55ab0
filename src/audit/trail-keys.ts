import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { SecretBox } from '../kms/index.js';
import { publicKeyFingerprint } from './digest-format.js';

/**
 * The key pairs digests are signed with: RSA-2048, one at a time per region, each valid for 30 days as
 * CloudTrail's are, then replaced by a new one (the old ones are kept: digests they signed must still verify).
 * They are kept in audit.db, each private half sealed under a key derived from the root key (never stored in the
 * clear).
 */
export interface SigningKey {
  readonly privateKey: KeyObject;
  /** PKCS#1 DER. */
  readonly publicDer: Buffer;
  readonly fingerprint: string;
  /** When the pair was made (ms): the start of its validity… */
  readonly created: number;
  /** …and its end: the pair signs nothing from then on. */
  readonly validUntil: number;
}

export type PublicKey = Omit<SigningKey, 'privateKey'>;

export interface TrailKeys {
  /**
   * The region's signing key at `at` (ms; now when not given), made on first use and when the last one's
   * validity ends; a key made for a digest starts its validity at that digest's time, so a range that ends
   * with the digest finds the key.
   */
  signing(region: string, at?: number): SigningKey;
  /** Every public key of a region, oldest first (ListPublicKeys). */
  publicKeys(region: string): PublicKey[];
}

/** How long a key pair signs digests. */
export const KEY_VALIDITY_MS = 30 * 24 * 3600 * 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trail_keys (
  id INTEGER PRIMARY KEY,
  region TEXT NOT NULL,
  public_der BLOB NOT NULL,
  sealed_private TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS trail_keys_region ON trail_keys (region, created);
`;

/** A store made when a region had one key for good (trail_signing_keys): its keys move to trail_keys. */
const MOVE_KEYS = `
INSERT INTO trail_keys (region, public_der, sealed_private, created)
  SELECT region, public_der, sealed_private, created FROM trail_signing_keys;
DROP TABLE trail_signing_keys;
`;

interface KeyRow {
  id: number;
  region: string;
  public_der: Buffer;
  sealed_private: string;
  created: number;
}

function publicKeyOf(row: KeyRow): PublicKey {
  return {
    publicDer: row.public_der,
    fingerprint: publicKeyFingerprint(row.public_der),
    created: row.created,
    validUntil: row.created + KEY_VALIDITY_MS,
  };
}

export function createTrailKeys(deps: {
  db: BetterSqlite3.Database;
  secrets: SecretBox;
  now: () => number;
}): TrailKeys {
  const { db, secrets } = deps;
  db.transaction(() => {
    db.exec(SCHEMA);
    const old = db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'trail_signing_keys'",
    );
    if (old.get()) db.exec(MOVE_KEYS);
  })();
  const all = db.prepare('SELECT * FROM trail_keys WHERE region = ? ORDER BY created, id');
  const newest = db.prepare(
    'SELECT * FROM trail_keys WHERE region = ? ORDER BY created DESC, id DESC LIMIT 1',
  );
  const insert = db.prepare(
    'INSERT INTO trail_keys (region, public_der, sealed_private, created) VALUES (?, ?, ?, ?)',
  );
  const context = (region: string) => `cloudtrail-digest:${region}`;
  /** Private keys opened so far, by row id. */
  const opened = new Map<number, KeyObject>();

  /** The region's key valid at `now`, made when there is none. */
  const currentRow = (region: string, now: number): KeyRow => {
    const found = newest.get(region) as KeyRow | undefined;
    if (found && now < found.created + KEY_VALIDITY_MS) return found;
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = pair.publicKey.export({ format: 'der', type: 'pkcs1' });
    // Whole seconds, as digests are timed: a digest signed in the second the key was made is in its validity.
    insert.run(region, der, secrets.seal(pem, context(region)), Math.floor(now / 1000) * 1000);
    return newest.get(region) as KeyRow;
  };

  return {
    signing(region, at) {
      const row = currentRow(region, at ?? deps.now());
      let privateKey = opened.get(row.id);
      if (!privateKey) {
        privateKey = createPrivateKey(secrets.open(row.sealed_private, context(region)));
        opened.set(row.id, privateKey);
      }
      return { privateKey, ...publicKeyOf(row) };
    },
    publicKeys(region) {
      currentRow(region, deps.now());
      return (all.all(region) as KeyRow[]).map(publicKeyOf);
    },
  };
}
