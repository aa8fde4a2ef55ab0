import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  describeSent,
  type Model,
  PLAIN,
  type PlainKey,
  type Sent,
  type Upload,
  VERSIONED,
  type VersionedKey,
} from './model.js';

/**
 * After a restart: what the buckets hold against what the test sent. Every acknowledged version is there with
 * its bytes, every acknowledged deletion holds, a call in flight at the kill took effect whole or not at all,
 * and nothing is there that the test never sent. Findings are collected, not thrown, so one round reports all
 * it saw; the model is then brought up to what was seen (in-flight calls resolved).
 */

export interface Listed {
  readonly key: string;
  readonly id: string;
  readonly marker: boolean;
  readonly latest: boolean;
  readonly etag: string;
  readonly size: number;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

/** Every version in a bucket, then every delete marker, each by key and newest first. */
export async function listVersions(s3: S3Client, bucket: string): Promise<Listed[]> {
  const out: Listed[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    // Versions and delete markers come in two lists, each by key and newest first; kept apart here, as their
    // relative order is only known to the second.
    const entries = [
      ...(page.Versions ?? []).map((v) => ({ ...v, marker: false })),
      ...(page.DeleteMarkers ?? []).map((m) => ({ ...m, marker: true, ETag: '', Size: 0 })),
    ];
    for (const e of entries)
      out.push({
        key: e.Key ?? '',
        id: e.VersionId ?? '',
        marker: e.marker,
        latest: e.IsLatest === true,
        etag: unquote(e.ETag),
        size: e.Size ?? 0,
      });
    if (!page.IsTruncated) return out;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

/** The bytes of a version, hashed as they stream in; undefined if it does not exist. */
async function readBack(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<{ size: number; sha256: string; etag: string } | undefined> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    return {
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      etag: unquote(got.ETag),
    };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NoSuchKey' || name === 'NoSuchVersion') return undefined;
    throw error;
  }
}

/**
 * Whether a listing shows what was sent. In the SSE-KMS bucket (`keyed`) an ETag is not the MD5 of the bytes,
 * as S3's are not: there only the size is compared, and readsAs compares the bytes.
 */
function sameListing(sent: Sent | null, seen: Listed | undefined, keyed = false): boolean {
  if (sent === null) return seen === undefined;
  return seen !== undefined && !seen.marker && seen.size === sent.size && (keyed || seen.etag === sent.etag);
}

async function readsAs(
  s3: S3Client,
  bucket: string,
  key: string,
  sent: Sent,
  id?: string,
  /** The ETag GetObject must answer: the MD5 sent, or in the SSE-KMS bucket the one listed. */
  etag = sent.etag,
): Promise<string[]> {
  const read = await readBack(s3, bucket, key, id);
  const where = `${bucket}/${key}${id ? ` version ${id}` : ''}`;
  if (!read) return [`${where}: listed but GetObject finds nothing`];
  if (read.size !== sent.size || read.sha256 !== sent.sha256)
    return [
      `${where}: reads ${read.size} bytes (sha256 ${read.sha256}), not the ${sent.size} sent (sha256 ${sent.sha256})`,
    ];
  if (read.etag !== etag) return [`${where}: GetObject's ETag ${read.etag} is not ${etag}`];
  return [];
}

/** One unversioned key: the acknowledged state, or what the call in flight would have left. */
async function verifyPlainKey(s3: S3Client, model: Model, state: PlainKey, seen: Listed | undefined) {
  const findings: string[] = [];
  const options = [state.current, ...(state.inFlight ? [state.inFlight.result] : [])];
  const match = options.find((option) => sameListing(option, seen));
  if (match === undefined) {
    const visible = seen ? `${seen.size} bytes, ETag ${seen.etag}` : 'absent';
    const pending = state.inFlight
      ? ` or, ${state.inFlight.event} in flight, ${describeSent(state.inFlight.result)}`
      : '';
    findings.push(
      `${PLAIN}/${state.key}: ${visible}; acknowledged: ${describeSent(state.current)}${pending}`,
    );
  } else {
    if (match !== null) findings.push(...(await readsAs(s3, PLAIN, state.key, match)));
    if (state.inFlight && match === state.inFlight.result && match !== state.current) {
      const { event, detail } = state.inFlight;
      model.audit.push({ event, bucket: PLAIN, key: state.key, detail, acked: false });
    }
    state.current = match;
  }
  state.inFlight = undefined;
  return findings;
}

export async function verifyPlain(s3: S3Client, model: Model): Promise<string[]> {
  const listed = await listVersions(s3, PLAIN);
  const findings: string[] = [];
  const byKey = new Map<string, Listed>();
  for (const entry of listed) {
    if (entry.marker || entry.id !== 'null' || byKey.has(entry.key))
      findings.push(
        `${PLAIN}/${entry.key}: unexpected ${entry.marker ? 'delete marker' : 'version'} ${entry.id}`,
      );
    byKey.set(entry.key, entry);
    if (!model.plain.has(entry.key)) findings.push(`${PLAIN}/${entry.key}: an object the test never wrote`);
  }
  for (const state of model.plain.values())
    findings.push(...(await verifyPlainKey(s3, model, state, byKey.get(state.key))));
  return findings;
}

/** A version or marker the listing shows that the model does not know: the one in flight, if it fits. */
function adoptNew(model: Model, state: VersionedKey, listed: Listed[]): string[] {
  const known = new Set(state.versions.map((v) => v.id));
  const extra = listed.filter((e) => !known.has(e.id));
  if (extra.length === 0) return [];
  const [first] = extra;
  const call = state.inFlight;
  const fits =
    extra.length === 1 &&
    first?.latest === true &&
    ((call?.op === 'put' && sameListing(call.body, first, true)) || (call?.op === 'marker' && first.marker));
  if (!fits || !first || !call) {
    return extra.map((e) =>
      state.dropped.includes(e.id)
        ? `${VERSIONED}/${state.key}: version ${e.id} is back after its deletion was acknowledged`
        : `${VERSIONED}/${state.key}: ${e.marker ? 'delete marker' : 'version'} ${e.id} (${e.size} bytes, ETag ${e.etag}) the test cannot account for`,
    );
  }
  state.versions.push({ id: first.id, body: call.op === 'put' ? call.body : 'marker' });
  model.audit.push({
    event: call.op === 'put' ? 'PutObject' : 'DeleteObject',
    bucket: VERSIONED,
    key: state.key,
    detail: first.id,
    acked: false,
  });
  return [];
}

async function verifyVersionedKey(s3: S3Client, model: Model, state: VersionedKey, listed: Listed[]) {
  const where = `${VERSIONED}/${state.key}`;
  const findings = adoptNew(model, state, listed);
  const present = new Set(listed.map((e) => e.id));
  const call = state.inFlight;
  if (call?.op === 'drop' && !present.has(call.id)) {
    state.versions = state.versions.filter((v) => v.id !== call.id);
    model.audit.push({
      event: 'DeleteObject',
      bucket: VERSIONED,
      key: state.key,
      detail: call.id,
      acked: false,
    });
  }
  for (const v of state.versions)
    if (!present.has(v.id))
      findings.push(
        `${where}: acknowledged ${v.body === 'marker' ? 'delete marker' : 'version'} ${v.id} is missing`,
      );
  for (const marker of [false, true]) {
    const order = listed.filter((e) => e.marker === marker && state.versions.some((v) => v.id === e.id));
    const expected = state.versions.filter((v) => (v.body === 'marker') === marker).reverse();
    if (order.map((e) => e.id).join() !== expected.map((v) => v.id).join())
      findings.push(
        `${where}: ${marker ? 'markers' : 'versions'} listed as ${order.map((e) => e.id)}, not ${expected.map((v) => v.id)}`,
      );
  }
  const latest = listed.filter((e) => e.latest).map((e) => e.id);
  const newest = state.versions.at(-1)?.id;
  if (latest.join() !== (newest ?? ''))
    findings.push(
      `${where}: IsLatest is on ${latest.join() || 'nothing'}, not on the newest, ${newest ?? 'none'}`,
    );
  for (const v of state.versions) {
    const seen = listed.find((e) => e.id === v.id);
    if (!seen) continue;
    if (v.body === 'marker') {
      if (!seen.marker) findings.push(`${where}: ${v.id} was a delete marker, listed as a version`);
    } else if (!sameListing(v.body, seen, true))
      findings.push(
        `${where}: version ${v.id} listed as ${seen.size} bytes, ETag ${seen.etag}, not ${describeSent(v.body)}`,
      );
    else findings.push(...(await readsAs(s3, VERSIONED, state.key, v.body, v.id, seen.etag)));
  }
  for (const id of state.dropped)
    if (await readBack(s3, VERSIONED, state.key, id))
      findings.push(`${where}: deleted version ${id} still reads`);
  state.dropped = [];
  state.inFlight = undefined;
  return findings;
}

export async function verifyVersioned(s3: S3Client, model: Model): Promise<string[]> {
  const findings: string[] = [];
  const byKey = new Map<string, Listed[]>();
  for (const entry of await listVersions(s3, VERSIONED)) {
    if (!model.versioned.has(entry.key))
      findings.push(`${VERSIONED}/${entry.key}: a key the test never wrote`);
    byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]);
  }
  for (const state of model.versioned.values())
    findings.push(...(await verifyVersionedKey(s3, model, state, byKey.get(state.key) ?? [])));
  return findings;
}

