import { readFile } from 'node:fs/promises';
import { GetQueryExecutionCommand, ListNamedQueriesCommand } from '@aws-sdk/client-athena';
import { CreateDatabaseCommand, CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient } from './helpers/athena.js';
import { launchBrowser, openWatchedPage, type WatchedPage } from './helpers/browser.js';
import { finalState, resultRows, runInEditor, signInWithKey } from './helpers/console-page.js';
import { clientConfig } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const BUCKET = 'editor-data';
/** Tickets per (month, status): January IS 3, VA 1; February IS 1, VA 2, WR 1; March IS 2. */
const TICKETS: [string, string][] = [
  ['2024-01', 'IS'],
  ['2024-01', 'IS'],
  ['2024-01', 'VA'],
  ['2024-01', 'IS'],
  ['2024-02', 'VA'],
  ['2024-02', 'IS'],
  ['2024-02', 'WR'],
  ['2024-02', 'VA'],
  ['2024-03', 'IS'],
  ['2024-03', 'IS'],
];
const CSV = [
  'Month,Status,Street,Fine,Issued',
  ...TICKETS.map(
    ([month, status], i) =>
      `${month},${status},W ${i + 1}TH AVE,${(i + 1) * 10},${month}-0${(i % 9) + 1} 09:04:00`,
  ),
].join('\n');

const BY_STATUS =
  'SELECT status, count(*) AS tickets FROM vancouver.tickets GROUP BY status ORDER BY tickets DESC';
const BY_MONTH_AND_STATUS =
  'SELECT month, status, count(*) AS tickets FROM vancouver.tickets GROUP BY month, status ORDER BY month, status';
/** 10⁴ rows: ten GetQueryResults pages, far past the 1,000 rows the page shows. */
const TEN_THOUSAND =
  'SELECT a.street, b.fine FROM vancouver.tickets a, vancouver.tickets b, vancouver.tickets c, vancouver.tickets d';

let t: TestSeawall;
let browser: Browser;
const pages: WatchedPage[] = [];

async function prepareData(): Promise<void> {
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/tickets/tickets.csv', Body: CSV }));
  const glue = new GlueClient(clientConfig(t));
  const column = (Name: string, Type: string) => ({ Name, Type });
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'vancouver' } }));
  await glue.send(
    new CreateTableCommand({
      DatabaseName: 'vancouver',
      TableInput: {
        Name: 'tickets',
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
        StorageDescriptor: {
          Columns: [
            column('month', 'string'),
            column('status', 'string'),
            column('street', 'string'),
            column('fine', 'bigint'),
            column('issued', 'timestamp'),
          ],
          Location: `s3://${BUCKET}/raw/tickets/`,
          SerdeInfo: {
            SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            Parameters: { 'field.delim': ',' },
          },
        },
      },
    }),
  );
  glue.destroy();
}

/**
 * A signed-in console page whose clock is in Tokyo's zone (no daylight saving time, so its name never
 * changes), so a time's zone is visibly not the server's.
 */
async function openConsole(): Promise<WatchedPage> {
  const watched = await openWatchedPage(browser, { timezoneId: 'Asia/Tokyo' });
  pages.push(watched);
  await watched.page.goto(`${t.url}/_seawall/console/`);
  await signInWithKey(watched.page, t);
  return watched;
}

/** Text drawn in the ECharts SVG: axis labels, legend entries, value labels. */
function chartTexts(page: Page): Promise<string[]> {
  return page.getByTestId('result-chart').locator('svg text').allTextContents();
}

beforeAll(async () => {
  t = await startTestSeawall();
  browser = await launchBrowser();
  await prepareData();
});
afterAll(async () => {
  for (const watched of pages) await watched.close();
  await browser?.close();
  await t?.close();
});

