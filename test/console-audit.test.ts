import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openWatchedPage, type WatchedPage } from './helpers/browser.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const BUCKET = 'audit-console-bucket';
const INTRUDER = 'audit-intruder';
const UNKNOWN_KEY = 'AKIAIOSFODNN7EXAMPLE';
/** Markup a caller controls (its User-Agent), which the record keeps and the console must show as text. */
const HOSTILE_AGENT = '<img src=x onerror="window.__audited=1"><script>window.__audited=2</script>';

let t: TestSeawall;
let browser: Browser;
let intruderKeys: { accessKeyId: string; secretAccessKey: string };
/** A moment, in whole seconds, after the root's calls and before the intruder's. */
let between: Date;
const pages: WatchedPage[] = [];

/** The call with a key nobody has: no user, and no operation the server would name for it. */
const UNAUTHENTICATED = expect.objectContaining({ user: '', error: 'InvalidAccessKeyId' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The calls the history should show, made through the SDK: the root's, then two refused ones. */
async function makeCalls(): Promise<void> {
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  await iam.send(new CreateUserCommand({ UserName: INTRUDER }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: INTRUDER }));
  iam.destroy();
  intruderKeys = {
    accessKeyId: AccessKey?.AccessKeyId ?? '',
    secretAccessKey: AccessKey?.SecretAccessKey ?? '',
  };

  // Event times are whole seconds apart around `between`, so a time range can tell the calls apart.
  await sleep(1100);
  between = new Date(Math.floor(Date.now() / 1000) * 1000);
  await sleep(1100);

  const intruder = t.s3({ credentials: intruderKeys });
  // The SDK cleans a custom user agent of markup; a script sending its own header would not.
  type Middleware = Parameters<typeof intruder.middlewareStack.addRelativeTo>[0];
  type Args = { request: { headers: Record<string, string> } };
  const hostileAgent = ((next: (args: Args) => Promise<unknown>) => async (args: Args) => {
    args.request.headers['user-agent'] = HOSTILE_AGENT;
    return next(args);
  }) as unknown as Middleware;
  intruder.middlewareStack.addRelativeTo(hostileAgent, {
    relation: 'after',
    toMiddleware: 'getUserAgentMiddleware',
    name: 'hostileUserAgent',
  });
  await expect(intruder.send(new ListBucketsCommand({}))).rejects.toThrow();
  intruder.destroy();
  const nobody = new S3Client({
    endpoint: t.url,
    region: t.credentials.region,
    forcePathStyle: true,
    credentials: { accessKeyId: UNKNOWN_KEY, secretAccessKey: 'wrong' },
  });
  await expect(nobody.send(new CreateBucketCommand({ Bucket: 'audit-nobody' }))).rejects.toThrow();
  nobody.destroy();
  s3.destroy();
}

async function openEventHistory(keys: {
  accessKeyId: string;
  secretAccessKey: string;
}): Promise<WatchedPage> {
  const watched = await openWatchedPage(browser, { timezoneId: 'UTC' });
  pages.push(watched);
  const { page } = watched;
  await page.goto(`${t.url}/_seawall/console/`);
  await page.getByTestId('sign-in-tab-key').click();
  await page.getByTestId('access-key-id').fill(keys.accessKeyId);
  await page.getByTestId('secret-access-key').fill(keys.secretAccessKey);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('view-events').click();
  await page.getByTestId('event-history').waitFor();
  return watched;
}

interface Row {
  name: string;
  user: string;
  error: string;
}

/** The rows of the current search's answer. */
async function rows(page: Page): Promise<Row[]> {
  await page.locator('[data-testid=event-history][data-state=loaded]').waitFor();
  return page.getByTestId('event-row').evaluateAll((trs) =>
    trs.map((tr) => ({
      name: tr.getAttribute('data-event-name') ?? '',
      user: tr.getAttribute('data-username') ?? '',
      error: tr.getAttribute('data-error-code') ?? '',
    })),
  );
}

/** Clicks a button that starts a new search and waits for that search's answer (not the last one's). */
async function startSearch(page: Page, testId: string): Promise<void> {
  const history = page.getByTestId('event-history');
  const last = Number(await history.getAttribute('data-search'));
  await page.getByTestId(testId).click();
  await page
    .locator(`[data-testid=event-history][data-search="${last + 1}"]:not([data-state=loading])`)
    .waitFor();
}

/** Fills the filters (the others emptied), searches, and returns the rows found. */
async function search(
  page: Page,
  filters: { user?: string; eventName?: string; resource?: string; end?: Date; deniedOnly?: boolean },
): Promise<Row[]> {
  await startSearch(page, 'filter-clear');
  await page.getByTestId('filter-user').fill(filters.user ?? '');
  await page.getByTestId('filter-event-name').fill(filters.eventName ?? '');
  await page.getByTestId('filter-resource').fill(filters.resource ?? '');
  // The page runs in UTC, so an ISO time without its zone is the same moment.
  await page.getByTestId('filter-end').fill(filters.end ? filters.end.toISOString().slice(0, 19) : '');
  await page.getByTestId('filter-denied').setChecked(filters.deniedOnly ?? false);
  await startSearch(page, 'filter-search');
  return rows(page);
}

beforeAll(async () => {
  t = await startTestSeawall();
  browser = await launchBrowser();
  await makeCalls();
});
afterAll(async () => {
  for (const watched of pages) await watched.close();
  await browser?.close();
  await t?.close();
});

describe('console: event history', () => {
  it('lists the calls newest first, narrows them by user, event name, time and denial, and opens a record', async () => {
    const { page, problems } = await openEventHistory(t.credentials);
    const all = await rows(page);
    const createBucket = all.findIndex((row) => row.name === 'CreateBucket');
    const refused = all.findIndex((row) => row.name === 'ListBuckets' && row.user === INTRUDER);
    expect(all[createBucket]).toEqual({ name: 'CreateBucket', user: 'root', error: '' });
    expect(all[refused]).toEqual({ name: 'ListBuckets', user: INTRUDER, error: 'AccessDenied' });
    expect(refused).toBeLessThan(createBucket);
    expect(all).toContainEqual(UNAUTHENTICATED);

    const byUser = await search(page, { user: INTRUDER });
    expect(byUser).toEqual([{ name: 'ListBuckets', user: INTRUDER, error: 'AccessDenied' }]);

    const byName = await search(page, { eventName: 'CreateUser' });
    expect(byName).toEqual([{ name: 'CreateUser', user: 'root', error: '' }]);

    // One attribute goes to LookupEvents (the user), the event name is applied in the browser.
    const byBoth = await search(page, { user: 'root', eventName: 'CreateBucket' });
    expect(byBoth).toEqual([{ name: 'CreateBucket', user: 'root', error: '' }]);
    expect(await search(page, { user: INTRUDER, eventName: 'CreateBucket' })).toEqual([]);
    expect(await page.getByTestId('event-empty').textContent()).toContain('No events match');

    // A resource by its name, asked of LookupEvents alone, then applied in the browser after the user.
    const createdBucket = [{ name: 'CreateBucket', user: 'root', error: '' }];
    expect(await search(page, { resource: BUCKET })).toEqual(createdBucket);
    expect(await search(page, { user: 'root', resource: `arn:aws:s3:::${BUCKET}` })).toEqual(createdBucket);
    expect(await search(page, { user: 'root', resource: 'console-bucket' })).toEqual([]);

    const denied = await search(page, { deniedOnly: true });
    expect(denied).toEqual([UNAUTHENTICATED, { name: 'ListBuckets', user: INTRUDER, error: 'AccessDenied' }]);

    const before = await search(page, { end: between });
    expect(before.map((row) => row.name)).toEqual(['CreateAccessKey', 'CreateUser', 'CreateBucket']);

    // The refused call's record, opened: the whole record as text, the caller's markup inert.
    await search(page, { user: INTRUDER });
    const row = page.locator('[data-testid=event-row][data-event-name=ListBuckets]');
    await row.getByTestId('event-toggle').click();
    const shown = page.getByTestId('event-record');
    const record = JSON.parse((await shown.textContent()) ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      errorCode: 'AccessDenied',
      userIdentity: { type: 'IAMUser', userName: INTRUDER },
      sourceIPAddress: '127.0.0.1',
    });
    expect(String(record.userAgent)).toContain(HOSTILE_AGENT);
    expect(await shown.locator('img, script').count()).toBe(0);
    expect(await page.evaluate('window.__audited')).toBeUndefined();
    await row.getByTestId('event-toggle').click();
    expect(await page.getByTestId('event-record').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('says when "denied only" stopped at its page bound, and Load more finds the older denials', async () => {
    // More than ten pages of allowed calls, newer than the two denials.
    const s3 = t.s3();
    for (let i = 0; i < 520; i += 20)
      await Promise.all(Array.from({ length: 20 }, () => s3.send(new ListBucketsCommand({}))));
    s3.destroy();

    const { page, problems } = await openEventHistory(t.credentials);
    await rows(page);
    expect(await search(page, { deniedOnly: true })).toEqual([]);
    expect(await page.getByTestId('event-search-bound').textContent()).toContain(
      'Stopped after reading 10 pages',
    );
    await page.getByTestId('event-load-more').click();
    await expect
      .poll(() => rows(page))
      .toEqual([UNAUTHENTICATED, { name: 'ListBuckets', user: INTRUDER, error: 'AccessDenied' }]);
    expect(await page.getByTestId('event-search-bound').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('tells a caller without cloudtrail:LookupEvents plainly that it is denied', async () => {
    const { page, problems } = await openEventHistory(intruderKeys);
    const denial = page.getByTestId('event-history').getByTestId('access-denied');
    await denial.waitFor();
    const text = await denial.textContent();
    expect(text).toContain(`You (user/${INTRUDER}) are not allowed to run cloudtrail:LookupEvents`);
    expect(await page.getByTestId('event-table').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
