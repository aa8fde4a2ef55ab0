import { gunzipSync, gzipSync } from 'node:zlib';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openWatchedPage, type WatchedPage } from './helpers/browser.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { documentedTrailPolicy } from './helpers/trails.js';

const LOGS = 'console-trail-logs';
const PREFIX = 'audit';

let t: TestSeawall;
let s3: S3Client;
let browser: Browser;
let watched: WatchedPage;

async function keysUnder(prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: LOGS, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

/** Waits until a digest lists every log file delivered so far (at least two), and answers the log files. */
async function deliveredAndDigested(): Promise<string[]> {
  const root = `${PREFIX}/AWSLogs/${t.seawall.accountId}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    const logs = await keysUnder(`${root}/CloudTrail/`);
    const listed = new Set<string>();
    for (const key of await keysUnder(`${root}/CloudTrail-Digest/`)) {
      const got = await s3.send(new GetObjectCommand({ Bucket: LOGS, Key: key }));
      const digest = JSON.parse(
        gunzipSync((await got.Body?.transformToByteArray()) ?? new Uint8Array()).toString(),
      ) as {
        logFiles: { s3Object: string }[];
      };
      for (const file of digest.logFiles) listed.add(file.s3Object);
    }
    if (logs.length >= 2 && logs.every((key) => listed.has(key))) return logs;
    if (Date.now() > deadline) throw new Error('no digest listing every log file');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs the check in the console and answers its summary and the rows it shows. */
async function verifyInConsole(
  page: Page,
): Promise<{ summary: string; rows: { object: string; finding: string }[] }> {
  const last = Number(await page.getByTestId('trail-verify').getAttribute('data-run'));
  await page.getByTestId('verify-run').click();
  await page.locator(`[data-testid=trail-verify][data-run="${last + 1}"][data-state=done]`).waitFor();
  const summary = (await page.getByTestId('verify-summary').textContent()) ?? '';
  const rows = await page.getByTestId('verify-row').evaluateAll((trs) =>
    trs.map((tr) => ({
      object: tr.getAttribute('data-object') ?? '',
      finding: tr.getAttribute('data-finding') ?? '',
    })),
  );
  return { summary, rows };
}

beforeAll(async () => {
  t = await startTestSeawall({
    env: { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '3' },
  });
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: LOGS }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: LOGS,
      Policy: documentedTrailPolicy(t, LOGS, PREFIX, 'console-trail'),
    }),
  );
  const trail = new CloudTrailClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.credentials,
  });
  await trail.send(
    new CreateTrailCommand({
      Name: 'console-trail',
      S3BucketName: LOGS,
      S3KeyPrefix: PREFIX,
      EnableLogFileValidation: true,
    }),
  );
  await trail.send(new StartLoggingCommand({ Name: 'console-trail' }));
  trail.destroy();
  // Calls in two deliveries, so there are two log files to tamper with.
  await s3.send(new CreateBucketCommand({ Bucket: 'console-trail-first' }));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await s3.send(new CreateBucketCommand({ Bucket: 'console-trail-second' }));
  browser = await launchBrowser();
});

afterAll(async () => {
  await watched?.close();
  await browser?.close();
  s3?.destroy();
  await t?.close();
});

describe('console: log file integrity', () => {
  it('checks the trail in the browser and names the log file modified and the one deleted', async () => {
    const logs = await deliveredAndDigested();
    watched = await openWatchedPage(browser, { timezoneId: 'UTC' });
    const { page, problems } = watched;
    await page.goto(`${t.url}/_seawall/console/`);
    await page.getByTestId('sign-in-tab-key').click();
    await page.getByTestId('access-key-id').fill(t.credentials.accessKeyId);
    await page.getByTestId('secret-access-key').fill(t.credentials.secretAccessKey);
    await page.getByTestId('sign-in-button').click();
    await page.getByTestId('view-integrity').click();
    await page.getByTestId('verify-run').waitFor();
    expect(await page.getByTestId('verify-trail').inputValue()).toBe('console-trail');

    const untouched = await verifyInConsole(page);
    expect(untouched.summary).toMatch(/digest file\(s\) and \d+ log file\(s\) checked: all valid/);
    expect(untouched.rows).toEqual([]);
    await page.getByTestId('verify-show-valid').check();
    const all = await verifyInConsole(page);
    expect(all.rows.filter((r) => r.finding === 'valid').map((r) => r.object)).toEqual(
      expect.arrayContaining(logs.map((key) => `s3://${LOGS}/${key}`)),
    );
    await page.getByTestId('verify-show-valid').uncheck();

    const [modified, deleted] = logs as [string, string];
    await s3.send(new PutObjectCommand({ Bucket: LOGS, Key: modified, Body: gzipSync('{"Records":[]}') }));
    await s3.send(new DeleteObjectCommand({ Bucket: LOGS, Key: deleted }));
    const tampered = await verifyInConsole(page);
    expect(tampered.summary).toMatch(/checked: 2 INVALID/);
    expect(tampered.rows).toHaveLength(2);
    expect(tampered.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          object: `s3://${LOGS}/${modified}`,
          finding: expect.stringMatching(/^INVALID: hash value doesn't match/),
        }),
        expect.objectContaining({
          object: `s3://${LOGS}/${deleted}`,
          finding: expect.stringMatching(/^INVALID: not found/),
        }),
      ]),
    );
    expect(problems).toEqual([]);
  });
});
