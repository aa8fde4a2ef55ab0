import { AppError, badRequest } from '../errors.js';
import { checkMembers, epochSeconds, type JsonInput, readJsonObject } from '../lib/aws-json.js';
import { type ApiRequest, decodePathSegment, queryValue } from '../lib/http.js';
import {
  type Operation,
  type OperationRequest,
  passRole,
  registerOperations,
  type ServiceEndpoint,
  type ServiceRoles,
} from '../lib/operation.js';
import { checkDataset, checkRecipeJob, pageOf, refuseMember } from './databrew-inputs.js';
import type { JobRunRow, RecipeRow } from './etl-store.js';
import type { DatabrewService } from './etl-types.js';
import type { DatasetDefinition, RecipeJobDefinition } from './recipe-job.js';

type Query = (name: string) => string | undefined;

/**
 * One DataBrew operation: its name, route, the body members it honours (any other is refused with
 * ValidationException) and its handler, which can read only those members.
 */
interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  members: readonly string[];
  handle(params: string[], body: JsonInput<string>, req: OperationRequest, query: Query): Promise<unknown>;
}

function route<const M extends string>(
  name: string,
  method: string,
  pattern: RegExp,
  members: readonly M[],
  handle: (params: string[], body: JsonInput<M>, req: OperationRequest, query: Query) => Promise<unknown>,
): Route {
  return { name, method, pattern, members, handle };
}

const NAME = /^[^\p{Cc}]{1,255}$/u;
const MAX_BODY = 8 * 1024 * 1024;

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || !NAME.test(value))
    throw badRequest('ValidationException', `${what} must be 1 to 255 characters.`);
  return value;
}

function arn(req: ApiRequest, kind: string, id: string): string {
  return `arn:aws:databrew:${req.region}:${req.principal.accountId}:${kind}/${id}`;
}

function recipeOut(row: RecipeRow, req: ApiRequest) {
  return {
    Name: row.name,
    RecipeVersion: row.version,
    Description: row.description,
    Steps: JSON.parse(row.steps) as unknown,
    CreateDate: epochSeconds(row.create_time),
    LastModifiedDate: epochSeconds(row.update_time),
    ...(row.published_at !== null ? { PublishedDate: epochSeconds(row.published_at) } : {}),
    ResourceArn: arn(req, 'recipe', row.name),
  };
}

function runOut(row: JobRunRow, definition: RecipeJobDefinition) {
  const outcome = row.outcome ? (JSON.parse(row.outcome) as Record<string, unknown>) : undefined;
  return {
    JobName: row.job_name,
    RunId: row.run_id,
    State: row.state,
    Attempt: 1,
    DatasetName: definition.DatasetName,
    RecipeReference: definition.RecipeReference,
    Outputs: definition.Outputs,
    DataCatalogOutputs: definition.DataCatalogOutputs,
    StartedOn: epochSeconds(row.started_at),
    ...(row.completed_at !== null
      ? {
          CompletedOn: epochSeconds(row.completed_at),
          ExecutionTime: Math.round((row.completed_at - row.started_at) / 1000),
        }
      : {}),
    ...(row.error_message ? { ErrorMessage: row.error_message } : {}),
    LogSubscription: 'DISABLE',
    ...(outcome ? { Outcome: outcome } : {}),
  };
}

/**
 * The members a recipe job's settings may carry. RoleArn is required by AWS but grants nothing here (Seawall
 * runs the job with its own access); it is kept and returned as given. Timeout (minutes) stops a run with
 * state TIMEOUT. Encryption, database outputs and projects are not implemented, so they are refused.
 */
const JOB_SETTINGS = [
  'Outputs',
  'DataCatalogOutputs',
  'RoleArn',
  'LogSubscription',
  'MaxCapacity',
  'MaxRetries',
  'Timeout',
] as const;

