import { statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import type { Logger } from '../lib/logger.js';
import type { OperationEvent } from '../lib/operation.js';
import { timelineOf } from '../query/execution-shapes.js';
import type { Billing } from './billing.js';
import type { Dimension, MetricStore, Sample } from './metric-store.js';

/**
 * The metrics Seawall publishes about itself, in AWS's namespaces and names where AWS has them:
 * - AWS/S3 request metrics per bucket (FilterId EntireBucket: Seawall measures every bucket) and storage
 *   metrics (BucketSizeBytes, NumberOfObjects), counting every version as S3 does, and replication metrics
 *   per rule (OperationsPendingReplication, BytesPendingReplication, ReplicationLatency);
 * - AWS/Usage CallCount per API of every service (KMS's among them), as AWS's usage metrics;
 * - AWS/Athena per workgroup, query state and type: ProcessedBytes, TotalExecutionTime, QueryQueueTime,
 *   EngineExecutionTime, ServiceProcessingTime (QueryPlanningTime is not measured apart from the engine's);
 * - Seawall/Jobs for recipe job runs and crawls (neither DataBrew nor Glue crawlers publish metrics of their
 *   own): JobRunsSucceeded, JobRunsFailed, JobRunTime, by JobType (DataBrew, GlueCrawler) and JobName; and
 *   each run's log lines to CloudWatch Logs (/aws-glue-databrew/jobs/NAME, /aws-glue/crawlers) as it ends; Seawall/Datasets for each catalog table that records its row count: RowCount and
 *   HoursSinceUpdate;
 * - Seawall/Platform: the whole platform's requests, errors, latency, storage, queries and bytes scanned;
 * - CWAgent's names for the host (cpu_usage_active, mem_used_percent, disk_used_percent, disk_free), and
 *   Seawall/Process for the process (event-loop delay, heap, resident memory).
 * Request events are gathered in memory and written every few seconds, so a request pays a map update only.
 */

type Key = string;

interface Gathered {
  namespace: string;
  name: string;
  dimensions: Dimension[];
  unit: string;
  values: Map<number, number>;
}

const S3_REQUEST_KINDS: Readonly<Record<string, string>> = {
  GetObject: 'GetRequests',
  PutObject: 'PutRequests',
  UploadPart: 'PutRequests',
  CopyObject: 'PutRequests',
  UploadPartCopy: 'PutRequests',
  DeleteObject: 'DeleteRequests',
  DeleteObjects: 'DeleteRequests',
  HeadObject: 'HeadRequests',
  PostObject: 'PostRequests',
  CreateMultipartUpload: 'PostRequests',
  CompleteMultipartUpload: 'PostRequests',
  ListObjects: 'ListRequests',
  ListObjectsV2: 'ListRequests',
  ListObjectVersions: 'ListRequests',
  ListMultipartUploads: 'ListRequests',
  ListParts: 'ListRequests',
};

/** The bucket a request's resources name, if any. */
function bucketOf(resources: readonly string[]): string | undefined {
  for (const arn of resources) {
    if (!arn.startsWith('arn:aws:s3:::')) continue;
    const rest = arn.slice('arn:aws:s3:::'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    if (bucket !== '' && bucket !== '*') return bucket;
  }
  return undefined;
}

/** One value of a metric at `time`, at a minute's resolution. */
function pointSample(
  time: number,
  namespace: string,
  name: string,
  unit: string,
  value: number,
  dimensions: Dimension[],
): Sample {
  return { metric: { namespace, name, dimensions }, unit, time, resolution: 60, values: [[value, 1]] };
}

export interface BuiltinMetrics {
  /** The pipeline's event listener. */
  onEvent(event: OperationEvent): void;
  /** Writes what was gathered and collects the periodic figures now (tests, and the timers). */
  flush(): Promise<void>;
  collectStorage(): Promise<void>;
  stop(): void;
}

/** What the collectors read: the metadata database (any backend) through Kysely. */
// biome-ignore lint/suspicious/noExplicitAny: the collectors read other domains' tables by name.
type AnyDb = Kysely<any>;

export function createBuiltinMetrics(deps: {
  store: MetricStore;
  db: AnyDb;
  billing: Billing;
  dataDir: string;
  now: () => number;
  logger: Logger;
  /** How often gathered request metrics are written and job figures collected (ms). */
  flushMs?: number;
  /** How often storage is measured (ms). */
  storageMs?: number;
  /** Where each finished job run's log lines go (CloudWatch Logs). */
  jobLog?: (group: string, stream: string, events: { timestamp: number; message: string }[]) => void;
}): BuiltinMetrics {
  const { store, db, billing, logger } = deps;
  // Jobs are collected from the first start on: what ended before it is history, not news.
  billing.setWatermark('jobs', billing.watermark('jobs', deps.now()));
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  let lastCpu = process.cpuUsage();
  let lastCpuAt = deps.now();
  let lastHostCpu = hostCpuTimes();

  /**
   * The request metrics gathered since the last write, by a short key of their dimensions (a bucket, a service's
   * operation) and then by metric: a request pays a few map lookups, and a series' dimensions are built once.
   */
  const groups = new Map<Key, Map<string, Gathered>>();
  let seriesCount = 0;

  function add(
    group: Key,
    namespace: string,
    name: string,
    unit: string,
    dimensions: () => Dimension[],
    value: number,
  ): void {
    let metrics = groups.get(group);
    if (!metrics) {
      metrics = new Map();
      groups.set(group, metrics);
    }
    let entry = metrics.get(name);
    if (!entry) {
      entry = { namespace, name, dimensions: dimensions(), unit, values: new Map() };
      metrics.set(name, entry);
      seriesCount++;
    }
    entry.values.set(value, (entry.values.get(value) ?? 0) + 1);
  }

  const none = () => [];

  function onEvent(event: OperationEvent): void {
    const { service, operation, status } = event;
    if (!service || !operation) return;
    add(
      `u\u0000${service}\u0000${operation}`,
      'AWS/Usage',
      'CallCount',
      'None',
      () => usageDimensions(service, operation),
      1,
    );
    billing.addRequest(service, operation);
    // The whole platform's figures, for its dashboard and alarms.
    add('p', 'Seawall/Platform', 'Requests', 'Count', none, 1);
    add('p', 'Seawall/Platform', '4xxErrors', 'Count', none, status >= 400 && status < 500 ? 1 : 0);
    add('p', 'Seawall/Platform', '5xxErrors', 'Count', none, status >= 500 ? 1 : 0);
    add('p', 'Seawall/Platform', 'Latency', 'Milliseconds', none, Math.round(event.durationMs));
    if (service !== 's3') return;
    // A failed request nobody signed names whatever bucket it likes: it makes no bucket's series.
    if (status >= 400 && (!event.principal || event.principal.type === 'Anonymous')) return;
    const bucket = bucketOf(event.resources);
    if (!bucket) return;
    const group = `b\u0000${bucket}`;
    const dims = () => [
      { Name: 'BucketName', Value: bucket },
      { Name: 'FilterId', Value: 'EntireBucket' },
    ];
    add(group, 'AWS/S3', 'AllRequests', 'Count', dims, 1);
    const kind = S3_REQUEST_KINDS[operation];
    if (kind) add(group, 'AWS/S3', kind, 'Count', dims, 1);
    add(group, 'AWS/S3', '4xxErrors', 'Count', dims, status >= 400 && status < 500 ? 1 : 0);
    add(group, 'AWS/S3', '5xxErrors', 'Count', dims, status >= 500 ? 1 : 0);
    add(group, 'AWS/S3', 'TotalRequestLatency', 'Milliseconds', dims, Math.round(event.durationMs));
    if (event.firstByteMs !== undefined)
      add(group, 'AWS/S3', 'FirstByteLatency', 'Milliseconds', dims, Math.round(event.firstByteMs));
    if (operation === 'GetObject' && status < 300 && event.bytesOut)
      add(group, 'AWS/S3', 'BytesDownloaded', 'Bytes', dims, event.bytesOut);
    if ((operation === 'PutObject' || operation === 'UploadPart') && status < 300 && event.bytesIn)
      add(group, 'AWS/S3', 'BytesUploaded', 'Bytes', dims, event.bytesIn);
  }

  function samples(time: number): Sample[] {
    const out: Sample[] = [];
    for (const metrics of groups.values())
      for (const entry of metrics.values()) {
        if (entry.values.size === 0) continue;
        out.push({
          metric: { namespace: entry.namespace, name: entry.name, dimensions: entry.dimensions },
          unit: entry.unit,
          time,
          resolution: 60,
          values: [...entry.values],
        });
        entry.values = new Map();
      }
    // The series are kept for the next requests, unless there are very many (buckets come and go).
    if (seriesCount > 50_000) {
      groups.clear();
      seriesCount = 0;
    }
    return out;
  }

  /** Queries and job runs finished since the last collection, from the domains' own tables. */
  async function collectJobs(time: number): Promise<Sample[]> {
    const out: Sample[] = [];
    const since = billing.watermark('jobs', time);
    const queries = await db
      .selectFrom('query_executions')
      .select([
        'workgroup',
        'state',
        'query',
        'data_scanned',
        'submitted_at',
        'started_at',
        'completed_at',
        'engine_ms',
      ])
      .where('completed_at', '>', since)
      .where('completed_at', '<=', time)
      .execute();
    for (const q of queries) {
      const dims = [
        { Name: 'QueryState', Value: String(q.state) },
        {
          Name: 'QueryType',
          Value: /^\s*(select|with|insert|values|explain|\()/i.test(String(q.query)) ? 'DML' : 'DDL',
        },
        { Name: 'WorkGroup', Value: String(q.workgroup) },
      ];
      const metric = (name: string, unit: string, value: number) =>
        out.push(pointSample(time, 'AWS/Athena', name, unit, value, dims));
      const timeline = timelineOf({
        submitted_at: Number(q.submitted_at),
        started_at: q.started_at === null ? null : Number(q.started_at),
        completed_at: Number(q.completed_at),
        engine_ms: Number(q.engine_ms),
      });
      metric('ProcessedBytes', 'Bytes', Number(q.data_scanned));
      metric('TotalExecutionTime', 'Milliseconds', timeline.totalMs);
      metric('QueryQueueTime', 'Milliseconds', timeline.queueMs);
      metric('EngineExecutionTime', 'Milliseconds', timeline.engineMs);
      metric('ServiceProcessingTime', 'Milliseconds', timeline.serviceMs);
      const platform = (name: string, unit: string, value: number) =>
        out.push(pointSample(time, 'Seawall/Platform', name, unit, value, []));
      platform('Queries', 'Count', 1);
      platform('BytesScanned', 'Bytes', Number(q.data_scanned));
      billing.addUsage('AmazonAthena', 'DataScannedInTB', Number(q.data_scanned) / 1024 ** 4);
    }
    const runs = await db
      .selectFrom('databrew_job_runs')
      .select(['job_name', 'run_id', 'state', 'started_at', 'completed_at'])
      .where('completed_at', '>', since)
      .where('completed_at', '<=', time)
      .execute();
    for (const run of runs) {
      const [name, id, state] = [String(run.job_name), String(run.run_id), String(run.state)];
      const [started, completed] = [Number(run.started_at), Number(run.completed_at)];
      jobRun(out, time, 'DataBrew', name, state, completed - started);
      billing.addUsage('AWSGlueDataBrew', 'NodeHours', (completed - started) / 3_600_000);
      // Without the run's ErrorMessage, which can quote the data: CloudWatch Logs keeps events in plaintext, and
      // the message is kept sealed with the run (DescribeJobRun).
      deps.jobLog?.(`/aws-glue-databrew/jobs/${name}`, id, [
        { timestamp: started, message: `Job run ${id} of ${name} started.` },
        {
          timestamp: completed,
          message: `Job run ${id} of ${name} ended ${state} after ${((completed - started) / 1000).toFixed(1)} s.`,
        },
      ]);
    }
    // Crawls that ended since: their last crawl, which names its log stream as Glue's does.
    const crawlers = await db
      .selectFrom('catalog_crawlers')
      .select(['name', 'last_crawl', 'elapsed_ms'])
      .where('last_crawl', 'is not', null)
      .execute();
    for (const crawler of crawlers) {
      const last = JSON.parse(String(crawler.last_crawl)) as {
        Status: string;
        ErrorMessage?: string;
        StartTime: number;
        LogGroup: string;
        LogStream: string;
        MessagePrefix: string;
        outcome?: { tablesCreated: number; tablesUpdated: number; tablesDeleted: number };
      };
      const ended = last.StartTime + Number(crawler.elapsed_ms);
      if (!(ended > since && ended <= time)) continue;
      jobRun(out, time, 'GlueCrawler', String(crawler.name), last.Status, Number(crawler.elapsed_ms));
      const prefix = `[${last.MessagePrefix}]`;
      const outcome = last.outcome;
      deps.jobLog?.(last.LogGroup, last.LogStream, [
        {
          timestamp: last.StartTime,
          message: `${prefix} BENCHMARK : Running Start Crawl for Crawler ${crawler.name}`,
        },
        ...(outcome
          ? [
              {
                timestamp: ended,
                message: `${prefix} INFO : Tables created: ${outcome.tablesCreated}, updated: ${outcome.tablesUpdated}, deleted: ${outcome.tablesDeleted}`,
              },
            ]
          : []),
        ...(last.ErrorMessage
          ? [
              {
                timestamp: ended,
                message: `${prefix} ${last.Status === 'FAILED' ? 'ERROR' : 'WARN'} : ${last.ErrorMessage}`,
              },
            ]
          : []),
        {
          timestamp: ended,
          message: `${prefix} BENCHMARK : Crawler has finished running and is in state READY (${last.Status})`,
        },
      ]);
    }
    billing.setWatermark('jobs', time);
    return out;
  }

  /** A finished job run's metrics: by its name, and by its type alone (what an alarm on any failure watches). */
  function jobRun(out: Sample[], time: number, type: string, name: string, state: string, ms: number): void {
    const failed = state === 'FAILED' || state === 'TIMEOUT' ? 1 : 0;
    const succeeded = state === 'SUCCEEDED' ? 1 : 0;
    for (const dimensions of [
      [
        { Name: 'JobType', Value: type },
        { Name: 'JobName', Value: name },
      ],
      [{ Name: 'JobType', Value: type }],
    ]) {
      const metric = (metricName: string, unit: string, value: number) =>
        out.push(pointSample(time, 'Seawall/Jobs', metricName, unit, value, dimensions));
      metric('JobRunsSucceeded', 'Count', succeeded);
      metric('JobRunsFailed', 'Count', failed);
      metric('JobRunTime', 'Seconds', ms / 1000);
    }
  }

  async function hostSamples(time: number): Promise<Sample[]> {
    const sample = (
      namespace: string,
      name: string,
      unit: string,
      value: number,
      dimensions: Dimension[] = [],
    ) => pointSample(time, namespace, name, unit, value, dimensions);
    const out: Sample[] = [];
    const host = hostCpuTimes();
    const busy = host.busy - lastHostCpu.busy;
    const total = host.total - lastHostCpu.total;
    lastHostCpu = host;
    if (total > 0) out.push(sample('CWAgent', 'cpu_usage_active', 'Percent', (busy / total) * 100));
    out.push(sample('CWAgent', 'mem_used_percent', 'Percent', ((totalmem() - freemem()) / totalmem()) * 100));
    try {
      const fs = await statfs(deps.dataDir);
      const size = fs.blocks * fs.bsize;
      const free = fs.bavail * fs.bsize;
      const path = [{ Name: 'path', Value: 'data' }];
      out.push(sample('CWAgent', 'disk_free', 'Bytes', free, path));
      out.push(
        sample('CWAgent', 'disk_used_percent', 'Percent', size > 0 ? ((size - free) / size) * 100 : 0, path),
      );
    } catch (error) {
      logger.warn({ err: error }, 'could not measure the data directory file system');
    }
    const cpu = process.cpuUsage(lastCpu);
    const elapsedMs = Math.max(1, time - lastCpuAt);
    lastCpu = process.cpuUsage();
    lastCpuAt = time;
    out.push(
      sample(
        'Seawall/Process',
        'CPUUtilization',
        'Percent',
        ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      ),
    );
    const memory = process.memoryUsage();
    out.push(sample('Seawall/Process', 'ResidentMemory', 'Bytes', memory.rss));
    out.push(sample('Seawall/Process', 'HeapUsed', 'Bytes', memory.heapUsed));
    if (loopDelay.count > 0) {
      out.push(
        sample('Seawall/Process', 'EventLoopDelayP99', 'Milliseconds', loopDelay.percentile(99) / 1e6),
      );
      out.push(sample('Seawall/Process', 'EventLoopDelayMax', 'Milliseconds', loopDelay.max / 1e6));
    }
    loopDelay.reset();
    return out;
  }

  /** The replication rules that had a backlog: each is published until it has none, then once more at zero. */
  const replicating = new Map<string, Dimension[]>();
  // Those an earlier process published (within the minute resolution's 15 days) are published once more, their
  // backlog or zero: one that drained while no process ran, or before this one's first flush, would otherwise
  // keep its last backlog as its newest figure.
  for (let after = 0; ; ) {
    const page = store.list(
      {
        namespace: 'AWS/S3',
        name: 'OperationsPendingReplication',
        activeSince: deps.now() - 15 * 86_400_000,
      },
      after,
      1000,
    );
    for (const { dimensions } of page) {
      const dims = dimensions.map(({ Name, Value }) => ({ Name, Value }));
      replicating.set(JSON.stringify(dims), dims);
    }
    const last = page.at(-1);
    if (!last || page.length < 1000) break;
    after = last.id;
  }

  /**
   * S3's replication metrics per rule, from what waits to be replicated: OperationsPendingReplication,
   * BytesPendingReplication, and ReplicationLatency as S3 defines it (how far the destination is behind: the
   * age of the oldest change not yet replicated, in seconds).
   */
  async function collectReplication(time: number): Promise<Sample[]> {
    const rows = await db
      .selectFrom('s3_replication_outbox')
      .select(['bucket', 'destination', 'rule_id'])
      .select((eb) => [
        eb.fn.countAll().as('operations'),
        eb.fn.sum('size').as('bytes'),
        eb.fn.min('created_at').as('oldest'),
      ])
      .groupBy(['bucket', 'destination', 'rule_id'])
      .execute();
    const out: Sample[] = [];
    const metric = (dims: Dimension[], name: string, unit: string, value: number) =>
      out.push(pointSample(time, 'AWS/S3', name, unit, value, dims));
    // A rule changed while its rows wait has rows of each of its versions (each names its destination as it
    // was): one backlog of the rule, summed.
    const backlogs = new Map<
      string,
      { dims: Dimension[]; operations: number; bytes: number; oldest: number }
    >();
    for (const row of rows) {
      const destination = JSON.parse(String(row.destination)) as { bucket: string };
      const dims = [
        { Name: 'DestinationBucket', Value: destination.bucket },
        { Name: 'RuleId', Value: String(row.rule_id) },
        { Name: 'SourceBucket', Value: String(row.bucket) },
      ];
      const key = JSON.stringify(dims);
      const backlog = backlogs.get(key) ?? { dims, operations: 0, bytes: 0, oldest: Number(row.oldest) };
      backlog.operations += Number(row.operations);
      backlog.bytes += Number(row.bytes ?? 0);
      backlog.oldest = Math.min(backlog.oldest, Number(row.oldest));
      backlogs.set(key, backlog);
    }
    for (const [key, { dims, operations, bytes, oldest }] of backlogs) {
      replicating.set(key, dims);
      metric(dims, 'OperationsPendingReplication', 'Count', operations);
      metric(dims, 'BytesPendingReplication', 'Bytes', bytes);
      metric(dims, 'ReplicationLatency', 'Seconds', Math.max(0, (time - oldest) / 1000));
    }
    for (const [key, dims] of replicating) {
      if (backlogs.has(key)) continue;
      replicating.delete(key);
      metric(dims, 'OperationsPendingReplication', 'Count', 0);
      metric(dims, 'BytesPendingReplication', 'Bytes', 0);
      metric(dims, 'ReplicationLatency', 'Seconds', 0);
    }
    return out;
  }

  async function flush(): Promise<void> {
    const time = deps.now();
    const all = [
      ...samples(time),
      ...(await collectJobs(time)),
      ...(await collectReplication(time)),
      ...(await hostSamples(time)),
    ];
    all.push(...billing.chargeSamples(time));
    store.put(all);
  }

  async function collectStorage(): Promise<void> {
    const time = deps.now();
    const rows = await db
      .selectFrom('object_versions')
      .select(['bucket', sql<number>`SUM(size)`.as('bytes'), sql<number>`COUNT(*)`.as('objects')])
      .where('delete_marker', '=', 0)
      .groupBy('bucket')
      .execute();
    const buckets = await db.selectFrom('buckets').select('name').execute();
    const byBucket = new Map(rows.map((row) => [String(row.bucket), row]));
    let totalBytes = 0;
    const out: Sample[] = [];
    for (const { name } of buckets) {
      const row = byBucket.get(String(name));
      const bytes = Number(row?.bytes ?? 0);
      totalBytes += bytes;
      const metric = (metricName: string, storageType: string, unit: string, value: number) =>
        out.push({
          metric: {
            namespace: 'AWS/S3',
            name: metricName,
            dimensions: [
              { Name: 'BucketName', Value: String(name) },
              { Name: 'StorageType', Value: storageType },
            ],
          },
          unit,
          time,
          resolution: 60,
          values: [[value, 1]],
        });
      metric('BucketSizeBytes', 'StandardStorage', 'Bytes', bytes);
      metric('NumberOfObjects', 'AllStorageTypes', 'Count', Number(row?.objects ?? 0));
    }
    billing.observeStorage(totalBytes, time);
    const objects = rows.reduce((n, row) => n + Number(row.objects), 0);
    for (const [name, unit, value] of [
      ['StorageBytes', 'Bytes', totalBytes],
      ['NumberOfObjects', 'Count', objects],
    ] as const)
      out.push(pointSample(time, 'Seawall/Platform', name, unit, value, []));
    out.push(...(await datasetSamples(time)));
    store.put(out);
  }

  /** Each catalog table that says how many rows it has (what recipe jobs write): its rows and its age. */
  async function datasetSamples(time: number): Promise<Sample[]> {
    const tables = await db
      .selectFrom('catalog_tables')
      .select(['database', 'name', 'definition', 'update_time'])
      .execute();
    const out: Sample[] = [];
    for (const table of tables) {
      let rows: number;
      try {
        rows = Number(
          (JSON.parse(String(table.definition)) as { Parameters?: { recordCount?: string } }).Parameters
            ?.recordCount,
        );
      } catch {
        continue;
      }
      if (!Number.isFinite(rows)) continue;
      const dimensions = [
        { Name: 'Database', Value: String(table.database) },
        { Name: 'Table', Value: String(table.name) },
      ];
      const metric = (name: string, unit: string, value: number) =>
        out.push(pointSample(time, 'Seawall/Datasets', name, unit, value, dimensions));
      metric('RowCount', 'Count', rows);
      metric('HoursSinceUpdate', 'None', Math.max(0, (time - Number(table.update_time)) / 3_600_000));
    }
    return out;
  }

  const run = (what: () => Promise<void>, label: string) => () => {
    what().catch((error: unknown) => logger.warn({ err: error }, `could not ${label}`));
  };
  const flushTimer = setInterval(run(flush, 'write the built-in metrics'), deps.flushMs ?? 10_000);
  const storageTimer = setInterval(run(collectStorage, 'measure bucket storage'), deps.storageMs ?? 900_000);
  flushTimer.unref();
  storageTimer.unref();
  // The first measurement comes with the first flush, off the start-up path.
  const firstStorage = setTimeout(run(collectStorage, 'measure bucket storage'), deps.flushMs ?? 10_000);
  firstStorage.unref();

  return {
    onEvent,
    flush,
    collectStorage,
    stop() {
      clearTimeout(firstStorage);
      clearInterval(flushTimer);
      clearInterval(storageTimer);
      loopDelay.disable();
    },
  };
}

function usageDimensions(service: string, operation: string): Dimension[] {
  return [
    { Name: 'Class', Value: 'None' },
    { Name: 'Resource', Value: operation },
    { Name: 'Service', Value: USAGE_SERVICE_NAMES[service] ?? service.toUpperCase() },
    { Name: 'Type', Value: 'API' },
  ];
}

const USAGE_SERVICE_NAMES: Readonly<Record<string, string>> = {
  kms: 'KMS',
  s3: 'S3',
  glue: 'Glue',
  athena: 'Athena',
  databrew: 'DataBrew',
  iam: 'IAM',
  sts: 'STS',
  sns: 'SNS',
  cloudtrail: 'CloudTrail',
  monitoring: 'CloudWatch',
  logs: 'Logs',
};

function hostCpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + idle + irq;
  }
  return { busy, total };
}