/** The parts an unfinished upload holds: each acknowledged one, the one in flight whole or not at all. */
async function verifyParts(s3: S3Client, upload: Upload, uploadId: string): Promise<string[]> {
  const where = `upload ${uploadId} of ${PLAIN}/${upload.key}`;
  const { Parts = [] } = await s3.send(
    new ListPartsCommand({ Bucket: PLAIN, Key: upload.key, UploadId: uploadId }),
  );
  const findings: string[] = [];
  const allowed = [...upload.parts, ...(upload.partInFlight ? [upload.partInFlight] : [])];
  for (const part of upload.parts)
    if (!Parts.some((p) => p.PartNumber === part.n))
      findings.push(`${where}: acknowledged part ${part.n} is missing`);
  for (const p of Parts) {
    const sent = allowed.find((a) => a.n === p.PartNumber)?.sent;
    if (!sent) findings.push(`${where}: part ${p.PartNumber} was never sent`);
    else if (p.Size !== sent.size || unquote(p.ETag) !== sent.etag)
      findings.push(
        `${where}: part ${p.PartNumber} is ${p.Size} bytes, ETag ${unquote(p.ETag)}, not ${describeSent(sent)}`,
      );
  }
  return findings;
}

/**
 * Unfinished multipart uploads, after verifyPlain resolved the keys: an acknowledged one is still there with
 * its parts unless its completion took effect; none is there that the test did not begin. All are aborted.
 */
