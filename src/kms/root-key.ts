import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';

const ROOT_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Creates the root key file with mode 0600 if it does not exist. Never overwrites: losing the root key would
 * make every sealed secret unreadable.
 */
export async function ensureRootKeyFile(path: string): Promise<void> {
  try {
    const handle = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(randomBytes(ROOT_KEY_BYTES));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

export async function readRootKey(path: string): Promise<Buffer> {
  const stat = await fs.stat(path);
  if ((stat.mode & 0o077) !== 0)
    throw new Error(`root key file ${path} must not be readable by group or others (mode 0600)`);
  const key = await fs.readFile(path);
  if (key.length !== ROOT_KEY_BYTES)
    throw new Error(`root key file ${path} is not a ${ROOT_KEY_BYTES}-byte key`);
  return key;
}

/** A key for one purpose and context, derived from the root key (HKDF-SHA256); never stored. */
export function deriveKey(rootKey: Buffer, purpose: string, context: string, bytes = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), `seawall:${purpose}:${context}`, bytes));
}

/** Seals small secrets (access key secrets) under a key derived from the root key for that purpose. */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export function createSecretBox(rootKey: Buffer, purpose: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), `seawall:${purpose}`, 32));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed, context) {
      const bytes = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}

/** The head of a column's text that is stored sealed; text without it is an earlier Seawall's plaintext. */
const SEALED_TEXT = 'sealed:';

/**
 * Seals text a metadata column keeps that can quote the data (a message naming the value a cast failed on),
 * so that it never reaches the disk in plaintext: each value bound to its row by `context`.
 */
export interface SealedText {
  seal(text: string, context: string): string;
  /** The text of a stored value, sealed or written in plaintext by an earlier Seawall. */
  open(stored: string, context: string): string;
}

export function createSealedText(secrets: SecretBox): SealedText {
  return {
    seal: (text, context) => SEALED_TEXT + secrets.seal(text, context),
    open(stored, context) {
      if (!stored.startsWith(SEALED_TEXT)) return stored;
      try {
        return secrets.open(stored.slice(SEALED_TEXT.length), context);
      } catch {
        // No sealed value (an earlier Seawall's plaintext that began so), or one that does not open here: shown as
        // it is stored, which quotes nothing sealed, rather than failing every read of its row.
        return stored;
      }
    },
  };
}

/**
 * One text column of a table kept sealed, each value bound to its row (`scope:key`, the key read from the row by
 * `keyOf`): `seal` it in the changes written to a row, `open` it in a row read back.
 */
export function sealedColumn<Row, C extends keyof Row>(
  sealed: SealedText,
  column: C,
  keyOf: (row: Row) => string,
  scope: string,
) {
  const context = (key: string) => `${scope}:${key}`;
  return {
    seal(key: string, changes: Partial<Row>): Partial<Row> {
      const text = changes[column];
      return typeof text === 'string' ? { ...changes, [column]: sealed.seal(text, context(key)) } : changes;
    },
    open<R extends Row | undefined>(row: R): R {
      const stored = row?.[column];
      if (!row || typeof stored !== 'string' || stored === '') return row;
      return { ...row, [column]: sealed.open(stored, context(keyOf(row))) };
    },
  };
}
