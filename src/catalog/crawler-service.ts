import type { EngineLauncher } from '../engine/index.js';
import { badRequest, insufficientCapacity, isOutOfSpace } from '../errors.js';
import type { JobRuntime, JobStopped } from '../jobs/index.js';
import type { Clock } from '../lib/clock.js';
import { uuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { type Authorizer, actAsRole, type ServiceRoles } from '../lib/operation.js';
import type { StorageService } from '../storage/index.js';
import { catalogArns } from './catalog-arns.js';
import type { CatalogStore, CrawlerRow } from './catalog-store.js';
import type { CatalogService } from './catalog-types.js';
import { type CrawlOutcome, crawl, type SkippedFile } from './crawler.js';
import type { CrawlerInput } from './glue-shapes.js';

export const CRAWL_JOB = 'glue-crawl';
/** A crawl's job ref: the crawler's name, then a run id (names cannot hold a newline). */
const REF_SEPARATOR = '\n';

function crawlerOfRef(ref: string): string {
  return ref.slice(0, ref.lastIndexOf(REF_SEPARATOR));
}
/** Glue crawlers have no time limit of their own; Seawall stops one that runs longer than this. */
export const DEFAULT_CRAWL_TIMEOUT_MS = 60 * 60_000;
/** How many crawls run at once; one that has run for a minute moves to a lane of two long ones. */
const CRAWL_CONCURRENCY = 2;
const LONG_CRAWLS = 2;
const LONG_AFTER_MS = 60_000;

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
  runRef: string | null;
  lastCrawl?: LastCrawl;
  version: number;
  elapsedMs: number;
  createTime: number;
  updateTime: number;
}

/** Glue's crawlers: their definitions, and runs on the shared job runtime. */
export interface CrawlerService {
  /** Ends crawls left running by a version without the durable queue: no job will finish them. */
  recover(): Promise<void>;
  /** CreateCrawler; AlreadyExistsException when the name is taken. */
  create(input: CrawlerInput): Promise<void>;
  /** The crawler; EntityNotFoundException when there is none. */
  get(name: string): Promise<CrawlerView>;
  list(): Promise<CrawlerView[]>;
  /** StartCrawler: queues a run; CrawlerRunningException unless the crawler is READY. */
  start(name: string): Promise<void>;
  /** StopCrawler: the crawler is STOPPING until its run has ended, then READY with a CANCELLED last crawl. */
  stop(name: string): Promise<void>;
  /** Refused with CrawlerRunningException unless the crawler is READY. */
  delete(name: string): Promise<void>;
}

function toView(row: CrawlerRow): CrawlerView {
  return {
    definition: JSON.parse(row.definition) as CrawlerInput,
    state: row.state,
    runRef: row.run_ref,
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
  /** Crawls read and write as a session of their crawler's role, authorized like any caller. */
  authorizer: Authorizer;
  roles: ServiceRoles;
  accountId: string;
  region: string;
}): CrawlerService {
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

  async function run(ref: string, signal: AbortSignal): Promise<void> {
    const name = crawlerOfRef(ref);
    const started = clock.now().getTime();
    // A crawl stopped before it ran, or superseded, has nothing to do.
    const row = await store.findCrawler(name);
    if (row?.state !== 'RUNNING' || row.run_ref !== ref) return;
    let fields: Omit<LastCrawl, 'StartTime' | 'LogGroup' | 'LogStream' | 'MessagePrefix'>;
    try {
      const crawler = toView(row);
      const authorize = await actAsRole(
        deps,
        deps.accountId,
        crawler.definition.Role,
        'glue.amazonaws.com',
        'AWS-Crawler',
        Math.ceil((deps.timeoutMs ?? DEFAULT_CRAWL_TIMEOUT_MS) / 1000) + 60,
      );
      const outcome = await crawl(
        {
          catalog: deps.catalog,
          storage: deps.storage,
          launcher: deps.launcher,
          logger,
          signal,
          authorize,
          arns: catalogArns(deps.region, deps.accountId),
        },
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
        const message = stopped
          ? `The crawl was stopped: ${stopped.message}.`
          : isOutOfSpace(error)
            ? insufficientCapacity(error).message
            : (error as Error).message;
        fields = { Status: 'FAILED', ErrorMessage: deps.storage.redactEnginePaths(message).slice(0, 2048) };
      }
    }
    await store.transitionCrawler(
      name,
      ['RUNNING', 'STOPPING'],
      {
        state: 'READY',
        last_crawl: lastCrawl(name, started, fields),
        elapsed_ms: clock.now().getTime() - started,
      },
      ref,
    );
  }

  deps.runtime.register({
    name: CRAWL_JOB,
    concurrency: CRAWL_CONCURRENCY,
    longConcurrency: LONG_CRAWLS,
    longAfterMs: LONG_AFTER_MS,
    run: ({ ref, signal }) => run(ref, signal),
    async abandoned(ref) {
      const name = crawlerOfRef(ref);
      const now = clock.now().getTime();
      await store.transitionCrawler(
        name,
        ['RUNNING', 'STOPPING'],
        {
          state: 'READY',
          last_crawl: lastCrawl(name, now, {
            Status: 'FAILED',
            ErrorMessage: 'Seawall stopped while the crawl was running.',
          }),
        },
        ref,
      );
    },
  });

  return {
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
        run_ref: null,
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
      const ref = `${name}${REF_SEPARATOR}${uuid()}`;
      if (
        !(await store.transitionCrawler(name, ['READY'], { state: 'RUNNING', elapsed_ms: 0, run_ref: ref }))
      ) {
        throw badRequest('CrawlerRunningException', `Crawler with name ${name} has already started`);
      }
      await deps.runtime.submit(CRAWL_JOB, ref, { timeoutMs: deps.timeoutMs ?? DEFAULT_CRAWL_TIMEOUT_MS });
    },

    async stop(name: string): Promise<void> {
      const crawler = await get(name);
      if (crawler.state === 'STOPPING')
        throw badRequest('CrawlerStoppingException', `Crawler with name ${name} is stopping`);
      const ref = crawler.runRef ?? '';
      if (!(await store.transitionCrawler(name, ['RUNNING'], { state: 'STOPPING' }, ref)))
        throw badRequest('CrawlerNotRunningException', `Crawler with name ${name} isn't running`);
      const outcome = await deps.runtime.cancel(CRAWL_JOB, ref);
      if (outcome !== 'stopping') {
        // It never started: nothing will record its end but us (and its job, if it comes, finds it READY).
        const now = clock.now().getTime();
        await store.transitionCrawler(
          name,
          ['STOPPING'],
          { state: 'READY', last_crawl: lastCrawl(name, now, { Status: 'CANCELLED' }) },
          ref,
        );
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
