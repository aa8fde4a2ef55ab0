import {
  BatchGetQueryExecutionCommand,
  GetQueryResultsCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { DescribeJobRunCommand, ListJobRunsCommand } from '@aws-sdk/client-databrew';
import { GetCrawlerCommand } from '@aws-sdk/client-glue';
import type { Model } from './model.js';
import type { Clients, Pipeline } from './workload.js';

const QUERY_DONE = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
const RUN_DONE = ['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMEOUT'];

/** What is not finished yet: each acknowledged run and query, the newest of all, and the crawler. */
async function unfinished(clients: Clients, pipeline: Pipeline, model: Model): Promise<string[]> {
  const { glue, databrew, athena } = clients;
  const open: string[] = [];
  const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: pipeline.crawler }));
  if (Crawler?.State !== 'READY') open.push(`crawler ${pipeline.crawler} is ${Crawler?.State}`);
  const { JobRuns = [] } = await databrew.send(
    new ListJobRunsCommand({ Name: pipeline.job, MaxResults: 50 }),
  );
  for (const run of JobRuns)
    if (!RUN_DONE.includes(run.State ?? '')) open.push(`run ${run.RunId} of ${pipeline.job} is ${run.State}`);
  for (const RunId of model.jobs.runIds) {
    const run = await databrew.send(new DescribeJobRunCommand({ Name: pipeline.job, RunId }));
    if (!RUN_DONE.includes(run.State ?? '')) open.push(`acknowledged run ${RunId} is ${run.State}`);
  }
  const { QueryExecutionIds = [] } = await athena.send(new ListQueryExecutionsCommand({ MaxResults: 50 }));
  const ids = [...new Set([...QueryExecutionIds, ...model.jobs.queryIds])];
  for (let i = 0; i < ids.length; i += 50) {
    const { QueryExecutions = [], UnprocessedQueryExecutionIds = [] } = await athena.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: ids.slice(i, i + 50) }),
    );
    for (const q of QueryExecutions)
      if (!QUERY_DONE.includes(q.Status?.State ?? ''))
        open.push(`query ${q.QueryExecutionId} is ${q.Status?.State}`);
    for (const u of UnprocessedQueryExecutionIds)
      open.push(`query ${u.QueryExecutionId} is unknown: ${u.ErrorMessage}`);
  }
  return open;
}

/** A query that succeeded answers the whole count, never part of it. */
async function countsOf(clients: Clients, pipeline: Pipeline, model: Model): Promise<string[]> {
  const findings: string[] = [];
  const { QueryExecutions = [] } =
    model.jobs.queryIds.length === 0
      ? {}
      : await clients.athena.send(
          new BatchGetQueryExecutionCommand({ QueryExecutionIds: model.jobs.queryIds }),
        );
  for (const q of QueryExecutions) {
    if (q.Status?.State !== 'SUCCEEDED') continue;
    const page = await clients.athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: q.QueryExecutionId }),
    );
    const rows = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue));
    const count = rows[1]?.[0];
    if (rows.length !== 2 || count !== String(pipeline.rows))
      findings.push(
        `query ${q.QueryExecutionId} succeeded with ${JSON.stringify(rows)}, not a count of ${pipeline.rows}`,
      );
  }
  return findings;
}

/**
 * Crawls, recipe job runs and queries that were running (or queued) at the kill end in a terminal state within
 * `ms`, never stuck RUNNING; a query that succeeded has the right answer.
 */
export async function verifyJobs(
  clients: Clients,
  pipeline: Pipeline,
  model: Model,
  ms = 120_000,
): Promise<string[]> {
  const deadline = Date.now() + ms;
  let open = await unfinished(clients, pipeline, model);
  while (open.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    open = await unfinished(clients, pipeline, model);
  }
  const findings = open.map((what) => `${what} ${Math.round(ms / 1000)} s after the restart`);
  findings.push(...(await countsOf(clients, pipeline, model)));
  model.jobs = { runIds: [], queryIds: [] };
  return findings;
}
