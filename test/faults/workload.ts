import { type AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { type DataBrewClient, StartJobRunCommand } from '@aws-sdk/client-databrew';
import { type GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  type Model,
  multipartSent,
  PLAIN,
  plainKey,
  sentOf,
  type Upload,
  VERSIONED,
  versionedKey,
} from './model.js';
import type { Prng } from './prng.js';

export interface Clients {
  readonly s3: S3Client;
  readonly glue: GlueClient;
  readonly databrew: DataBrewClient;
  readonly athena: AthenaClient;
}

/** The crawler, recipe job and table set up before the first round. */
export interface Pipeline {
  readonly crawler: string;
  readonly job: string;
  readonly database: string;
  readonly table: string;
  /** Rows in the table (what `SELECT count(*)` answers). */
  readonly rows: number;
  /** Distinct rows: what the job's output holds. */
  readonly distinct: number;
}

export interface Workload {
  readonly model: Model;
  readonly clients: Clients;
  readonly pipeline: Pipeline;
  /** True once the kill was sent: a call that fails after it is in flight, not an error. */
  killed(): boolean;
}

const KiB = 1024;
const MiB = 1024 * KiB;
/** Versions (and markers) kept per versioned key: past this a loop deletes the oldest, so disk use is bounded. */
const MAX_VERSIONS = 5;

/** Mostly small bodies, some of a few hundred KiB, some over 1 MiB. */
function bodySize(rng: Prng): number {
  const roll = rng.next();
  if (roll < 0.5) return rng.int(0, 16 * KiB);
  if (roll < 0.85) return rng.int(16 * KiB, 512 * KiB);
  return rng.int(MiB + 1, 3 * MiB);
}

/** A call failed: while the server was up it is a finding; either way the loop stops, its call in flight. */
function failed(w: Workload, what: string, error: unknown): false {
  if (!w.killed()) w.model.errors.push(`${what}: ${(error as Error).name}: ${(error as Error).message}`);
  return false;
}

async function putPlain(w: Workload, rng: Prng, key: string): Promise<boolean> {
  const state = plainKey(w.model, key);
  const body = rng.bytes(bodySize(rng));
  const sent = sentOf(body);
  state.inFlight = { event: 'PutObject', detail: '', result: sent };
  try {
    await w.clients.s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: key, Body: body }));
  } catch (error) {
    return failed(w, `PutObject ${PLAIN}/${key}`, error);
  }
  state.current = sent;
  state.inFlight = undefined;
  w.model.audit.push({ event: 'PutObject', bucket: PLAIN, key, detail: '', acked: true });
  return true;
}

async function deletePlain(w: Workload, key: string): Promise<boolean> {
  const state = plainKey(w.model, key);
  state.inFlight = { event: 'DeleteObject', detail: '', result: null };
  try {
    await w.clients.s3.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: key }));
  } catch (error) {
    return failed(w, `DeleteObject ${PLAIN}/${key}`, error);
  }
  state.current = null;
  state.inFlight = undefined;
  w.model.audit.push({ event: 'DeleteObject', bucket: PLAIN, key, detail: '', acked: true });
  return true;
}

/** A new version, or a delete marker. */
async function writeVersion(w: Workload, rng: Prng, key: string, marker: boolean): Promise<boolean> {
  const state = versionedKey(w.model, key);
  if (state.versions.length >= MAX_VERSIONS) return dropVersion(w, rng, key, true);
  const body = marker ? undefined : rng.bytes(bodySize(rng));
  const sent = body ? sentOf(body) : undefined;
  state.inFlight = sent ? { op: 'put', body: sent } : { op: 'marker' };
  const event = marker ? 'DeleteObject' : 'PutObject';
  let id: string | undefined;
  try {
    const out = await w.clients.s3.send(
      body
        ? new PutObjectCommand({ Bucket: VERSIONED, Key: key, Body: body })
        : new DeleteObjectCommand({ Bucket: VERSIONED, Key: key }),
    );
    id = out.VersionId;
  } catch (error) {
    return failed(w, `${event} ${VERSIONED}/${key}`, error);
  }
  state.inFlight = undefined;
  if (!id) {
    w.model.errors.push(`${event} ${VERSIONED}/${key} answered no version id`);
    return false;
  }
  state.versions.push({ id, body: sent ?? 'marker' });
  w.model.audit.push({ event, bucket: VERSIONED, key, detail: id, acked: true });
  return true;
}

/** Deletes one version for good: the oldest when `oldest`, else one at random. */
async function dropVersion(w: Workload, rng: Prng, key: string, oldest: boolean): Promise<boolean> {
  const state = versionedKey(w.model, key);
  if (state.versions.length === 0) return true;
  const victim = oldest ? state.versions[0] : rng.pick(state.versions);
  if (!victim) return true;
  state.inFlight = { op: 'drop', id: victim.id };
  try {
    await w.clients.s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: key, VersionId: victim.id }));
  } catch (error) {
    return failed(w, `DeleteObject ${VERSIONED}/${key} version ${victim.id}`, error);
  }
  state.inFlight = undefined;
  state.versions = state.versions.filter((v) => v.id !== victim.id);
  state.dropped.push(victim.id);
  w.model.audit.push({ event: 'DeleteObject', bucket: VERSIONED, key, detail: victim.id, acked: true });
  return true;
}

