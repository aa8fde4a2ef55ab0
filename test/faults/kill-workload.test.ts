import { rmSync } from 'node:fs';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, describe, expect, it } from 'vitest';
import { targetFromDataDir } from '../../src/cli/client-target.js';
import { athenaQuery } from '../helpers/athena.js';
import { runToEnd } from '../helpers/databrew.js';
import { crawl } from '../helpers/glue.js';
import { tempDir } from '../helpers/seawall.js';
import { runSeawall, type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { emptyModel, type Model } from './model.js';
import { prng, seedFrom } from './prng.js';
import { clientsFor, destroyClients, outputRows, setUp, type Target, TRAIL, TRAIL_PREFIX } from './setup.js';
import { verifyAuditRecords } from './verify-audit.js';
import { verifyJobs } from './verify-jobs.js';
import { verifyPlain, verifyUploads, verifyVersioned } from './verify-objects.js';
import { verifyDelivered } from './verify-trail.js';
import { jobsLoop, type Pipeline, s3Loop, type Workload } from './workload.js';

// A mixed workload (S3 writes, deletes, versioned overwrites, multipart uploads, crawls, recipe job runs,
// queries) against a real `seawall serve`, SIGKILLed at a random point each round and started again on the same
// data directory. After each restart every acknowledged write reads back byte for byte, every acknowledged
// deletion holds, a call in flight at the kill took effect whole or not at all, nothing the test never sent is
// listed, and background work ends rather than staying RUNNING. Every few rounds and at the end the server is
// stopped cleanly and `seawall check` must pass, the trail must verify, and every acknowledged write must have
// its audit record. KILL_ROUNDS=100 (`npm run faults`) is the full run; KILL_SEED replays a failure's choices.
// `npm test` runs four rounds, with a clean stop and check after the third and at the end: the suite is held
// to fifteen minutes on a two-core machine, and each round is some seconds of both cores.

const ROUNDS = Number(process.env.KILL_ROUNDS || 4);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`KILL_ROUNDS must be a whole number: ${process.env.KILL_ROUNDS}`);
const SEED = seedFrom(process.env.KILL_SEED);
const CHECK_EVERY = Math.max(3, Math.ceil(ROUNDS / 10));
const LOOPS = 3;
/** Trail files delivered every second, digests every two: deliveries are among what a kill interrupts. */
const SERVER_ENV = { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '2' };
const VERBOSE = process.env.KILL_ROUNDS !== undefined;

interface Run {
  readonly dir: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity;
  readonly model: Model;
  pipeline?: Pipeline;
  server?: ServerProcess;
  target?: Target;
  /** The trail's log files read so far, with their event ids. */
  readonly logFiles: Map<string, string[]>;
}

const runs: Run[] = [];

afterAll(async () => {
  for (const run of runs) await run.server?.kill();
});

async function start(run: Run): Promise<Target> {
  run.server = await startServerProcess(run.dir, SERVER_ENV);
  run.target = { url: run.server.url, region: run.region, credentials: run.credentials };
  return run.target;
}

function running(run: Run): { server: ServerProcess; target: Target; pipeline: Pipeline } {
  if (!run.server || !run.target || !run.pipeline) throw new Error('no server is running');
  return { server: run.server, target: run.target, pipeline: run.pipeline };
}

/** The workload until a random moment, then SIGKILL; returns how long it ran. */
async function workloadThenKill(run: Run, round: number): Promise<number> {
  const { server, target, pipeline } = running(run);
  const delay = prng(SEED, round, 'kill').int(50, 1500);
  let killed = false;
  const clients = clientsFor(target, 1);
  const w: Workload = { model: run.model, clients, pipeline, killed: () => killed };
  const loops = [
    ...Array.from({ length: LOOPS }, (_, i) => s3Loop(w, prng(SEED, round, 's3', i), i)),
    jobsLoop(w, prng(SEED, round, 'jobs')),
  ];
  await new Promise((resolve) => setTimeout(resolve, delay));
  killed = true;
  await server.kill();
  for (const ended of await Promise.allSettled(loops))
    if (ended.status === 'rejected') run.model.errors.push(`a client loop threw: ${ended.reason}`);
  destroyClients(clients);
  return delay;
}

/** What the restarted server shows against what the test was told; and a new query still runs. */
async function verifyRestarted(run: Run): Promise<string[]> {
  const { target, pipeline } = running(run);
  const { model } = run;
  const clients = clientsFor(target);
  try {
    const findings = model.errors.map((error) => `failed while the server was up: ${error}`);
    model.errors = [];
    findings.push(...(await verifyPlain(clients.s3, model)));
    findings.push(...(await verifyVersioned(clients.s3, model)));
    findings.push(...(await verifyUploads(clients.s3, model)));
    findings.push(...(await verifyJobs(clients, pipeline, model)));
    const rows = await athenaQuery(
      clients.athena,
      `SELECT count(*) FROM ${pipeline.table}`,
      pipeline.database,
    );
    if (rows[1]?.[0] !== String(pipeline.rows))
      findings.push(`a new query answered ${JSON.stringify(rows)}, not a count of ${pipeline.rows}`);
    return findings;
  } finally {
    destroyClients(clients);
  }
}

