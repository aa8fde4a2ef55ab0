import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDashboardBody } from '../web/src/dashboards/body.js';
import { parseInline, parseMarkdown } from '../web/src/dashboards/markdown.js';
import { expandRow, metricQueries, readMetricWidget } from '../web/src/dashboards/metric-rows.js';
import { effectivePeriod, parseDuration, rangeChoices, windowOf } from '../web/src/dashboards/time-range.js';
import { formatValue } from '../web/src/dashboards/units.js';
import { launchBrowser, openWatchedPage, type WatchedPage } from './helpers/browser.js';
import { signInWithKey } from './helpers/console-page.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const NS = 'Test/Console';
const BOARD = 'console-test';
const HOSTILE = '<script>window.__pwned = 1</script>';
const HOSTILE_IMG = '<img src=x onerror="window.__pwned = 2">';
const MINUTE = 60_000;

/** Minutes before the data is put: every 15 minutes from 157 to 22 ago (10 in 3h, the last 3 in 1h). */
const API_MINUTES = [157, 142, 127, 112, 97, 82, 67, 52, 37, 22];
const WEB_MINUTES = [100, 50, 5];

let t: TestSeawall;
let cw: CloudWatchClient;
let browser: Browser;
let watched: WatchedPage;

const timeSeries = {
  title: 'Requests',
  view: 'timeSeries',
  period: 60,
  stat: 'Sum',
  metrics: [
    [NS, 'Requests', 'Service', 'api', { id: 'm1', label: 'API requests' }],
    ['.', '.', '.', 'web'],
    [{ expression: 'm1 * 2', label: 'Doubled', id: 'e1' }],
  ],
};

const singleValue = {
  title: 'Load now',
  view: 'singleValue',
  period: 60,
  stat: 'Maximum',
  metrics: [
    [NS, 'Load', 'Host', 'a', { id: 'load', label: 'Load' }],
    [{ expression: 'load / 2', label: 'Half load' }],
  ],
};

const body = {
  start: '-PT3H',
  widgets: [
    {
      type: 'text',
      x: 0,
      y: 0,
      width: 24,
      height: 4,
      properties: {
        markdown: `# Console test board\nSome **bold** text, a [guide](https://example.com/docs) and [a trap](javascript:alert(1)).\n\n${HOSTILE}\n\n${HOSTILE_IMG}\n\n- one\n- two`,
      },
    },
    { type: 'metric', x: 0, y: 4, width: 16, height: 7, properties: timeSeries },
    { type: 'metric', x: 16, y: 4, width: 8, height: 4, properties: singleValue },
    {
      type: 'metric',
      x: 16,
      y: 8,
      width: 8,
      height: 3,
      properties: { title: 'Broken', metrics: [[{ expression: 'nobody * 2', id: 'e1' }]] },
    },
    { type: 'metric', properties: { title: 'Quiet', metrics: [[NS, 'Nothing', 'Service', 'api']] } },
    {
      type: 'alarm',
      x: 0,
      y: 11,
      width: 12,
      height: 3,
      properties: {
        title: 'Alarms',
        alarms: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:console-high-load'],
      },
    },
    {
      type: 'log',
      x: 12,
      y: 11,
      width: 12,
      height: 3,
      properties: {
        title: 'Recent logs',
        query: "SOURCE '/seawall/test' | fields @timestamp, @message | limit 5",
      },
    },
  ],
};

async function putData(): Promise<void> {
  const now = Date.now();
  const at = (minutes: number) => new Date(now - minutes * MINUTE);
  const datum = (
    name: string,
    dimension: [string, string],
    minutes: number,
    value: number,
    unit?: 'Percent',
  ) => ({
    MetricName: name,
    Dimensions: [{ Name: dimension[0], Value: dimension[1] }],
    Timestamp: at(minutes),
    Value: value,
    ...(unit ? { Unit: unit } : {}),
  });
  await cw.send(
    new PutMetricDataCommand({
      Namespace: NS,
      MetricData: [
        ...API_MINUTES.map((m, i) => datum('Requests', ['Service', 'api'], m, (i + 1) * 10)),
        ...WEB_MINUTES.map((m) => datum('Requests', ['Service', 'web'], m, 5)),
        datum('Load', ['Host', 'a'], 40, 30, 'Percent'),
        datum('Load', ['Host', 'a'], 10, 42.5, 'Percent'),
      ],
    }),
  );
}

