import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config.js';
import { dataDirLayout } from '../src/data-dir.js';
import { readLockHolder } from '../src/data-dir-lock.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import type { OperationRequest } from '../src/lib/operation.js';
import { initDataDir } from '../src/main.js';
import { createHttpServer } from '../src/server/http-server.js';
import { readTlsCredentials } from '../src/server/tls.js';
import { customerKeyOf } from '../src/storage/object-encryption.js';
import { awsCli } from './helpers/aws-cli.js';
import { within } from './helpers/bare-server.js';
import { BIN } from './helpers/child-server.js';
import { rawRequest } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { makeCertificate } from './helpers/tls.js';

// HTTPS on Seawall's one port (`--tls-cert`, `--tls-key`), with a self-signed certificate made for the run.

let t: TestSeawall;
let certDir: string;
let certFile: string;
let keyFile: string;
let ca: Buffer;

beforeAll(async () => {
  certDir = tempDir('seawall-tls-');
  ({ cert: certFile, key: keyFile } = makeCertificate(certDir, 'server'));
  ca = readFileSync(certFile);
  t = await startTestSeawall({ env: { SEAWALL_TLS_CERT: certFile, SEAWALL_TLS_KEY: keyFile } });
});
afterAll(async () => {
  await t.close();
  rmSync(certDir, { recursive: true, force: true });
});

/** The SDK's own handler, with an HTTPS agent that trusts the test's certificate. */
const trusting = () => ({ requestHandler: { httpsAgent: new Agent({ ca }) } });