describe('console editor: history and cost', () => {
  it('lists a query with its bytes, cost and zone, and reopens its SQL and result from the history', async () => {
    const { page, problems } = await openConsole();
    const id = await runInEditor(page, BY_STATUS);
    const athena = athenaClient(t);
    const execution = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    athena.destroy();
    const scanned = execution.QueryExecution?.Statistics?.DataScannedInBytes ?? -1;
    expect(scanned).toBeGreaterThan(0);
    // A few hundred bytes are billed as Athena's 10 MB minimum: 10 MB / 1 TB × $5.
    expect(scanned).toBeLessThan(10 * 2 ** 20);
    expect(await page.getByTestId('query-status').textContent()).toContain('Cost $0.000048');

    await page.getByTestId('view-history').click();
    const entry = page.locator(`[data-testid=history-entry][data-query-id="${id}"]`);
    await entry.waitFor();
    expect(await entry.getAttribute('data-state')).toBe('SUCCEEDED');
    expect(await entry.getByTestId('history-scanned').textContent()).toBe(
      scanned < 1024 ? `${scanned} B` : `${(scanned / 1024).toFixed(1)} KB`,
    );
    expect(await entry.getByTestId('history-cost').textContent()).toBe('$0.000048');
    expect(await entry.getByTestId('history-submitted').textContent()).toMatch(/GMT\+9|JST/);
    expect(problems).toEqual([]);

    // Another browser, with none of this one's tabs, finds the query in the workgroup's history.
    const other = await openConsole();
    await other.page.getByTestId('view-history').click();
    await other.page
      .locator(`[data-testid=history-entry][data-query-id="${id}"]`)
      .getByTestId('history-open')
      .click();
    const tabs = other.page.getByTestId('editor-tab-select');
    await expect.poll(() => tabs.count()).toBe(2);
    expect(await other.page.locator('[role=tab][aria-selected=true]').textContent()).toContain(
      'SELECT status',
    );
    expect(await other.page.getByTestId('sql-editor').inputValue()).toBe(BY_STATUS);
    expect(await finalState(other.page)).toBe('SUCCEEDED');
    expect(await resultRows(other.page)).toEqual([
      ['IS', '6'],
      ['VA', '3'],
      ['WR', '1'],
    ]);
    expect(await other.page.getByTestId('query-status').locator('.query-id').textContent()).toBe(id);
    expect(other.problems).toEqual([]);
  });
});

describe('console editor: tabs', () => {
  it('keeps each tab its own SQL and result, and brings both back after a reload', async () => {
    const { page, problems } = await openConsole();
    await runInEditor(page, BY_STATUS);
    await page.getByTestId('new-tab').click();
    expect(await page.getByTestId('sql-editor').inputValue()).toBe('');
    expect(await page.getByTestId('result-table').count()).toBe(0);
    await runInEditor(page, BY_MONTH_AND_STATUS);
    expect(await resultRows(page)).toHaveLength(6);

    const tabs = page.getByTestId('editor-tab-select');
    await tabs.nth(0).click();
    expect(await page.getByTestId('sql-editor').inputValue()).toBe(BY_STATUS);
    expect(await resultRows(page)).toHaveLength(3);

    await page.reload();
    await expect.poll(() => tabs.count()).toBe(2);
    expect(await page.getByTestId('sql-editor').inputValue()).toBe(BY_STATUS);
    expect(await finalState(page)).toBe('SUCCEEDED');
    expect(await resultRows(page)).toHaveLength(3);
    // Arrow keys move between tabs, as in any tab list.
    await tabs.nth(0).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByTestId('sql-editor').inputValue()).toBe(BY_MONTH_AND_STATUS);
    expect(await finalState(page)).toBe('SUCCEEDED');
    expect(await resultRows(page)).toHaveLength(6);
    const kept = await page.evaluate<string>('JSON.stringify(localStorage)');
    expect(kept).toContain('SELECT month, status');
    expect(kept).not.toContain(t.credentials.secretAccessKey);
    expect(problems).toEqual([]);
  });
});

describe('console editor: completion', () => {
  it('completes table and column names from the catalog with the keyboard', async () => {
    const { page, problems } = await openConsole();
    const editor = page.getByTestId('sql-editor');
    const list = page.getByTestId('completion-list');
    await editor.pressSequentially('SELECT * FROM vancouver.tic');
    await list.getByText('tickets', { exact: true }).waitFor();
    await editor.press('Enter');
    expect(await editor.inputValue()).toBe('SELECT * FROM vancouver.tickets');
    expect(await list.count()).toBe(0);

    await editor.pressSequentially(' WHERE st');
    await list.waitFor();
    const options = list.getByTestId('completion-option');
    expect(await options.allTextContents()).toEqual(['colstatusstring', 'colstreetstring']);
    await editor.press('ArrowDown');
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true');
    expect(await editor.getAttribute('aria-activedescendant')).toBe(await options.nth(1).getAttribute('id'));
    await editor.press('Tab');
    expect(await editor.inputValue()).toBe('SELECT * FROM vancouver.tickets WHERE street');

    await editor.pressSequentially(" <> '' AND mo");
    await list.getByText('month', { exact: true }).waitFor();
    await editor.press('Escape');
    expect(await list.count()).toBe(0);
    expect(await editor.inputValue()).toBe("SELECT * FROM vancouver.tickets WHERE street <> '' AND mo");
    expect(problems).toEqual([]);
  });
});

