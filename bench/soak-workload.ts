import { Agent } from 'node:http';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DataBrewClient } from '@aws-sdk/client-databrew';
import { CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PIPELINE_TRUST } from '../src/demo/personas.js';
import { dedupeCsvJob, runToEnd } from '../test/helpers/databrew.js';
import { csvTableCommand } from '../test/helpers/glue.js';
import type { ServedSeawall } from './harness.js';
import { runOnAthena } from './query-athena.js';
import { type Recorder, timeRequests } from './soak-stats.js';

/** The bucket the clients' objects go in, the catalog database and the recipe job. */
export const BUCKET = 'soak';
export const DATABASE = 'soak';
export const JOB = 'soak-dedupe';
/** Where the permits CSV and the job's output are. */
const LAKE = 'soak-lake';
const KINDS = ['deck', 'fence', 'garage', 'shed', 'sign'];
const QUERY = 'SELECT kind, count(*) AS permits, sum(fee) AS fees FROM permits GROUP BY kind ORDER BY kind';

/** What the clients share: which server, and the gates that keep the slow services a small share. */
export interface Workload {
  config: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  recorder: Recorder;
  /** At most this many Athena queries in flight across all clients. */
  maxQueries: number;
  /** A DataBrew job run at most this often, one at a time. */
  jobEveryMs: number;
  queries: number;
  /** Queries and job runs that have succeeded under load. */
  completed: { queries: number; jobRuns: number };
  jobRunning: boolean;
  lastJobAt: number;
  stopping: boolean;
}

/** One client: its own SDK clients (each timed into the recorder) and the objects it has in the store. */
export interface Client {
  id: number;
  /** The client's connections, shared by its four SDK clients. */
  agent: Agent;
  s3: S3Client;
  athena: AthenaClient;
  glue: GlueClient;
  databrew: DataBrewClient;
  /** Key → size of what this client has stored; one request at a time, so this is what the server holds. */
  objects: Map<string, number>;
}

const clientConfig = (server: ServedSeawall) => ({
  endpoint: server.url,
  region: server.region,
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secret },
  // A throttle or a failed request shows as itself: no SDK retry hides it.
  maxAttempts: 1,
});

/** The role the recipe job acts as: trusted by DataBrew, allowed everything. */
async function serviceRole(config: ReturnType<typeof clientConfig>): Promise<string> {
  const iam = new IAMClient(config);
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'soak-pipeline',
        AssumeRolePolicyDocument: JSON.stringify(PIPELINE_TRUST),
      }),
    );
    const PolicyArn = 'arn:aws:iam::aws:policy/AdministratorAccess';
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'soak-pipeline', PolicyArn }));
    return Role?.Arn ?? '';
  } finally {
    iam.destroy();
  }
}

/** A permits CSV of `rows` rows, with duplicates for the recipe to drop. */
function permitsCsv(rows: number): string {
  const lines = ['id,kind,fee'];
  for (let i = 0; i < rows; i++) lines.push(`${i % (rows - 20)},${KINDS[i % KINDS.length]},${i % 50}.5`);
  return `${lines.join('\n')}\n`;
}

/**
 * The fixed part of the workload, untimed: the load bucket, a CSV table in Glue over the lake bucket, a recipe
 * job over the same CSV; one query and one job run to completion so a broken setup fails here, not as load.
 */
export async function setUpWorkload(
  server: ServedSeawall,
  recorder: Recorder,
  jobEveryMs: number,
): Promise<Workload> {
  const config = clientConfig(server);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const glue = new GlueClient(config);
  const databrew = new DataBrewClient(config);
  const athena = new AthenaClient(config);
  try {
    const role = await serviceRole(config);
    for (const Bucket of [BUCKET, LAKE]) await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket: LAKE, Key: 'permits/permits.csv', Body: permitsCsv(500) }));
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: DATABASE } }));
    await glue.send(
      csvTableCommand(DATABASE, 'permits', `s3://${LAKE}/permits/`, [
        { Name: 'id', Type: 'int' },
        { Name: 'kind', Type: 'string' },
        { Name: 'fee', Type: 'double' },
      ]),
    );
    const output = { Bucket: LAKE, Key: 'deduped/' };
    await dedupeCsvJob(databrew, JOB, role, { Bucket: LAKE, Key: 'permits/' }, output);
    await checkedQuery(athena);
    const run = await runToEnd(databrew, JOB);
    if (run.State !== 'SUCCEEDED') throw new Error(`the setup's job run: ${run.State} ${run.ErrorMessage}`);
  } finally {
    for (const client of [s3, glue, databrew, athena]) client.destroy();
  }
  return {
    config,
    recorder,
    maxQueries: 2,
    jobEveryMs,
    queries: 0,
    completed: { queries: 0, jobRuns: 0 },
    jobRunning: false,
    lastJobAt: 0,
    stopping: false,
  };
}

/** The query over the permits table, failing unless it answers one row per kind. */
export async function checkedQuery(athena: AthenaClient): Promise<void> {
  const run = await runOnAthena(athena, QUERY, { database: DATABASE, pollMs: 50 });
  if (run.table.rows.length !== KINDS.length)
    throw new Error(`the query answered ${run.table.rows.length} rows, not ${KINDS.length}`);
}

/**
 * A client's SDK clients over connections of its own, each request timed under its service. The agent has an
 * idle timeout so that Node honours the server's `Keep-Alive: timeout=5` hint and drops an idle connection a
 * second before the server does; without one it ignores the hint, and a client whose event loop is late (64
 * clients on two cores) reuses a connection the server has just closed and gets ECONNRESET.
 */
export function createClient(id: number, workload: Workload): Client {
  const { config, recorder } = workload;
  const agent = new Agent({ keepAlive: true, timeout: 5_000 });
  const sdk = { ...config, requestHandler: { httpAgent: agent } };
  const client: Client = {
    id,
    agent,
    s3: new S3Client({ ...sdk, forcePathStyle: true }),
    athena: new AthenaClient(sdk),
    glue: new GlueClient(sdk),
    databrew: new DataBrewClient(sdk),
    objects: new Map(),
  };
  timeRequests(client.s3.middlewareStack, 's3', recorder);
  timeRequests(client.athena.middlewareStack, 'athena', recorder);
  timeRequests(client.glue.middlewareStack, 'glue', recorder);
  timeRequests(client.databrew.middlewareStack, 'databrew', recorder);
  return client;
}

export function destroyClient(client: Client): void {
  for (const sdk of [client.s3, client.athena, client.glue, client.databrew]) sdk.destroy();
  client.agent.destroy();
}
