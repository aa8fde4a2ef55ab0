import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand, PutBucketEncryptionCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from './helpers/failure.js';
import { bucketKeys, fileTree, md5, rcloneEnv, runTool, s3cmdConfig, writeTree } from './helpers/s3-tools.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { makeCertificate } from './helpers/tls.js';

/**
 * rclone and s3cmd (Debian's packages) with their encryption settings, as a city administrator moves data into
 * an encrypted lake: SSE-KMS under a key of the city's, SSE-S3, and SSE-C (rclone's). Over HTTPS, as S3 is
 * reached: rclone's SDK sends no SSE-C key over plain HTTP. No assertion takes an SSE-KMS or SSE-C object's ETag
 * for the MD5 of its bytes, which S3 does not promise; the tools' own MD5s (rclone's md5chksum metadata,
 * s3cmd's attributes) are what they compare.
 */
let t: TestSeawall;
let s3: S3Client;
let certDir: string;
let certFile: string;
let keyId: string;
/** 12 MB: three parts at the 5 MB part size the tools are lowered to here. */
const BIG = randomBytes(12_000_000);
const MIB5 = 5 * 2 ** 20;

beforeAll(async () => {
  certDir = tempDir('seawall-tools-encryption-tls-');
  const made = makeCertificate(certDir, 'server');
  certFile = made.cert;
  t = await startTestSeawall({ env: { SEAWALL_TLS_CERT: made.cert, SEAWALL_TLS_KEY: made.key } });
  const requestHandler = { httpsAgent: new Agent({ ca: readFileSync(made.cert) }) };
  s3 = t.s3({ requestHandler });
  const kms = new KMSClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.credentials,
    requestHandler,
  });
  keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string;
  kms.destroy();
});
afterAll(async () => {
  await t.close();
  rmSync(certDir, { recursive: true, force: true });
});

/** A small tree with a multipart file, nesting, a non-ASCII name and an empty file. */
function source(): string {
  return writeTree(tempDir('seawall-tools-encryption-src-'), {
    'big.bin': BIG,
    'readme.txt': 'Vancouver open data\n',
    'parking/tickets 2024.csv': 'block,street\n1000,MAIN ST\n',
    'trees/café.json': '{"a":1}\n',
    empty: '',
  });
}

const keys = (bucket: string) => bucketKeys(s3, bucket);

/** rclone against the test server over HTTPS, trusting its certificate, with `extra` settings. */
function rcloneTool(extra: Record<string, string>): (...args: string[]) => ReturnType<typeof runTool> {
  const env = rcloneEnv(t, {
    RCLONE_CA_CERT: certFile,
    RCLONE_S3_UPLOAD_CUTOFF: '5M',
    RCLONE_S3_CHUNK_SIZE: '5M',
    RCLONE_S3_COPY_CUTOFF: '5M',
    ...extra,
  });
  return (...args) => runTool('rclone', args, env);
}

/** The MD5 rclone reports for each file under `remote`. */
async function rcloneHashes(
  rclone: ReturnType<typeof rcloneTool>,
  remote: string,
): Promise<Record<string, string | undefined>> {
  const listed = await rclone('lsjson', '-R', '--hash', '--files-only', remote);
  expect(listed.code, listed.stderr).toBe(0);
  return Object.fromEntries(
    (JSON.parse(listed.stdout) as { Path: string; Hashes?: { md5?: string } }[]).map((f) => [
      f.Path,
      f.Hashes?.md5,
    ]),
  );
}