/** One HTTPS exchange that trusts the test's certificate. */
function httpsRequest(
  url: string,
  options: { method: string; headers?: Record<string, string>; body?: Buffer },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: options.headers ?? {}, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const sseC = (key: Buffer) => ({
  SSECustomerAlgorithm: 'AES256',
  SSECustomerKey: key.toString('base64'),
  SSECustomerKeyMD5: createHash('md5').update(key).digest('base64'),
});

describe('serving HTTPS', () => {
  it('serves every API over TLS on its one port, and records the https endpoint clients find it by', async () => {
    expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await readLockHolder(dataDirLayout(t.dataDir).lock))?.holder.endpoint).toBe(t.url);
    expect((await httpsRequest(`${t.url}/_seawall/health`, { method: 'GET' })).status).toBe(200);

    const s3 = t.s3(trusting());
    await s3.send(new CreateBucketCommand({ Bucket: 'tls-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'tls-bucket', Key: 'a.txt', Body: 'over TLS' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'tls-bucket', Key: 'a.txt' }));
    expect(await got.Body?.transformToString()).toBe('over TLS');

    const kms = new KMSClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
      ...trusting(),
    });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: Buffer.from('sealed') }),
    );
    const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
    expect(Buffer.from(Plaintext ?? []).toString()).toBe('sealed');
    kms.destroy();

    // A client that does not trust the certificate refuses the server: this is TLS, not HTTP on another scheme.
    await expect(t.s3({ maxAttempts: 1 }).send(new ListBucketsCommand({}))).rejects.toThrow(
      /self[- ]signed/i,
    );
  });

  it('answers the aws cli given the certificate as its CA bundle', async () => {
    const listed = await awsCli(t.dataDir, t.url, ['--ca-bundle', certFile, 's3', 'ls']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('tls-bucket');
    const untrusted = await awsCli(t.dataDir, t.url, ['s3', 'ls']);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/SSL|certificate/i);
  });

  it('closes a plain HTTP connection to its port, and goes on serving HTTPS', async () => {
    const plainUrl = t.url.replace(/^https:/, 'http:');
    const plain = await rawRequest(plainUrl, { method: 'GET', path: '/_seawall/health' }).then(
      (response) => `answered ${response.status}`,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(plain).toBe('ECONNRESET');
    expect((await httpsRequest(`${t.url}/_seawall/health`, { method: 'GET' })).status).toBe(200);
  });

  it('takes SSE-C keys over TLS, where policies see aws:SecureTransport true', async () => {
    const s3 = t.s3(trusting());
    await s3.send(new CreateBucketCommand({ Bucket: 'customer-keys' }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'customer-keys',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
              BlockedEncryptionTypes: { EncryptionType: ['NONE'] },
            },
          ],
        },
      }),
    );
    // AWS's usual policy for buckets that must be reached over TLS only.
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'customer-keys',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: ['arn:aws:s3:::customer-keys', 'arn:aws:s3:::customer-keys/*'],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      }),
    );
    const key = randomBytes(32);
    await s3.send(
      new PutObjectCommand({ Bucket: 'customer-keys', Key: 'c', Body: 'customer keyed', ...sseC(key) }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'customer-keys', Key: 'c', ...sseC(key) }));
    expect(await got.Body?.transformToString()).toBe('customer keyed');
    expect(got.SSECustomerKeyMD5).toBe(sseC(key).SSECustomerKeyMD5);
  });

  it('takes an SSE-C key from another machine over TLS only; over plain HTTP from this machine only', () => {
    const key = randomBytes(32);
    const from = (secureTransport: boolean, sourceIp: string) =>
      ({
        headers: {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': key.toString('base64'),
          'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64'),
        },
        facts: { secureTransport, sourceIp, time: new Date(), userAgent: '' },
      }) as unknown as OperationRequest;
    expect(customerKeyOf(from(true, '198.51.100.20'))).toBeDefined();
    expect(customerKeyOf(from(false, '127.0.0.1'))).toBeDefined();
    expect(() => customerKeyOf(from(false, '198.51.100.20'))).toThrow(
      /must be made over a secure connection/,
    );
  });

  it('names https in a browser upload’s Location', async () => {
    const policy = Buffer.from(
      JSON.stringify({
        expiration: new Date(Date.now() + 3600_000).toISOString(),
        conditions: [{ bucket: 'tls-bucket' }, ['starts-with', '$key', ''], { success_action_status: '201' }],
      }),
    ).toString('base64');
    const form = new FormData();
    form.append('key', 'form.txt');
    form.append('AWSAccessKeyId', t.credentials.accessKeyId);
    form.append('policy', policy);
    form.append(
      'signature',
      createHmac('sha1', t.credentials.secretAccessKey).update(policy).digest('base64'),
    );
    form.append('success_action_status', '201');
    form.append('file', new Blob(['uploaded']), 'form.txt');
    const encoded = new Request('https://form.invalid/', { method: 'POST', body: form });
    const response = await httpsRequest(`${t.url}/tls-bucket`, {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type') ?? '' },
      body: Buffer.from(await encoded.arrayBuffer()),
    });
    expect(response.status).toBe(201);
    expect(response.body).toContain(`<Location>${t.url}/tls-bucket/form.txt</Location>`);
  });
});

/** `seawall …` in a clean environment, as a process of its own (the server runs in this one). */
function seawall(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
      },
    );
  });
}

/** `seawall serve` run in this process, stopped by resolving its stop signal. */
function serve(...args: string[]) {
  const lines: string[] = [];
  let stop: (signal: string) => void = () => {};
  const stopSignal = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const io = {
    out: (text: string) => lines.push(text),
    err: (text: string) => lines.push(text),
    env: {},
    stopSignal,
  };
  const exit = main(['serve', ...args], io);
  return { lines, exit, stop: () => stop('SIGTERM') };
}