/** Waits for a widget's answer for a given refresh of the page, in a final state. */
async function settled(page: Page, title: string, generation: number): Promise<Locator> {
  const selector = `[data-testid=dashboard-widget][data-title="${title}"][data-generation="${generation}"]:is([data-state=loaded],[data-state=empty],[data-state=failed])`;
  await page.locator(selector).waitFor({ timeout: 30_000 });
  return page.locator(selector);
}

/** How many datapoints a series' line goes through: one M or L command each. */
async function pointsOf(chart: Locator, series: string): Promise<number> {
  const d =
    (await chart.locator(`[data-testid=chart-line][data-series="${series}"]`).getAttribute('d')) ?? '';
  return (d.match(/[ML]/g) ?? []).length;
}

beforeAll(async () => {
  // Alarms change state here only when the tests say so: the evaluation clock is left to tick hourly.
  t = await startTestSeawall({ env: { SEAWALL_ALARM_EVALUATION_SECONDS: '3600' } });
  cw = new CloudWatchClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  await putData();
  const logs = new CloudWatchLogsClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.credentials,
  });
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/seawall/test' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: '/seawall/test', logStreamName: 'one' }));
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: '/seawall/test',
      logStreamName: 'one',
      logEvents: [{ timestamp: Date.now() - 5 * MINUTE, message: `hello from the test ${HOSTILE}` }],
    }),
  );
  logs.destroy();
  await cw.send(new PutDashboardCommand({ DashboardName: BOARD, DashboardBody: JSON.stringify(body) }));
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'console-high-load',
      AlarmDescription: HOSTILE_IMG,
      Namespace: NS,
      MetricName: 'Load',
      Dimensions: [{ Name: 'Host', Value: 'a' }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 90,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await watched?.close();
  await browser?.close();
  cw?.destroy();
  await t?.close();
});