describe('rclone with its encryption settings', () => {
  it('SSE-KMS under the city key: copy in 5 MB parts, hashes, check, sync, server-side copy and move', async () => {
    const rclone = rcloneTool({
      RCLONE_CONFIG_SW_SERVER_SIDE_ENCRYPTION: 'aws:kms',
      RCLONE_CONFIG_SW_SSE_KMS_KEY_ID: keyId,
    });
    const src = source();
    // rclone's default ACL is `private`: the buckets it makes take it (BucketOwnerPreferred), as on S3.
    expect((await rclone('mkdir', 'sw:lake-kms')).code).toBe(0);
    expect((await rclone('mkdir', 'sw:lake-kms-archive')).code).toBe(0);
    const up = await rclone('copy', src, 'sw:lake-kms/d');
    expect(up.stderr).not.toMatch(/ERROR/);
    expect(up.code).toBe(0);
    for (const key of ['d/big.bin', 'd/readme.txt', 'd/empty']) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake-kms', Key: key }));
      expect(head).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: expect.stringContaining(`:key/${keyId}`),
      });
    }
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'lake-kms', Key: 'd/big.bin' }))).ETag).toMatch(
      /-3"$/,
    );
    // rclone knows an SSE-KMS ETag is no MD5 and reads the one it stored: each is the file's own.
    expect(await rcloneHashes(rclone, 'sw:lake-kms/d')).toEqual(fileTree(src));
    const check = await rclone('check', src, 'sw:lake-kms/d', '--download');
    expect(check.stderr).toContain('0 differences found');
    expect(check.code).toBe(0);
    const again = await rclone('sync', src, 'sw:lake-kms/d', '--checksum', '-v');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/Copied/);

    // Above --s3-copy-cutoff the copy is UploadPartCopy parts, sealed again under the key rclone names.
    const copied = await rclone('copyto', 'sw:lake-kms/d/big.bin', 'sw:lake-kms-archive/2024/big.bin', '-v');
    expect(copied.stderr).toContain('Copied (server-side copy)');
    expect(
      await s3.send(new HeadObjectCommand({ Bucket: 'lake-kms-archive', Key: '2024/big.bin' })),
    ).toMatchObject({
      ContentLength: BIG.length,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: expect.stringContaining(`:key/${keyId}`),
    });
    const moved = await rclone('moveto', 'sw:lake-kms/d/readme.txt', 'sw:lake-kms-archive/2024/readme.txt');
    expect(moved.code, moved.stderr).toBe(0);
    expect(await keys('lake-kms')).not.toContain('d/readme.txt');
    expect((await rclone('cat', 'sw:lake-kms-archive/2024/readme.txt')).stdout).toBe('Vancouver open data\n');
    const slice = join(tempDir('seawall-tools-encryption-cat-'), 'slice.bin');
    const cat = await runTool(
      'sh',
      ['-c', `rclone cat sw:lake-kms-archive/2024/big.bin --offset ${MIB5 - 3} --count 6 > "${slice}"`],
      rcloneEnv(t, { RCLONE_CA_CERT: certFile }),
    );
    expect(cat.code, cat.stderr).toBe(0);
    expect(readFileSync(slice)).toEqual(BIG.subarray(MIB5 - 3, MIB5 + 3));
  });

  it('SSE-C with its own key: copy in 5 MB parts, hashes, check, server-side copy; nothing without the key', async () => {
    const customerKey = randomBytes(32);
    const withKey = {
      RCLONE_CONFIG_SW_SSE_CUSTOMER_ALGORITHM: 'AES256',
      RCLONE_CONFIG_SW_SSE_CUSTOMER_KEY_BASE64: customerKey.toString('base64'),
    };
    const rclone = rcloneTool(withKey);
    const keyless = rcloneTool({});
    const src = source();
    for (const bucket of ['lake-ssec', 'lake-ssec-copy']) {
      expect((await rclone('mkdir', `sw:${bucket}`)).code).toBe(0);
      // New buckets block SSE-C, as S3's have since April 2026: the owner lifts the block first.
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
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
    }
    const up = await rclone('copy', src, 'sw:lake-ssec/d');
    expect(up.stderr).not.toMatch(/ERROR/);
    expect(up.code).toBe(0);
    expect(await keys('lake-ssec')).toEqual(
      Object.keys(fileTree(src))
        .map((k) => `d/${k}`)
        .sort(),
    );
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: 'lake-ssec',
        Key: 'd/big.bin',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: customerKey.toString('base64'),
      }),
    );
    expect(head).toMatchObject({
      ContentLength: BIG.length,
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
    });
    expect(head.ServerSideEncryption).toBeUndefined();
    expect(
      await failure(s3.send(new HeadObjectCommand({ Bucket: 'lake-ssec', Key: 'd/readme.txt' }))),
    ).toMatchObject({ status: 400 });

    expect(await rcloneHashes(rclone, 'sw:lake-ssec/d')).toEqual(fileTree(src));
    const check = await rclone('check', src, 'sw:lake-ssec/d', '--download');
    expect(check.stderr).toContain('0 differences found');
    expect(check.code).toBe(0);
    expect((await rclone('cat', 'sw:lake-ssec/d/readme.txt')).stdout).toBe('Vancouver open data\n');

    // A server-side copy between buckets sends the key for the source and for the copy.
    const copied = await rclone('copy', 'sw:lake-ssec/d', 'sw:lake-ssec-copy/d', '-v');
    expect(copied.stderr).toContain('big.bin: Copied (server-side copy)');
    const down = tempDir('seawall-tools-encryption-ssec-down-');
    expect((await rclone('copy', 'sw:lake-ssec-copy/d', down)).code).toBe(0);
    expect(fileTree(down)).toEqual(fileTree(src));

    // Without the key the objects are listed, but their bytes are not read.
    const blindDir = tempDir('seawall-tools-encryption-ssec-blind-');
    const blind = await keyless('copy', 'sw:lake-ssec-copy/d', blindDir, '--retries', '1');
    expect(blind.code).not.toBe(0);
    expect(blind.stderr).toContain('InvalidRequest');
    expect(fileTree(blindDir)).toEqual({});
  });
});

