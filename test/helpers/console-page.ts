import type { Page } from 'playwright-core';
import type { TestSeawall } from './seawall.js';

/** Signs the console in with the root user's access key. */
export async function signInWithKey(page: Page, t: TestSeawall): Promise<void> {
  await page.getByTestId('sign-in-tab-key').click();
  await page.getByTestId('access-key-id').fill(t.credentials.accessKeyId);
  await page.getByTestId('secret-access-key').fill(t.credentials.secretAccessKey);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('sign-out-button').waitFor();
}

/** The state the query status ends in, with Athena's reason when it is not SUCCEEDED. */
export async function finalState(page: Page): Promise<string> {
  const status = page.getByTestId('query-status');
  await page.waitForSelector(
    '[data-testid=query-status]:is([data-state=SUCCEEDED],[data-state=FAILED],[data-state=CANCELLED],[data-state=ERROR])',
    { timeout: 30_000 },
  );
  const state = (await status.getAttribute('data-state')) ?? '';
  const reason = (await page.getByTestId('query-error').allTextContents()).join(' ');
  return `${state} ${reason}`.trim();
}

/** Types the SQL into the active tab's editor and runs it with Ctrl+Enter; returns the execution id. */
export async function runInEditor(page: Page, sql: string): Promise<string> {
  const editor = page.getByTestId('sql-editor');
  await editor.fill(sql);
  await editor.press('Control+Enter');
  const state = await finalState(page);
  if (state !== 'SUCCEEDED') throw new Error(`The query ended ${state}: ${sql}`);
  return (await page.getByTestId('query-status').locator('.query-id').textContent()) ?? '';
}

/** The result table's body as text cells. */
export function resultRows(page: Page): Promise<(string | null)[][]> {
  return page
    .getByTestId('result-table')
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
}