/** Parts of at least 5 MiB but the last, two or three of them. */
function partBodies(rng: Prng): Buffer[] {
  const count = rng.chance(0.7) ? 2 : 3;
  return Array.from({ length: count }, (_, i) =>
    rng.bytes(i < count - 1 ? 5 * MiB + rng.int(0, 256 * KiB) : rng.int(1, MiB)),
  );
}

/** The parts of an upload, one after another; each acknowledged one is recorded. Answers their ETags. */
async function uploadParts(w: Workload, upload: Upload, uploadId: string | undefined, bodies: Buffer[]) {
  const etags: { PartNumber: number; ETag: string }[] = [];
  for (const [i, body] of bodies.entries()) {
    const n = i + 1;
    const sent = sentOf(body);
    upload.partInFlight = { n, sent };
    const out = await w.clients.s3.send(
      new UploadPartCommand({
        Bucket: PLAIN,
        Key: upload.key,
        UploadId: uploadId,
        PartNumber: n,
        Body: body,
      }),
    );
    upload.partInFlight = undefined;
    upload.parts.push({ n, sent });
    const detail = `${uploadId}:${n}`;
    w.model.audit.push({ event: 'UploadPart', bucket: PLAIN, key: upload.key, detail, acked: true });
    etags.push({ PartNumber: n, ETag: out.ETag ?? '' });
  }
  return etags;
}

async function multipart(w: Workload, rng: Prng, key: string): Promise<boolean> {
  const { s3 } = w.clients;
  const bodies = partBodies(rng);
  const upload: Upload = { key, creating: true, parts: [] };
  w.model.uploads.push(upload);
  try {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: PLAIN, Key: key }));
    upload.uploadId = UploadId;
    upload.creating = false;
    const Parts = await uploadParts(w, upload, UploadId, bodies);
    const result = multipartSent(bodies);
    upload.result = result;
    const state = plainKey(w.model, key);
    const detail = UploadId ?? '';
    state.inFlight = { event: 'CompleteMultipartUpload', detail, result };
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: PLAIN, Key: key, UploadId, MultipartUpload: { Parts } }),
    );
    state.current = result;
    state.inFlight = undefined;
    w.model.uploads = w.model.uploads.filter((u) => u !== upload);
    w.model.audit.push({ event: 'CompleteMultipartUpload', bucket: PLAIN, key, detail, acked: true });
    return true;
  } catch (error) {
    return failed(w, `multipart upload ${PLAIN}/${key}`, error);
  }
}

/**
 * One client loop: random S3 writes on keys of its own until the kill. Its choices come from its own
 * generator, so they do not depend on how fast the other loops go.
 */
export async function s3Loop(w: Workload, rng: Prng, loop: number): Promise<void> {
  const plain = () => `plain/${loop}/${rng.int(0, 5)}`;
  const versioned = () => `ver/${loop}/${rng.int(0, 3)}`;
  for (let going = true; going && !w.killed(); ) {
    const roll = rng.next();
    if (roll < 0.3) going = await putPlain(w, rng, plain());
    else if (roll < 0.4) going = await deletePlain(w, plain());
    else if (roll < 0.7) going = await writeVersion(w, rng, versioned(), false);
    else if (roll < 0.78) going = await writeVersion(w, rng, versioned(), true);
    else if (roll < 0.88) going = await dropVersion(w, rng, versioned(), false);
    else going = await multipart(w, rng, `mp/${loop}`);
  }
}

/** The refusals a busy pipeline answers with: a crawler already running, too many queries at once. */
const BUSY = new Set(['CrawlerRunningException', 'TooManyRequestsException']);

/** Now and then a crawl, a recipe job run or a query, until the kill. */
export async function jobsLoop(w: Workload, rng: Prng): Promise<void> {
  const { glue, databrew, athena } = w.clients;
  const { pipeline, model } = w;
  while (!w.killed()) {
    await new Promise((resolve) => setTimeout(resolve, rng.int(20, 400)));
    if (w.killed()) return;
    const what = rng.pick(['crawl', 'job', 'query', 'query'] as const);
    try {
      if (what === 'crawl') {
        await glue.send(new StartCrawlerCommand({ Name: pipeline.crawler }));
        model.audit.push({
          event: 'StartCrawler',
          bucket: '',
          key: '',
          detail: pipeline.crawler,
          acked: true,
        });
      } else if (what === 'job') {
        const { RunId } = await databrew.send(new StartJobRunCommand({ Name: pipeline.job }));
        model.jobs.runIds.push(RunId ?? '');
        model.audit.push({ event: 'StartJobRun', bucket: '', key: '', detail: RunId ?? '', acked: true });
      } else {
        const { QueryExecutionId: id } = await athena.send(
          new StartQueryExecutionCommand({
            QueryString: `SELECT count(*) FROM ${pipeline.table}`,
            QueryExecutionContext: { Database: pipeline.database },
          }),
        );
        model.jobs.queryIds.push(id ?? '');
        model.audit.push({
          event: 'StartQueryExecution',
          bucket: '',
          key: '',
          detail: id ?? '',
          acked: true,
        });
      }
    } catch (error) {
      if (w.killed()) return;
      if (!BUSY.has((error as Error).name)) failed(w, `start ${what}`, error);
    }
  }
}
