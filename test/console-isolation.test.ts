import { GetDatabasesCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openWatchedPage, type WatchedPage } from './helpers/browser.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const BUCKET = 'uploads';

/**
 * What a hostile upload does when it runs as the console's origin: read the signed-in session's keys and send
 * them away (here, to a path the test watches), and record what it saw where the test can read it.
 */
const STEAL = `
  let seen;
  try { seen = 'read:' + sessionStorage.getItem('seawall.session'); } catch (e) { seen = 'blocked:' + e.name; }
  document.documentElement.setAttribute('data-seen', seen);
  fetch('/_seawall/console/?stolen=' + encodeURIComponent(seen)).catch(() => {});
`;
const OBJECTS = {
  'evil.html': {
    type: 'text/html',
    body: `<!doctype html><html><head><title>report</title></head><body><p>Quarterly report</p><script>${STEAL}</script></body></html>`,
  },
  'evil.svg': {
    type: 'image/svg+xml',
    body: `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/><script>${STEAL}</script></svg>`,
  },
  'evil.js': { type: 'text/javascript', body: 'window.evilRan = true;' },
  'evil.css': { type: 'text/css', body: 'body { --evil-style: 1; }' },
} as const;

let t: TestSeawall;
let s3: S3Client;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const [key, { type, body }] of Object.entries(OBJECTS)) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: type }));
  }
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const watched of pages) await watched.close();
  await browser?.close();
  await t?.close();
});

const presign = (key: string) =>
  getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 });

async function signedInConsole(): Promise<WatchedPage> {
  const watched = await openWatchedPage(browser);
  pages.push(watched);
  const { page } = watched;
  await page.goto(`${t.url}/_seawall/console/`);
  await page.getByTestId('sign-in-tab-key').click();
  await page.getByTestId('access-key-id').fill(t.credentials.accessKeyId);
  await page.getByTestId('secret-access-key').fill(t.credentials.secretAccessKey);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('sign-out-button').waitFor();
  expect(await page.evaluate<string>('JSON.stringify(sessionStorage)')).toContain(
    t.credentials.secretAccessKey,
  );
  return watched;
}

/** Requests carrying what a hostile object's script stole, as the page sends them. */
function watchTheft(page: Page): string[] {
  const stolen: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('stolen=')) stolen.push(decodeURIComponent(request.url()));
  });
  return stolen;
}

/** Opens an object in the console's tab (as following a link to it does) and reports what its script saw. */
async function openObject(page: Page, url: string) {
  const response = await page.goto(url);
  const seen = await page.locator(':root').getAttribute('data-seen');
  return { headers: response?.headers() ?? {}, seen };
}

describe('objects never run as the console', () => {
  for (const key of ['evil.html', 'evil.svg'] as const) {
    it(`${key} opened by a presigned URL cannot read the signed-in session`, async () => {
      const { page } = await signedInConsole();
      const stolen = watchTheft(page);
      const url = await presign(key);
      const opened = await openObject(page, url);
      expect(opened.headers['content-type']).toBe(OBJECTS[key].type);
      expect(opened.headers['content-security-policy']).toBe('sandbox');
      expect(opened.headers['x-content-type-options']).toBe('nosniff');
      // The script would have run, and sent its request, before the load event that goto waited for.
      expect(opened.seen).toBeNull();
      expect(stolen).toEqual([]);
      // The document has an opaque origin: even script that did run there could not reach the session.
      expect(await page.evaluate<string>('origin')).toBe('null');
      expect(
        await page.evaluate<string>(
          `(() => { try { sessionStorage.length; return 'readable'; } catch (e) { return e.name; } })()`,
        ),
      ).toBe('SecurityError');

      // The same object without the header, in the same tab: the script runs as the console and takes the keys.
      await page.goBack();
      await page.route(url, async (route) => {
        const original = await route.fetch();
        const headers = { ...original.headers() };
        delete headers['content-security-policy'];
        await route.fulfill({ response: original, headers });
      });
      const unprotected = await openObject(page, url);
      await page.unroute(url);
      expect(unprotected.seen).toContain(t.credentials.secretAccessKey);
      await expect.poll(() => stolen.join(' ')).toContain(t.credentials.secretAccessKey);
    });
  }
});

