import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import {
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListPoliciesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iniSection } from '../src/demo/aws-profiles.js';
import {
  ensurePersonas,
  type PersonaFiles,
  type PersonaOutcome,
  personaFiles,
  personaGuide,
} from '../src/demo/persona-setup.js';
import { loadVancouverDemo } from '../src/demo/pipeline.js';
import { waitForQuery } from './helpers/athena.js';
import { AWS_CLI } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let files: PersonaFiles;
let first: PersonaOutcome[];
const dataDir = tempDir('seawall-personas-');
const clients: { destroy(): void }[] = [];

const rootTarget = () => ({
  endpoint: t.url,
  region: t.credentials.region,
  credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
});

/** A persona's credentials as the SDK reads them from the data directory's shared files. */
function profile(name: string): Promise<AwsCredentialIdentity> {
  return fromIni({ profile: name, filepath: files.credentials, configFilepath: files.config })();
}

async function as<C extends { destroy(): void }>(
  make: new (config: object) => C,
  name: string,
  extra: object = {},
): Promise<C> {
  const client = new make({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: await profile(name),
    ...extra,
  });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error('expected a failure');
}

/** Runs a printed `aws …` line as a shell would, with Debian's aws cli and the data directory's files. */
function runPrinted(line: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      '/bin/sh',
      ['-c', `"$AWS" ${line.slice('aws '.length)}`],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? tmpdir(),
          AWS: AWS_CLI,
          AWS_SHARED_CREDENTIALS_FILE: files.credentials,
          AWS_CONFIG_FILE: files.config,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_PAGER: '',
        },
      },
      (error, _stdout, stderr) => resolve({ code: error ? 1 : 0, stderr }),
    ),
  );
}

beforeAll(async () => {
  t = await startTestSeawall({ dataDir });
  files = personaFiles(dataDir);
  first = await ensurePersonas(rootTarget(), files);
  // The real pipeline, on a few synthetic rows, so the analyst has a curated table to query.
  const nothing = join(tempDir(), 'no-samples');
  mkdirSync(nothing);
  await loadVancouverDemo(rootTarget(), {
    samplesDir: nothing,
    portalUrl: null,
    syntheticRows: 200,
    progress: () => {},
  });
}, 120_000);
afterAll(async () => {
  for (const client of clients) client.destroy();
  await t.close();
});