export async function verifyUploads(s3: S3Client, model: Model): Promise<string[]> {
  const findings: string[] = [];
  const { Uploads = [] } = await s3.send(new ListMultipartUploadsCommand({ Bucket: PLAIN }));
  const listed = Uploads.map((u) => ({ key: u.Key ?? '', id: u.UploadId ?? '' }));
  for (const u of listed) {
    const ours = model.uploads.find((m) => m.uploadId === u.id || (m.creating && m.key === u.key));
    if (!ours) findings.push(`${PLAIN}/${u.key}: multipart upload ${u.id} the test cannot account for`);
  }
  for (const upload of model.uploads) {
    if (upload.creating || !upload.uploadId) continue;
    const there = listed.some((u) => u.id === upload.uploadId);
    const completed = upload.result !== undefined && model.plain.get(upload.key)?.current === upload.result;
    if (completed && there)
      findings.push(
        `${PLAIN}/${upload.key}: upload ${upload.uploadId} is still listed though its object is complete`,
      );
    else if (!completed && !there)
      findings.push(
        `${PLAIN}/${upload.key}: acknowledged upload ${upload.uploadId} is gone, with no object made of it`,
      );
    else if (there) findings.push(...(await verifyParts(s3, upload, upload.uploadId)));
  }
  for (const u of listed)
    await s3.send(new AbortMultipartUploadCommand({ Bucket: PLAIN, Key: u.key, UploadId: u.id }));
  model.uploads = [];
  return findings;
}
