import {
  CreateAccountAliasCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * The server's clock runs `offset` ms ahead of the real one, to move past backoffs and expiries; `frozen`
 * stops it, so a backoff of a second cannot run out while a test is still counting attempts.
 */
let offset = 0;
let frozen: number | undefined;
let t: TestSeawall;
let account: string;
let iam: IAMClient;
const clients: { destroy(): void }[] = [];
const PASSWORD = 'Correct-horse-9';
const GENERIC = 'Your authentication information is incorrect. Please try again.';

type Form = Record<string, unknown>;

/** A sign-in as the console's page sends it: JSON, with the page's own Origin. */
function signIn(form: Form, headers: Record<string, string> = {}) {
  const host = new URL(t.url).host;
  return fetch(`${t.url}/_seawall/signin`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: `http://${host}`,
      'sec-fetch-site': 'same-origin',
      ...headers,
    },
    body: JSON.stringify(form),
  });
}

async function userWithPassword(name: string, resetRequired = false): Promise<void> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new CreateLoginProfileCommand({
      UserName: name,
      Password: PASSWORD,
      PasswordResetRequired: resetRequired,
    }),
  );
}

/** Moves the server past every backoff (they are forgotten after an hour of quiet). */
function forgetFailures(): void {
  offset += 2 * 60 * 60_000;
}

function config(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  return { endpoint: t.url, region: t.credentials.region, credentials, systemClockOffset: offset };
}

beforeAll(async () => {
  t = await startTestSeawall({ clock: { now: () => new Date(frozen ?? Date.now() + offset) } });
  account = t.seawall.accountId;
  iam = new IAMClient(
    config({ accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey }),
  );
  clients.push(iam);
  await userWithPassword('analyst');
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'analyst',
      PolicyName: 'list-buckets',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
      }),
    }),
  );
  await iam.send(new CreateUserCommand({ UserName: 'no-profile' }));
  await userWithPassword('newcomer', true);
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'city-data' }));
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await t.close();
});

describe('console sign-in: credentials', () => {
  it('answers temporary credentials that sign S3 and STS calls as the user, by account id or alias', async () => {
    for (const accountField of [account, 'city-data', 'CITY-DATA']) {
      const response = await signIn({ account: accountField, userName: 'analyst', password: PASSWORD });
      expect(response.status, accountField).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as Record<string, string>;
      expect(body.accessKeyId).toMatch(/^ASIA/);
      expect(body.arn).toBe(`arn:aws:iam::${account}:user/analyst`);
      const hours = (Date.parse(body.expiration ?? '') - Date.now() - offset) / 3_600_000;
      expect(hours).toBeGreaterThan(11.9);
      expect(hours).toBeLessThanOrEqual(12);

      const credentials = {
        accessKeyId: body.accessKeyId ?? '',
        secretAccessKey: body.secretAccessKey ?? '',
        sessionToken: body.sessionToken ?? '',
      };
      const s3 = new S3Client({ ...config(credentials), forcePathStyle: true });
      const sts = new STSClient(config(credentials));
      clients.push(s3, sts);
      expect((await s3.send(new ListBucketsCommand({}))).Buckets).toBeInstanceOf(Array);
      expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(body.arn);
    }
  });

  it('credentials stop working when they expire', async () => {
    const response = await signIn({ account, userName: 'analyst', password: PASSWORD });
    const body = (await response.json()) as Record<string, string>;
    offset += 12 * 60 * 60_000 + 60_000;
    const s3 = new S3Client({
      ...config({
        accessKeyId: body.accessKeyId ?? '',
        secretAccessKey: body.secretAccessKey ?? '',
        sessionToken: body.sessionToken ?? '',
      }),
      forcePathStyle: true,
    });
    clients.push(s3);
    await expect(s3.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'ExpiredToken' });
  });
});

