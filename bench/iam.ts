import { promises as fs } from 'node:fs';
import { Agent } from 'node:http';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { targetFromDataDir } from '../src/cli/client-target.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import type { Principal, RequestFacts } from '../src/lib/operation.js';
import { startSeawall } from '../src/main.js';
import { countFromEnv, ratio, runConcurrent, serveSeawall } from './harness.js';
import { signS3 } from './sign.js';
import { send } from './storage.js';

const OBJECT_BYTES = 64 * 1024;
/** Objects per run; runs alternate root and user, PAIRS times, so both see the same machine. */
const COUNT = countFromEnv('BENCH_OBJECTS', 1000);
const PAIRS = countFromEnv('BENCH_PAIRS', 6);
const CONCURRENCY = 16;
const AUTHORIZE_ITERATIONS = countFromEnv('BENCH_AUTHORIZE', 20_000);
const LOCAL = ['127.0.0.0/8', '::1/128', '10.0.0.0/8'];

const doc = (Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const s3 = (resource: string) => `arn:aws:s3:::${resource}`;

/**
 * What a city analyst who also uploads might hold: three groups (a managed policy each for two, an inline one
 * for the third) and an inline user policy, 20 statements in all, with denies, wildcards and conditions; the
 * statements that allow the bench's PUT and GET are among them, not first.
 */
const POLICIES = {
  analytics: doc([
    { Effect: 'Allow', Action: ['athena:StartQueryExecution', 'athena:Get*'], Resource: '*' },
    { Effect: 'Allow', Action: 'glue:Get*', Resource: '*' },
    {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: s3('vancouver-curated'),
      Condition: { StringLike: { 's3:prefix': ['parking_tickets/*', 'lost_animals/*'] } },
    },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: s3('vancouver-curated/*') },
    { Effect: 'Deny', Action: 's3:*', Resource: [s3('vancouver-raw'), s3('vancouver-raw/*')] },
    {
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject'],
      Resource: s3('aws-athena-query-results-*/*'),
    },
    { Effect: 'Deny', Action: 'glue:Delete*', Resource: '*' },
  ]),
  uploads: doc([
    {
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: s3('bench/objects/*'),
      Condition: { IpAddress: { 'aws:SourceIp': LOCAL } },
    },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: s3('bench/*') },
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: s3('bench') },
    { Effect: 'Deny', Action: 's3:DeleteObject', Resource: s3('bench/*') },
    { Effect: 'Deny', Action: 's3:PutObject', Resource: s3('bench/locked/*') },
    {
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: s3('bench/*'),
    },
    { Effect: 'Deny', Action: ['s3:PutBucketPolicy', 's3:DeleteBucket'], Resource: '*' },
  ]),
  readers: doc([
    { Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:GetBucketLocation'], Resource: '*' },
    { Effect: 'Allow', Action: ['databrew:List*', 'databrew:Describe*'], Resource: '*' },
    { Effect: 'Allow', Action: ['cloudwatch:Get*', 'cloudwatch:List*'], Resource: '*' },
    {
      Effect: 'Deny',
      NotAction: ['iam:GetUser', 'iam:ChangePassword', 'iam:ListAccessKeys'],
      Resource: 'arn:aws:iam::*:*',
    },
  ]),
  user: doc([
    {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: s3('bench/objects/*'),
      Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    },
    { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': LOCAL } } },
  ]),
};

interface BenchUser {
  accessKeyId: string;
  secret: string;
  userId: string;
}

/** The user, its three groups and their policies, made through the IAM API as the account's root. */
async function createBenchUser(iam: IAMClient): Promise<BenchUser> {
  const { User } = await iam.send(new CreateUserCommand({ UserName: 'bench-analyst' }));
  const accountId = User?.Arn?.split(':')[4] ?? '';
  for (const [group, policy] of [
    ['analysts', 'analytics'],
    ['readers', 'readers'],
  ] as const) {
    await iam.send(new CreateGroupCommand({ GroupName: group }));
    await iam.send(
      new CreatePolicyCommand({ PolicyName: `Bench-${policy}`, PolicyDocument: POLICIES[policy] }),
    );
    const PolicyArn = `arn:aws:iam::${accountId}:policy/Bench-${policy}`;
    await iam.send(new AttachGroupPolicyCommand({ GroupName: group, PolicyArn }));
  }
  await iam.send(new CreateGroupCommand({ GroupName: 'uploaders' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'uploaders',
      PolicyName: 'uploads',
      PolicyDocument: POLICIES.uploads,
    }),
  );
  for (const group of ['analysts', 'readers', 'uploaders'])
    await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: 'bench-analyst' }));
  await iam.send(
    new PutUserPolicyCommand({ UserName: 'bench-analyst', PolicyName: 'own', PolicyDocument: POLICIES.user }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'bench-analyst' }));
  return {
    accessKeyId: AccessKey?.AccessKeyId ?? '',
    secret: AccessKey?.SecretAccessKey ?? '',
    userId: User?.UserId ?? '',
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/** Times `task` `n` times, one at a time; answers the sorted durations in microseconds. */
async function timeEach(n: number, task: (i: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    await task(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return samples.sort((a, b) => a - b);
}

const us = (n: number) => `${n.toFixed(1).padStart(7)} µs`;
const summary = (samples: readonly number[]) =>
  `p50 ${us(percentile(samples, 50))}   p99 ${us(percentile(samples, 99))}`;

/**
 * The authorizer's cost for the user's PutObject check, in this process over the same data directory (the
 * server's own authorizer): warm (identity context cached), just after an IAM write (context rebuilt from
 * the database), and the account root's (fast path) alongside.
 */
async function authorizeBench(dataDir: string, user: BenchUser): Promise<void> {
  const config = loadConfig({ dataDir, port: '0', logLevel: 'silent' }, {});
  const seawall = await startSeawall(config, { logger: createLogger('silent') });
  const iam = new IAMClient({
    endpoint: seawall.url,
    region: seawall.region,
    credentials: (await targetFromDataDir(dataDir)).credentials,
  });
  try {
    const accountId = seawall.accountId;
    const principal: Principal = {
      accountId,
      arn: `arn:aws:iam::${accountId}:user/bench-analyst`,
      accessKeyId: user.accessKeyId,
      type: 'IAMUser',
      userId: user.userId,
      username: 'bench-analyst',
    };
    const root: Principal = {
      accountId,
      arn: `arn:aws:iam::${accountId}:root`,
      accessKeyId: 'root',
      type: 'Root',
      userId: accountId,
    };
    const facts = (): RequestFacts => ({
      sourceIp: '127.0.0.1',
      secureTransport: false,
      time: new Date(),
      userAgent: 'seawall-bench',
    });
    const check = (i: number) => ({ action: 's3:PutObject', resources: [s3(`bench/objects/${i}.bin`)] });
    await seawall.authorizer.authorize(principal, check(0), facts());
    const warm = await timeEach(AUTHORIZE_ITERATIONS, (i) =>
      seawall.authorizer.authorize(principal, check(i), facts()),
    );
    const rootSamples = await timeEach(AUTHORIZE_ITERATIONS, (i) =>
      seawall.authorizer.authorize(root, check(i), facts()),
    );
    // Each IAM write starts a new generation: the next check rebuilds the user's context from the database.
    const cold: number[] = [];
    for (let i = 0; i < 200; i++) {
      await iam.send(new TagUserCommand({ UserName: 'bench-analyst', Tags: [{ Key: 'n', Value: `${i}` }] }));
      cold.push(...(await timeEach(1, () => seawall.authorizer.authorize(principal, check(i), facts()))));
    }
    cold.sort((a, b) => a - b);
    console.log(
      `  authorize s3:PutObject, user of 3 groups / 20 statements, ${AUTHORIZE_ITERATIONS} checks in-process:`,
    );
    console.log(`    user, context cached          ${summary(warm)}`);
    console.log(`    user, after an IAM write      ${summary(cold)}   (200 checks, context rebuilt)`);
    console.log(`    root (no policy evaluated)    ${summary(rootSamples)}`);
  } finally {
    iam.destroy();
    await seawall.close();
  }
}

type Who = 'root' | 'user';

/** Seconds per run, root's and user's, in pairs run back to back. */
async function alternate(run: (who: Who, pair: number) => Promise<number>): Promise<[number, number][]> {
  const pairs: [number, number][] = [];
  for (let pair = 0; pair < PAIRS; pair++) pairs.push([await run('root', pair), await run('user', pair)]);
  return pairs;
}

/**
 * Rates over all runs, and the user/root ratio: over the totals, and the median and range of the pairs' own
 * ratios, which a loaded machine moves least.
 */
function throughputLine(name: string, pairs: readonly [number, number][]): string {
  const total = (i: 0 | 1) => pairs.reduce((sum, pair) => sum + pair[i], 0);
  const rate = (seconds: number) => (pairs.length * COUNT) / seconds;
  const ratios = pairs.map(([root, user]) => root / user).sort((a, b) => a - b);
  const spread = `pairs: median ${percentile(ratios, 50).toFixed(2)}, ${(ratios[0] ?? 0).toFixed(2)}–${(ratios.at(-1) ?? 0).toFixed(2)}`;
  return `  ${name}  user ${rate(total(1)).toFixed(0).padStart(6)} obj/s   root ${rate(total(0)).toFixed(0).padStart(6)} obj/s   user/root ${ratio(rate(total(1)), rate(total(0)))} (target ≥ 0.90; ${spread})`;
}

/**
 * Authorization's cost: the authorizer timed in-process, and 64 KiB PUT and GET at concurrency 16 as the user
 * against the same as the account's root (whose checks evaluate no policy), runs interleaved.
 */
export async function iamBench(): Promise<void> {
  const payload = Buffer.alloc(OBJECT_BYTES, 0x5a);
  const seawall = await serveSeawall();
  const url = new URL(seawall.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const rootIam = new IAMClient({
    endpoint: seawall.url,
    region: seawall.region,
    credentials: { accessKeyId: seawall.accessKeyId, secretAccessKey: seawall.secret },
  });
  let stopped = false;
  try {
    const user = await createBenchUser(rootIam);
    const keys: Record<Who, { accessKeyId: string; secret: string }> = {
      root: { accessKeyId: seawall.accessKeyId, secret: seawall.secret },
      user,
    };
    const sign = (who: Who, method: string, path: string) =>
      signS3({ method, host: url.host, path, region: seawall.region, ...keys[who] });
    await send(url, agent, 'PUT', '/bench', sign('root', 'PUT', '/bench'));
    const putRun = (who: Who, pair: number) =>
      runConcurrent(COUNT, CONCURRENCY, async (i) => {
        const path = `/bench/objects/${who}-${pair}-${i}.bin`;
        await send(
          url,
          agent,
          'PUT',
          path,
          { ...sign(who, 'PUT', path), 'content-length': OBJECT_BYTES },
          payload,
        );
      });
    const getRun = (who: Who, pair: number) =>
      runConcurrent(COUNT, CONCURRENCY, async (i) => {
        const path = `/bench/objects/${who}-${pair}-${i}.bin`;
        const received = await send(url, agent, 'GET', path, sign(who, 'GET', path));
        if (received !== OBJECT_BYTES) throw new Error('short read');
      });
    const put = await alternate(putRun);
    const get = await alternate(getRun);
    agent.destroy();
    rootIam.destroy();
    await seawall.stop();
    stopped = true;

    console.log('iam: a user of 3 groups and 20 statements against the account root, same run');
    console.log(
      `  64 KiB objects, concurrency ${CONCURRENCY}, loopback; ${PAIRS} pairs of runs of ${COUNT} (root, user, root, user…)`,
    );
    console.log(throughputLine('PUT', put));
    console.log(throughputLine('GET', get));
    await authorizeBench(seawall.dataDir, user);
  } finally {
    if (!stopped) {
      agent.destroy();
      rootIam.destroy();
      await seawall.stop();
    }
    await fs.rm(seawall.dataDir, { recursive: true, force: true });
  }
}
