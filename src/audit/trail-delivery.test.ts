import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../iam/policy/index.js';
import { createSecretBox } from '../kms/index.js';
import { createLogger } from '../lib/logger.js';
import type { CloudTrailRecord } from './audit-record.js';
import { type AuditStore, openAuditStore } from './audit-store.js';
import { describeFindings, verifyTrailBucket } from './audit-verify.js';
import { openDeliveryLease } from './delivery-lease.js';
import { chainBreak, checkDigestFile, type DigestDocument, logFileHash } from './digest-document.js';
import { createTrailDelivery } from './trail-delivery.js';
import { createTrailKeys, KEY_VALIDITY_MS, type TrailKeys } from './trail-keys.js';
import { createTrailStore, DEFAULT_SELECTORS, type TrailStore } from './trails.js';

const ACCOUNT = '123456789012';
const REGION = 'ca-west-1';
const POLICY_ALLOWING_CLOUDTRAIL = parsePolicy(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['s3:GetBucketAcl', 's3:PutObject'],
        Resource: ['arn:aws:s3:::logs', 'arn:aws:s3:::logs/*'],
      },
    ],
  }),
  'resource',
);

let dir: string;
let store: AuditStore;
let trails: TrailStore;
let keys: TrailKeys;
let objects: Map<string, { body: Buffer; metadata: Record<string, string> }>;
let failPuts: boolean;
/** Runs while a put is in flight (before it is stored). */
let duringPut: (() => void) | undefined;
let now: number;