describe('console dashboards: reading a body', () => {
  it('resolves "." and "..." against the row before, and numbers rows without ids as CloudWatch does', () => {
    const previous = ['NS', 'Requests', 'Service', 'api', 'Stage', 'prod'];
    expect(expandRow(['.', 'Errors', '.', '.', '.', 'beta'], previous).items).toEqual([
      'NS',
      'Errors',
      'Service',
      'api',
      'Stage',
      'beta',
    ]);
    expect(expandRow(['...', 'test', { stat: 'p99' }], previous)).toEqual({
      items: ['NS', 'Requests', 'Service', 'api', 'Stage', 'test'],
      options: { stat: 'p99' },
    });
    expect(() => expandRow(['.', 'x'], undefined)).toThrow(/no value above/);
    const spec = readMetricWidget(timeSeries);
    expect(spec.series.map((s) => [s.id, s.label ?? s.fallbackLabel, s.stat, s.period])).toEqual([
      ['m1', 'API requests', 'Sum', 60],
      ['m2', 'Requests', 'Sum', 60],
      ['e1', 'Doubled', 'Sum', 60],
    ]);
    expect(spec.series[1]?.metric?.Dimensions).toEqual([{ Name: 'Service', Value: 'web' }]);
    const bad = readMetricWidget({
      metrics: [
        ['NS', 'Name', 'Dim'],
        ['NS', 'Ok'],
      ],
    });
    expect(bad.problems).toEqual(['Row 1: The dimension Dim has no value.']);
    expect(bad.series.map((s) => s.id)).toEqual(['m2']);
  });

  it('lengthens a period a long range would give too many points, unless the body says inherit', () => {
    const week = windowOf(
      { key: '1w', label: '1w', kind: 'relative', durationMs: 7 * 86_400_000, endOffsetMs: 0 },
      0,
      1,
    );
    expect(effectivePeriod(60, week, 'auto')).toBe(900);
    expect(effectivePeriod(60, week, 'inherit')).toBe(60);
    const [query] = metricQueries(readMetricWidget(timeSeries), week, 'auto');
    expect(query?.MetricStat?.Period).toBe(900);
    expect(parseDuration('-PT3H')).toBe(3 * 3_600_000);
    expect(parseDuration('-P1DT12H')).toBe(36 * 3_600_000);
    expect(parseDuration('P')).toBeUndefined();
    expect(rangeChoices({ start: '-PT3H', end: undefined }).initial).toBe('3h');
    const own = rangeChoices({ start: '-PT6H', end: undefined });
    expect(own.initial).toBe('dashboard');
    expect(own.choices.at(-1)?.label).toBe('6h');
  });

  it('places widgets that give no position in the next free place on the 24-column grid', () => {
    const parsed = parseDashboardBody(
      JSON.stringify({
        widgets: [
          { type: 'text', x: 0, y: 0, width: 12, height: 2, properties: { markdown: 'a' } },
          { type: 'metric', properties: {} },
          { type: 'metric', width: 30, properties: {} },
        ],
      }),
    );
    expect(parsed.widgets.map((w) => [w.x, w.y, w.width, w.height])).toEqual([
      [0, 0, 12, 2],
      [12, 0, 6, 6],
      [0, 6, 24, 6],
    ]);
    expect(parsed.periodOverride).toBe('auto');
    expect(() => parseDashboardBody('{"widgets": 3}')).toThrow(/no widgets/);
  });

  it('reads markdown into a tree where markup is text and only http(s) links are links', () => {
    const blocks = parseMarkdown(`# Title\n${HOSTILE}\n\n* a **b** _c_ \`d\``);
    expect(blocks[0]).toEqual({ kind: 'heading', level: 1, children: [{ kind: 'text', text: 'Title' }] });
    expect(blocks[1]).toEqual({ kind: 'paragraph', children: [{ kind: 'text', text: HOSTILE }] });
    expect(blocks[2]).toEqual({
      kind: 'list',
      ordered: false,
      items: [
        [
          { kind: 'text', text: 'a ' },
          { kind: 'strong', children: [{ kind: 'text', text: 'b' }] },
          { kind: 'text', text: ' ' },
          { kind: 'em', children: [{ kind: 'text', text: 'c' }] },
          { kind: 'text', text: ' ' },
          { kind: 'code', text: 'd' },
        ],
      ],
    });
    expect(parseInline('[x](javascript:alert(1)) [y](data:text/html,hi) [z](/relative)')).toEqual([
      { kind: 'text', text: 'x) y z' },
    ]);
    expect(parseInline('[ok](https://example.com/a "title")')).toEqual([
      { kind: 'link', href: 'https://example.com/a', children: [{ kind: 'text', text: 'ok' }] },
    ]);
    expect(parseInline('snake_case_name')).toEqual([{ kind: 'text', text: 'snake_case_name' }]);
  });

  it('formats values with their units', () => {
    expect(formatValue(42.5, 'Percent')).toBe('42.5%');
    expect(formatValue(1500, 'Milliseconds')).toBe('1.5 s');
    expect(formatValue(3 * 1024 * 1024, 'Bytes/Second')).toBe('3 MB/s');
    expect(formatValue(12, 'Count')).toBe('12');
    expect(formatValue(21.25, undefined)).toBe('21.25');
  });
});

