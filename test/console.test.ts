import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateDatabaseCommand, CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openWatchedPage, type WatchedPage } from './helpers/browser.js';
import { rawRequest } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const RESULTS_DIR = join(import.meta.dirname, '..', 'test-results');
const BUCKET = 'console-data';
const PREFIX = 'raw/parking-tickets/';

/** Counts chosen so that ORDER BY tickets DESC has one right answer: IS 6, VA 3, WR 2, VS 1. */
const STATUSES = ['IS', 'IS', 'VA', 'IS', 'WR', 'IS', 'VA', 'VS', 'IS', 'WR', 'VA', 'IS'];
const EXPECTED_ROWS = [
  ['IS', '6'],
  ['VA', '3'],
  ['WR', '2'],
  ['VS', '1'],
];
const TICKETS_CSV = [
  'Block,Street,EntryDate,Bylaw,Section,Status,InfractionText,Year',
  ...STATUSES.map(
    (status, i) =>
      `${(i + 1) * 100},W ${i + 1}TH AVE,2024-03-${String(i + 1).padStart(2, '0')},2849,17.1,${status},"PARK IN A STREET, OVERTIME",2024`,
  ),
].join('\n');

/** Analysts reach Seawall by a host name over plain http, where a page has no Web Crypto to sign with. */
const PLAIN_HOST = 'seawall.test';
const QUERY =
  'SELECT Status, count(*) AS tickets FROM vancouver.parking_tickets GROUP BY Status ORDER BY tickets DESC';

let t: TestSeawall;
let browser: Browser;
const pages: WatchedPage[] = [];

/** The test's data, made through the public APIs only: S3 for the file, Glue for the tables. */
async function prepareData(): Promise<void> {
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: `${PREFIX}tickets.csv`,
      Body: TICKETS_CSV,
      ContentType: 'text/csv',
    }),
  );
  const glue = new GlueClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
  });
  const column = (Name: string, Type: string) => ({ Name, Type });
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'vancouver' } }));
  await glue.send(
    new CreateTableCommand({
      DatabaseName: 'vancouver',
      TableInput: {
        Name: 'parking_tickets',
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
        StorageDescriptor: {
          Columns: [
            column('block', 'bigint'),
            column('street', 'string'),
            column('entrydate', 'date'),
            column('bylaw', 'bigint'),
            column('section', 'string'),
            column('status', 'string'),
            column('infractiontext', 'string'),
            column('year', 'bigint'),
          ],
          Location: `s3://${BUCKET}/${PREFIX}`,
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          SerdeInfo: {
            SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
            Parameters: { separatorChar: ',', quoteChar: '"' },
          },
        },
      },
    }),
  );
  // A second table marked the way the demo marks generated stand-in rows; it is only listed, never read.
  await glue.send(
    new CreateTableCommand({
      DatabaseName: 'vancouver',
      TableInput: {
        Name: 'lost_animals',
        Parameters: { classification: 'csv', 'seawall.synthetic': 'true' },
        StorageDescriptor: {
          Columns: [column('animalid', 'bigint'), column('name', 'string')],
          Location: `s3://${BUCKET}/raw/lost-animals/`,
        },
      },
    }),
  );
  glue.destroy();
}

async function openConsole(origin = t.url): Promise<WatchedPage> {
  const watched = await openWatchedPage(browser);
  pages.push(watched);
  await watched.page.goto(`${origin}/_seawall/console/`);
  return watched;
}

async function signIn(page: Page, secretAccessKey = t.credentials.secretAccessKey): Promise<void> {
  await page.getByTestId('sign-in-tab-key').click();
  await page.getByTestId('access-key-id').fill(t.credentials.accessKeyId);
  await page.getByTestId('secret-access-key').fill(secretAccessKey);
  await page.getByTestId('sign-in-button').click();
}

async function finalState(page: Page): Promise<string> {
  const status = page.getByTestId('query-status');
  await page.waitForSelector(
    '[data-testid=query-status]:is([data-state=SUCCEEDED],[data-state=FAILED],[data-state=CANCELLED],[data-state=ERROR])',
    { timeout: 30_000 },
  );
  return (await status.getAttribute('data-state')) ?? '';
}