describe('the console page loads script and style only from its own assets', () => {
  it('refuses an uploaded script or stylesheet, which its old policy allowed', async () => {
    const { page, problems } = await signedInConsole();
    const script = await presign('evil.js');
    const style = await presign('evil.css');
    // Markup injected into the page, pointing at uploaded objects: the old policy ('self') let both load.
    const outcome = await page.evaluate<{
      script: string;
      style: string;
      ran: boolean;
      styled: boolean;
    }>(`(async () => {
      const load = (element) => new Promise((resolve) => {
        element.onload = () => resolve('loaded');
        element.onerror = () => resolve('refused');
        document.head.append(element);
      });
      const script = document.createElement('script');
      script.src = ${JSON.stringify(script)};
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = ${JSON.stringify(style)};
      return {
        script: await load(script),
        style: await load(link),
        ran: window.evilRan === true,
        styled: getComputedStyle(document.body).getPropertyValue('--evil-style') !== '',
      };
    })()`);
    expect(outcome).toEqual({ script: 'refused', style: 'refused', ran: false, styled: false });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => problem.startsWith('CSP:'))).toBe(true);
  });

  it('names the console asset path in script-src and style-src, and keeps the APIs reachable', async () => {
    const page = await fetch(`${t.url}/_seawall/console/`);
    const host = new URL(t.url).host;
    const policy = Object.fromEntries(
      (page.headers.get('content-security-policy') ?? '').split(';').map((directive) => {
        const [name = '', ...sources] = directive.trim().split(/\s+/);
        return [name, sources.join(' ')];
      }),
    );
    expect(policy['script-src']).toBe(`${host}/_seawall/console/assets/`);
    expect(policy['style-src']).toBe(`${host}/_seawall/console/assets/`);
    expect(policy['connect-src']).toBe("'self'");
    expect(policy['default-src']).toBe("'none'");
  });
});

describe('every response but the console page is sandboxed', () => {
  const sandboxed = (headers: Headers | Record<string, string | string[] | undefined>) => {
    const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name]);
    return { csp: get('content-security-policy'), nosniff: get('x-content-type-options') };
  };
  const SANDBOXED = { csp: 'sandbox', nosniff: 'nosniff' };

  it('S3 objects, S3 errors, JSON APIs, refused requests and Seawall’s own routes', async () => {
    expect(sandboxed((await fetch(await presign('evil.html'))).headers)).toEqual(SANDBOXED);
    expect(sandboxed((await fetch(await presign('missing.html'))).headers)).toEqual(SANDBOXED);
    expect(sandboxed((await fetch(`${t.url}/${BUCKET}/evil.html`)).headers)).toEqual(SANDBOXED);
    const head = await rawRequest(t.url, {
      method: 'HEAD',
      path: `/${BUCKET}/evil.html`,
      headers: await signedHeaders(t, {
        method: 'HEAD',
        path: `/${BUCKET}/evil.html`,
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      }),
    });
    expect(sandboxed(head.headers)).toEqual(SANDBOXED);

    const glue = new GlueClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
    });
    const seen: Record<string, string | undefined>[] = [];
    glue.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        seen.push((result.response as { headers: Record<string, string> }).headers);
        return result;
      },
      { step: 'deserialize', name: 'captureHeaders' },
    );
    await glue.send(new GetDatabasesCommand({}));
    glue.destroy();
    expect(sandboxed(seen[0] ?? {})).toEqual(SANDBOXED);

    for (const path of [
      '/_seawall/health',
      '/_seawall/info',
      '/_seawall/nothing-here',
      '/_seawall/console/favicon.svg',
    ]) {
      expect(sandboxed((await fetch(`${t.url}${path}`)).headers), path).toEqual(SANDBOXED);
    }
    const console = await fetch(`${t.url}/_seawall/console/`);
    expect(console.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(console.headers.get('content-security-policy')).not.toContain('sandbox');
  });
});