describe('console sign-in: refusals', () => {
  it('gives one answer for a wrong password, an unknown user or account, and a user without a password', async () => {
    forgetFailures();
    const cases: Form[] = [
      { account, userName: 'analyst', password: 'Wrong-password-1' },
      { account, userName: 'nobody', password: PASSWORD },
      { account: '000000000000', userName: 'analyst', password: PASSWORD },
      { account: 'no-such-alias', userName: 'analyst', password: PASSWORD },
      { account, userName: 'no-profile', password: PASSWORD },
    ];
    const answers = [];
    for (const form of cases) {
      const response = await signIn(form);
      answers.push({ status: response.status, body: await response.json() });
    }
    for (const answer of answers)
      expect(answer).toEqual({ status: 401, body: { code: 'InvalidCredentials', message: GENERIC } });
  });

  it('backs off after five failures for a user, even for the right password, and lets it in later', async () => {
    forgetFailures();
    frozen = Date.now() + offset;
    for (let i = 0; i < 5; i++) {
      const response = await signIn({ account, userName: 'analyst', password: `Wrong-${i}-password` });
      expect(response.status).toBe(401);
    }
    const throttled = await signIn({ account: 'city-data', userName: 'ANALYST', password: PASSWORD });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await throttled.json()) as { code: string }).code).toBe('Throttling');

    frozen += 1500;
    expect((await signIn({ account, userName: 'analyst', password: 'Wrong-again-1' })).status).toBe(401);
    const longer = await signIn({ account, userName: 'analyst', password: PASSWORD });
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get('retry-after'))).toBe(2);

    frozen += 2500;
    expect((await signIn({ account, userName: 'analyst', password: PASSWORD })).status).toBe(200);
    frozen = undefined;
  });

  it('backs off per source address across user names, and a parallel burst gets no more tries', async () => {
    forgetFailures();
    frozen = Date.now() + offset;
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        signIn({ account, userName: `guess-${i}`, password: 'Not-the-password-1' }),
      ),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect((await signIn({ account, userName: 'analyst', password: PASSWORD })).status).toBe(429);
    frozen = undefined;
    forgetFailures();
    expect((await signIn({ account, userName: 'analyst', password: PASSWORD })).status).toBe(200);
  });

  it('refuses what a cross-site page could send', async () => {
    const form = { account, userName: 'analyst', password: PASSWORD };
    const host = new URL(t.url).host;
    const refusals: [Record<string, string>, number][] = [
      [{ 'content-type': 'text/plain' }, 415],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 415],
      [{ origin: 'http://evil.example' }, 403],
      [{ origin: 'null' }, 403],
      [{ origin: `https://${host}.evil.example` }, 403],
      [{ 'sec-fetch-site': 'cross-site' }, 403],
      [{ 'sec-fetch-site': 'same-site' }, 403],
    ];
    for (const [headers, status] of refusals) {
      const response = await signIn(form, headers);
      expect(response.status, JSON.stringify(headers)).toBe(status);
      expect(JSON.stringify(await response.json())).not.toContain('accessKeyId');
    }
    const noOrigin = await fetch(`${t.url}/_seawall/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(form),
    });
    expect(noOrigin.status).toBe(403);
    expect((await fetch(`${t.url}/_seawall/signin`)).status).toBe(405);
    for (const body of [{ ...form, extra: 'x' }, { ...form, password: 1 }, { account }, [form]]) {
      expect((await signIn(body as Form)).status, JSON.stringify(body)).toBe(400);
    }
    const large = await signIn({ ...form, password: 'x'.repeat(10_000) });
    expect(large.status).toBe(413);
  });
});

describe('console sign-in: password reset', () => {
  it('makes a user whose password must be reset choose a new one, then signs in with it', async () => {
    forgetFailures();
    const form = { account, userName: 'newcomer', password: PASSWORD };
    const required = await signIn(form);
    expect(required.status).toBe(403);
    expect(((await required.json()) as { code: string }).code).toBe('PasswordResetRequired');

    // A wrong password never learns that a reset is due.
    const wrong = await signIn({ ...form, password: 'Wrong-password-2', newPassword: 'New-password-22' });
    expect(wrong.status).toBe(401);
    const weak = await signIn({ ...form, newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { code: string }).code).toBe('PasswordPolicyViolation');
    expect((await signIn({ ...form, newPassword: PASSWORD })).status).toBe(400);

    const changed = await signIn({ ...form, newPassword: 'New-password-22' });
    expect(changed.status).toBe(200);
    expect((await signIn(form)).status).toBe(401);
    expect((await signIn({ ...form, password: 'New-password-22' })).status).toBe(200);
    const unasked = await signIn({ ...form, password: 'New-password-22', newPassword: 'Other-password-3' });
    expect(unasked.status).toBe(400);
  });
});