function record(n: number, overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.10',
    userIdentity: {
      type: 'Root',
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
    },
    eventTime: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource: 's3.amazonaws.com',
    eventName: `Call${n}`,
    awsRegion: REGION,
    sourceIPAddress: '127.0.0.1',
    userAgent: 'test',
    requestParameters: null,
    responseElements: null,
    requestID: `r${n}`,
    eventID: `e${n}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...overrides,
  } as CloudTrailRecord;
}

let policy: typeof POLICY_ALLOWING_CLOUDTRAIL | undefined;

function delivery(perFile = 100) {
  return createTrailDelivery(deliveryDeps(perFile));
}

function deliveryDeps(perFile = 100): Parameters<typeof createTrailDelivery>[0] {
  return {
    store,
    trails,
    keys,
    accountId: ACCOUNT,
    region: REGION,
    bucketPolicy: async () => policy,
    put: async (bucket, key, body, metadata) => {
      if (failPuts) throw Object.assign(new Error('disk full'), { code: 'InternalError' });
      duringPut?.();
      objects.set(`${bucket}/${key}`, { body, metadata });
    },
    now: () => now,
    logger: createLogger('silent'),
    deliveryMs: 1000,
    digestMs: 3000,
    maxRecordsPerFile: perFile,
  };
}

function logged(): string[] {
  return [...objects.entries()]
    .filter(([key]) => key.includes('/CloudTrail/'))
    .flatMap(
      ([, file]) =>
        (JSON.parse(gunzipSync(file.body).toString('utf8')) as { Records: CloudTrailRecord[] }).Records,
    )
    .map((r) => r.eventName);
}

/** What `seawall audit verify`'s reader makes of a trail bucket as delivered, with the trail's keys. */
function verifyDelivered(bucket = 'logs', prefix?: string) {
  return verifyTrailBucket(
    {
      async *list(under) {
        for (const key of objects.keys())
          if (key.startsWith(`${bucket}/${under}`)) yield { key: key.slice(bucket.length + 1) };
      },
      get: async (key, other) => objects.get(`${other ?? bucket}/${key}`),
    },
    keys.publicKeys(REGION).map((k) => ({ fingerprint: k.fingerprint, der: k.publicDer })),
    { bucket, ...(prefix ? { prefix } : {}) },
  );
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trail-delivery-'));
  store = openAuditStore(join(dir, 'audit.db'));
  trails = createTrailStore(store);
  keys = createTrailKeys({
    db: store.db,
    secrets: createSecretBox(Buffer.alloc(32, 7), 'test'),
    now: () => now,
  });
  objects = new Map();
  failPuts = false;
  duringPut = undefined;
  policy = POLICY_ALLOWING_CLOUDTRAIL;
  now = Date.UTC(2026, 11, 4, 12, 0, 0);
  trails.create('t', {
    bucket: 'logs',
    prefix: null,
    multiRegion: false,
    validation: true,
    globalEvents: true,
    selectors: DEFAULT_SELECTORS,
    customSelectors: false,
    tags: [],
  });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trail delivery', () => {
  it('delivers only records made after StartLogging, a bounded number per log file', async () => {
    store.append(record(0));
    trails.start('t', store.lastSeq(), now);
    for (let n = 1; n <= 250; n++) store.append(record(n));
    now += 1000;
    await delivery(100).run();
    const files = [...objects.keys()].filter((key) => key.includes('/CloudTrail/'));
    expect(files).toHaveLength(3);
    for (const key of files)
      expect(key).toMatch(
        /^logs\/AWSLogs\/123456789012\/CloudTrail\/ca-west-1\/2026\/12\/04\/123456789012_CloudTrail_ca-west-1_20261204T1200Z_[A-Za-z0-9]{16}\.json\.gz$/,
      );
    expect(logged()).toEqual(Array.from({ length: 250 }, (_, i) => `Call${i + 1}`));
  });

  it('delivers nothing while a backup holds the lease, and stops after its file when a backup waits', async () => {
    trails.start('t', store.lastSeq(), now);
    for (let n = 1; n <= 250; n++) store.append(record(n));
    // The backup is another process (pid 1 stands for it); the server's pass is this one.
    const backup = openDeliveryLease(store.db, { now: () => now, self: { pid: 1, hostname: hostname() } });
    const lease = openDeliveryLease(store.db, { now: () => now });
    expect(backup.take('backup', 60_000)).toBe(true);
    now += 1000;
    await createTrailDelivery({ ...deliveryDeps(100), lease }).run();
    expect(objects.size).toBe(0);
    expect(trails.get('t')?.checkpoint).toBe(0);
    backup.release('backup');

    // A backup starts waiting while the first file is stored: the pass stores it, moves its checkpoint, stops.
    duringPut = () => backup.wantForBackup(10_000);
    await createTrailDelivery({ ...deliveryDeps(100), lease }).run();
    expect(logged()).toHaveLength(100);
    expect(trails.get('t')?.checkpoint).toBe(100);
    expect(backup.take('backup', 60_000)).toBe(true);
    backup.release('backup');
    duringPut = undefined;
    now += 1000;
    await createTrailDelivery({ ...deliveryDeps(100), lease }).run();
    expect(logged()).toEqual(Array.from({ length: 250 }, (_, i) => `Call${i + 1}`));
  });

  it('moves the checkpoint only once a file is stored: a failed put delivers again, nothing lost', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    failPuts = true;
    now += 1000;
    await delivery().run();
    expect(trails.get('t')?.deliveryError).toBe('InternalError');
    failPuts = false;
    now += 1000;
    await delivery().run();
    expect(logged()).toEqual(['Call1']);
    expect(trails.get('t')?.deliveryError).toBeNull();
  });

  it('a file stored by a pass that died before its checkpoint moved is stored again under the same key', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    store.append(record(2));
    // The put stores the file, then the process dies before the checkpoint moves (the put "fails" after).
    const dying = createTrailDelivery({
      ...deliveryDeps(),
      put: async (bucket, key, body, metadata) => {
        objects.set(`${bucket}/${key}`, { body, metadata });
        throw Object.assign(new Error('killed'), { code: 'InternalError' });
      },
    });
    now += 1000;
    await dying.run();
    const first = [...objects.keys()].filter((key) => key.includes('/CloudTrail/'));
    expect(first).toHaveLength(1);
    now += 60_000;
    await delivery().run();
    // One log file, not two: the same key and bytes again, so no digest leaves a stray file unlisted.
    expect([...objects.keys()].filter((key) => key.includes('/CloudTrail/'))).toEqual(first);
    expect(logged()).toEqual(['Call1', 'Call2']);
    // And the digest delivered since lists exactly that file.
    const digests = [...objects.entries()].filter(([key]) => key.includes('/CloudTrail-Digest/'));
    const listed = digests.flatMap(
      ([, file]) => (JSON.parse(gunzipSync(file.body).toString('utf8')) as DigestDocument).logFiles,
    );
    expect(listed.map((f) => `logs/${f.s3Object}`)).toEqual(first);
    expect(trails.get('t')?.inflight).toBeNull();
  });

  it('says AccessDenied and keeps the records while the bucket policy does not let CloudTrail write', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    policy = undefined;
    now += 1000;
    await delivery().run();
    expect(trails.get('t')?.deliveryError).toBe('AccessDenied');
    expect(objects.size).toBe(0);
    policy = POLICY_ALLOWING_CLOUDTRAIL;
    now += 1000;
    await delivery().run();
    expect(logged()).toEqual(['Call1']);
  });

  it('delivers what was logged before StopLogging, nothing made while stopped, even when started again', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    trails.stop('t', store.lastSeq(), now);
    store.append(record(2));
    trails.start('t', store.lastSeq(), now);
    store.append(record(3));
    now += 1000;
    await delivery().run();
    trails.stop('t', store.lastSeq(), now);
    store.append(record(4));
    now += 1000;
    await delivery().run();
    expect(logged()).toEqual(['Call1', 'Call3']);
  });

  it('passes over every stretch made while stopped when stopped and started twice before it catches up', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    trails.stop('t', store.lastSeq(), now);
    store.append(record(2));
    trails.start('t', store.lastSeq(), now);
    store.append(record(3));
    trails.stop('t', store.lastSeq(), now);
    store.append(record(4));
    trails.start('t', store.lastSeq(), now);
    store.append(record(5));
    now += 1000;
    await delivery().run();
    expect(logged()).toEqual(['Call1', 'Call3', 'Call5']);
  });

  it("delivers StopLogging's own record, stored after it stopped, and nothing else made since", async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    trails.stop('t', store.lastSeq(), now, 'stop-request');
    store.append(record(2));
    store.append(
      record(3, {
        eventName: 'StopLogging',
        eventSource: 'cloudtrail.amazonaws.com',
        requestID: 'stop-request',
      }),
    );
    // Stopping a stopped trail changes nothing: its record is not delivered either.
    trails.stop('t', store.lastSeq(), now, 'second-stop');
    store.append(
      record(4, {
        eventName: 'StopLogging',
        eventSource: 'cloudtrail.amazonaws.com',
        requestID: 'second-stop',
      }),
    );
    now += 1000;
    await delivery().run();
    expect(logged()).toEqual(['Call1', 'Call2', 'StopLogging']);
  });

  it('a pass that began before the trail was deleted and made again changes nothing of the new one', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    const settings = trails.get('t');
    duringPut = () => {
      duringPut = undefined;
      trails.remove('t');
      trails.create('t', { ...(settings as NonNullable<typeof settings>), bucket: 'logs' });
    };
    now += 1000;
    await delivery().run();
    const recreated = trails.get('t');
    expect(recreated?.checkpoint).toBe(0);
    expect(recreated?.deliveryTime).toBeNull();
    expect(trails.pendingLogFiles('t')).toEqual([]);
  });

  it('prunes records past 90 days once every trail has delivered them', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    now += 1000;
    await delivery().run();
    store.append(record(2));
    now += 91 * 24 * 3600 * 1000;
    // Record 2 cannot be delivered in this pass: the trail still holds it, and only record 1 goes.
    failPuts = true;
    await delivery().run();
    expect(store.recordsAfter(0, 10).map((r) => JSON.parse(r.json).eventName)).toEqual(['Call2']);
  });

  it('delivers the data events its selectors name and no others', async () => {
    trails.update(
      't',
      {
        selectors: [
          {
            ReadWriteType: 'WriteOnly',
            IncludeManagementEvents: false,
            DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::watched/in/'] }],
            ExcludeManagementEventSources: [],
          },
        ],
      },
      now,
    );
    trails.start('t', store.lastSeq(), now);
    expect(trails.selection.wants('arn:aws:s3:::watched/in/a', false, 's3.amazonaws.com')).toBe(true);
    expect(trails.selection.wants('arn:aws:s3:::watched/in/a', true, 's3.amazonaws.com')).toBe(false);
    expect(trails.selection.wants('arn:aws:s3:::watched/out/a', false, 's3.amazonaws.com')).toBe(false);
    const data = (n: number, arn: string, readOnly = false) =>
      record(n, {
        managementEvent: false,
        eventCategory: 'Data',
        readOnly,
        resources: [{ type: 'AWS::S3::Object', ARN: arn }],
      });
    store.append(data(1, 'arn:aws:s3:::watched/in/a'));
    store.append(data(2, 'arn:aws:s3:::watched/out/a'));
    store.append(data(3, 'arn:aws:s3:::watched/in/b', true));
    store.append(record(4));
    now += 1000;
    await delivery().run();
    expect(logged()).toEqual(['Call1']);
    trails.stop('t', store.lastSeq(), now);
    expect(trails.selection.wants('arn:aws:s3:::watched/in/a', false, 's3.amazonaws.com')).toBe(false);
  });

  it('signs digests that chain, each listing the log files delivered since the one before', async () => {
    trails.start('t', store.lastSeq(), now);
    const run = delivery();
    const digests: string[] = [];
    for (let step = 0; step < 3; step++) {
      store.append(record(step));
      now += 3000;
      await run.run();
      const latest = [...objects.keys()]
        .filter((k) => k.includes('CloudTrail-Digest'))
        .sort()
        .pop() as string;
      digests.push(latest);
    }
    expect(new Set(digests).size).toBe(3);
    const publicKeys = new Map(keys.publicKeys(REGION).map((k) => [k.fingerprint, k.publicDer]));
    const checked = await Promise.all(
      digests.map(async (key) => {
        const file = objects.get(key) as { body: Buffer; metadata: Record<string, string> };
        const result = await checkDigestFile(
          { bucket: 'logs', key: key.slice('logs/'.length) },
          file,
          publicKeys,
        );
        if (!result.ok) throw new Error(result.reason);
        return { key: key.slice('logs/'.length), ...result, signature: file.metadata.signature as string };
      }),
    );
    const [first, second, third] = checked as [(typeof checked)[0], (typeof checked)[0], (typeof checked)[0]];
    expect(first.digest.previousDigestSignature).toBeNull();
    expect(chainBreak(second.digest, first, 'logs')).toBeUndefined();
    expect(chainBreak(third.digest, second, 'logs')).toBeUndefined();
    expect(chainBreak(third.digest, first, 'logs')).toBeDefined();
    for (const { digest } of checked) {
      expect(digest.logFiles).toHaveLength(1);
      const file = digest.logFiles[0] as DigestDocument['logFiles'][0];
      expect(await logFileHash((objects.get(`logs/${file.s3Object}`) as { body: Buffer }).body)).toBe(
        file.hashValue,
      );
    }
    // A digest is delivered when no log file was.
    now += 3000;
    await run.run();
    const last = [...objects.keys()]
      .filter((k) => k.includes('CloudTrail-Digest'))
      .sort()
      .pop() as string;
    expect(last).not.toBe(digests[2]);
    // `seawall audit verify`'s reader accepts the chain as written.
    const findings = await verifyDelivered();
    expect(findings.filter((f) => !f.kind.endsWith('-valid'))).toEqual([]);
    expect(findings.filter((f) => f.kind === 'digest-valid')).toHaveLength(4);
    expect(findings.filter((f) => f.kind === 'log-valid')).toHaveLength(3);
  });

  it('signs with a new key pair once the last one has been valid 30 days; the chain verifies with both', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    now += 1000;
    await delivery().run();
    now += 3000;
    await delivery().run();
    now += KEY_VALIDITY_MS;
    store.append(record(2));
    await delivery().run();
    now += 3000;
    await delivery().run();
    const digests = [...objects.entries()]
      .filter(([key]) => key.includes('CloudTrail-Digest'))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, file]) => JSON.parse(gunzipSync(file.body).toString('utf8')) as DigestDocument);
    const first = digests[0] as DigestDocument;
    const last = digests[digests.length - 1] as DigestDocument;
    expect(last.digestPublicKeyFingerprint).not.toBe(first.digestPublicKeyFingerprint);
    expect(keys.publicKeys(REGION).map((k) => k.fingerprint)).toEqual([
      first.digestPublicKeyFingerprint,
      last.digestPublicKeyFingerprint,
    ]);
    const findings = await verifyDelivered();
    expect(findings.filter((f) => !f.kind.endsWith('-valid'))).toEqual([]);
    expect(findings.filter((f) => f.kind === 'digest-valid')).toHaveLength(digests.length);
  });

  it('follows the chain into the bucket and prefix a trail delivered to before UpdateTrail moved it', async () => {
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    now += 1000;
    await delivery().run();
    now += 3000;
    await delivery().run();
    store.append(record(2));
    now += 1000;
    await delivery().run();
    // Moved: the next digest, in the new place, lists the file still in the old bucket and links back there.
    trails.update('t', { bucket: 'logs2', prefix: 'moved' }, now);
    policy = parsePolicy(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: ['s3:GetBucketAcl', 's3:PutObject'],
            Resource: ['arn:aws:s3:::logs2', 'arn:aws:s3:::logs2/*'],
          },
        ],
      }),
      'resource',
    );
    store.append(record(3));
    now += 1000;
    await delivery().run();
    now += 3000;
    await delivery().run();
    const stored = (bucket: string, part: string) =>
      [...objects.keys()].filter((k) => k.startsWith(`${bucket}/`) && k.includes(part)).sort();
    expect(stored('logs', 'CloudTrail-Digest')).toHaveLength(1);
    expect(stored('logs2', 'moved/AWSLogs/')).toHaveLength(2);

    const findings = await verifyDelivered('logs2', 'moved');
    expect(findings.filter((f) => !f.kind.endsWith('-valid'))).toEqual([]);
    expect(findings.filter((f) => f.kind === 'digest-valid').map((f) => f.bucket)).toEqual([
      undefined,
      'logs',
    ]);
    expect(findings.filter((f) => f.kind === 'log-valid').map((f) => f.bucket)).toEqual([
      'logs',
      undefined,
      'logs',
    ]);

    // Tampering in the old bucket is found from the new one, and said with the old bucket's name.
    const [oldDigest] = stored('logs', 'CloudTrail-Digest');
    // The file delivered before the move and listed by the digest after it.
    const secondLog = `logs/${findings.find((f) => f.kind === 'log-valid')?.key}`;
    objects.delete(oldDigest as string);
    const file = objects.get(secondLog) as { body: Buffer; metadata: Record<string, string> };
    objects.set(secondLog, { ...file, body: gzipSync(Buffer.from('{"Records":[]}')) });
    const bad = (await verifyDelivered('logs2', 'moved')).filter((f) => !f.kind.endsWith('-valid'));
    expect(bad).toEqual([
      expect.objectContaining({ kind: 'log-modified', bucket: 'logs', key: secondLog.slice(5) }),
      expect.objectContaining({
        kind: 'digest-missing',
        bucket: 'logs',
        key: (oldDigest as string).slice(5),
      }),
    ]);
    const { lines } = describeFindings('logs2', bad);
    expect(lines[1]).toContain(
      `s3://logs/${(oldDigest as string).slice(5)}\tINVALID: not found (the digest s3://logs2/moved/`,
    );
  });

  it('starts its digests when log file validation is switched on: files delivered before are in none', async () => {
    trails.update('t', { validation: false }, now);
    trails.start('t', store.lastSeq(), now);
    store.append(record(1));
    now += 1000;
    await delivery().run();
    now += 120_000;
    trails.update('t', { validation: true }, now);
    store.append(record(2));
    now += 1000;
    await delivery().run();
    now += 3000;
    await delivery().run();
    const digests = [...objects.keys()].filter((k) => k.includes('CloudTrail-Digest'));
    expect(digests).toHaveLength(1);
    const digest = JSON.parse(
      gunzipSync((objects.get(digests[0] as string) as { body: Buffer }).body).toString('utf8'),
    ) as DigestDocument;
    expect(Date.parse(digest.digestStartTime)).toBe(Date.UTC(2026, 11, 4, 12, 2, 1));
    const findings = await verifyDelivered();
    // The file delivered while validation was off is not called inserted.
    expect(findings.filter((f) => !f.kind.endsWith('-valid'))).toEqual([]);
    expect(findings.filter((f) => f.kind === 'log-valid')).toHaveLength(1);
  });
});