describe('console dashboards in Chromium', () => {
  it('lists the dashboards and draws one live: text, a line chart, single values, and errors per widget', async () => {
    watched = await openWatchedPage(browser, { timezoneId: 'UTC' });
    const { page, problems } = watched;
    await page.goto(`${t.url}/_seawall/console/`);
    await signInWithKey(page, t);
    await page.getByTestId('view-dashboards').click();
    await page.locator('[data-testid=dashboard-list][data-state=loaded]').waitFor();
    const names = await page
      .getByTestId('dashboard-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
    expect(names).toContain(BOARD);
    await page
      .locator(`[data-testid=dashboard-row][data-name="${BOARD}"] [data-testid=dashboard-open]`)
      .click();
    await page.locator('[data-testid=dashboard-page][data-state=loaded]').waitFor();
    expect(await page.getByTestId('range-3h').getAttribute('aria-pressed')).toBe('true');

    // The text widget: its heading, and markup in the markdown shown as text, never run.
    const text = page.locator('[data-testid=dashboard-widget][data-type=text]');
    expect(await text.getByTestId('markdown-heading').textContent()).toBe('Console test board');
    const shown = (await text.textContent()) ?? '';
    expect(shown).toContain(HOSTILE);
    expect(shown).toContain(HOSTILE_IMG);
    expect(await text.locator('script, img').count()).toBe(0);
    expect(
      await text
        .locator('a')
        .evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.getAttribute('rel')])),
    ).toEqual([['https://example.com/docs', 'noopener noreferrer']]);
    expect(await text.locator('strong').textContent()).toBe('bold');
    expect(await text.locator('li').count()).toBe(2);

    // The line chart: a path through each datapoint, the legend, and a summary for screen readers.
    const chart = (await settled(page, 'Requests', 1)).getByTestId('time-series-chart');
    expect(await pointsOf(chart, 'API requests')).toBe(API_MINUTES.length);
    expect(await pointsOf(chart, 'Requests')).toBe(WEB_MINUTES.length);
    expect(await pointsOf(chart, 'Doubled')).toBe(API_MINUTES.length);
    expect(await chart.getByTestId('chart-legend-item').allTextContents()).toEqual([
      'API requests',
      'Requests',
      'Doubled',
    ]);
    const svg = chart.locator('svg[role=img]');
    expect(await svg.getAttribute('aria-label')).toMatch(
      /API requests: 10 datapoints, latest 100, lowest 10, highest 100/,
    );
    expect(await svg.locator('title').textContent()).toBe('Requests');
    expect(await svg.locator('text.chart-tick').count()).toBeGreaterThan(3);
    await svg.hover();
    const tooltip = chart.getByTestId('chart-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toContain('API requests');

    // Single values: the latest value with its unit, and the expression's.
    const values = (await settled(page, 'Load now', 1)).getByTestId('single-value');
    expect(
      await values.evaluateAll((items) =>
        items.map((li) => [
          li.getAttribute('data-series'),
          li.querySelector('[data-testid=single-value-number]')?.textContent,
        ]),
      ),
    ).toEqual([
      ['Load', '42.5%'],
      ['Half load', '21.25'],
    ]);

    // A widget CloudWatch refuses says why, and only it.
    const broken = await settled(page, 'Broken', 1);
    expect(await broken.getAttribute('data-state')).toBe('failed');
    expect(await broken.getByTestId('widget-error').textContent()).toMatch(/unknown query Id nobody/);

    // A metric without data in the range says so.
    const quiet = await settled(page, 'Quiet', 1);
    expect(await quiet.getAttribute('data-state')).toBe('empty');
    expect(await quiet.getByTestId('widget-empty').textContent()).toBe('No data for this range.');

    // The alarm widget gives each alarm's state; the log widget its Insights query's rows, as text.
    const alarm = await settled(page, 'Alarms', 1);
    expect(await alarm.getByTestId('alarm-row').getAttribute('data-alarm')).toBe('console-high-load');
    const logs = await settled(page, 'Recent logs', 1);
    expect(await logs.getAttribute('data-state')).toBe('loaded');
    expect(await logs.getByTestId('log-table').textContent()).toContain(`hello from the test ${HOSTILE}`);
    expect(await logs.locator('script').count()).toBe(0);

    // Another range is read again: the last hour holds the last three API datapoints and two of web's.
    await page.getByTestId('range-1h').click();
    const hour = (await settled(page, 'Requests', 2)).getByTestId('time-series-chart');
    expect(await pointsOf(hour, 'API requests')).toBe(3);
    expect(await pointsOf(hour, 'Requests')).toBe(2);
    await page.getByTestId('dashboard-refresh').click();
    await settled(page, 'Load now', 3);

    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
  });
});

