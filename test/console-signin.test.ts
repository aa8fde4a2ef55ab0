import { CreateDatabaseCommand, CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateAccountAliasCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openWatchedPage, type WatchedPage } from './helpers/browser.js';
import { clientConfig } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const BUCKET = 'signin-data';
const PASSWORD = 'Analyst-password-1';
const ALIAS = 'city-of-vancouver';

let t: TestSeawall;
let browser: Browser;
let account: string;
const pages: WatchedPage[] = [];

function table(database: string, name: string, prefix: string) {
  return new CreateTableCommand({
    DatabaseName: database,
    TableInput: {
      Name: name,
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
      StorageDescriptor: {
        Columns: [
          { Name: 'status', Type: 'string' },
          { Name: 'fine', Type: 'bigint' },
        ],
        Location: `s3://${BUCKET}/${prefix}`,
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: { 'field.delim': ',' },
        },
      },
    },
  });
}

/** As root, through the public APIs: two tables (one the analyst may read), the analyst, and an alias. */
async function prepare(): Promise<void> {
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const prefix of ['tickets/', 'salaries/'])
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${prefix}a.csv`,
        Body: 'status,fine\nIS,100\nVA,50\nIS,25\n',
      }),
    );
  const glue = new GlueClient(clientConfig(t));
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'vancouver' } }));
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'raw' } }));
  await glue.send(table('vancouver', 'tickets', 'tickets/'));
  await glue.send(table('raw', 'salaries', 'salaries/'));
  glue.destroy();

  const iam = new IAMClient(clientConfig(t));
  await iam.send(new CreateUserCommand({ UserName: 'analyst' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'analyst', Password: PASSWORD }));
  const catalog = (resource: string) => `arn:aws:glue:*:${account}:${resource}`;
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'analyst',
      PolicyName: 'vancouver-only',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['athena:*', 's3:*', 'glue:GetDatabases'], Resource: '*' },
          {
            Effect: 'Allow',
            Action: ['glue:GetDatabase', 'glue:GetTables', 'glue:GetTable', 'glue:GetPartitions'],
            Resource: [catalog('catalog'), catalog('database/vancouver'), catalog('table/vancouver/*')],
          },
        ],
      }),
    }),
  );
  await iam.send(new CreateUserCommand({ UserName: 'newcomer' }));
  await iam.send(
    new CreateLoginProfileCommand({ UserName: 'newcomer', Password: PASSWORD, PasswordResetRequired: true }),
  );
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: ALIAS }));
  iam.destroy();
}

async function openConsole(): Promise<WatchedPage> {
  const watched = await openWatchedPage(browser);
  pages.push(watched);
  await watched.page.goto(`${t.url}/_seawall/console/`);
  return watched;
}

async function signInAsUser(page: Page, accountField: string, userName = 'analyst', password = PASSWORD) {
  await page.getByTestId('account').fill(accountField);
  await page.getByTestId('user-name').fill(userName);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('sign-in-button').click();
}

async function finalState(page: Page): Promise<string> {
  await page.waitForSelector(
    '[data-testid=query-status]:is([data-state=SUCCEEDED],[data-state=FAILED],[data-state=CANCELLED],[data-state=ERROR])',
    { timeout: 30_000 },
  );
  return (await page.getByTestId('query-status').getAttribute('data-state')) ?? '';
}

async function runQuery(page: Page, sql: string): Promise<string> {
  await page.getByTestId('sql-editor').fill(sql);
  await page.getByTestId('run-button').click();
  return finalState(page);
}

beforeAll(async () => {
  t = await startTestSeawall();
  account = t.seawall.accountId;
  browser = await launchBrowser();
  await prepare();
});
afterAll(async () => {
  for (const watched of pages) await watched.close();
  await browser?.close();
  await t?.close();
});

describe('console: IAM user sign-in', () => {
  it('signs in with the account id, runs what it may, shows plainly what it may not, and signs out', async () => {
    const { page, problems } = await openConsole();
    await signInAsUser(page, account, 'analyst', 'Wrong-password-1');
    expect(await page.getByTestId('sign-in-error').textContent()).toBe(
      'Your authentication information is incorrect. Please try again.',
    );

    await signInAsUser(page, account);
    const who = page.getByTestId('signed-in-as');
    await expect.poll(() => who.getAttribute('data-arn')).toBe(`arn:aws:iam::${account}:user/analyst`);
    const stored = JSON.parse(
      await page.evaluate<string>("sessionStorage.getItem('seawall.session') ?? '{}'"),
    );
    expect(stored.accessKeyId).toMatch(/^ASIA/);
    expect(stored.sessionToken).toBeTruthy();
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);

    expect(
      await runQuery(
        page,
        'SELECT status, sum(fine) AS fines FROM vancouver.tickets GROUP BY status ORDER BY status',
      ),
    ).toBe('SUCCEEDED');
    const rows = await page
      .getByTestId('result-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      ['IS', '125'],
      ['VA', '50'],
    ]);

    const raw = page.locator('[data-testid=catalog-database][data-database=raw]');
    await raw.getByRole('button', { name: 'raw' }).click();
    const denied = raw.getByTestId('access-denied');
    await denied.waitFor();
    expect(await denied.textContent()).toMatch(
      new RegExp(
        `^You \\(user/analyst\\) are not allowed to run glue:GetTables on arn:aws:glue:[a-z0-9-]+:${account}:(catalog|database/raw)\\.$`,
      ),
    );

    expect(await runQuery(page, 'SELECT * FROM raw.salaries')).toBe('FAILED');
    const banner = page.getByTestId('query-denied');
    expect(await banner.locator('strong').textContent()).toBe('Insufficient permissions');
    expect(await page.getByTestId('query-denied-sentence').textContent()).toMatch(
      /^You \(user\/analyst\) are not allowed to run glue:Get\w+ on arn:aws:glue:\S+\.$/,
    );
    expect(await page.getByTestId('query-error').textContent()).toContain(
      'Insufficient permissions to execute the query.',
    );
    expect(await page.getByTestId('result-table').count()).toBe(0);

    await page.getByTestId('sign-out-button').click();
    await page.getByTestId('sign-in-form').waitFor();
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    expect(problems).toEqual([]);
  });

  it('signs in with the account alias and signs the tab out when the keys expire', async () => {
    const { page, problems } = await openConsole();
    await signInAsUser(page, ALIAS);
    const who = page.getByTestId('signed-in-as');
    await expect.poll(() => who.getAttribute('data-arn')).toBe(`arn:aws:iam::${account}:user/analyst`);

    // The keys now expire two seconds from now; the console must notice without any call failing.
    const stored = JSON.parse(
      await page.evaluate<string>("sessionStorage.getItem('seawall.session') ?? '{}'"),
    );
    const soon = { ...stored, expiration: new Date(Date.now() + 2000).toISOString() };
    await page.evaluate(`sessionStorage.setItem('seawall.session', ${JSON.stringify(JSON.stringify(soon))})`);
    await page.reload();
    await page.getByTestId('sign-out-button').waitFor();
    await page.getByTestId('sign-in-notice').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('sign-in-notice').textContent()).toContain('expired');
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    expect(problems).toEqual([]);
  });

  it('makes a user whose password must be reset choose a new one', async () => {
    const { page, problems } = await openConsole();
    await signInAsUser(page, account, 'newcomer');
    await page.getByTestId('password-reset-required').waitFor();
    await page.getByTestId('new-password').fill('Newcomer-password-2');
    await page.getByTestId('confirm-password').fill('Newcomer-password-3');
    await page.getByTestId('sign-in-button').click();
    expect(await page.getByTestId('sign-in-error').textContent()).toBe('The new passwords do not match.');
    await page.getByTestId('confirm-password').fill('Newcomer-password-2');
    await page.getByTestId('sign-in-button').click();
    const who = page.getByTestId('signed-in-as');
    await expect.poll(() => who.getAttribute('data-arn')).toBe(`arn:aws:iam::${account}:user/newcomer`);
    // The newcomer has no policy at all: listing databases is denied, and said so plainly.
    expect(await page.getByTestId('catalog').getByTestId('access-denied').textContent()).toMatch(
      /^You \(user\/newcomer\) are not allowed to run glue:GetDatabases/,
    );
    expect(problems).toEqual([]);
  });
});