describe('s3cmd with its encryption options', () => {
  it('puts, syncs, copies and moves under SSE-KMS and SSE-S3, and tells them apart in info', async () => {
    const config = s3cmdConfig(t, ['use_https = True', `ca_certs_file = ${certFile}`]);
    const s3cmd = (...args: string[]) =>
      runTool('s3cmd', ['-c', config, '--multipart-chunk-size-mb=5', ...args]);
    const kms = `--server-side-encryption-kms-id=${keyId}`;
    const src = source();
    expect((await s3cmd('mb', 's3://lake-s3cmd')).code).toBe(0);
    expect((await s3cmd('mb', 's3://lake-s3cmd-archive')).code).toBe(0);
    const put = await s3cmd('put', kms, join(src, 'big.bin'), 's3://lake-s3cmd/big.bin');
    expect(put.code, put.stderr).toBe(0);
    // s3cmd compares a single part's ETag with its MD5 unless the object is SSE-KMS; it warns of nothing.
    const small = await s3cmd('put', kms, join(src, 'readme.txt'), 's3://lake-s3cmd/readme.txt');
    expect(small.code, small.stderr).toBe(0);
    expect(small.stderr).not.toContain("MD5 Sums don't match");
    const sse = await s3cmd(
      'put',
      '--server-side-encryption',
      join(src, 'readme.txt'),
      's3://lake-s3cmd/s3.txt',
    );
    expect(sse.code, sse.stderr).toBe(0);

    const info = await s3cmd('info', 's3://lake-s3cmd/big.bin', 's3://lake-s3cmd/s3.txt');
    expect(info.stdout).toContain(`s3://lake-s3cmd/big.bin (object):\n   File size: ${BIG.length}\n`);
    expect(info.stdout).toMatch(new RegExp(`MD5 sum:   ${md5(BIG)}\\n   SSE:       aws:kms\\n`));
    expect(info.stdout.split('s3://lake-s3cmd/s3.txt (object):')[1]).toContain('   SSE:       AES256\n');
    expect(await s3.send(new HeadObjectCommand({ Bucket: 'lake-s3cmd', Key: 'big.bin' }))).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: expect.stringContaining(keyId),
    });

    const synced = await s3cmd('sync', kms, `${src}/`, 's3://lake-s3cmd/tree/');
    expect(synced.code, synced.stderr).toBe(0);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'lake-s3cmd', Key: 'tree/parking/tickets 2024.csv' }),
    );
    expect(head.ServerSideEncryption).toBe('aws:kms');

    // A copy takes the encryption it asks for; a move without asking takes the destination's default.
    expect((await s3cmd('cp', kms, 's3://lake-s3cmd/s3.txt', 's3://lake-s3cmd/sealed.txt')).code).toBe(0);
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: 'lake-s3cmd', Key: 'sealed.txt' })))
        .ServerSideEncryption,
    ).toBe('aws:kms');
    expect((await s3cmd('mv', 's3://lake-s3cmd/sealed.txt', 's3://lake-s3cmd-archive/moved.txt')).code).toBe(
      0,
    );
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: 'lake-s3cmd-archive', Key: 'moved.txt' })))
        .ServerSideEncryption,
    ).toBe('AES256');
    expect(await keys('lake-s3cmd')).not.toContain('sealed.txt');

    const down = tempDir('seawall-tools-encryption-s3cmd-down-');
    const got = await s3cmd('sync', 's3://lake-s3cmd/tree/', `${down}/`);
    expect(got.code, got.stderr).toBe(0);
    expect(fileTree(down)).toEqual(fileTree(src));
  });
});