describe('the demo personas', () => {
  it('are written as 0600 profiles beside seawall, with a console password in a 0600 file', () => {
    expect(first.map((o) => [o.persona.profile, o.newKey, o.newPassword])).toEqual([
      ['seawall-analyst', true, true],
      ['seawall-steward', true, true],
      ['seawall-admin', true, true],
    ]);
    const credentials = readFileSync(files.credentials, 'utf8');
    for (const name of ['seawall', 'seawall-analyst', 'seawall-steward', 'seawall-admin'])
      expect(iniSection(credentials, name)?.aws_access_key_id, name).toMatch(/^AKIA/);
    expect(iniSection(readFileSync(files.config, 'utf8'), 'profile seawall-analyst')).toEqual({
      region: t.credentials.region,
    });
    const passwords = readFileSync(files.passwords, 'utf8');
    expect(iniSection(passwords, 'analyst')?.password).toMatch(/^.{20}$/);
    for (const path of [files.credentials, files.config, files.passwords])
      expect(statSync(path).mode & 0o777, path).toBe(0o600);
    const guide = personaGuide(first, t.url, files).join('\n');
    expect(guide).toContain(
      `aws --profile seawall-analyst --endpoint-url ${t.url} athena start-query-execution`,
    );
    expect(guide).not.toContain(iniSection(passwords, 'analyst')?.password);
  });

  it('lets the analyst query the curated tables with Athena, and nothing in the raw zone', async () => {
    const athena = await as(AthenaClient, 'seawall-analyst');
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({ QueryString: 'SELECT count(*) FROM vancouver.parking_tickets' }),
    );
    const done = await waitForQuery(athena, QueryExecutionId as string);
    expect(done.Status?.State, done.Status?.StateChangeReason).toBe('SUCCEEDED');
    const results = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
    expect(Number(results.ResultSet?.Rows?.[1]?.Data?.[0]?.VarCharValue)).toBeGreaterThan(0);

    const s3 = await as(S3Client, 'seawall-analyst', { forcePathStyle: true });
    const curated = await s3.send(new ListObjectsV2Command({ Bucket: 'vancouver-curated' }));
    expect(curated.KeyCount).toBeGreaterThan(0);
    const root = new S3Client({ ...rootTarget(), forcePathStyle: true });
    clients.push(root);
    const raw = await root.send(new ListObjectsV2Command({ Bucket: 'vancouver-raw' }));
    const key = raw.Contents?.[0]?.Key as string;
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'vancouver-raw', Key: key })))).toBe(
      'AccessDenied',
    );
    const rawQuery = await athena.send(
      new StartQueryExecutionCommand({ QueryString: 'SELECT count(*) FROM vancouver_raw.parking_tickets' }),
    );
    const refused = await waitForQuery(athena, rawQuery.QueryExecutionId as string);
    expect(refused.Status?.State).toBe('FAILED');
    expect(refused.Status?.StateChangeReason).toContain('explicit deny');
  });

  it('lets the steward list the raw zone but not touch IAM, and the administrator create users', async () => {
    const steward = await as(S3Client, 'seawall-steward', { forcePathStyle: true });
    expect((await steward.send(new ListObjectsV2Command({ Bucket: 'vancouver-raw' }))).KeyCount).toBe(4);
    const stewardIam = await as(IAMClient, 'seawall-steward');
    expect(await failure(stewardIam.send(new CreateUserCommand({ UserName: 'intruder' })))).toBe(
      'AccessDenied',
    );
    const admin = await as(IAMClient, 'seawall-admin');
    const { User } = await admin.send(new CreateUserCommand({ UserName: 'new-analyst' }));
    expect(User?.Arn).toContain(':user/new-analyst');
  });

  it('runs the printed aws cli examples with each profile', async () => {
    const examples = personaGuide(first, t.url, files).filter((line) => line.startsWith('    aws '));
    expect(examples).toHaveLength(3);
    const results = await Promise.all(examples.map((line) => runPrinted(line.trim())));
    for (const [i, result] of results.entries()) expect(result, examples[i]).toMatchObject({ code: 0 });
  });

  it('changes nothing on a second start: same keys, passwords and policies, no duplicates', async () => {
    const before = {
      credentials: readFileSync(files.credentials, 'utf8'),
      config: readFileSync(files.config, 'utf8'),
      passwords: readFileSync(files.passwords, 'utf8'),
    };
    await t.seawall.close();
    t = await startTestSeawall({ dataDir });
    const second = await ensurePersonas(rootTarget(), files);
    expect(second.map((o) => [o.newKey, o.newPassword])).toEqual([
      [false, false],
      [false, false],
      [false, false],
    ]);
    expect(readFileSync(files.credentials, 'utf8')).toBe(before.credentials);
    expect(readFileSync(files.config, 'utf8')).toBe(before.config);
    expect(readFileSync(files.passwords, 'utf8')).toBe(before.passwords);
    const iam = new IAMClient(rootTarget());
    clients.push(iam);
    const users = (await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName);
    expect(users?.filter((u) => ['analyst', 'steward', 'admin'].includes(u ?? '')).sort()).toEqual([
      'admin',
      'analyst',
      'steward',
    ]);
    for (const user of ['analyst', 'steward', 'admin']) {
      expect((await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata).toHaveLength(
        1,
      );
      expect((await iam.send(new ListGroupsForUserCommand({ UserName: user }))).Groups).toHaveLength(1);
    }
    const local = (await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? [];
    expect(local.map((p) => [p.PolicyName, p.DefaultVersionId])).toEqual([
      ['SeawallAnalyst', 'v1'],
      ['SeawallDataSteward', 'v1'],
    ]);
  });
});
