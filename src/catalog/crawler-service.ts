import type { EngineLauncher } from '../engine/index.js';
import { badRequest } from '../errors.js';
import type { JobRuntime, JobStopped } from '../jobs/index.js';
import type { Clock } from '../lib/clock.js';
import { redactEnginePaths } from '../lib/duckdb.js';
import type { Logger } from '../lib/logger.js';
import type { StorageService } from '../storage/index.js';
import type { CatalogService } from './catalog-service.js';
import type { CatalogStore, CrawlerRow } from './catalog-store.js';
import { type CrawlOutcome, crawl, type SkippedFile } from './crawler.js';
import type { CrawlerInput } from './glue-shapes.js';

export const CRAWL_JOB = 'glue-crawl';
/** Glue crawlers have no time limit of their own; Seawall stops one that runs longer than this. */
export const DEFAULT_CRAWL_TIMEOUT_MS = 60 * 60_000;
/** How many crawls run at once. */
const CRAWL_CONCURRENCY = 2;

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

/** What a crawl that read most files says of the ones it skipped, as Glue's crawler logs would. */
function skippedMessage(skipped: readonly SkippedFile[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const listed = skipped
    .slice(0, 10)
    .map((f) => `${f.location}: ${f.reason}`)
    .join('; ');
  const more = skipped.length > 10 ? `; and ${skipped.length - 10} more` : '';
  return `Skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'} that could not be read: ${listed}${more}`;
}

/** Crawler definitions and runs. A run is a job on the shared runtime; its state is in the store throughout. */
export function createCrawlerService(deps: {
  store: CatalogStore;
  catalog: CatalogService;
  storage: StorageService;
  launcher: EngineLauncher;
  runtime: JobRuntime;
  clock: Clock;
  logger: Logger;
  timeoutMs?: number;
}) {
  const { store, clock, logger } = deps;

  async function get(name: string): Promise<CrawlerView> {
    const row = await store.findCrawler(name);
    if (!row) throw badRequest('EntityNotFoundException', `Crawler with name ${name} has not been found`);
    return toView(row);
  }

  function lastCrawl(
    name: string,
    started: number,
    fields: Omit<LastCrawl, 'StartTime' | 'LogGroup' | 'LogStream' | 'MessagePrefix'>,
  ): string {
    const crawl: LastCrawl = {
      StartTime: started,
      LogGroup: '/aws-glue/crawlers',
      LogStream: name,
      MessagePrefix: `${name}-${started}`,
      ...fields,
    };
    return JSON.stringify(crawl);
  }

  async function run(name: string, signal: AbortSignal): Promise<void> {
    const started = clock.now().getTime();
    let fields: Omit<LastCrawl, 'StartTime' | 'LogGroup' | 'LogStream' | 'MessagePrefix'>;
    try {
      const crawler = await get(name);
      const outcome = await crawl(
        { catalog: deps.catalog, storage: deps.storage, launcher: deps.launcher, logger, signal },
        crawler.definition,
        name,
      );
      const message = skippedMessage(outcome.skipped);
      fields = { Status: 'SUCCEEDED', outcome, ...(message ? { ErrorMessage: message.slice(0, 2048) } : {}) };
    } catch (error) {
      const stopped = signal.aborted ? (signal.reason as JobStopped) : undefined;
      if (stopped?.reason === 'cancelled') fields = { Status: 'CANCELLED' };
      else {
        if (!stopped) logger.warn({ err: error, crawler: name }, 'crawl failed');
        const message = stopped ? `The crawl was stopped: ${stopped.message}.` : (error as Error).message;
        fields = { Status: 'FAILED', ErrorMessage: redactEnginePaths(message).slice(0, 2048) };
      }
    }
    await store.transitionCrawler(name, ['RUNNING', 'STOPPING'], {
      state: 'READY',
      last_crawl: lastCrawl(name, started, fields),
      elapsed_ms: clock.now().getTime() - started,
    });
  }

  deps.runtime.register({
    name: CRAWL_JOB,
    concurrency: CRAWL_CONCURRENCY,
    run: ({ ref, signal }) => run(ref, signal),
    async abandoned(name) {
      const now = clock.now().getTime();
      await store.transitionCrawler(name, ['RUNNING', 'STOPPING'], {
        state: 'READY',
        last_crawl: lastCrawl(name, now, {
          Status: 'FAILED',
          ErrorMessage: 'Seawall stopped while the crawl was running.',
        }),
      });
    },
  });

  return {
    /** Crawls left running by a version without the durable queue have no job to finish them. */
    async recover(): Promise<void> {
      await store.failUnqueuedCrawls(
        CRAWL_JOB,
        lastCrawl('', clock.now().getTime(), {
          Status: 'FAILED',
          ErrorMessage: 'Seawall stopped while the crawl was running.',
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
      await get(name);
      if (!(await store.transitionCrawler(name, ['READY'], { state: 'RUNNING', elapsed_ms: 0 }))) {
        throw badRequest('CrawlerRunningException', `Crawler with name ${name} has already started`);
      }
      await deps.runtime.submit(CRAWL_JOB, name, { timeoutMs: deps.timeoutMs ?? DEFAULT_CRAWL_TIMEOUT_MS });
    },

    /** StopCrawler: the crawler is STOPPING until its run has ended, then READY with a CANCELLED last crawl. */
    async stop(name: string): Promise<void> {
      const crawler = await get(name);
      if (crawler.state === 'STOPPING')
        throw badRequest('CrawlerStoppingException', `Crawler with name ${name} is stopping`);
      if (!(await store.transitionCrawler(name, ['RUNNING'], { state: 'STOPPING' })))
        throw badRequest('CrawlerNotRunningException', `Crawler with name ${name} isn't running`);
      const outcome = await deps.runtime.cancel(CRAWL_JOB, name);
      if (outcome !== 'stopping') {
        // It never started: nothing will record its end but us.
        const now = clock.now().getTime();
        await store.transitionCrawler(name, ['STOPPING'], {
          state: 'READY',
          last_crawl: lastCrawl(name, now, { Status: 'CANCELLED' }),
        });
      }
    },

    async delete(name: string): Promise<void> {
      const crawler = await get(name);
      if (crawler.state !== 'READY')
        throw badRequest('CrawlerRunningException', `Crawler with name ${name} is running`);
      await store.deleteCrawler(name);
    },
  };
}

export type CrawlerService = ReturnType<typeof createCrawlerService>;
