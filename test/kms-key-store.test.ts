import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  KMSClient,
  ListKeysCommand,
} from '@aws-sdk/client-kms';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetFromDataDir } from '../src/cli/client-target.js';
import { dataDirLayout } from '../src/data-dir.js';
import { BIN, serveChild } from './helpers/child-server.js';
import { failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

/** Another Seawall, in a process of its own, serving on a free port. */
async function serveOuter(dir: string): Promise<{ child: ChildProcess; url: string }> {
  expect(spawnSync(process.execPath, [BIN, 'init', '--data-dir', dir]).status).toBe(0);
  const { child, url } = serveChild(dir);
  return { child, url: await url };
}

function wrappedMaterials(dataDir: string): string[] {
  const db = new BetterSqlite3(dataDirLayout(dataDir).metadataDb, { readonly: true });
  try {
    return db
      .prepare('SELECT wrapped FROM kms_key_materials')
      .all()
      .map((row) => (row as { wrapped: string }).wrapped);
  } finally {
    db.close();
  }
}

describe('KMS key material wrapped by an external KMS: a second Seawall process', () => {
  const outerDir = tempDir('seawall-outer-kms-');
  const innerDir = tempDir('seawall-inner-kms-');
  let outer: { child: ChildProcess; url: string };
  let outerKms: KMSClient;
  let outerKey = '';
  let t: TestSeawall | undefined;
  let env: Record<string, string>;
  /** The inner server's clock runs this far ahead, so that material kept in memory can expire. */
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  const inner = () =>
    new KMSClient({
      endpoint: t?.url,
      region: t?.credentials.region,
      credentials: t?.credentials,
      maxAttempts: 1,
      systemClockOffset: offset,
    });

  beforeAll(async () => {
    outer = await serveOuter(outerDir);
    const { credentials } = await targetFromDataDir(outerDir);
    outerKms = new KMSClient({ endpoint: outer.url, region: 'ca-west-1', credentials });
    const { KeyMetadata } = await outerKms.send(new CreateKeyCommand({ Description: 'wraps the inner KMS' }));
    outerKey = KeyMetadata?.Arn ?? '';
    await outerKms.send(new CreateAliasCommand({ AliasName: 'alias/seawall-root', TargetKeyId: outerKey }));
    env = {
      SEAWALL_KMS_KEY_STORE_KEY: outerKey,
      SEAWALL_KMS_KEY_STORE_ENDPOINT: outer.url,
      SEAWALL_KMS_KEY_STORE_CREDENTIALS: dataDirLayout(outerDir).credentials,
      SEAWALL_KMS_KEY_STORE_PROFILE: 'seawall',
    };
    t = await startTestSeawall({ dataDir: innerDir, env, clock });
  });
  afterAll(async () => {
    outerKms?.destroy();
    await t?.close();
    outer?.child.kill('SIGKILL');
    rmSync(outerDir, { recursive: true, force: true });
    rmSync(innerDir, { recursive: true, force: true });
  });

  it('wraps every key version with the outer key, and the outer KMS must allow each unwrap', async () => {
    let kms = inner();
    try {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      const KeyId = KeyMetadata?.KeyId ?? '';
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId, Plaintext: Buffer.from('311 calls') }),
      );
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob }));
      expect(Buffer.from(opened.Plaintext ?? []).toString()).toBe('311 calls');
      const wrapped = wrappedMaterials(innerDir);
      expect(wrapped.length).toBeGreaterThan(0);
      for (const material of wrapped) expect(material.startsWith('aws-kms:')).toBe(true);

      // With the outer key disabled, the material in memory serves for at most a minute more; then nothing
      // opens, no new key can be made, and this server does not start again.
      await outerKms.send(new DisableKeyCommand({ KeyId: outerKey }));
      const cached = await kms.send(new DecryptCommand({ CiphertextBlob }));
      expect(Buffer.from(cached.Plaintext ?? []).toString()).toBe('311 calls');
      offset += 61_000;
      kms.destroy();
      kms = inner();
      expect(await failureOf(kms.send(new DecryptCommand({ CiphertextBlob })))).toEqual({
        code: 'KMSInternalException',
        status: 500,
        message: 'The external key store could not be used.',
      });
      expect(await failureOf(kms.send(new CreateKeyCommand({})))).toMatchObject({
        code: 'KMSInternalException',
        status: 500,
        message: expect.stringContaining('external key store'),
      });
      kms.destroy();
      await t?.close();
      t = undefined;
      await expect(startTestSeawall({ dataDir: innerDir, env, clock })).rejects.toThrow(/external key store/);

      // Enabled again, everything sealed before opens again.
      await outerKms.send(new EnableKeyCommand({ KeyId: outerKey }));
      t = await startTestSeawall({ dataDir: innerDir, env, clock });
      const again = inner();
      try {
        const reopened = await again.send(new DecryptCommand({ CiphertextBlob }));
        expect(Buffer.from(reopened.Plaintext ?? []).toString()).toBe('311 calls');
      } finally {
        again.destroy();
      }
    } finally {
      kms.destroy();
    }
  });

  it('refuses material wrapped by the external store when started without it', async () => {
    await t?.close();
    t = await startTestSeawall({ dataDir: innerDir });
    const kms = inner();
    try {
      const { Keys } = await kms.send(new ListKeysCommand({}));
      const KeyId = Keys?.[0]?.KeyId ?? '';
      expect(
        await failureOf(kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }))),
      ).toMatchObject({
        code: 'KMSInternalException',
        message: expect.stringContaining('SEAWALL_KMS_KEY_STORE_KEY'),
      });
    } finally {
      kms.destroy();
    }
  });
});

describe('the root key given in the environment', () => {
  it('is used instead of a root.key file, and must match one that exists', async () => {
    const dir = tempDir('seawall-env-root-');
    const key = Buffer.alloc(32, 7).toString('base64');
    let t = await startTestSeawall({ dataDir: dir, env: { SEAWALL_ROOT_KEY: key } });
    try {
      expect(existsSync(dataDirLayout(dir).rootKey)).toBe(false);
      const kms = new KMSClient({
        endpoint: t.url,
        region: t.credentials.region,
        credentials: t.credentials,
      });
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: Buffer.from('env') }),
      );
      kms.destroy();
      await t.close();
      // Another key cannot open what this one sealed (the access keys' secrets first of all).
      await expect(
        startTestSeawall({ dataDir: dir, env: { SEAWALL_ROOT_KEY: Buffer.alloc(32, 8).toString('base64') } }),
      ).rejects.toThrow(/root key does not open the secrets/);
      t = await startTestSeawall({ dataDir: dir, env: { SEAWALL_ROOT_KEY: key } });
      const again = new KMSClient({
        endpoint: t.url,
        region: t.credentials.region,
        credentials: t.credentials,
      });
      const opened = await again.send(new DecryptCommand({ CiphertextBlob }));
      expect(Buffer.from(opened.Plaintext ?? []).toString()).toBe('env');
      again.destroy();
      expect(readFileSync(join(dir, 'credentials'), 'utf8')).not.toContain(key);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('must match the data directory root.key file where there is one', async () => {
    const dir = tempDir('seawall-env-root-');
    const t = await startTestSeawall({ dataDir: dir });
    await t.close();
    try {
      await expect(
        startTestSeawall({ dataDir: dir, env: { SEAWALL_ROOT_KEY: Buffer.alloc(32, 9).toString('base64') } }),
      ).rejects.toThrow(/SEAWALL_ROOT_KEY is not the root key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