/** A crawl and a recipe job run started now finish, and the job's output is whole. */
async function newWorkRuns(target: Target, pipeline: Pipeline): Promise<string[]> {
  const clients = clientsFor(target);
  try {
    const findings: string[] = [];
    const crawled = await crawl(clients.glue, pipeline.crawler);
    if (crawled.LastCrawl?.Status !== 'SUCCEEDED')
      findings.push(`a new crawl ended ${crawled.LastCrawl?.Status}: ${crawled.LastCrawl?.ErrorMessage}`);
    const job = await runToEnd(clients.databrew, pipeline.job);
    if (job.State !== 'SUCCEEDED') findings.push(`a new job run ended ${job.State}: ${job.ErrorMessage}`);
    else {
      const rows = await outputRows(clients.s3);
      if (rows !== pipeline.distinct)
        findings.push(`the job's output holds ${rows} rows, not ${pipeline.distinct}`);
    }
    return findings;
  } finally {
    destroyClients(clients);
  }
}

/**
 * The trail verifies while the server runs; stopped cleanly (the start-up just made swept what the kill left),
 * `seawall check` passes and every write the test counted on has its audit record. Answers those records' ids.
 */
async function checkStopped(run: Run): Promise<{ findings: string[]; eventIds: string[] }> {
  const { server, target, pipeline } = running(run);
  const findings = await newWorkRuns(target, pipeline);
  const verify = [
    'audit',
    'verify',
    '--bucket',
    TRAIL,
    '--prefix',
    TRAIL_PREFIX,
    '--data-dir',
    run.dir,
    '--endpoint-url',
    target.url,
  ];
  const verified = await runSeawall(verify, { HOME: run.dir });
  if (verified.code !== 0)
    findings.push(`seawall audit verify exited ${verified.code}:\n${verified.stdout}${verified.stderr}`);
  const code = await server.stop();
  run.server = undefined;
  if (code !== 0) findings.push(`seawall serve exited ${code} after SIGTERM: ${server.stderr()}`);
  const checked = await runSeawall(['check', '--data-dir', run.dir]);
  if (checked.code !== 0)
    findings.push(`seawall check exited ${checked.code}:\n${checked.stdout}${checked.stderr}`);
  if (VERBOSE) console.log(`${verified.stdout.trim()}\n${checked.stdout.trim()}`);
  const audit = verifyAuditRecords(run.dir, run.model.audit);
  return { findings: [...findings, ...audit.findings], eventIds: audit.eventIds };
}

/** Started again: the trail delivers every one of those records, whatever deliveries the kills cut short. */
async function trailComplete(run: Run, eventIds: string[]): Promise<string[]> {
  const clients = clientsFor(await start(run));
  try {
    const trail = { bucket: TRAIL, prefix: TRAIL_PREFIX };
    const findings = await verifyDelivered(clients.s3, trail, eventIds, run.logFiles);
    if (VERBOSE)
      console.log(`looked for ${eventIds.length} audit records in the log files the trail delivered`);
    return findings;
  } finally {
    destroyClients(clients);
  }
}

async function killRound(run: Run, round: number): Promise<string[]> {
  const before = run.model.audit.length;
  const delay = await workloadThenKill(run, round);
  const inFlight =
    [...run.model.plain.values()].filter((k) => k.inFlight).length +
    [...run.model.versioned.values()].filter((k) => k.inFlight).length +
    run.model.uploads.filter((u) => u.creating || u.partInFlight).length;
  await start(run);
  const findings = await verifyRestarted(run);
  if (VERBOSE) {
    const added = run.model.audit.slice(before);
    const acked = added.filter((a) => a.acked).length;
    console.log(
      `round ${round}: killed after ${delay} ms; ${acked} calls acknowledged; ${inFlight} keys with a call in flight, of which ${added.length - acked} took effect`,
    );
  }
  if (round % CHECK_EVERY === 0 || round === ROUNDS) {
    const stopped = await checkStopped(run);
    findings.push(...stopped.findings, ...(await trailComplete(run, stopped.eventIds)));
  }
  return findings;
}

describe('SIGKILL at random points of a mixed workload', () => {
  it(
    'loses no acknowledged write, shows nothing partial and leaves no work running',
    async () => {
      if (VERBOSE) console.log(`KILL_SEED=${SEED} KILL_ROUNDS=${ROUNDS}`);
      const dir = tempDir('seawall-kill-');
      const init = await runSeawall(['init', '--data-dir', dir]);
      expect(init.code, init.stderr).toBe(0);
      const { credentials, region } = await targetFromDataDir(dir);
      const run: Run = { dir, region, credentials, model: emptyModel(), logFiles: new Map() };
      runs.push(run);
      run.pipeline = await setUp(await start(run));
      for (let round = 1; round <= ROUNDS; round++) {
        const context = `KILL_SEED=${SEED} KILL_ROUNDS=${ROUNDS}, round ${round}`;
        const findings = await killRound(run, round).catch((error: Error) => {
          throw new Error(`${context}: ${error.message}\n${run.server?.stderr() ?? ''}`, { cause: error });
        });
        expect(findings, context).toEqual([]);
      }
      await run.server?.stop();
      run.server = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
    120_000 + ROUNDS * 60_000,
  );
});