beforeAll(async () => {
  t = await startTestSeawall();
  browser = await launchBrowser({ hostAliases: [PLAIN_HOST] });
  await prepareData();
});
afterAll(async () => {
  for (const watched of pages) await watched.close();
  await browser?.close();
  await t?.close();
});

describe('console: served files', () => {
  it('redirects to the console and serves its page with a strict policy', async () => {
    const redirect = await fetch(`${t.url}/_seawall/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/_seawall/console/');
    const page = await fetch(`${t.url}/_seawall/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    const script = /src="(\/_seawall\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${t.url}${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await (await fetch(`${t.url}/_seawall/info`)).json()).toEqual({ region: t.credentials.region });
  });

  it('keeps dot-dot paths sent as they are inside the console', async () => {
    for (const path of [
      '/_seawall/console/../../../../../../etc/passwd',
      '/_seawall/console/..%2f..%2f..%2fpackage.json',
      '/_seawall/console/%2e%2e/%2e%2e/package.json',
    ]) {
      const response = await rawRequest(t.url, { method: 'GET', path });
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('root:');
      expect(response.body, path).not.toContain('"workspaces"');
    }
  });
});

describe('console: signing in', () => {
  it("shows AWS's message for a wrong secret, then signs in, survives a reload and signs out", async () => {
    const { page, problems } = await openConsole();
    await expect.poll(() => page.getByTestId('region').inputValue()).toBe(t.credentials.region);

    await signIn(page, 'not-the-secret');
    const error = page.getByTestId('sign-in-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('The request signature we calculated does not match');
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);

    await signIn(page);
    await page.getByTestId('sign-out-button').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain(t.credentials.accessKeyId);
    const stored = await page.evaluate<string>('JSON.stringify(sessionStorage)');
    expect(stored).toContain(t.credentials.accessKeyId);
    expect(await page.evaluate<number>('localStorage.length')).toBe(0);

    await page.reload();
    await page.getByTestId('sign-out-button').click();
    await page.getByTestId('sign-in-form').waitFor();
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    expect(problems).toEqual([]);
  });

  it("signs for the server's region when Sign in comes before the page has heard which region that is", async () => {
    const watched = await openWatchedPage(browser);
    pages.push(watched);
    const { page, problems } = watched;
    // The answer naming the server's region is held back.
    let answerInfo: () => void = () => {};
    const sent = new Promise<void>((resolve) => {
      answerInfo = resolve;
    });
    await page.route('**/_seawall/info', async (route) => {
      await sent;
      await route.continue();
    });
    await page.goto(`${t.url}/_seawall/console/`);
    expect(await page.getByTestId('region').inputValue()).toBe('');
    // The click's submit handler has run when it returns: only then is the region let through.
    await signIn(page);
    answerInfo();
    await page.locator('[data-testid=sign-out-button], [data-testid=sign-in-error]').first().waitFor();
    expect(await page.getByTestId('sign-in-error').allTextContents()).toEqual([]);
    expect(await page.evaluate<string>('JSON.stringify(sessionStorage)')).toContain(t.credentials.region);
    expect(problems).toEqual([]);
  });
});

describe('console: signing without Web Crypto', () => {
  it('signs in from a plain-http host name, which is not a secure context', async () => {
    const { page, problems } = await openConsole(`http://${PLAIN_HOST}:${t.seawall.port}`);
    expect(await page.evaluate<boolean>('window.isSecureContext')).toBe(false);
    await signIn(page);
    await page.getByTestId('sign-out-button').waitFor();
    await page.locator('[data-testid=catalog-database][data-database=vancouver]').waitFor();
    expect(problems).toEqual([]);
  });
});

describe('console: catalog', () => {
  it('lists databases and tables with columns, marks synthetic data and previews a table', async () => {
    const { page, problems } = await openConsole();
    await signIn(page);
    const database = page.locator('[data-testid=catalog-database][data-database=vancouver]');
    await database.getByRole('button', { name: 'vancouver' }).click();
    const tickets = page.locator('[data-testid=catalog-table][data-table="vancouver.parking_tickets"]');
    const animals = page.locator('[data-testid=catalog-table][data-table="vancouver.lost_animals"]');
    await tickets.waitFor();
    expect(await tickets.getByTestId('synthetic-badge').count()).toBe(0);
    expect(await animals.getByTestId('synthetic-badge').textContent()).toBe('synthetic data');

    await tickets.getByTestId('table-toggle').click();
    const columns = await tickets.getByTestId('table-column').allTextContents();
    expect(columns).toHaveLength(8);
    expect(columns[5]).toBe('statusstring');

    await animals.getByTestId('table-name').click();
    expect(await page.getByTestId('sql-editor').inputValue()).toBe(
      'SELECT * FROM vancouver.lost_animals LIMIT 100',
    );
    expect(await page.getByTestId('database-select').inputValue()).toBe('vancouver');
    expect(problems).toEqual([]);
  });
});

describe('console: queries', () => {
  it('runs a query, shows its rows and statistics, and charts it as bars and as a line', async () => {
    const { page, problems } = await openConsole();
    await signIn(page);
    const editor = page.getByTestId('sql-editor');
    await editor.fill(QUERY);
    await editor.press('Control+Enter');

    const state = await finalState(page);
    const reason = (await page.getByTestId('query-error').allTextContents()).join(' ');
    expect(`${state} ${reason}`.trim()).toBe('SUCCEEDED');
    const status = await page.getByTestId('query-status').textContent();
    expect(status).toContain('4 rows');
    expect(status).toMatch(/Engine time \d/);
    expect(status).toMatch(/Data scanned \d/);

    const table = page.getByTestId('result-table');
    const header = await table.locator('thead th .column-name').allTextContents();
    expect(header.map((name) => name.toLowerCase())).toEqual(['status', 'tickets']);
    const rows = await table
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual(EXPECTED_ROWS);

    // The chart is ECharts' SVG: the statuses label the x axis and each bar carries its value.
    const chart = page.getByTestId('result-chart');
    const texts = () => chart.locator('svg text').allTextContents();
    await expect.poll(texts).toEqual(expect.arrayContaining(['IS', 'VA', 'WR', 'VS', '6', '3', '2', '1']));
    const described = chart.locator('[aria-label]').last();
    expect(await described.getAttribute('aria-label')).toMatch(/bar/i);
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: join(RESULTS_DIR, 'console-bar.png'), fullPage: true });

    await page.getByTestId('chart-kind-line').click();
    await expect.poll(async () => (await described.getAttribute('aria-label')) ?? '').toMatch(/line/i);
    expect(await page.getByTestId('chart-kind-line').getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: join(RESULTS_DIR, 'console.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('pages through a large result and says where it stopped', async () => {
    const { page, problems } = await openConsole();
    await signIn(page);
    // 12³ = 1,728 rows: more than the console's 1,000, and more than one GetQueryResults page.
    await page
      .getByTestId('sql-editor')
      .fill(
        'SELECT a.street, b.block FROM vancouver.parking_tickets a, vancouver.parking_tickets b, vancouver.parking_tickets c',
      );
    await page.getByTestId('run-button').click();
    expect(await finalState(page)).toBe('SUCCEEDED');
    await page.getByTestId('result-truncated').waitFor();
    expect(await page.getByTestId('result-table').locator('tbody tr').count()).toBe(1000);
    expect(await page.getByTestId('query-status').textContent()).toContain('First 1,000 rows shown');
    // Streets repeat in the rows shown, and the chart says that it adds up their blocks.
    expect(await page.getByTestId('chart-notes').textContent()).toContain('added together');
    expect(problems).toEqual([]);
  });

  it("shows Athena's reason when a query fails", async () => {
    const { page } = await openConsole();
    await signIn(page);
    await page.getByTestId('sql-editor').fill('SELECT * FROM vancouver.no_such_table');
    await page.getByTestId('run-button').click();
    expect(await finalState(page)).toBe('FAILED');
    expect(await page.getByTestId('query-error').textContent()).toMatch(/no_such_table/i);
    expect(await page.getByTestId('result-table').count()).toBe(0);
  });
});
