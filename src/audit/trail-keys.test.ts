import { generateKeyPairSync } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../kms/index.js';
import { publicKeyFingerprint } from './digest-format.js';
import { createTrailKeys, KEY_VALIDITY_MS } from './trail-keys.js';

const secrets = createSecretBox(Buffer.alloc(32, 3), 'test');

describe('trail signing keys', () => {
  it('keeps the key a store made before keys were replaced, and replaces it when its 30 days are over', () => {
    const db = new BetterSqlite3(':memory:');
    // The table a store had when each region kept one key for good.
    db.exec(`CREATE TABLE trail_signing_keys (region TEXT PRIMARY KEY, public_der BLOB NOT NULL,
      sealed_private TEXT NOT NULL, created INTEGER NOT NULL)`);
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = pair.publicKey.export({ format: 'der', type: 'pkcs1' });
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const made = Date.UTC(2026, 10, 20);
    db.prepare('INSERT INTO trail_signing_keys VALUES (?, ?, ?, ?)').run(
      'ca-west-1',
      der,
      secrets.seal(pem, 'cloudtrail-digest:ca-west-1'),
      made,
    );
    let now = made + 1000;
    const keys = createTrailKeys({ db, secrets, now: () => now });
    expect(keys.signing('ca-west-1').fingerprint).toBe(publicKeyFingerprint(der));
    expect(keys.publicKeys('ca-west-1')).toEqual([
      expect.objectContaining({ created: made, validUntil: made + KEY_VALIDITY_MS }),
    ]);
    now = made + KEY_VALIDITY_MS;
    const next = keys.signing('ca-west-1');
    expect(next.fingerprint).not.toBe(publicKeyFingerprint(der));
    expect(next.created).toBe(now);
    expect(keys.publicKeys('ca-west-1').map((k) => k.fingerprint)).toEqual([
      publicKeyFingerprint(der),
      next.fingerprint,
    ]);
    // Opening the store again moves nothing twice.
    expect(createTrailKeys({ db, secrets, now: () => now }).publicKeys('ca-west-1')).toHaveLength(2);
  });
});