describe('seawall serve --tls-cert --tls-key', () => {
  it('serves HTTPS on loopback, where `seawall query --data-dir` finds it by its lock', async () => {
    const dir = tempDir();
    await initDataDir(loadConfig({ dataDir: dir }, {}));
    const server = serve(
      '--data-dir',
      dir,
      '--port',
      '0',
      '--log-level',
      'error',
      '--tls-cert',
      certFile,
      '--tls-key',
      keyFile,
    );
    try {
      await expect.poll(() => server.lines.join('\n'), { timeout: 30_000 }).toMatch(/serving on https:/);
      expect(server.lines.join('\n')).toMatch(/serving on https:\/\/127\.0\.0\.1:\d+ /);
      const trusted = await seawall(
        { NODE_EXTRA_CA_CERTS: certFile },
        'query',
        'SELECT 40 + 2 AS answer',
        '--output',
        'csv',
        '--data-dir',
        dir,
      );
      expect(trusted).toEqual({ code: 0, stdout: 'answer\n42', stderr: '' });
    } finally {
      server.stop();
      expect(await server.exit).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start without both files, or with files it cannot serve, naming the file and nothing in it', async () => {
    const dir = tempDir();
    await initDataDir(loadConfig({ dataDir: dir }, {}));
    const other = makeCertificate(certDir, 'other');
    const keyText = readFileSync(keyFile, 'utf8');
    const keyBody = keyText
      .split('\n')
      .find((line) => line.length > 0 && !line.startsWith('-----')) as string;
    const refusal = async (...args: string[]) => {
      const server = serve('--data-dir', dir, '--port', '0', '--log-level', 'error', ...args);
      expect(await server.exit).toBe(1);
      expect(server.lines).toHaveLength(1);
      expect(server.lines[0]).not.toContain(keyBody);
      return server.lines[0];
    };
    try {
      expect(await refusal('--tls-cert', certFile)).toBe(
        'seawall serve: invalid configuration: --tls-key is required with --tls-cert (give both or neither)',
      );
      expect(await refusal('--tls-key', keyFile)).toBe(
        'seawall serve: invalid configuration: --tls-cert is required with --tls-key (give both or neither)',
      );
      const missing = join(certDir, 'missing.pem');
      expect(await refusal('--tls-cert', missing, '--tls-key', keyFile)).toBe(
        `seawall serve: the TLS certificate ${missing} cannot be read (ENOENT)`,
      );
      expect(await refusal('--tls-cert', keyFile, '--tls-key', keyFile)).toBe(
        `seawall serve: the TLS certificate ${keyFile} is not a PEM certificate`,
      );
      expect(await refusal('--tls-cert', certFile, '--tls-key', certFile)).toBe(
        `seawall serve: the TLS key ${certFile} is not a PEM private key`,
      );
      expect(await refusal('--tls-cert', certFile, '--tls-key', other.key)).toBe(
        `seawall serve: the TLS key ${other.key} is not the private key of the certificate ${certFile}`,
      );
      // Nothing was left running or locked by the refusals.
      expect(await readLockHolder(dataDirLayout(dir).lock)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('connection guards over TLS', () => {
  it('drops a connection that never finishes its handshake, and answers half a header section as over HTTP', async () => {
    const server = createHttpServer({
      services: {},
      authorizer: { authorize: async () => {} },
      internal: async () => undefined,
      iam: { signingIdentity: async () => undefined },
      clock: systemClock,
      region: 'us-east-1',
      logger: createLogger('silent'),
      limits: { headersTimeoutMs: 300, keepAliveTimeoutMs: 300, idleTimeoutMs: 1500, maxConnections: 64 },
      tls: await readTlsCredentials(certFile, keyFile),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const silent = connect(port, '127.0.0.1');
    silent.on('error', () => {});
    let half: TLSSocket | undefined;
    try {
      await within(
        new Promise((resolve) => silent.on('close', resolve)),
        5000,
        'a connection with no handshake',
      );

      const secure = connectTls({ port, host: '127.0.0.1', ca });
      half = secure;
      let reply = '';
      secure.on('data', (chunk: Buffer) => {
        reply += chunk.toString('latin1');
      });
      secure.on('error', () => {});
      secure.once('secureConnect', () =>
        secure.write('GET /_seawall/health HTTP/1.1\r\nHost: x\r\nX-Partial: '),
      );
      await within(
        new Promise((resolve) => secure.on('close', resolve)),
        5000,
        'half a header section over TLS',
      );
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      expect(reply).toContain('<Code>RequestTimeout</Code>');
    } finally {
      // A socket still in its handshake is not among the connections the server's close can end.
      silent.destroy();
      half?.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });
});
