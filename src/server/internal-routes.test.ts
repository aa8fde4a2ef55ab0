import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../lib/http.js';
import {
  consoleKey,
  createInternalRoutes,
  DEFAULT_CONSOLE_DIR,
  readConsoleManifest,
} from './internal-routes.js';

const root = mkdtempSync(join(tmpdir(), 'seawall-console-'));
const consoleDir = join(root, 'dist');
const SECRET = 'root-key-material';
mkdirSync(join(consoleDir, 'assets'), { recursive: true });
writeFileSync(join(root, 'secret.txt'), SECRET);
writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
writeFileSync(join(consoleDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
writeFileSync(join(consoleDir, 'assets', 'index-AbC12_-9.js'), 'console.log(1)');
writeFileSync(join(consoleDir, 'assets', 'index-AbC12_-9.css'), 'body{}');
writeFileSync(join(consoleDir, '.env'), SECRET);
symlinkSync(join(root, 'secret.txt'), join(consoleDir, 'linked.txt'));
symlinkSync(root, join(consoleDir, 'up'));

const route = createInternalRoutes({ region: 'ca-central-1', consoleDir });
const HOST = 'seawall.example:9000';
const request = (method = 'GET', headers: Record<string, string> = { host: HOST }) =>
  ({ method, headers }) as IncomingMessage;

async function get(path: string, method = 'GET'): Promise<ApiResponse | undefined> {
  return route(request(method), path);
}

function text(response: ApiResponse | undefined): string {
  const body = response?.body;
  return body === undefined ? '' : body.toString();
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('internal routes', () => {
  it('answers health and info, and leaves other paths to the server', async () => {
    expect(text(await get('health'))).toBe('{"status":"ok"}');
    const info = await get('info');
    expect(info?.status).toBe(200);
    expect(info?.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(text(info))).toEqual({ region: 'ca-central-1' });
    expect(await get('metrics')).toBeUndefined();
    expect(await get('consoles')).toBeUndefined();
  });

  it('redirects to the console folder and refuses methods other than GET and HEAD', async () => {
    for (const path of ['console', '']) {
      const redirect = await get(path);
      expect(redirect?.status).toBe(302);
      expect(redirect?.headers?.location).toBe('/_seawall/console/');
    }
    for (const path of ['', 'console/', 'info', 'console/assets/index-AbC12_-9.js']) {
      const refused = await get(path, 'POST');
      expect(refused?.status).toBe(405);
      expect(refused?.headers?.allow).toBe('GET, HEAD');
    }
    expect((await get('console/', 'HEAD'))?.status).toBe(200);
  });

  it('serves the page with a strict policy and never caches it', async () => {
    const page = await get('console/');
    expect(page?.status).toBe(200);
    expect(page?.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(page?.headers?.['cache-control']).toBe('no-cache');
    expect(page?.headers?.['x-content-type-options']).toBe('nosniff');
    const csp = String(page?.headers?.['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src ${HOST}/_seawall/console/assets/;`);
    expect(csp).toContain(`style-src ${HOST}/_seawall/console/assets/;`);
    expect(csp).toContain(`img-src ${HOST}/_seawall/console/;`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(text(page)).toContain('<title>console</title>');
    expect(text(await get('console/index.html'))).toBe(text(page));
  });

  it("falls back to 'self' for a host a policy cannot name, never copying it into the header", async () => {
    for (const host of ['[::1]:9000', "evil; script-src 'unsafe-inline'", 'a b', undefined]) {
      const page = await route(request('GET', host === undefined ? {} : { host }), 'console/');
      const csp = String(page?.headers?.['content-security-policy']);
      expect(csp, host).toContain("script-src 'self';");
      expect(csp, host).not.toContain('unsafe-inline');
      expect(csp.split(';').length, host).toBe(9);
    }
  });

  it('serves hashed assets as immutable with their content types', async () => {
    const script = await get('console/assets/index-AbC12_-9.js');
    expect(script?.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'content-length': 14,
    });
    expect(script?.headers?.['content-security-policy']).toBeUndefined();
    expect((await get('console/assets/index-AbC12_-9.css'))?.headers?.['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    const icon = await get('console/favicon.svg');
    expect(icon?.headers).toMatchObject({ 'content-type': 'image/svg+xml', 'cache-control': 'no-cache' });
  });

  it("answers the app's own views with the page, and missing files with 404", async () => {
    for (const view of ['console/queries', 'console/tables/vancouver/parking_tickets/']) {
      const page = await get(view);
      expect(page?.status).toBe(200);
      expect(text(page)).toContain('<title>console</title>');
    }
    expect((await get('console/assets/index-OLD12345.js'))?.status).toBe(404);
  });

  it('never serves a file outside the manifest, however the path is spelled', async () => {
    const hostile = [
      'console/../secret.txt',
      'console/assets/../../secret.txt',
      'console/..%2Fsecret.txt',
      'console/%2e%2e/secret.txt',
      'console/%2E%2E%2Fsecret.txt',
      'console/assets%2F..%2F..%2Fsecret.txt',
      'console/assets%5C..%5C..%5Csecret.txt',
      'console/..%5Csecret.txt',
      `console/${encodeURIComponent(join(root, 'secret.txt'))}`,
      `console/${join(root, 'secret.txt')}`,
      'console//etc/passwd',
      'console/%2Fetc%2Fpasswd',
      'console/index.html%00.js',
      'console/%00',
      'console/%E0%A4%A',
      'console/.env',
      'console/linked.txt',
      'console/up/secret.txt',
      'console/./index.html',
    ];
    for (const path of hostile) {
      const response = await get(path);
      expect(text(response), path).not.toContain(SECRET);
      expect(text(response), path).not.toContain('root:');
      expect(response?.status, path).toBe(404);
    }
  });

  it('reads the manifest once, recursively, without dot-files or links', () => {
    expect([...readConsoleManifest(consoleDir).keys()].sort()).toEqual([
      'assets/index-AbC12_-9.css',
      'assets/index-AbC12_-9.js',
      'favicon.svg',
      'index.html',
    ]);
    expect(readConsoleManifest(join(root, 'missing')).size).toBe(0);
    expect(consoleKey('')).toBe('index.html');
    expect(consoleKey('a%20b/c.js')).toBe('a b/c.js');
  });

  it('says the console is not built when it is not', async () => {
    const bare = createInternalRoutes({ region: 'ca-central-1', consoleDir: join(root, 'missing') });
    const response = await bare(request(), 'console/');
    expect(response?.status).toBe(404);
    expect(text(response)).toContain('npm run build');
  });

  it('finds web/dist of the checkout by default', () => {
    // This file sits in src/server/ like the code; dist/server/ is as deep, so the same URL works there.
    expect(DEFAULT_CONSOLE_DIR).toBe(fileURLToPath(new URL('../../web/dist/', import.meta.url)));
    expect(DEFAULT_CONSOLE_DIR.endsWith(`${sep}web${sep}dist${sep}`)).toBe(true);
  });
});
