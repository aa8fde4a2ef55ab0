import { badRequest } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { redactEnginePaths } from '../lib/duckdb.js';
import type { Logger } from '../lib/logger.js';
import type { StorageService } from '../storage/index.js';
import type { CatalogService } from './catalog-service.js';
import type { CatalogStore, CrawlerRow } from './catalog-store.js';
import { type CrawlOutcome, crawl } from './crawler.js';
import type { CrawlerInput } from './glue-shapes.js';

export interface LastCrawl {
  Status: 'SUCCEEDED' | 'CANCELLED' | 'FAILED';
  ErrorMessage?: string;
  StartTime: number;
  LogGroup: string;
  LogStream: string;
  MessagePrefix: string;
  outcome?: CrawlOutcome;
}

export interface CrawlerView {
  definition: CrawlerInput;
  state: CrawlerRow['state'];
  lastCrawl?: LastCrawl;
  version: number;
  elapsedMs: number;
  createTime: number;
  updateTime: number;
}

function toView(row: CrawlerRow): CrawlerView {
  return {
    definition: JSON.parse(row.definition) as CrawlerInput,
    state: row.state,
    ...(row.last_crawl ? { lastCrawl: JSON.parse(row.last_crawl) as LastCrawl } : {}),
    version: row.version,
    elapsedMs: row.elapsed_ms,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/** Crawler definitions and runs. A run happens in the background; its state is in the store throughout. */
export function createCrawlerService(deps: {
  store: CatalogStore;
  catalog: CatalogService;
  storage: StorageService;
  clock: Clock;
  logger: Logger;
}) {
  const { store, clock, logger } = deps;
  const running = new Map<string, Promise<void>>();

  async function get(name: string): Promise<CrawlerView> {
    const row = await store.findCrawler(name);
    if (!row) throw badRequest('EntityNotFoundException', `Crawler with name ${name} has not been found`);
    return toView(row);
  }

  async function run(name: string, definition: CrawlerInput, started: number): Promise<void> {
    const base = {
      StartTime: started,
      LogGroup: '/aws-glue/crawlers',
      LogStream: name,
      MessagePrefix: `${name}-${started}`,
    };
    let lastCrawl: LastCrawl;
    try {
      const outcome = await crawl({ catalog: deps.catalog, storage: deps.storage, logger }, definition, name);
      lastCrawl = { ...base, Status: 'SUCCEEDED', outcome };
    } catch (error) {
      logger.warn({ err: error, crawler: name }, 'crawl failed');
      lastCrawl = {
        ...base,
        Status: 'FAILED',
        ErrorMessage: redactEnginePaths((error as Error).message).slice(0, 2048),
      };
    }
    const elapsed = clock.now().getTime() - started;
    await store.transitionCrawler(name, 'RUNNING', {
      state: 'READY',
      last_crawl: JSON.stringify(lastCrawl),
      elapsed_ms: elapsed,
    });
  }

  return {
    async recover(): Promise<void> {
      const now = clock.now().getTime();
      await store.failInterruptedCrawls(
        JSON.stringify({
          Status: 'FAILED',
          ErrorMessage: 'Seawall stopped while the crawl was running.',
          StartTime: now,
          LogGroup: '/aws-glue/crawlers',
          LogStream: '',
          MessagePrefix: '',
        }),
      );
    },

    async create(input: CrawlerInput): Promise<void> {
      const now = clock.now().getTime();
      const created = await store.insertCrawler({
        name: input.Name,
        definition: JSON.stringify(input),
        state: 'READY',
        last_crawl: null,
        version: 1,
        elapsed_ms: 0,
        create_time: now,
        update_time: now,
      });
      if (!created)
        throw badRequest('AlreadyExistsException', `Crawler with name ${input.Name} already exists`);
    },

    get,

    async list(): Promise<CrawlerView[]> {
      return (await store.listCrawlers()).map(toView);
    },

    async start(name: string): Promise<void> {
      const crawler = await get(name);
      const started = clock.now().getTime();
      if (!(await store.transitionCrawler(name, 'READY', { state: 'RUNNING', elapsed_ms: 0 }))) {
        throw badRequest('CrawlerRunningException', `Crawler with name ${name} has already started`);
      }
      const job = run(name, crawler.definition, started).finally(() => running.delete(name));
      running.set(name, job);
    },

    async delete(name: string): Promise<void> {
      const crawler = await get(name);
      if (crawler.state !== 'READY')
        throw badRequest('CrawlerRunningException', `Crawler with name ${name} is running`);
      await store.deleteCrawler(name);
    },

    /** Waits for running crawls (shutdown, tests). */
    async idle(): Promise<void> {
      await Promise.all(running.values());
    },
  };
}

export type CrawlerService = ReturnType<typeof createCrawlerService>;
