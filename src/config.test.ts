import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('takes flags over the environment and fills defaults', () => {
    const config = loadConfig(
      { dataDir: '/d', port: '9100' },
      { SEAWALL_PORT: '1', SEAWALL_HOST: '0.0.0.0' },
    );
    expect(config).toMatchObject({
      dataDir: '/d',
      port: 9100,
      host: '0.0.0.0',
      region: 'ca-west-1',
      logLevel: 'info',
    });
  });

  it('listens on loopback unless told otherwise', () => {
    expect(loadConfig({ dataDir: '/d' }, {}).host).toBe('127.0.0.1');
  });

  it('takes a TLS certificate and key together or not at all, reported with every other problem', () => {
    expect(
      loadConfig({ dataDir: '/d' }, { SEAWALL_TLS_CERT: 'c.pem', SEAWALL_TLS_KEY: 'k.pem' }),
    ).toMatchObject({
      tlsCert: resolve('c.pem'),
      tlsKey: resolve('k.pem'),
    });
    expect(() => loadConfig({ dataDir: '/d', tlsCert: 'c.pem' }, {})).toThrow(
      /^invalid configuration: --tls-key is required with --tls-cert \(give both or neither\)$/,
    );
    expect(() => loadConfig({ port: 'x' }, { SEAWALL_TLS_KEY: 'k.pem' })).toThrow(
      /--data-dir.*--port.*--tls-cert is required with --tls-key/,
    );
  });

  it('reports every problem at once, named by its flag', () => {
    expect(() => loadConfig({ port: '70000', region: 'Canada', metadataUrl: 'mysql://x' }, {})).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ port: 'x', region: 'Canada' }, {})).toThrow(/--data-dir.*--port.*--region/);
  });

  it('takes the root key from the environment only, as the base64 of 32 bytes, and never says it', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(loadConfig({ dataDir: '/d' }, { SEAWALL_ROOT_KEY: key }).rootKey).toEqual(Buffer.alloc(32, 1));
    const short = Buffer.alloc(16, 1).toString('base64');
    let message = '';
    try {
      loadConfig({ dataDir: '/d' }, { SEAWALL_ROOT_KEY: short });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SEAWALL_ROOT_KEY must be the base64 of 32 bytes/);
    expect(message).not.toContain(short);
  });

  it('takes an external key store by its key, endpoint, region and credentials', () => {
    const config = loadConfig(
      { dataDir: '/d' },
      {
        SEAWALL_KMS_KEY_STORE_KEY:
          'arn:aws:kms:ca-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        SEAWALL_KMS_KEY_STORE_ENDPOINT: 'https://kms.example.org',
        SEAWALL_KMS_KEY_STORE_CREDENTIALS: 'creds',
        SEAWALL_KMS_KEY_STORE_PROFILE: 'vault',
      },
    );
    expect(config).toMatchObject({
      kmsKeyStoreEndpoint: 'https://kms.example.org',
      kmsKeyStoreProfile: 'vault',
    });
    expect(config.kmsKeyStoreCredentials).toMatch(/\/creds$/);
    expect(() => loadConfig({ dataDir: '/d' }, { SEAWALL_KMS_KEY_STORE_KEY: 'not a key' })).toThrow(
      /--kms-key-store-key must be a KMS key ARN, id or alias/,
    );
    expect(() => loadConfig({ dataDir: '/d' }, { SEAWALL_KMS_KEY_STORE_ENDPOINT: 'file:///etc' })).toThrow(
      /--kms-key-store-endpoint/,
    );
  });
});