function recipeRoutes(databrew: DatabrewService): Route[] {
  return [
    // Tags are refused here: recipes have nowhere to keep them.
    route('CreateRecipe', 'POST', /^\/recipes$/, ['Name', 'Description', 'Steps'], async (_p, body) => {
      await databrew.createRecipe(
        name(body.Name, 'Name'),
        typeof body.Description === 'string' ? body.Description : '',
        body.Steps,
      );
      return { Name: body.Name };
    }),
    route('ListRecipes', 'GET', /^\/recipes$/, [], async (_p, _b, req, query) => {
      const version = query('recipeVersion') ?? 'LATEST_WORKING';
      if (version !== 'LATEST_WORKING' && version !== 'LATEST_PUBLISHED')
        throw badRequest('ValidationException', 'recipeVersion must be LATEST_WORKING or LATEST_PUBLISHED.');
      let rows = await databrew.listRecipes();
      if (version === 'LATEST_PUBLISHED') {
        const published = await Promise.all(
          rows.map(async (r) =>
            (await databrew.recipeVersions(r.name)).filter((v) => v.published_at !== null).at(-1),
          ),
        );
        rows = published.filter((r): r is RecipeRow => r !== undefined);
      }
      const { items, NextToken } = pageOf(rows, query);
      return { Recipes: items.map((r) => recipeOut(r, req)), NextToken };
    }),
    route('DescribeRecipe', 'GET', /^\/recipes\/([^/]+)$/, [], async ([recipe], _b, req, query) =>
      recipeOut(
        await databrew.recipeVersion(recipe as string, query('recipeVersion') ?? 'LATEST_WORKING'),
        req,
      ),
    ),
    route('UpdateRecipe', 'PUT', /^\/recipes\/([^/]+)$/, ['Description', 'Steps'], async ([recipe], body) => {
      await databrew.updateRecipe(
        recipe as string,
        typeof body.Description === 'string' ? body.Description : undefined,
        body.Steps,
      );
      return { Name: recipe };
    }),
    route(
      'PublishRecipe',
      'POST',
      /^\/recipes\/([^/]+)\/publishRecipe$/,
      ['Description'],
      async ([recipe], body) => {
        await databrew.publishRecipe(
          recipe as string,
          typeof body.Description === 'string' ? body.Description : undefined,
        );
        return { Name: recipe };
      },
    ),
    route(
      'DeleteRecipeVersion',
      'DELETE',
      /^\/recipes\/([^/]+)\/recipeVersion\/([^/]+)$/,
      [],
      async ([recipe, version]) => {
        await databrew.deleteRecipeVersion(recipe as string, version as string);
        return { Name: recipe, RecipeVersion: version };
      },
    ),
    route('ListRecipeVersions', 'GET', /^\/recipeVersions$/, [], async (_p, _b, req, query) => {
      const { items, NextToken } = pageOf(await databrew.recipeVersions(query('name') ?? ''), query);
      return { Recipes: items.map((r) => recipeOut(r, req)), NextToken };
    }),
  ];
}

function datasetOut(row: { name: string; definition: string; create_time: number }) {
  return {
    Name: row.name,
    ...(JSON.parse(row.definition) as object),
    CreateDate: epochSeconds(row.create_time),
  };
}

function datasetRoutes(databrew: DatabrewService): Route[] {
  return [
    // Tags are kept with the dataset and returned by DescribeDataset, as DataBrew does.
    route(
      'CreateDataset',
      'POST',
      /^\/datasets$/,
      ['Name', 'Format', 'FormatOptions', 'Input', 'Tags'],
      async (_p, body, req) => {
        checkDataset(body, req);
        const { Name, ...definition } = body;
        await databrew.createDataset(name(Name, 'Name'), definition as unknown as DatasetDefinition);
        return { Name };
      },
    ),
    route('DescribeDataset', 'GET', /^\/datasets\/([^/]+)$/, [], async ([dataset], _b, req) => {
      const row = await databrew.dataset(dataset as string);
      return {
        ...datasetOut(row),
        LastModifiedDate: epochSeconds(row.update_time),
        Source: 'S3',
        ResourceArn: arn(req, 'dataset', row.name),
      };
    }),
    route('ListDatasets', 'GET', /^\/datasets$/, [], async (_p, _b, _req, query) => {
      const { items, NextToken } = pageOf(await databrew.listDatasets(), query);
      return { Datasets: items.map(datasetOut), NextToken };
    }),
  ];
}

