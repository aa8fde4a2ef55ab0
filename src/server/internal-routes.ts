import { type Dirent, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiResponse } from '../lib/http.js';
import { INTERNAL_PREFIX, type InternalRoute } from './http-server.js';

export interface InternalRoutesOptions {
  region: string;
  /** The built console; by default web/dist of this checkout. */
  consoleDir?: string;
  /** `POST /_seawall/signin`, the console's password sign-in (signin-route.ts). */
  signIn?: (req: IncomingMessage) => Promise<ApiResponse>;
  /** `GET /_seawall/sns/confirm-subscription`, an SNS subscription's SubscribeURL (notify/confirm-route.ts). */
  confirmSubscription?: (req: IncomingMessage) => Promise<ApiResponse>;
  /** `GET /_seawall/metrics`, the Prometheus exposition (monitor/prometheus.ts), which decides who may read it. */
  metrics?: (req: IncomingMessage) => Promise<ApiResponse>;
}

interface ConsoleFile {
  absolutePath: string;
  contentType: string;
  cacheControl: string;
}

// src/server/ (vitest, tsx) and dist/server/ (built) are both two levels below the package root.
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names built assets `name-<hash>.ext`: a new build makes new names, so they can be cached forever. */
const HASHED_ASSET = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

const CONSOLE_PATH = `${INTERNAL_PREFIX}console/`;
/** A Host header CSP can name: a DNS name or IPv4 address, and a port. CSP has no syntax for IPv6 literals. */
const NAMEABLE_HOST = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$/;

/**
 * The console page's policy: script and style only from the bundle's assets, images only from the console's
 * files, connections to this origin, which serves every API at its root (so connect-src cannot be narrowed,
 * and script running in the page can call any API: that is what signing in is for). What the paths stop is an
 * uploaded object, served from the same origin, being loaded into the page as a script or a stylesheet.
 *
 * What path sources cannot do, and why they hold here anyway:
 * - they need the host, so it is taken from the Host header; a proxy in front must pass it unchanged, which
 *   SigV4 requires already (the console signs it). A host CSP cannot name falls back to 'self'.
 * - they name no scheme, so they match the page's own scheme (http, or https behind a proxy).
 * - after a redirect only the origin is checked, so nothing under the console's path may redirect (only
 *   `/_seawall/console`, outside the asset path, does).
 * - the browser percent-decodes before matching, so `assets/..%2F..%2Fbucket%2Fx.js` matches the assets path;
 *   that is harmless only because every path under /_seawall/ is Seawall's own and such a path is a 404.
 * No inline script or style: React sets styles through the CSSOM, which style-src does not govern.
 */
function consolePolicy(host: string | undefined): string {
  const own = host !== undefined && NAMEABLE_HOST.test(host) ? `${host}${CONSOLE_PATH}` : undefined;
  const assets = own ? `${own}assets/` : "'self'";
  return [
    "default-src 'none'",
    `script-src ${assets}`,
    `style-src ${assets}`,
    `img-src ${own ?? "'self'"}`,
    `font-src ${assets}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff' };
const pageHeaders = (host: string | undefined) => ({
  ...SECURITY_HEADERS,
  'content-security-policy': consolePolicy(host),
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

function consoleFile(absolutePath: string, key: string): ConsoleFile {
  return {
    absolutePath,
    contentType: CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream',
    cacheControl: HASHED_ASSET.test(key) ? IMMUTABLE : 'no-cache',
  };
}

/**
 * Every file under the console directory, keyed by its '/'-separated relative path. Requests are answered
 * only by lookup here, so no URL is ever turned into a file-system path. Dot-files and symbolic links are
 * left out; a missing directory (console not built) gives an empty manifest.
 */
export function readConsoleManifest(dir: string): ReadonlyMap<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  const walk = (absolute: string, prefix: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const key = prefix + entry.name;
      if (entry.isDirectory()) walk(join(absolute, entry.name), `${key}/`);
      else if (entry.isFile()) files.set(key, consoleFile(join(absolute, entry.name), key));
    }
  };
  walk(dir, '');
  return files;
}

/**
 * The manifest key a console URL path names, or undefined for a path no file can have: a segment that is
 * empty, badly escaped, starts with '.' (so '.', '..' and dot-files), or decodes to a slash, backslash or NUL.
 */
export function consoleKey(rawPath: string): string | undefined {
  const trimmed = rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  if (trimmed === '') return 'index.html';
  const segments: string[] = [];
  for (const raw of trimmed.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment.startsWith('.') || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments.join('/');
}

const notFound = (message: string): ApiResponse => ({
  status: 404,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS },
  body: message,
});

const json = (value: unknown): ApiResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-cache', ...SECURITY_HEADERS },
  body: JSON.stringify(value),
});

/** `host` is the request's Host header, for the page's policy; undefined for any other file. */
async function serveFile(
  file: ConsoleFile,
  page: { host: string | undefined } | undefined,
): Promise<ApiResponse> {
  const isPage = page !== undefined;
  let body: Buffer;
  try {
    body = await readFile(file.absolutePath);
  } catch {
    // Removed since start-up (e.g. a rebuild): the manifest is a snapshot, so say so rather than guess.
    return notFound('Not Found');
  }
  return {
    status: 200,
    headers: {
      'content-type': file.contentType,
      'content-length': body.length,
      'cache-control': isPage ? 'no-cache' : file.cacheControl,
      ...(page ? pageHeaders(page.host) : SECURITY_HEADERS),
    },
    body,
  };
}

async function serveConsole(
  manifest: ReadonlyMap<string, ConsoleFile>,
  rawPath: string,
  host: string | undefined,
): Promise<ApiResponse> {
  const key = consoleKey(rawPath);
  if (key === undefined) return notFound('Not Found');
  const file = manifest.get(key);
  if (file) return serveFile(file, key === 'index.html' ? { host } : undefined);
  // A missing file (an old tab asking for last build's asset) must not be answered with the page, which a
  // browser would then refuse as a script; any other path is one of the app's own views.
  if (key !== 'index.html' && extname(key) !== '') return notFound('Not Found');
  const page = manifest.get('index.html');
  if (!page) return notFound('The console is not built; run `npm run build` in the Seawall source.');
  return serveFile(page, { host });
}

/**
 * Seawall's own unauthenticated routes under /_seawall/: health, info and the console's files; the root of
 * /_seawall/ and `console` without its slash redirect to the console.
 */
export function createInternalRoutes(options: InternalRoutesOptions): InternalRoute {
  const manifest = readConsoleManifest(options.consoleDir ?? DEFAULT_CONSOLE_DIR);
  return async (req, path) => {
    if (path === 'signin' && options.signIn) return options.signIn(req);
    if (path === 'sns/confirm-subscription' && options.confirmSubscription)
      return options.confirmSubscription(req);
    if (path === 'metrics' && options.metrics) return options.metrics(req);
    const known =
      path === '' ||
      path === 'health' ||
      path === 'info' ||
      path === 'console' ||
      path.startsWith('console/');
    if (!known) return undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return {
        status: 405,
        headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS },
        body: 'Method Not Allowed',
      };
    }
    if (path === 'health') return json({ status: 'ok' });
    if (path === 'info') return json({ region: options.region });
    if (path === '' || path === 'console') {
      return { status: 302, headers: { location: CONSOLE_PATH, ...SECURITY_HEADERS } };
    }
    return serveConsole(manifest, path.slice('console/'.length), req.headers.host);
  };
}