describe('console editor: CSV download', () => {
  async function download(page: Page): Promise<{ name: string; text: string }> {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-csv').click(),
    ]);
    return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
  }

  it('downloads the whole result as CSV, quoted as Athena writes it', async () => {
    const { page, problems } = await openConsole();
    const id = await runInEditor(
      page,
      `SELECT status, count(*) AS tickets, 'say "hi"' AS quoted, CAST(NULL AS varchar) AS missing FROM vancouver.tickets GROUP BY status ORDER BY tickets DESC`,
    );
    const small = await download(page);
    expect(small.name).toBe(`${id}.csv`);
    expect(small.text).toBe(
      '"status","tickets","quoted","missing"\n"IS","6","say ""hi""",\n"VA","3","say ""hi""",\n"WR","1","say ""hi""",\n',
    );

    await runInEditor(page, TEN_THOUSAND);
    await page.getByTestId('result-truncated').waitFor();
    expect(await page.getByTestId('result-table').locator('tbody tr').count()).toBe(1000);
    const large = await download(page);
    const lines = large.text.split('\n');
    expect(lines[0]).toBe('"street","fine"');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(10_002);
    // Each of the 10 × 10 (street, fine) pairs appears once per (c, d) pair: 100 times.
    const counts = new Map<string, number>();
    for (const line of lines.slice(1, -1)) counts.set(line, (counts.get(line) ?? 0) + 1);
    expect(counts.size).toBe(100);
    expect([...counts.values()].every((n) => n === 100)).toBe(true);
    expect(problems).toEqual([]);
  });
});

describe('console editor: chart and result types', () => {
  it('splits tickets per month by status, and adds them up when the split is removed', async () => {
    const { page, problems } = await openConsole();
    await runInEditor(page, BY_MONTH_AND_STATUS);
    // x repeats (months), so the chart splits by the next text column on its own.
    expect(await page.getByTestId('chart-x').locator('option:checked').textContent()).toBe('month');
    expect(await page.getByTestId('chart-y').locator('option:checked').textContent()).toBe('tickets');
    expect(await page.getByTestId('chart-split').locator('option:checked').textContent()).toBe('status');
    await expect
      .poll(() => chartTexts(page))
      .toEqual(expect.arrayContaining(['IS', 'VA', 'WR', '2024-01', '2024-03']));
    const aria = page.getByTestId('result-chart').locator('[aria-label]').last();
    expect(await aria.getAttribute('aria-label')).toMatch(/IS.*VA.*WR/s);

    await page.getByTestId('chart-split').selectOption({ label: '(none)' });
    await expect.poll(() => chartTexts(page)).not.toContain('WR');
    const texts = await chartTexts(page);
    // One series: the bars carry their values, January 3 + 1, February 1 + 2 + 1, March 2.
    expect(texts).toEqual(expect.arrayContaining(['4', '2']));
    expect(await page.getByTestId('chart-notes').textContent()).toContain('added together');

    await page.getByTestId('chart-kind-line').click();
    await expect.poll(async () => (await aria.getAttribute('aria-label')) ?? '').toMatch(/line/i);
    expect(problems).toEqual([]);
  });

  it('says which timestamps carry no time zone', async () => {
    const { page } = await openConsole();
    await runInEditor(page, 'SELECT issued, month FROM vancouver.tickets LIMIT 1');
    const header = page.getByTestId('result-table').locator('thead th').first();
    expect(await header.getByTestId('column-type').textContent()).toBe('timestamp · no time zone');
    expect(await header.getAttribute('title')).toMatch(/No time zone/);
  });
});

describe('console editor: saved queries', () => {
  it("saves a query with Athena's named query API, lists it, reopens it and deletes it", async () => {
    const { page, problems } = await openConsole();
    await page.getByTestId('sql-editor').fill(BY_STATUS);
    await page.getByTestId('save-query-button').click();
    await page.getByTestId('save-query-name').fill('Tickets by status');
    await page.getByTestId('save-query-description').fill('How many tickets of each status');
    await page.getByTestId('save-query-submit').click();
    await page.getByTestId('save-query-form').waitFor({ state: 'detached' });

    const athena = athenaClient(t);
    const listed = await athena.send(new ListNamedQueriesCommand({ WorkGroup: 'primary' }));
    athena.destroy();
    expect(listed.NamedQueryIds).toHaveLength(1);

    await page.getByTestId('view-saved').click();
    const saved = page.locator('[data-testid=saved-query][data-name="Tickets by status"]');
    await saved.waitFor();
    expect(await saved.textContent()).toContain('How many tickets of each status');
    await saved.getByTestId('saved-open').click();
    expect(await page.locator('[role=tab][aria-selected=true]').textContent()).toBe('Tickets by status');
    expect(await page.getByTestId('sql-editor').inputValue()).toBe(BY_STATUS);
    await page.getByTestId('run-button').click();
    expect(await finalState(page)).toBe('SUCCEEDED');

    await page.getByTestId('view-saved').click();
    await saved.getByTestId('saved-delete').click();
    await saved.getByTestId('saved-confirm-delete').click();
    await saved.waitFor({ state: 'detached' });
    const after = athenaClient(t);
    expect((await after.send(new ListNamedQueriesCommand({ WorkGroup: 'primary' }))).NamedQueryIds).toEqual(
      [],
    );
    after.destroy();
    expect(problems).toEqual([]);
  });
});
