import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresAdmin, postgresUrl } from '../../test/helpers/postgres.js';
import { type MetadataDb, openMetadataDb } from '../db/database.js';
import { createSecretBox } from '../kms/index.js';
import type { Principal } from '../lib/operation.js';
import { iamMigrations } from './iam-migrations.js';
import { createIamService } from './iam-service.js';
import { createIamStore } from './iam-store.js';
import type { IamService } from './iam-types.js';

// The machine's PostgreSQL (trust auth on loopback), a database per test, as test/metadata-postgres does.
const pgDatabases: string[] = [];

const admin = postgresAdmin;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  for (const name of pgDatabases) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

async function open(backend: 'sqlite' | 'postgres'): Promise<MetadataDb> {
  if (backend === 'postgres') {
    const name = `seawall_iam_${randomBytes(6).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    pgDatabases.push(name);
    return openMetadataDb({ postgresUrl: postgresUrl(name) }, [iamMigrations]);
  }
  const dir = await mkdtemp(join(tmpdir(), 'seawall-iam-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return openMetadataDb({ sqlitePath: join(dir, 'metadata.db') }, [iamMigrations]);
}

const ALLOW_GET = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
});

async function setUp(backend: 'sqlite' | 'postgres') {
  const db = await open(backend);
  cleanups.unshift(() => db.close());
  const iam: IamService = createIamService({
    store: createIamStore(db.db),
    secrets: createSecretBox(randomBytes(32), 'iam-secrets'),
    clock: { now: () => new Date() },
  });
  const root = await iam.ensureRootAccount('us-east-1');
  return { iam, account: root.accountId };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`IAM service on ${backend}`, () => {
    it("gathers a user's policies (its own and its groups'), boundary and tags, and drops them on a write", async () => {
      const { iam, account } = await setUp(backend);
      await iam.createUser(account, { name: 'u1', tags: [{ Key: 'team', Value: 'parking' }] });
      const user = await iam.findUser(account, 'u1');
      await iam.putInlinePolicy({ id: user.id, kind: 'user', name: 'u1' }, 'own', ALLOW_GET);
      const group = await iam.createGroup(account, 'g1');
      await iam.addUserToGroup(account, 'g1', 'u1');
      await iam.attachPolicy(
        account,
        { id: group.GroupId, kind: 'group', name: 'g1' },
        'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      );
      await iam.setUserBoundary(account, 'u1', 'arn:aws:iam::aws:policy/AmazonS3FullAccess');
      const key = await iam.createAccessKey(account, user);

      const identity = await iam.signingIdentity(key.AccessKeyId);
      expect(identity).toMatchObject({
        type: 'IAMUser',
        userId: user.id,
        username: 'u1',
        arn: `arn:aws:iam::${account}:user/u1`,
        secretAccessKey: key.SecretAccessKey,
      });
      const principal = identity as Principal;
      const context = await iam.authorizationContext(principal);
      expect(context.identity).toHaveLength(2);
      expect(context.boundary?.statements[0]?.action?.patterns).toContain('s3:*');
      expect(context.principalTags).toEqual({ team: 'parking' });
      expect(await iam.authorizationContext(principal)).toBe(context);

      await iam.removeUserFromGroup(account, 'g1', 'u1');
      const after = await iam.authorizationContext(principal);
      expect(after).not.toBe(context);
      expect(after.identity).toHaveLength(1);

      await iam.updateAccessKey(account, user, key.AccessKeyId, 'Inactive');
      expect(await iam.signingIdentity(key.AccessKeyId)).toBeUndefined();
    });

    it("gathers a role session's role policies, session policies and tags", async () => {
      const { iam, account } = await setUp(backend);
      await iam.createUser(account, { name: 'caller' });
      const caller = await iam.findUser(account, 'caller');
      await iam.createRole(account, {
        name: 'r1',
        trustPolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${account}:user/caller` },
              Action: ['sts:AssumeRole', 'sts:TagSession'],
            },
          ],
        }),
        tags: [{ Key: 'dept', Value: 'it' }],
      });
      const role = await iam.findRole(account, 'r1');
      await iam.putInlinePolicy({ id: role.id, kind: 'role', name: 'r1' }, 'p', ALLOW_GET);
      const key = await iam.createAccessKey(account, caller);
      const callerPrincipal = (await iam.signingIdentity(key.AccessKeyId)) as Principal;
      const assumed = await iam.assumeRole(callerPrincipal, 'us-east-1', {
        roleArn: `arn:aws:iam::${account}:role/r1`,
        sessionName: 's1',
        facts: { sourceIp: '127.0.0.1', secureTransport: false, time: new Date(), userAgent: 'test' },
        policy: ALLOW_GET,
        policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
        tags: [{ Key: 'project', Value: 'animals' }],
      });
      const session = await iam.signingIdentity(assumed.Credentials.AccessKeyId);
      expect(session).toMatchObject({
        type: 'AssumedRole',
        arn: `arn:aws:sts::${account}:assumed-role/r1/s1`,
        userId: `${role.id}:s1`,
        secretAccessKey: assumed.Credentials.SecretAccessKey,
      });
      expect(session?.session?.expiresAt.getTime()).toBe(assumed.Credentials.Expiration.getTime());
      expect(JSON.stringify(session)).not.toContain(assumed.Credentials.SessionToken);
      const context = await iam.authorizationContext(session as Principal);
      expect(context.identity).toHaveLength(1);
      expect(context.session).toHaveLength(2);
      expect(context.roleArn).toBe(`arn:aws:iam::${account}:role/r1`);
      expect(context.principalTags).toEqual({ dept: 'it', project: 'animals' });
    });
  });
}
