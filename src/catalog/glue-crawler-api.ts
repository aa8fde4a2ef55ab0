import { badRequest } from '../errors.js';
import { epochSeconds, type JsonInput, jsonOperation as op, requiredString } from '../lib/aws-json.js';
import { type OperationRequest, passRole, type ServiceRoles } from '../lib/operation.js';
import type { CrawlerService, CrawlerView } from './crawler-service.js';
import { catalogOp, crawlerInputShape, glueArns, page, parseShape } from './glue-shapes.js';

function crawlerOut(crawler: CrawlerView) {
  const { Tags: _tags, ...definition } = crawler.definition;
  const last = crawler.lastCrawl;
  return {
    ...definition,
    Classifiers: [],
    State: crawler.state,
    CrawlElapsedTime: crawler.elapsedMs,
    CreationTime: epochSeconds(crawler.createTime),
    LastUpdated: epochSeconds(crawler.updateTime),
    Version: crawler.version,
    ...(last
      ? {
          LastCrawl: {
            Status: last.Status,
            ...(last.ErrorMessage ? { ErrorMessage: last.ErrorMessage } : {}),
            LogGroup: last.LogGroup,
            LogStream: last.LogStream,
            MessagePrefix: last.MessagePrefix,
            StartTime: epochSeconds(last.StartTime),
          },
        }
      : {}),
  };
}

/** Crawlers whose tags include every tag asked for (ListCrawlers' Tags filter). */
function taggedWith(crawler: CrawlerView, tags: unknown): boolean {
  if (tags === undefined || tags === null) return true;
  if (typeof tags !== 'object' || Array.isArray(tags))
    throw badRequest('InvalidInputException', 'Tags must be a map of tag keys to values.');
  const own = crawler.definition.Tags ?? {};
  return Object.entries(tags as Record<string, unknown>).every(([key, value]) => own[key] === value);
}

const CRAWLER_MEMBERS = [
  'Name',
  'Role',
  'DatabaseName',
  'Description',
  'Targets',
  'TablePrefix',
  'SchemaChangePolicy',
  'RecrawlPolicy',
  'Tags',
] as const;

const crawlerArn = (input: JsonInput<'Name'>, req: OperationRequest) => [
  glueArns(input, req).crawler(input.Name),
];

/** Listing crawlers names no resource. */
const anyResource = () => ['*'];

/** The Glue crawler operations; their definitions are checked by crawlerInputShape. */
export function createCrawlerOperations(
  crawlers: CrawlerService,
  roles: Pick<ServiceRoles, 'resolveRoleArn'>,
) {
  return {
    CreateCrawler: catalogOp(
      'CreateCrawler',
      CRAWLER_MEMBERS,
      (a, i) => [a.crawler(i.Name)],
      async (input, req) => {
        const { CatalogId: _catalog, ...definition } = input;
        const crawler = parseShape(crawlerInputShape, definition, 'crawler');
        // Handing a role to Glue takes iam:PassRole on it, as in AWS.
        await passRole(req, roles, crawler.Role, 'glue.amazonaws.com');
        await crawlers.create(crawler);
        return {};
      },
    ),
    GetCrawler: op(['Name'], crawlerArn, async (input) => ({
      Crawler: crawlerOut(await crawlers.get(requiredString(input, 'Name'))),
    })),
    GetCrawlers: op(['MaxResults', 'NextToken'], anyResource, async (input) => {
      const { items, NextToken } = page(await crawlers.list(), input);
      return { Crawlers: items.map(crawlerOut), NextToken };
    }),
    ListCrawlers: op(['MaxResults', 'NextToken', 'Tags'], anyResource, async (input) => {
      const tagged = (await crawlers.list()).filter((c) => taggedWith(c, input.Tags));
      const { items, NextToken } = page(tagged, input);
      return { CrawlerNames: items.map((c) => c.definition.Name), NextToken };
    }),
    GetCrawlerMetrics: op(['CrawlerNameList', 'MaxResults', 'NextToken'], anyResource, async (input) => {
      const names = Array.isArray(input.CrawlerNameList) ? (input.CrawlerNameList as string[]) : undefined;
      const all = (await crawlers.list()).filter((c) => !names || names.includes(c.definition.Name));
      const { items, NextToken } = page(all, input);
      return {
        CrawlerMetricsList: items.map((c) => ({
          CrawlerName: c.definition.Name,
          StillEstimating: false,
          TimeLeftSeconds: 0,
          LastRuntimeSeconds: c.elapsedMs / 1000,
          MedianRuntimeSeconds: c.elapsedMs / 1000,
          TablesCreated: c.lastCrawl?.outcome?.tablesCreated ?? 0,
          TablesUpdated: c.lastCrawl?.outcome?.tablesUpdated ?? 0,
          TablesDeleted: c.lastCrawl?.outcome?.tablesDeleted ?? 0,
        })),
        NextToken,
      };
    }),
    StartCrawler: op(['Name'], crawlerArn, async (input) => {
      await crawlers.start(requiredString(input, 'Name'));
      return {};
    }),
    StopCrawler: op(['Name'], crawlerArn, async (input) => {
      await crawlers.stop(requiredString(input, 'Name'));
      return {};
    }),
    DeleteCrawler: op(['Name'], crawlerArn, async (input) => {
      await crawlers.delete(requiredString(input, 'Name'));
      return {};
    }),
  };
}