describe('console alarms in Chromium', () => {
  it('says which alarms are firing above every view, and lists alarms with their history', async () => {
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: 'console-high-load',
        StateValue: 'ALARM',
        StateReason: 'Load stayed above 90 (set by the test)',
      }),
    );
    const firing = await cw.send(
      new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    const firingNames = [...(firing.MetricAlarms ?? []), ...(firing.CompositeAlarms ?? [])].map(
      (a) => a.AlarmName,
    );
    const all = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    const allCount = (all.MetricAlarms?.length ?? 0) + (all.CompositeAlarms?.length ?? 0);

    const alarmsPage = await openWatchedPage(browser, { timezoneId: 'UTC' });
    try {
      const { page, problems } = alarmsPage;
      await page.goto(`${t.url}/_seawall/console/`);
      await signInWithKey(page, t);
      const banner = page.getByTestId('alarm-banner');
      await banner.waitFor();
      expect(await banner.getAttribute('data-count')).toBe(String(firingNames.length));
      expect(await banner.textContent()).toContain('console-high-load');

      await page.getByTestId('alarm-banner-show').click();
      await page.locator('[data-testid=alarms-view][data-state=loaded]').waitFor();
      const rows = page.getByTestId('alarms-row');
      expect(await rows.count()).toBe(allCount);
      const row = page.locator('[data-testid=alarms-row][data-alarm=console-high-load]');
      expect(await row.getAttribute('data-state')).toBe('ALARM');
      expect(await row.getByTestId('alarms-condition').textContent()).toBe(
        'Load > 90 for 2 of 3 periods of 1 minute',
      );
      // The description is shown as text, never as markup.
      expect(await row.textContent()).toContain(HOSTILE_IMG);
      expect(await row.locator('img').count()).toBe(0);

      // Filtering by state shows only the alarms in it.
      await page.getByTestId('alarms-filter-ALARM').click();
      expect(
        await page.getByTestId('alarms-row').evaluateAll((r) => r.map((x) => x.getAttribute('data-state'))),
      ).toEqual(firingNames.map(() => 'ALARM'));
      await page.getByTestId('alarms-filter-OK').click();
      expect(await page.locator('[data-testid=alarms-row][data-alarm=console-high-load]').count()).toBe(0);
      await page.getByTestId('alarms-filter-all').click();

      // An alarm opened shows why it is in its state, and its history, newest first.
      await row.getByTestId('alarms-open').click();
      expect(await page.getByTestId('alarms-reason').textContent()).toBe(
        'Load stayed above 90 (set by the test)',
      );
      const history = page.getByTestId('alarm-history');
      await history.waitFor();
      expect(await history.locator('li').first().textContent()).toContain(
        'Alarm updated from INSUFFICIENT_DATA to ALARM',
      );

      // Back to OK. The banner asks again when the tab is shown again (rather than in 30 s); while DescribeAlarms
      // fails it keeps what it said, and once it answers the banner follows.
      await cw.send(
        new SetAlarmStateCommand({ AlarmName: 'console-high-load', StateValue: 'OK', StateReason: 'calm' }),
      );
      let failed = 0;
      const api = (url: URL) => url.pathname === '/';
      await page.route(api, async (route) => {
        if ((route.request().headers()['x-amz-target'] ?? '').endsWith('.DescribeAlarms')) {
          failed += 1;
          await route.fulfill({
            status: 400,
            contentType: 'application/x-amz-json-1.0',
            body: JSON.stringify({ __type: 'InvalidParameterValueException', message: 'failing on purpose' }),
          });
        } else await route.continue();
      });
      const shownAgain = () =>
        page.evaluate(() =>
          (globalThis as unknown as { document: EventTarget }).document.dispatchEvent(
            new Event('visibilitychange'),
          ),
        );
      const refused = page.waitForResponse(
        (response) =>
          response.status() === 400 &&
          (response.request().headers()['x-amz-target'] ?? '').endsWith('.DescribeAlarms'),
      );
      await shownAgain();
      await refused;
      expect(failed).toBeGreaterThan(0);
      // The page has had the failure: two frames after it, React has drawn whatever it made of it.
      await page.evaluate(
        () =>
          new Promise<void>((resolve) => {
            const frame = (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void })
              .requestAnimationFrame;
            frame(() => frame(() => resolve()));
          }),
      );
      expect(await page.getByTestId('alarm-banner').getAttribute('data-count')).toBe(
        String(firingNames.length),
      );
      await page.unroute(api);
      await shownAgain();
      const stillFiring = firingNames.length - 1;
      await expect
        .poll(async () =>
          (await page.getByTestId('alarm-banner').count()) === 0
            ? 0
            : Number(await page.getByTestId('alarm-banner').getAttribute('data-count')),
        )
        .toBe(stillFiring);
      await page.getByTestId('alarms-refresh').click();
      await page.locator('[data-testid=alarms-view][data-state=loaded]').waitFor();
      expect(
        await page
          .locator('[data-testid=alarms-row][data-alarm=console-high-load]')
          .getAttribute('data-state'),
      ).toBe('OK');
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(problems).toEqual([]);
    } finally {
      await alarmsPage.close();
    }
  });
});
