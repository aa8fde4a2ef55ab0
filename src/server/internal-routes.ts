import { type Dirent, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiResponse } from '../lib/http.js';
import { INTERNAL_PREFIX, type InternalRoute } from './http-server.js';

export interface InternalRoutesOptions {
  region: string;
  /** The built console; by default web/dist of this checkout. */
  consoleDir?: string;
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

/**
 * The page may load only the bundle's own files and talk only to this origin, which serves every API. No
 * inline script or style: React sets styles through the CSSOM, which style-src does not govern.
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff' };
const PAGE_HEADERS = {
  ...SECURITY_HEADERS,
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

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

async function serveFile(file: ConsoleFile, isPage: boolean): Promise<ApiResponse> {
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
      ...(isPage ? PAGE_HEADERS : SECURITY_HEADERS),
    },
    body,
  };
}

async function serveConsole(
  manifest: ReadonlyMap<string, ConsoleFile>,
  rawPath: string,
): Promise<ApiResponse> {
  const key = consoleKey(rawPath);
  if (key === undefined) return notFound('Not Found');
  const file = manifest.get(key);
  if (file) return serveFile(file, key === 'index.html');
  // A missing file (an old tab asking for last build's asset) must not be answered with the page, which a
  // browser would then refuse as a script; any other path is one of the app's own views.
  if (key !== 'index.html' && extname(key) !== '') return notFound('Not Found');
  const page = manifest.get('index.html');
  if (!page) return notFound('The console is not built; run `npm run build` in the Seawall source.');
  return serveFile(page, true);
}

/** Seawall's own unauthenticated routes under /_seawall/: health, info and the console's files. */
export function createInternalRoutes(options: InternalRoutesOptions): InternalRoute {
  const manifest = readConsoleManifest(options.consoleDir ?? DEFAULT_CONSOLE_DIR);
  return async (req, path) => {
    const known = path === 'health' || path === 'info' || path === 'console' || path.startsWith('console/');
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
    if (path === 'console') {
      return { status: 302, headers: { location: `${INTERNAL_PREFIX}console/`, ...SECURITY_HEADERS } };
    }
    return serveConsole(manifest, path.slice('console/'.length));
  };
}