function jobOut(row: { name: string; type: string; definition: string; create_time: number }) {
  return {
    ...(JSON.parse(row.definition) as object),
    Type: row.type,
    CreateDate: epochSeconds(row.create_time),
  };
}

function jobRoutes(databrew: DatabrewService, roles: Pick<ServiceRoles, 'resolveRoleArn'>): Route[] {
  const jobDefinition = async (jobName: string) =>
    JSON.parse((await databrew.job(jobName)).definition) as RecipeJobDefinition;
  return [
    route(
      'CreateRecipeJob',
      'POST',
      /^\/recipeJobs$/,
      ['Name', 'DatasetName', 'RecipeReference', 'Tags', ...JOB_SETTINGS],
      async (_p, body, req) => {
        name(body.Name, 'Name');
        name(body.DatasetName, 'DatasetName');
        name((body.RecipeReference as { Name?: unknown } | undefined)?.Name, 'RecipeReference.Name');
        checkRecipeJob(body, req);
        await passRole(req, roles, String(body.RoleArn), 'databrew.amazonaws.com');
        for (const output of (body.DataCatalogOutputs ?? []) as {
          DatabaseName?: unknown;
          TableName?: unknown;
        }[]) {
          name(output.DatabaseName, 'DataCatalogOutputs.DatabaseName');
          name(output.TableName, 'DataCatalogOutputs.TableName');
        }
        await databrew.createRecipeJob(body as unknown as RecipeJobDefinition);
        return { Name: body.Name };
      },
    ),
    route('UpdateRecipeJob', 'PUT', /^\/recipeJobs\/([^/]+)$/, JOB_SETTINGS, async ([job], body, req) => {
      checkRecipeJob(body, req);
      if (typeof body.RoleArn === 'string')
        await passRole(req, roles, body.RoleArn, 'databrew.amazonaws.com');
      const current = await jobDefinition(job as string);
      await databrew.updateRecipeJob({ ...current, ...body, Name: job as string } as RecipeJobDefinition);
      return { Name: job };
    }),
    route('DescribeJob', 'GET', /^\/jobs\/([^/]+)$/, [], async ([job], _b, req) => {
      const row = await databrew.job(job as string);
      return {
        ...jobOut(row),
        LastModifiedDate: epochSeconds(row.update_time),
        ResourceArn: arn(req, 'job', row.name),
      };
    }),
    route('ListJobs', 'GET', /^\/jobs$/, [], async (_p, _b, _req, query) => {
      const dataset = query('datasetName');
      // No job belongs to a project (ProjectName is refused at creation), so a project filter matches none.
      const jobs = query('projectName') !== undefined ? [] : await databrew.listJobs();
      const matching = jobs.filter(
        (row) =>
          dataset === undefined ||
          (JSON.parse(row.definition) as RecipeJobDefinition).DatasetName === dataset,
      );
      const { items, NextToken } = pageOf(matching, query);
      return { Jobs: items.map(jobOut), NextToken };
    }),
    route('DeleteJob', 'DELETE', /^\/jobs\/([^/]+)$/, [], async ([job]) => {
      await databrew.deleteJob(job as string);
      return { Name: job };
    }),
    route('StartJobRun', 'POST', /^\/jobs\/([^/]+)\/startJobRun$/, [], async ([job]) => ({
      RunId: await databrew.startJobRun(job as string),
    })),
    route('DescribeJobRun', 'GET', /^\/jobs\/([^/]+)\/jobRun\/([^/]+)$/, [], async ([job, runId]) =>
      runOut(await databrew.run(job as string, runId as string), await jobDefinition(job as string)),
    ),
    route('ListJobRuns', 'GET', /^\/jobs\/([^/]+)\/jobRuns$/, [], async ([job], _b, _req, query) => {
      const definition = await jobDefinition(job as string);
      const { items, NextToken } = pageOf(await databrew.listRuns(job as string), query);
      return { JobRuns: items.map((r) => runOut(r, definition)), NextToken };
    }),
    route(
      'StopJobRun',
      'POST',
      /^\/jobs\/([^/]+)\/jobRun\/([^/]+)\/stopJobRun$/,
      [],
      async ([job, runId]) => {
        await databrew.stopJobRun(job as string, runId as string);
        return { RunId: runId };
      },
    ),
  ];
}

