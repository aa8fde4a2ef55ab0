import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium: playwright-core drives it, and nothing downloads a browser of its own. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * `hostAliases` resolve to 127.0.0.1 inside this browser only, to load a page from a plain-http origin that is
 * not loopback (not a secure context) without touching the machine's resolver.
 */
export function launchBrowser(options: { hostAliases?: string[] } = {}): Promise<Browser> {
  const aliases = options.hostAliases ?? [];
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      ...(aliases.length > 0
        ? [`--host-resolver-rules=${aliases.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`]
        : []),
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Uncaught exceptions and Content-Security-Policy violations seen so far: a test expects none. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * A page in a fresh context (its own sessionStorage), watched for what a person would not see but a broken
 * page shows: script errors and resources the policy blocked. Failed API calls are not problems: the
 * browser logs a refused sign-in as an error too.
 */
export async function openWatchedPage(
  browser: Browser,
  options: { timezoneId?: string } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`CSP: ${message.text()}`);
    }
  });
  return { page, problems, close: () => context.close() };
}