/** What each operation touches: a recipe, a dataset or a job named in its path or body, or none (lists). */
const RESOURCE_KINDS: Readonly<Record<string, 'recipe' | 'dataset' | 'job' | 'none'>> = {
  CreateRecipe: 'recipe',
  ListRecipes: 'none',
  DescribeRecipe: 'recipe',
  UpdateRecipe: 'recipe',
  PublishRecipe: 'recipe',
  DeleteRecipeVersion: 'recipe',
  ListRecipeVersions: 'recipe',
  CreateDataset: 'dataset',
  DescribeDataset: 'dataset',
  ListDatasets: 'none',
  CreateRecipeJob: 'job',
  UpdateRecipeJob: 'job',
  DescribeJob: 'job',
  ListJobs: 'none',
  DeleteJob: 'job',
  StartJobRun: 'job',
  DescribeJobRun: 'job',
  ListJobRuns: 'job',
  StopJobRun: 'job',
};

/** A DataBrew request as its route read it: the path's parameters, the query and the body's members. */
interface DatabrewInput {
  params: string[];
  query: Query;
  body: JsonInput<string>;
}

function resourcesOf(kind: string | undefined, input: DatabrewInput, req: ApiRequest): string[] {
  if (kind === undefined) throw new Error('a DataBrew operation without its resource kind');
  if (kind === 'none') return ['*'];
  const named = input.params[0] ?? input.body.Name ?? input.query('name');
  return [arn(req, kind, typeof named === 'string' ? named : '')];
}

function operationOf(route: Route): Operation<DatabrewInput, DatabrewInput> {
  const kind = RESOURCE_KINDS[route.name];
  return {
    service: 'databrew',
    name: route.name,
    action: `databrew:${route.name}`,
    decode: async (raw, req) => {
      const body =
        req.method === 'GET' || req.method === 'DELETE'
          ? {}
          : await readJsonObject(req, 'ValidationException', MAX_BODY);
      return { ...raw, body: checkMembers(route.name, route.members, body, refuseMember) };
    },
    resources: (input, req) => resourcesOf(kind, input, req),
    handle: async (input, req) => {
      const output = await route.handle(input.params, input.body, req, input.query);
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(output) };
    },
  };
}

/** The Glue DataBrew API (restJson1): recipes, datasets, recipe jobs and job runs. */
export function createDatabrewApi(
  databrew: DatabrewService,
  roles: Pick<ServiceRoles, 'resolveRoleArn'>,
): ServiceEndpoint {
  const routes = [...recipeRoutes(databrew), ...datasetRoutes(databrew), ...jobRoutes(databrew, roles)];
  const operations = registerOperations('databrew', routes.map(operationOf));
  return {
    protocol: 'restJson',
    operations,
    async resolve(req) {
      for (const [index, route] of routes.entries()) {
        if (route.method !== req.method) continue;
        const match = route.pattern.exec(req.rawPath);
        if (!match) continue;
        const params = match.slice(1).map((p) => decodePathSegment(p));
        const query: Query = (param) => queryValue(req.query, param);
        return {
          operation: operations[index] as Operation<DatabrewInput, DatabrewInput>,
          raw: { params, query },
        };
      }
      throw new AppError(
        'UnknownOperationException',
        404,
        `No DataBrew operation for ${req.method} ${req.rawPath.slice(0, 200)}.`,
      );
    },
  };
}
